/*
 * page.h: one struct page, described as the kernel's dump_page() does (mm/debug.c): refcount,
 * mapcount, mapping, index, pfn; head/order/mapcount/pincount of a compound page; aops, ino
 * and dentry name of a file mapping; flags by PG_* enumerator name with node and zone.
 * The compound line follows the wording of the dump's kernel, chosen by probing: 6.1's
 * "compound_mapcount/compound_pincount" while struct page has compound_pincount, else the
 * folio wording of 6.2+ ("entire_mapcount ... pincount", seed 003).
 */
#ifndef DT_PAGE_H
#define DT_PAGE_H

#include "memmap.h"

struct dt_page_info {
	struct dt_page p;
	unsigned char raw[256];
	long raw_len;
	int compound;			/* head or tail */
	uint64_t head;
	struct dt_page hp;		/* the head page (== p unless tail) */
	int order;			/* -1 unknown */
	int32_t compound_mapcount;	/* +1 applied */
	int32_t compound_pincount;
	int compound_known, folio_wording;
	int32_t mapcount;		/* page_mapcount() */
	/* the mapping */
	int mapping_kind;		/* 0 none, 1 file, 2 anon/DAX_COW marker, 3 unreadable, 4 no host */
	uint64_t host, a_ops, ino, dentry;
	char aops[96], dname[1024];	/* dname: up to NAME_MAX 255 bytes, escaped (escape.h) */
	/* flags */
	char flagstr[256];
	int zone, node, zone_known, reserved;	/* reserved: PG_reserved set (-1 unknown) */
};

/* ZONES_PGSHIFT and the node shift from debuginfo (kernel-facts C.4 option a):
 * 64 - NODES_SHIFT - ZONES_WIDTH with SPARSEMEM_VMEMMAP (SECTIONS_WIDTH 0). */
int dt_zone_shift(const struct dt_target *t, int *zone_shift, int *zone_bits, int *node_shift,
		  long *zone_device);
/* The first dentry of an inode (the i_dentry alias list) and its name in display form
 * (escape.h; "" if unreadable; NAME_MAX 255 bytes need 1021); -1 if it has none. */
int dt_inode_dentry(const struct dt_target *t, const struct dt_layout *l, uint64_t inode,
		    uint64_t *dentry, char *name, size_t len);
int dt_page_describe(const struct dt_target *t, const struct dt_layout *l, uint64_t pfn,
		     struct dt_page_info *pi);
/* pfn of a struct page address (linear vmemmap), 0 on success. */
int dt_page_to_pfn(const struct dt_target *t, const struct dt_layout *l, uint64_t page,
		   uint64_t *pfn);

#endif
