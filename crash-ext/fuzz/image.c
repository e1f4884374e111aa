/* image.c: the fuzzers' memory image (see image.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake.h"
#include "image.h"

static struct fake *recording;
static struct dt_target rec_target;
static struct dt_layout layout;

const struct dt_layout *image_layout(void)
{
	if (recording)
		return &layout;
	recording = fake_new();
	if (fake_load(recording, fixture("fsdax-ext4-6.1.rec"))) {
		fprintf(stderr, "fuzz: cannot read %s (set DAXTRIAGE_FIXTURES)\n",
			fixture("fsdax-ext4-6.1.rec"));
		abort();
	}
	fake_target(recording, &rec_target);
	if (dt_layout_probe(&rec_target, &layout)) {
		fprintf(stderr, "fuzz: layout probe failed: %s\n", layout.error);
		abort();
	}
	return &layout;
}

const struct dt_target *image_recording(void)
{
	image_layout();
	return &rec_target;
}

static int im_read(void *ctx, uint64_t addr, enum dt_space sp, void *buf, size_t len)
{
	const struct image *im = ctx;
	(void)sp;
	for (int i = im->n - 1; i >= 0; i--) {
		const struct image_region *r = &im->r[i];
		if (addr >= r->addr && len <= r->len && addr - r->addr <= r->len - len) {
			memcpy(buf, r->b + (addr - r->addr), len);
			return 0;
		}
	}
	return -1;
}

/* Everything but memory is the recording's answer (fake.c callbacks on its own ctx). */
static int im_symbol(void *ctx, const char *name, uint64_t *addr)
{
	(void)ctx;
	return rec_target.symbol(rec_target.ctx, name, addr);
}
static long im_off(void *ctx, const char *t, const char *m)
{
	(void)ctx;
	return rec_target.member_offset(rec_target.ctx, t, m);
}
static long im_msize(void *ctx, const char *t, const char *m)
{
	(void)ctx;
	return rec_target.member_size(rec_target.ctx, t, m);
}
static long im_tsize(void *ctx, const char *t)
{
	(void)ctx;
	return rec_target.type_size(rec_target.ctx, t);
}
static int im_enum(void *ctx, const char *name, long *v)
{
	(void)ctx;
	return rec_target.enum_value(rec_target.ctx, name, v);
}
static int im_pfn_to_page(void *ctx, uint64_t pfn, uint64_t *page)
{
	(void)ctx;
	return rec_target.pfn_to_page(rec_target.ctx, pfn, page);
}

uint64_t image_parse(struct image *im, const uint8_t *data, size_t size)
{
	im->l = image_layout();
	im->n = 0;
	size_t p = 0;
	while (im->n < IMAGE_MAX_REGIONS && size - p >= 10) {
		uint64_t addr = 0;
		for (int i = 7; i >= 0; i--)
			addr = addr << 8 | data[p + (size_t)i];
		size_t len = (size_t)data[p + 8] | (size_t)data[p + 9] << 8;
		p += 10;
		if (len > size - p)
			len = size - p;
		im->r[im->n++] = (struct image_region){ addr, len, data + p };
		p += len;
	}
	memset(&im->t, 0, sizeof(im->t));
	im->t.ctx = im;
	im->t.read = im_read;
	im->t.symbol = im_symbol;
	im->t.member_offset = im_off;
	im->t.member_size = im_msize;
	im->t.type_size = im_tsize;
	im->t.enum_value = im_enum;
	im->t.pfn_to_page = im_pfn_to_page;
	return im->n ? im->r[0].addr : 0;
}

void image_put(FILE *fp, uint64_t addr, const void *bytes, size_t len)
{
	unsigned char h[10];
	for (int i = 0; i < 8; i++)
		h[i] = (unsigned char)(addr >> (8 * i));
	h[8] = (unsigned char)len;
	h[9] = (unsigned char)(len >> 8);
	fwrite(h, 1, sizeof(h), fp);
	fwrite(bytes, 1, len, fp);
}
