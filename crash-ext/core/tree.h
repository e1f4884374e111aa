/*
 * tree.h: XArray (v4.20+) and radix-tree (v4.5-v4.19) slot classification and a bounded
 * walker over raw memory.  kernel-facts B.2-B.3.  v4.5-v4.6 radix nodes carry a height in
 * node->path instead of a shift, and v4.5 leaves child pointers inside nodes untagged: the
 * walker follows them by height (layout.h n_path).
 *
 * The walker never trusts the dump: it caps the number of nodes and the depth, remembers
 * every node it visited (a cycle stops the walk), checks each node's shift, offset, parent
 * and array back-pointers, and reports the first problem in one line.
 */
#ifndef DT_TREE_H
#define DT_TREE_H

#include "layout.h"

enum dt_slot {
	DT_SLOT_EMPTY,
	DT_SLOT_VALUE,		/* XArray value entry (low bit 1): DAX or shadow entry */
	DT_SLOT_EXCEPTIONAL,	/* radix exceptional entry (low bits 10) */
	DT_SLOT_POINTER,	/* plain pointer (struct page *, struct dev_pagemap *, ...) */
	DT_SLOT_NODE,		/* child node */
	DT_SLOT_SIBLING,	/* multi-index sibling naming the canonical slot */
	DT_SLOT_RETRY,		/* XA_RETRY_ENTRY (transient) */
	DT_SLOT_ZERO,		/* XA_ZERO_ENTRY (reserved) */
	DT_SLOT_BAD,		/* internal entry that cannot be in a slot */
};

/* XArray internal entries (include/linux/xarray.h): xa_mk_internal(v) = v << 2 | 2. */
#define DT_XA_RETRY_ENTRY 0x402ULL	/* xa_mk_internal(256) */
#define DT_XA_ZERO_ENTRY 0x406ULL	/* xa_mk_internal(257) */
#define DT_XA_NODE_MIN 4096ULL		/* xa_is_node(): internal and > 4096 */

/* Classify an XArray slot word; *sib gets the canonical offset of a sibling. */
enum dt_slot dt_xa_classify(uint64_t w, int chunk_size, int *sib);
/* Classify a radix slot word of the node whose slots[] start at slots_addr (4.7+:
 * RADIX_TREE_INTERNAL_NODE = 1, RADIX_TREE_EXCEPTIONAL_ENTRY = 2). */
enum dt_slot dt_radix_classify(uint64_t w, uint64_t slots_addr, int chunk_size, int *sib);
const char *dt_slot_name(enum dt_slot s);

struct dt_walk_limits {
	unsigned max_nodes;	/* default 1 << 16 */
	int max_depth;		/* default 12 */
};

struct dt_walk_stats {
	unsigned nodes, entries, siblings, errors;
	int stopped;		/* the callback asked to stop */
	char error[240];	/* the first error, in words */
};

/*
 * Called once per leaf (a multi-index entry once, at its first index).
 *   index, nr: first index and number of indices covered ((1 + siblings) << shift)
 *   raw: the slot word; kind: its class
 *   node/slot: where it is (node 0: the root pointer itself)
 * Return nonzero to stop the walk.
 */
typedef int (*dt_walk_cb)(void *arg, uint64_t index, uint64_t nr, uint64_t raw,
			  enum dt_slot kind, uint64_t node, int slot);

/* Walk the tree whose root (struct xarray / struct radix_tree_root) is at root. */
int dt_tree_walk(const struct dt_target *t, const struct dt_layout *l, enum dt_container c,
		 uint64_t root, const struct dt_walk_limits *lim, dt_walk_cb cb, void *arg,
		 struct dt_walk_stats *st);

/* Look up one index (xa_load): the raw word of the entry covering it, 0 if none. */
int dt_tree_load(const struct dt_target *t, const struct dt_layout *l, enum dt_container c,
		 uint64_t root, uint64_t index, uint64_t *raw, char *err, size_t errlen);

#endif
