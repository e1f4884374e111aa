/* layout.c: probe member offsets and era decisions once (see layout.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "layout.h"
#include "folio.h"

static int has_sym(const struct dt_target *t, const char *name)
{
	uint64_t a;
	return dt_symbol(t, name, &a) == 0;
}

static void why(struct dt_layout *l, const char *fmt, ...)
{
	if (l->nr_why >= DT_WHY_MAX)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->why[l->nr_why++], sizeof(l->why[0]), fmt, ap);
	va_end(ap);
}

static const char *const mtype_names[DT_MT_NR] = {
	[DT_MT_UNKNOWN] = "unknown",
	[DT_MT_PRIVATE] = "MEMORY_DEVICE_PRIVATE",
	[DT_MT_COHERENT] = "MEMORY_DEVICE_COHERENT",
	[DT_MT_FS_DAX] = "MEMORY_DEVICE_FS_DAX",
	[DT_MT_GENERIC] = "MEMORY_DEVICE_GENERIC",
	[DT_MT_PCI_P2PDMA] = "MEMORY_DEVICE_PCI_P2PDMA",
	[DT_MT_PUBLIC] = "MEMORY_DEVICE_PUBLIC",
	[DT_MT_HOST] = "MEMORY_DEVICE_HOST",
};

const char *dt_mtype_name(enum dt_mtype m)
{
	return m < DT_MT_NR ? mtype_names[m] : "unknown";
}

enum dt_mtype dt_mtype_of(const struct dt_layout *l, long value)
{
	for (int m = 1; m < DT_MT_NR; m++)
		if (l->mtype_known[m] && l->mtype_value[m] == value)
			return (enum dt_mtype)m;
	return DT_MT_UNKNOWN;
}

const char *dt_refmodel_name(enum dt_refmodel m)
{
	switch (m) {
	case DT_RM_4_5: return "4.5-4.13";
	case DT_RM_4_14: return "4.14-5.16";
	case DT_RM_5_17: return "5.17-6.0";
	case DT_RM_6_1: return "6.1-6.14";
	case DT_RM_6_15: return "6.15+";
	default: return "unknown";
	}
}

static void probe_tree(const struct dt_target *t, struct dt_layout *l)
{
	l->as_host = dt_member_offset(t, "address_space", "host");
	l->as_nrpages = dt_member_offset(t, "address_space", "nrpages");
	l->as_flags = dt_member_offset(t, "address_space", "flags");
	/* nrexceptional: v4.8..v5.12; gone with "mm: remove nrexceptional from inode" (v5.13). */
	l->as_nrexceptional = dt_member_offset(t, "address_space", "nrexceptional");

	if (dt_type_size(t, "xa_node") > 0) {
		/*
		 * struct xa_node exists from "xarray: Add definition of struct xarray" (f8d5d0cc145c)
		 * and the page cache became an XArray in the same release, v4.20.
		 */
		l->tree = DT_CONT_XARRAY;
		l->as_i_pages = dt_member_offset(t, "address_space", "i_pages");
		l->xa_head = dt_member_offset(t, "xarray", "xa_head");
		l->xa_flags = dt_member_offset(t, "xarray", "xa_flags");
		l->n_shift = dt_member_offset(t, "xa_node", "shift");
		l->n_offset = dt_member_offset(t, "xa_node", "offset");
		l->n_count = dt_member_offset(t, "xa_node", "count");
		l->n_values = dt_member_offset(t, "xa_node", "nr_values");
		l->n_parent = dt_member_offset(t, "xa_node", "parent");
		l->n_array = dt_member_offset(t, "xa_node", "array");
		l->n_slots = dt_member_offset(t, "xa_node", "slots");
		l->n_marks = dt_member_offset(t, "xa_node", "marks");
		l->n_size = dt_type_size(t, "xa_node");
		l->n_path = l->root_height = DT_NO;
		long ss = dt_member_size(t, "xa_node", "slots");
		l->chunk_size = ss > 0 ? (int)(ss / 8) : 64;
		l->radix_shift_nodes = 1;
		l->era = dt_era_find("4.20");
		why(l, "tree: XArray (struct xa_node exists: XArray page cache since v4.20, f8d5d0cc145c)");
	} else {
		l->tree = DT_CONT_RADIX;
		l->as_i_pages = dt_member_offset(t, "address_space", "i_pages");
		int i_pages = l->as_i_pages >= 0;
		if (!i_pages)	/* b93b016313b3 "page cache: use xa_lock" renamed page_tree (v4.17) */
			l->as_i_pages = dt_member_offset(t, "address_space", "page_tree");
		l->xa_head = dt_member_offset(t, "radix_tree_root", "rnode");
		l->n_shift = dt_member_offset(t, "radix_tree_node", "shift");
		l->n_offset = dt_member_offset(t, "radix_tree_node", "offset");
		l->n_count = dt_member_offset(t, "radix_tree_node", "count");
		l->n_values = dt_member_offset(t, "radix_tree_node", "exceptional");
		l->n_parent = dt_member_offset(t, "radix_tree_node", "parent");
		l->n_array = dt_member_offset(t, "radix_tree_node", "root");
		l->n_slots = dt_member_offset(t, "radix_tree_node", "slots");
		l->n_marks = dt_member_offset(t, "radix_tree_node", "tags");
		l->n_size = dt_type_size(t, "radix_tree_node");
		long ss = dt_member_size(t, "radix_tree_node", "slots");
		l->chunk_size = ss > 0 ? (int)(ss / 8) : 64;
		l->radix_shift_nodes = l->n_shift >= 0;
		/*
		 * Before "radix-tree: replace node->height with node->shift" and "radix-tree:
		 * remove root->height" (v4.7) a node kept its height in the low bits of
		 * node->path and the root its height in radix_tree_root.height.  DAX of that era
		 * inserted PMD entries with radix_tree_insert() (order 0) at the PMD-aligned
		 * index: fs/dax.c dax_radix_entry(), v4.5-v4.6.
		 */
		l->n_path = l->radix_shift_nodes ? DT_NO
						 : dt_member_offset(t, "radix_tree_node", "path");
		l->root_height = dt_member_offset(t, "radix_tree_root", "height");
		l->pmd_single_slot = !l->radix_shift_nodes && l->n_path >= 0;
		if (i_pages) {
			l->era = dt_era_find("4.17");
			why(l, "tree: radix i_pages (b93b016313b3, v4.17): pfn entries (3fe0791c295c, v4.17)");
		} else if (l->n_values >= 0) {
			l->era = dt_era_find("4.14");
			why(l, "tree: radix page_tree with node->exceptional (v4.10+): sector entries, "
			       "4.14 names (HZP/ZERO_PAGE share bit 0x10); pfn backports are caught by consistency");
		} else if (l->radix_shift_nodes) {
			l->era = dt_era_find("4.7");
			why(l, "tree: radix page_tree, nodes with shift, no exceptional count: v4.7-v4.9");
		} else {
			l->era = dt_era_find("4.5");
			why(l, "tree: radix page_tree with height/path nodes: v4.5-v4.6 (PMD entries "
			       "are single slots)");
		}
	}
	for (int s = 0; s < 8; s++)
		if ((1 << s) == l->chunk_size)
			l->chunk_shift = s;
}

