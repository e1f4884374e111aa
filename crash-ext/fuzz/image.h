/*
 * image.h: the fuzzers' memory image, a struct dt_target whose memory is the fuzz input.
 *
 * The input is a list of regions, each { u64 addr (little-endian), u16 len, len bytes }, cut
 * where the input ends.  Reads succeed only inside one region, as reads of a dump succeed only
 * where the dump holds the bytes.  Everything else the core asks (symbols, member offsets,
 * type sizes, enumerators, pfn_to_page) is the answer crash gave on a real dump: the recording
 * tests/fixtures/fsdax-ext4-6.1.rec, loaded once (the layout too).  The seeds of the corpus are
 * the reads the core made on that recording (fuzz/seeds.c), so mutations start from a real
 * tree, pgmap and percpu_ref.
 */
#ifndef DT_FUZZ_IMAGE_H
#define DT_FUZZ_IMAGE_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include "layout.h"

#define IMAGE_MAX_REGIONS 128

struct image_region {
	uint64_t addr;
	size_t len;
	const unsigned char *b;
};

struct image {
	int n;
	struct image_region r[IMAGE_MAX_REGIONS];
	struct dt_target t;		/* reads from the regions, the rest from the recording */
	const struct dt_layout *l;	/* probed on the recording */
};

/* Load the recording and probe its layout (once; aborts if the fixture is missing). */
const struct dt_layout *image_layout(void);
/* The recording's own target (reads the recorded bytes): what seeds.c records from. */
const struct dt_target *image_recording(void);
/* Parse data (kept, not copied) into im; returns the address of the first region (0: none). */
uint64_t image_parse(struct image *im, const uint8_t *data, size_t size);
/* Serialise one region, for the seed generator. */
void image_put(FILE *fp, uint64_t addr, const void *bytes, size_t len);

#endif
