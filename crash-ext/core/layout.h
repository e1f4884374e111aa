/*
 * layout.h: member offsets and era decisions, probed once per dump.
 *
 * Every decision is taken from debuginfo (a member, a type, a symbol, an enumerator), never
 * from a version number; the commit that made the difference is cited next to each probe in
 * layout.c, and dt_layout.why[] records, in words, what was chosen and why.
 */
#ifndef DT_LAYOUT_H
#define DT_LAYOUT_H

#include "target.h"
#include "entry.h"

#define DT_NO (-1L)

/* The ZONE_DEVICE reference-count model (kernel-facts E.1-E.3). */
enum dt_refmodel {
	DT_RM_UNKNOWN,
	DT_RM_4_5,	/* page gets also take pgmap refs (get_zone_device_page) */
	DT_RM_4_14,	/* pgmap->ref is the owner's (pointer): one ref per device pfn, not isolable */
	DT_RM_5_17,	/* embedded pgmap->ref: 1 + bulk refs for every type; fsdax idle = 1 */
	DT_RM_6_1,	/* as 5.17, but PRIVATE/COHERENT take one ref per allocated page */
	DT_RM_6_15,	/* fsdax pages refcounted like file pages: idle = 0 */
};

/* pgmap types by role; the numbers differ by era and are resolved by name. */
enum dt_mtype {
	DT_MT_UNKNOWN, DT_MT_PRIVATE, DT_MT_COHERENT, DT_MT_FS_DAX, DT_MT_GENERIC,
	DT_MT_PCI_P2PDMA, DT_MT_PUBLIC, DT_MT_HOST, DT_MT_NR
};

#define DT_WHY_MAX 24

struct dt_layout {
	int ok;
	char error[200];
	int nr_why;
	char why[DT_WHY_MAX][200];

	/* page-cache tree */
	enum dt_container tree;
	const struct dt_era *era;	/* default era for the tree container */
	int radix_shift_nodes;		/* radix nodes carry 'shift' (4.7+) */
	long as_host, as_i_pages, as_nrpages, as_nrexceptional, as_flags;
	long xa_head, xa_flags;		/* struct xarray, or radix_tree_root.rnode */
	long n_shift, n_offset, n_count, n_values, n_parent, n_array, n_slots, n_marks, n_size;
	int chunk_shift, chunk_size;
	/* v4.5-v4.6 radix: no node->shift; height in node->path and radix_tree_root.height */
	long n_path, root_height;
	/* v4.5-v4.6: a DAX PMD entry is one slot at the PMD-aligned index (not multi-order) */
	int pmd_single_slot;

	/* VFS */
	long i_mapping, i_flags, i_mode, i_ino, i_sb, i_sb_list, i_state, i_size, i_data;
	long sb_list, sb_inodes, sb_id, sb_type, sb_bdev;
	long fst_name;
	long f_mapping, f_inode, d_inode, d_name_name;

	/* struct page */
	long page_size, pg_flags, pg_compound_head, pg_mapping, pg_index, pg_pgmap,
	     pg_mapcount, pg_refcount;
	int pg_compound_info;		/* the tail word is compound_info: may hold a mask */
	/* compound pages / folios, offsets from the head page (folio.c) */
	long fo_order, fo_entire, fo_pincount, fo_large_mapcount;
	int fo_folio_wording;		/* dump_page() says entire_mapcount/pincount (6.2+) */

	/* struct dev_pagemap */
	long pm_size, pm_altmap, pm_ref, pm_ref_size, pm_done, pm_type, pm_flags,
	     pm_vmemmap_shift, pm_ops, pm_owner, pm_nr_range, pm_range, pm_res,
	     pm_internal_ref;
	int pm_ref_is_ptr, pm_res_is_ptr;
	/* before v5.3: altmap is a pointer (<= v4.15) or embedded with a bool altmap_valid */
	long pm_altmap_valid;
	int pm_altmap_is_ptr;
	long range_size, range_start, range_end;
	long am_base_pfn, am_end_pfn, am_reserve, am_free, am_align, am_alloc;
	long res_start, res_end;
	long completion_done;

	/* struct percpu_ref (+ percpu_ref_data from v5.9) */
	int pref_split;
	long pr_pcp, pr_data, pr_count, pr_release, pr_confirm;
	long prd_count, prd_release, prd_confirm, prd_ref;

	/* enumerators */
	long mtype_value[DT_MT_NR];
	int mtype_known[DT_MT_NR];

	enum dt_refmodel refmodel;
	int fsdax_idle_refcount;	/* 1 before v6.15, 0 from v6.15 */

	/* registries */
	uint64_t pgmap_array, pgmap_radix, super_blocks;
	/* S_DAX (include/linux/fs.h, 1 << 13 since v4.0) */
	uint64_t s_dax;
};

/* Probe everything once. Returns 0 if the minimum (page cache tree + page) is usable. */
int dt_layout_probe(const struct dt_target *t, struct dt_layout *l);
const char *dt_mtype_name(enum dt_mtype m);	/* "MEMORY_DEVICE_FS_DAX" */
enum dt_mtype dt_mtype_of(const struct dt_layout *l, long value);
const char *dt_refmodel_name(enum dt_refmodel m);

#endif