static void probe_vfs_page(const struct dt_target *t, struct dt_layout *l)
{
	l->i_mapping = dt_member_offset(t, "inode", "i_mapping");
	l->i_flags = dt_member_offset(t, "inode", "i_flags");
	l->i_mode = dt_member_offset(t, "inode", "i_mode");
	l->i_ino = dt_member_offset(t, "inode", "i_ino");
	l->i_sb = dt_member_offset(t, "inode", "i_sb");
	l->i_sb_list = dt_member_offset(t, "inode", "i_sb_list");
	l->i_state = dt_member_offset(t, "inode", "i_state");
	l->i_size = dt_member_offset(t, "inode", "i_size");
	l->i_data = dt_member_offset(t, "inode", "i_data");
	l->sb_list = dt_member_offset(t, "super_block", "s_list");
	l->sb_inodes = dt_member_offset(t, "super_block", "s_inodes");
	l->sb_id = dt_member_offset(t, "super_block", "s_id");
	l->sb_type = dt_member_offset(t, "super_block", "s_type");
	l->sb_bdev = dt_member_offset(t, "super_block", "s_bdev");
	l->fst_name = dt_member_offset(t, "file_system_type", "name");
	l->f_mapping = dt_member_offset(t, "file", "f_mapping");
	l->f_inode = dt_member_offset(t, "file", "f_inode");
	l->d_inode = dt_member_offset(t, "dentry", "d_inode");
	long dn = dt_member_offset(t, "dentry", "d_name"), qn = dt_member_offset(t, "qstr", "name");
	l->d_name_name = dn >= 0 && qn >= 0 ? dn + qn : DT_NO;
	/* S_DAX is a #define: 1 << 13 in include/linux/fs.h since DAX arrived (v4.0). */
	l->s_dax = 1 << 13;

	l->page_size = dt_type_size(t, "page");
	l->pg_flags = dt_member_offset(t, "page", "flags");
	l->pg_compound_head = dt_member_offset(t, "page", "compound_head");
	l->pg_mapping = dt_member_offset(t, "page", "mapping");
	l->pg_index = dt_member_offset(t, "page", "index");
	/* "mm: rename page->index to page->__folio_index" (Matthew Wilcox, 2025; first seen in
	 * the 7.2 sample): the same word, now raw on tails of a large folio */
	if (l->pg_index < 0)
		l->pg_index = dt_member_offset(t, "page", "__folio_index");
	/*
	 * page->pgmap: in the lru union (offset 0x20) before Willy's struct page rework, in the
	 * ZONE_DEVICE struct at offset 8 from v4.18; DWARF gives whichever is there.  Alistair
	 * Popple's "mm: allow compound zone device pages" (v6.15) moved it to folio->pgmap (the
	 * same word of a head or small page; a tail's holds compound_head there).
	 */
	l->pg_pgmap = dt_member_offset(t, "page", "pgmap");
	if (l->pg_pgmap < 0)
		l->pg_pgmap = dt_member_offset(t, "folio", "pgmap");
	l->pg_mapcount = dt_member_offset(t, "page", "_mapcount");
	l->pg_refcount = dt_member_offset(t, "page", "_refcount");
	if (l->pg_refcount < 0)	/* "mm: rename _count, field of the struct page, to _refcount" (v4.7) */
		l->pg_refcount = dt_member_offset(t, "page", "_count");
	dt_folio_probe(t, l);
}

