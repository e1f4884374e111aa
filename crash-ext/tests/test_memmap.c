/* test_memmap.c: bulk memmap reads and the page census on a synthetic memmap with the
 * recorded 6.1 struct page layout: compound tails, pinned pages, and a vmemmap page that is
 * not in the dump. */
#include <stdlib.h>
#include <string.h>
#include "fake.h"
#include "memmap.h"
#include "unit.h"

#define VMEMMAP 0xffffea0000000000ULL
#define START 0x140000ULL
#define NPAGES 2048ULL

static void put_page(unsigned char *b, uint64_t word1, int32_t refcount, uint64_t mapping,
		     uint64_t index)
{
	memset(b, 0, 64);
	for (int i = 0; i < 8; i++) {
		b[8 + i] = (unsigned char)(word1 >> (8 * i));
		b[24 + i] = (unsigned char)(mapping >> (8 * i));
		b[32 + i] = (unsigned char)(index >> (8 * i));
	}
	int32_t mc = -1;
	memcpy(b + 48, &mc, 4);
	memcpy(b + 52, &refcount, 4);
}

struct seen {
	int n;
	uint64_t pfn[8];
	int32_t ref[8];
};

static int cb(void *arg, const struct dt_page *p, int idle)
{
	struct seen *s = arg;
	(void)idle;
	if (s->n < 8) {
		s->pfn[s->n] = p->pfn;
		s->ref[s->n] = p->refcount;
	}
	s->n++;
	return 0;
}

TEST(test_census_devdax_compound_and_hole)
{
	struct fake *f = fake_new();
	if (fake_load(f, fixture("fsdax-ext4-6.1.rec")))
		SKIP("fixture not readable");
	struct dt_target t;
	struct dt_layout l;
	fake_target(f, &t);
	CHECK_EQ(dt_layout_probe(&t, &l), 0);
	fake_vmemmap(f, VMEMMAP, 64);
	/* 4 compound pages of order 9 (vmemmap_shift 9): heads at refcount 1, tails 0 */
	unsigned char *mm = malloc(NPAGES * 64);
	for (uint64_t i = 0; i < NPAGES; i++) {
		uint64_t head = VMEMMAP + (START + (i & ~511ULL)) * 64;
		if (i % 512 == 0)
			put_page(mm + i * 64, 0, 1, 0xffff8d76814fd838ULL, i);
		else
			put_page(mm + i * 64, head | 1, 0, 0, 0);
	}
	put_page(mm + 512 * 64, 0, 2, 0xffff8d76814fd838ULL, 512);	/* a pinned head */
	put_page(mm + 1536 * 64, 0, 3, 0xffff8d76814fd838ULL, 1536);
	fake_mem(f, VMEMMAP + START * 64, mm, NPAGES * 64);
	fake_hole(f, VMEMMAP + (START + 1024 + 64) * 64, 4096);	/* 64 struct pages missing */
	struct dt_pgmap pm;
	memset(&pm, 0, sizeof(pm));
	pm.type = DT_MT_GENERIC;
	pm.vmemmap_shift = 9;
	pm.nr_range = 1;
	pm.start[0] = START << 12;
	pm.end[0] = ((START + NPAGES) << 12) - 1;
	pm.pfn_first[0] = START;
	struct seen s = { 0 };
	struct dt_census c;
	CHECK_EQ(dt_census_range(&t, &l, &pm, START, START + NPAGES, cb, &s, &c), 0);
	CHECK_EQ(c.pages, NPAGES - 64);
	CHECK_EQ(c.unreadable, 64);
	CHECK(strstr(c.unreadable_why, "not in the dump") != NULL);
	CHECK_EQ(c.tails, NPAGES - 4 - 64);
	CHECK_EQ(c.nonidle_total, 2);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.pfn[0], START + 512); CHECK_EQ(s.ref[0], 2);
	CHECK_EQ(s.pfn[1], START + 1536); CHECK_EQ(s.ref[1], 3);
	CHECK_EQ(c.nr_buckets, 4);
	CHECK_EQ(c.hist[0].refcount, 0); CHECK_EQ(c.hist[0].pages, NPAGES - 4 - 64);
	CHECK_EQ(c.hist[1].refcount, 1); CHECK_EQ(c.hist[1].pages, 2);
	CHECK_EQ(c.hist[2].refcount, 2); CHECK_EQ(c.hist[2].pages, 1);
	CHECK_EQ(c.hist[3].refcount, 3); CHECK_EQ(c.hist[3].pages, 1);
	CHECK(c.reads <= NPAGES / DT_MEMMAP_CHUNK + 8 + 1);	/* bulk, with one chunk retried */
	/* a single page, decoded */
	struct dt_page p;
	CHECK_EQ(dt_page_read(&t, &l, START + 1, &p), 0);
	CHECK(p.tail);
	CHECK_EQ(p.head, VMEMMAP + START * 64);
	free(mm);
	fake_free(f);
}

TEST(test_census_altmap_reserved_pfns_skipped)
{
	struct fake *f = fake_new();
	if (fake_load(f, fixture("fsdax-ext4-6.1.rec")))
		SKIP("fixture not readable");
	struct dt_target t;
	struct dt_layout l;
	fake_target(f, &t);
	CHECK_EQ(dt_layout_probe(&t, &l), 0);
	fake_vmemmap(f, VMEMMAP, 64);
	unsigned char *mm = malloc(1024 * 64);
	for (int i = 0; i < 1024; i++)
		put_page(mm + i * 64, 0, 1, 0, 0);
	fake_mem(f, VMEMMAP + START * 64, mm, 1024 * 64);
	struct dt_pgmap pm;
	memset(&pm, 0, sizeof(pm));
	pm.type = DT_MT_FS_DAX;
	pm.altmap_valid = 1;
	pm.altmap_offset = 100;
	pm.nr_range = 1;
	pm.start[0] = START << 12;
	pm.pfn_first[0] = START + 100;
	struct dt_census c;
	CHECK_EQ(dt_census_range(&t, &l, &pm, START, START + 1024, NULL, NULL, &c), 0);
	CHECK_EQ(c.altmap_skipped, 100);
	CHECK_EQ(c.pages, 924);
	CHECK_EQ(c.unreadable, 0);
	CHECK_EQ(c.nonidle_total, 0);
	free(mm);
	fake_free(f);
}
