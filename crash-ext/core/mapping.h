/*
 * mapping.h: the DAX entries of one address_space, checked against struct pages and pgmaps;
 * finding DAX inodes; choosing the entry era by consistency (kernel-facts J.1, J.4, P-A4).
 */
#ifndef DT_MAPPING_H
#define DT_MAPPING_H

#include "memmap.h"
#include "tree.h"

/* include/linux/page-flags.h: PAGE_MAPPING_DAX_COW (6.0-6.1), PAGE_MAPPING_DAX_SHARED (the 6.12
 * sample), removed in 6.15 ("fs/dax: remove PAGE_MAPPING_DAX_SHARED mapping flag") */
#define DT_PAGE_MAPPING_DAX_COW 0x1ULL

/* One leaf of an i_pages tree. */
struct dt_slot_rec {
	uint64_t index, nr, raw;
	enum dt_slot kind;
};

struct dt_mapping {
	uint64_t mapping, host, i_pages;
	uint64_t nrpages, ino;
	uint32_t i_flags;
	uint16_t i_mode;
	int nr, cap;
	struct dt_slot_rec *slots;
	struct dt_walk_stats walk;
	int walk_failed;
	struct dt_memmap_window *win;	/* struct pages of the entries, a vmemmap page at a time */
};

/* Read an address_space and collect its leaves (bounded). 0 or -1 with err. */
int dt_mapping_load(const struct dt_target *t, const struct dt_layout *l, uint64_t mapping,
		    struct dt_mapping *m, char *err, size_t errlen);
void dt_mapping_free(struct dt_mapping *m);

/* What an address given by the user is: inode, address_space, file or dentry. */
int dt_resolve_mapping(const struct dt_target *t, const struct dt_layout *l, uint64_t addr,
		       uint64_t *mapping, const char **kind);

/* Choose the era by consistency among eras of the layout's container (or keep forced), from
 * the first DT_ERA_SAMPLE leaves of each mapping: thousands of entries are evidence enough, and
 * a mapping of millions would otherwise be decoded once per era before it is shown (the drgn
 * front end samples the same leaves: drgn/daxtriage/mapping.py ERA_SAMPLE). */
#define DT_ERA_SAMPLE 4096
/* Choose the era by consistency among eras of the layout's container (or keep forced). */
struct dt_era_choice {
	const struct dt_era *era;
	int forced;
	int real, consistent;	/* real entries / those whose pfn lands in a pgmap range */
	char why[240];
};
void dt_era_choose(const struct dt_layout *l, const struct dt_pgmap_set *pms,
		   struct dt_mapping *const *maps, int nmaps, const struct dt_era *forced,
		   struct dt_era_choice *out);

/* One analysed entry. */
struct dt_map_entry {
	struct dt_slot_rec s;
	struct dt_entry e;
	int order_mismatch;		/* tree span disagrees with the decoded order */
	uint64_t pfn;			/* payload if pfn-based */
	uint64_t page;			/* struct page of pfn, 0 if unknown */
	int page_ok;
	int32_t refcount, mapcount_raw;
	uint64_t busy;			/* pages of the entry that are not idle */
	uint64_t unreadable;		/* struct pages not in the dump */
	const char *assoc;		/* ok, shared, mismatch, unreadable, - */
	uint64_t assoc_bad_pfn;
	const struct dt_pgmap *pgmap;
};

/* Called for each non-idle page of an entry when expanding (-p). */
typedef void (*dt_page_cb)(void *arg, const struct dt_map_entry *me, const struct dt_page *p,
			   int idle);

void dt_entry_analyse(const struct dt_target *t, const struct dt_layout *l,
		      const struct dt_pgmap_set *pms, const struct dt_mapping *m,
		      const struct dt_era *era, const struct dt_slot_rec *s,
		      struct dt_map_entry *out, dt_page_cb pcb, void *parg);

/* Every inode with S_DAX on every superblock (bounded).  cb returns nonzero to stop. */
typedef int (*dt_inode_cb)(void *arg, uint64_t sb, uint64_t inode);
int dt_for_each_dax_inode(const struct dt_target *t, const struct dt_layout *l,
			  dt_inode_cb cb, void *arg, char *err, size_t errlen);

#endif
