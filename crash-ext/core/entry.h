/*
 * entry.h: DAX page-cache entry decoding for every era.
 *
 * The encodings are data: share/dax-encodings.json, transcribed into dt_eras[] at build time
 * (gen_encodings.py -> encodings.gen.c).  Nothing here hard-codes a bit: the decoder applies
 * the table's masks to the raw slot word.  Facts: kernel-facts.md section A, worked words in
 * section K.
 */
#ifndef DT_ENTRY_H
#define DT_ENTRY_H

#include <stdint.h>
#include <stddef.h>

enum dt_container { DT_CONT_RADIX, DT_CONT_XARRAY };
enum dt_payload { DT_PAYLOAD_SECTOR, DT_PAYLOAD_PFN };

/* Roles of entry bits, as the tools print them (letters in dt_flag_letters()). */
enum dt_flag_role {
	DT_F_LOCKED = 1 << 0,	/* L: owned by a task (4.7+) */
	DT_F_PMD = 1 << 1,	/* P: PMD-sized entry */
	DT_F_PUD = 1 << 2,	/* U: PUD-sized entry (seed 002/004 proposals only) */
	DT_F_ZERO = 1 << 3,	/* Z: maps the (huge) zero page: a read hole */
	DT_F_EMPTY = 1 << 4,	/* E: placeholder used only for locking */
	DT_F_ZAP = 1 << 5,	/* X: zapped (seed 004 proposal) */
	DT_F_PTE = 1 << 6,	/* explicit 4k type bit (4.5-4.9) */
	DT_F_DEV = 1 << 7,	/* PFN_DEV (seed 002) */
	DT_F_MAP = 1 << 8,	/* PFN_MAP (seed 002) */
};

struct dt_era_flag {
	const char *name;	/* kernel #define */
	unsigned role;		/* enum dt_flag_role */
	uint64_t mask, value;	/* set iff (raw & mask) == value */
	int order;		/* 2^order pages when set, 0 if the flag says nothing */
};

struct dt_era {
	const char *id, *kernels, *cite;
	enum dt_container container;
	enum dt_payload payload;
	uint64_t entry_mask, entry_value;
	uint64_t payload_mask;	/* 0: all bits */
	int payload_shift;
	uint64_t known_mask;
	int nr_flags;
	struct dt_era_flag flags[8];
};

extern const struct dt_era dt_eras[];
extern const int dt_nr_eras;

/* A decoded entry. */
struct dt_entry {
	const struct dt_era *era;
	uint64_t raw;
	int is_entry;		/* the word is a DAX entry of this era's container */
	unsigned flags;		/* enum dt_flag_role bits */
	int order;
	uint64_t payload;	/* pfn or sector, per era->payload */
	uint64_t unknown_bits;	/* low bits outside known_mask that are set (and not payload) */
};

const struct dt_era *dt_era_find(const char *id);
/* Decode raw under era; returns 0 if the word is a DAX entry of that era, -1 if not. */
int dt_entry_decode(const struct dt_era *era, uint64_t raw, struct dt_entry *out);
/* Flag letters L P U Z E X (fixed order), or "-" if none; buf >= 8 bytes. */
const char *dt_flag_letters(unsigned flags, char *buf, size_t len);
/* "LOCKED|PMD" style names from the era's #defines; buf for the result. */
const char *dt_flag_names(const struct dt_entry *e, char *buf, size_t len);
/* Real entry: maps device pages (neither zero nor empty). */
static inline int dt_entry_is_real(const struct dt_entry *e)
{
	return e->is_entry && !(e->flags & (DT_F_ZERO | DT_F_EMPTY));
}

#endif