static void probe_pgmap(const struct dt_target *t, struct dt_layout *l)
{
	l->pm_size = dt_type_size(t, "dev_pagemap");
	l->pm_altmap = dt_member_offset(t, "dev_pagemap", "altmap");
	/*
	 * Before PGMAP_ALTMAP_VALID (flags, v5.3) the altmap was a pointer, non-NULL when
	 * valid (<= v4.15), then embedded with a bool altmap_valid (v4.16-v5.2).
	 */
	l->pm_altmap_is_ptr = dt_member_size(t, "dev_pagemap", "altmap") == 8;
	l->pm_altmap_valid = dt_member_offset(t, "dev_pagemap", "altmap_valid");
	l->pm_ref = dt_member_offset(t, "dev_pagemap", "ref");
	l->pm_ref_size = dt_member_size(t, "dev_pagemap", "ref");
	/* "memremap: remove support for external pgmap refcounts" embedded the ref (v5.17). */
	l->pm_ref_is_ptr = l->pm_ref_size == 8;
	/* 24917f6b1041 "memremap: provide an optional internal refcount in struct dev_pagemap"
	 * (v5.3) to v5.16: pgmap->ref points here unless the driver brought its own ref */
	l->pm_internal_ref = dt_member_offset(t, "dev_pagemap", "internal_ref");
	l->pm_done = dt_member_offset(t, "dev_pagemap", "done");
	l->pm_type = dt_member_offset(t, "dev_pagemap", "type");
	l->pm_flags = dt_member_offset(t, "dev_pagemap", "flags");
	l->pm_vmemmap_shift = dt_member_offset(t, "dev_pagemap", "vmemmap_shift");
	l->pm_ops = dt_member_offset(t, "dev_pagemap", "ops");
	l->pm_owner = dt_member_offset(t, "dev_pagemap", "owner");
	/* "mm/memremap_pages: convert to 'struct range'" (v5.10) replaced res by range(s). */
	l->pm_nr_range = dt_member_offset(t, "dev_pagemap", "nr_range");
	l->pm_range = dt_member_offset(t, "dev_pagemap", "range");
	if (l->pm_range < 0)
		l->pm_range = dt_member_offset(t, "dev_pagemap", "ranges");
	l->pm_res = dt_member_offset(t, "dev_pagemap", "res");
	l->pm_res_is_ptr = dt_member_size(t, "dev_pagemap", "res") == 8;
	l->range_size = dt_type_size(t, "range");
	l->range_start = dt_member_offset(t, "range", "start");
	l->range_end = dt_member_offset(t, "range", "end");
	l->res_start = dt_member_offset(t, "resource", "start");
	l->res_end = dt_member_offset(t, "resource", "end");
	l->am_base_pfn = dt_member_offset(t, "vmem_altmap", "base_pfn");
	l->am_end_pfn = dt_member_offset(t, "vmem_altmap", "end_pfn");
	l->am_reserve = dt_member_offset(t, "vmem_altmap", "reserve");
	l->am_free = dt_member_offset(t, "vmem_altmap", "free");
	l->am_align = dt_member_offset(t, "vmem_altmap", "align");
	l->am_alloc = dt_member_offset(t, "vmem_altmap", "alloc");
	l->completion_done = dt_member_offset(t, "completion", "done");

	/* percpu_ref: "percpu_ref: reduce memory footprint of percpu_ref in fast path"
	 * (2b0d3d3e4fcf, v5.9) moved count/release/confirm_switch into percpu_ref_data. */
	l->pr_pcp = dt_member_offset(t, "percpu_ref", "percpu_count_ptr");
	l->pr_data = dt_member_offset(t, "percpu_ref", "data");
	l->pref_split = l->pr_data >= 0;
	if (l->pref_split) {
		l->prd_count = dt_member_offset(t, "percpu_ref_data", "count");
		l->prd_release = dt_member_offset(t, "percpu_ref_data", "release");
		l->prd_confirm = dt_member_offset(t, "percpu_ref_data", "confirm_switch");
		l->prd_ref = dt_member_offset(t, "percpu_ref_data", "ref");
		l->pr_count = l->pr_release = l->pr_confirm = DT_NO;
	} else {
		l->pr_count = dt_member_offset(t, "percpu_ref", "count");
		l->pr_release = dt_member_offset(t, "percpu_ref", "release");
		l->pr_confirm = dt_member_offset(t, "percpu_ref", "confirm_switch");
		l->prd_count = l->prd_release = l->prd_confirm = l->prd_ref = DT_NO;
	}

	/* enum memory_type: resolve by name; FS_DAX is 3, then 2 (v5.3), then 3 (v6.0). */
	static const char *const gen_names[] = { "MEMORY_DEVICE_GENERIC", "MEMORY_DEVICE_DEVDAX" };
	for (int m = 1; m < DT_MT_NR; m++) {
		long v;
		if (m == DT_MT_GENERIC) {
			/* MEMORY_DEVICE_DEVDAX (v5.3) was renamed MEMORY_DEVICE_GENERIC (v5.10). */
			for (int i = 0; i < 2; i++)
				if (dt_enum(t, gen_names[i], &v) == 0) {
					l->mtype_value[m] = v;
					l->mtype_known[m] = 1;
					break;
				}
		} else if (dt_enum(t, mtype_names[m], &v) == 0) {
			l->mtype_value[m] = v;
			l->mtype_known[m] = 1;
		}
	}

	/* The refcount model (kernel-facts E, probes P-E1). */
	if (has_sym(t, "get_zone_device_page")) {
		l->refmodel = DT_RM_4_5;
		why(l, "refcounts: get_zone_device_page exists: page gets take pgmap refs (v4.5-v4.13)");
	} else if (l->pm_ref_is_ptr) {
		l->refmodel = DT_RM_4_14;
		why(l, "refcounts: dev_pagemap.ref is a pointer (before v5.17): the owner's ref, one per pfn");
	} else if (has_sym(t, "free_zone_device_folio") && !has_sym(t, "devmap_managed_key")) {
		l->refmodel = DT_RM_6_15;
		why(l, "refcounts: free_zone_device_folio without devmap_managed_key: fsdax pages idle at 0 "
		       "(38607c62b34b, v6.15)");
	} else if (has_sym(t, "zone_device_page_init")) {
		l->refmodel = DT_RM_6_1;
		why(l, "refcounts: zone_device_page_init exists (0dc45ca1ce18, v6.1): 1 + bulk refs except "
		       "PRIVATE/COHERENT; fsdax idle = 1");
	} else {
		l->refmodel = DT_RM_5_17;
		why(l, "refcounts: embedded dev_pagemap.ref (v5.17): 1 + bulk refs for every type");
	}
	l->fsdax_idle_refcount = l->refmodel == DT_RM_6_15 ? 0 : 1;

	if (dt_symbol(t, "pgmap_array", &l->pgmap_array) == 0)
		why(l, "pgmaps: pgmap_array (XArray keyed by pfn)");
	else if (dt_symbol(t, "pgmap_radix", &l->pgmap_radix) == 0)
		why(l, "pgmaps: pgmap_radix (radix tree, v4.5-v4.19)");
	else
		why(l, "pgmaps: neither pgmap_array nor pgmap_radix: no ZONE_DEVICE registry in this kernel");
	if (dt_symbol(t, "super_blocks", &l->super_blocks))
		l->super_blocks = 0;
}

int dt_layout_probe(const struct dt_target *t, struct dt_layout *l)
{
	memset(l, 0, sizeof(*l));
	probe_tree(t, l);
	probe_vfs_page(t, l);
	probe_pgmap(t, l);
	const char *missing = NULL;
	if (!l->era)
		missing = "DAX era";
	else if (l->as_i_pages < 0)
		missing = "address_space.i_pages";
	else if (l->xa_head < 0 || l->n_slots < 0 || (l->n_shift < 0 && l->n_path < 0) ||
		 l->n_size <= 0)
		missing = "page-cache tree node layout";
	else if (l->page_size <= 0 || l->pg_refcount < 0 || l->pg_mapping < 0)
		missing = "struct page layout";
	else if (l->chunk_size != 64 && l->chunk_size != 16)
		missing = "tree chunk size";
	if (missing) {
		snprintf(l->error, sizeof(l->error), "debuginfo lacks %s", missing);
		return -1;
	}
	l->ok = 1;
	return 0;
}
