/*
 * seeds.c: the first corpus of each harness, from the recording tests/fixtures/fsdax-ext4-6.1.rec.
 * Runs the harnesses' operations (ops.c) over the recording through a target that keeps every
 * successful read, and writes those reads as a memory image (image.h).  Usage: seeds DIR
 * (writes DIR/entry, DIR/tree, DIR/pgmap).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "image.h"
#include "ops.h"

/* Addresses in the recording (tests/test_replay.c, truth.json of the fsdax-ext4 sample). */
#define PMD_MAPPING 0xffff8acd7f9af5d8ULL
#define PTE_MAPPING 0xffff8acd7f9ad9e8ULL
#define FSDAX_PGMAP 0xffff8acd022890b0ULL
#define DEVDAX_PGMAP 0xffff8acd048e2c00ULL

struct rec_read {
	uint64_t addr;
	size_t len;
	unsigned char *b;
};

static struct rec_read reads[4096];
static int nreads;
static struct dt_target inner;

static int keep_read(void *ctx, uint64_t addr, enum dt_space sp, void *buf, size_t len)
{
	(void)ctx;
	if (inner.read(inner.ctx, addr, sp, buf, len))
		return -1;
	for (int i = 0; i < nreads; i++)
		if (reads[i].addr == addr && reads[i].len == len)
			return 0;
	if (nreads < 4096 && len <= 0xffff) {
		reads[nreads].addr = addr;
		reads[nreads].len = len;
		reads[nreads].b = malloc(len);
		memcpy(reads[nreads].b, buf, len);
		nreads++;
	}
	return 0;
}

static void reset(void)
{
	for (int i = 0; i < nreads; i++)
		free(reads[i].b);
	nreads = 0;
}

/* first: the region that must come first (the root object), len bytes of it */
static void write_seed(const char *dir, const char *name, const void *head, size_t headlen,
		       uint64_t first, size_t firstlen)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	if (!fp) {
		perror(path);
		exit(1);
	}
	fwrite(head, 1, headlen, fp);
	unsigned char *b = malloc(firstlen);
	if (inner.read(inner.ctx, first, DT_KVADDR, b, firstlen) == 0)
		image_put(fp, first, b, firstlen);
	free(b);
	for (int i = 0; i < nreads; i++)
		image_put(fp, reads[i].addr, reads[i].b, reads[i].len);
	fclose(fp);
	reset();
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: seeds DIR\n");
		return 2;
	}
	const struct dt_layout *l = image_layout();
	inner = *image_recording();
	struct dt_target t = inner;
	t.read = keep_read;
	char dir[4096];
	for (const char *sub = "entry\0tree\0pgmap\0"; *sub; sub += strlen(sub) + 1) {
		snprintf(dir, sizeof(dir), "%s/%s", argv[1], sub);
		mkdir(argv[1], 0755);
		mkdir(dir, 0755);
	}

	/* entries: the recording's words (PMD, PTE, zero-page) and one per era selector */
	static const uint64_t words[] = { 0x2108005, 0x210c005, 0xc400d, 0x1082c1 << 2 | 1,
					  0x4000000000000046ULL, 0x22, 0x402 };
	for (unsigned i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		unsigned char e[9];
		e[0] = (unsigned char)i;
		for (int k = 0; k < 8; k++)
			e[1 + k] = (unsigned char)(words[i] >> (8 * k));
		snprintf(dir, sizeof(dir), "%s/entry/seed-%u", argv[1], i);
		FILE *fp = fopen(dir, "wb");
		if (!fp || fwrite(e, 1, sizeof(e), fp) != sizeof(e))
			return 1;
		fclose(fp);
	}

	/* trees: the PMD and the PTE mapping, index 512 / 3 */
	snprintf(dir, sizeof(dir), "%s/tree", argv[1]);
	static const struct {
		const char *name;
		uint64_t mapping, index;
	} maps[] = { { "pmd", PMD_MAPPING, 512 }, { "pte", PTE_MAPPING, 3 } };
	for (int i = 0; i < 2; i++) {
		unsigned char head[9] = { 0 };
		for (int k = 0; k < 8; k++)
			head[1 + k] = (unsigned char)(maps[i].index >> (8 * k));
		op_tree(&t, l, maps[i].mapping, 0, maps[i].index);
		write_seed(dir, maps[i].name, head, sizeof(head), maps[i].mapping,
			   (size_t)l->as_i_pages + 16);
	}

	/* pgmaps: the registry with both pgmaps, rooted at each */
	snprintf(dir, sizeof(dir), "%s/pgmap", argv[1]);
	op_pgmap(&t, l, FSDAX_PGMAP);
	write_seed(dir, "fsdax", NULL, 0, FSDAX_PGMAP, (size_t)l->pm_size);
	op_pgmap(&t, l, DEVDAX_PGMAP);
	write_seed(dir, "devdax", NULL, 0, DEVDAX_PGMAP, (size_t)l->pm_size);
	return 0;
}
