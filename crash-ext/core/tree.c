/* tree.c: bounded XArray / radix walker (see tree.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tree.h"

enum dt_slot dt_xa_classify(uint64_t w, int chunk_size, int *sib)
{
	if (w == 0)
		return DT_SLOT_EMPTY;
	if (w & 1)
		return DT_SLOT_VALUE;		/* xa_is_value() */
	if ((w & 3) == 0)
		return DT_SLOT_POINTER;
	/* internal: w & 3 == 2 */
	if (w > DT_XA_NODE_MIN)
		return DT_SLOT_NODE;		/* xa_is_node(), node = w - 2 */
	uint64_t v = w >> 2;			/* xa_to_internal() */
	if (v < (uint64_t)(chunk_size - 1)) {	/* xa_is_sibling(): < xa_mk_sibling(XA_CHUNK_SIZE-1) */
		if (sib)
			*sib = (int)v;
		return DT_SLOT_SIBLING;
	}
	if (w == DT_XA_RETRY_ENTRY)
		return DT_SLOT_RETRY;
	if (w == DT_XA_ZERO_ENTRY)
		return DT_SLOT_ZERO;
	return DT_SLOT_BAD;
}

enum dt_slot dt_radix_classify(uint64_t w, uint64_t slots_addr, int chunk_size, int *sib)
{
	if (w == 0)
		return DT_SLOT_EMPTY;
	if ((w & 3) == 2)
		return DT_SLOT_EXCEPTIONAL;
	if ((w & 3) == 0)
		return DT_SLOT_POINTER;
	if ((w & 3) == 1) {
		uint64_t p = w & ~1ULL;
		if (p >= slots_addr && p < slots_addr + 8ULL * (uint64_t)chunk_size) {
			if ((p - slots_addr) % 8)
				return DT_SLOT_BAD;
			if (sib)
				*sib = (int)((p - slots_addr) / 8);
			return DT_SLOT_SIBLING;
		}
		if (w == 1)
			return DT_SLOT_RETRY;	/* RADIX_TREE_RETRY: internal NULL */
		return DT_SLOT_NODE;
	}
	return DT_SLOT_BAD;
}

const char *dt_slot_name(enum dt_slot s)
{
	static const char *const n[] = { "empty", "value", "exceptional", "pointer", "node",
					 "sibling", "retry", "zero", "bad" };
	return s <= DT_SLOT_BAD ? n[s] : "?";
}

/* A small open-addressing set of visited node addresses.  It starts small and doubles at half
 * load (up to 2 * max_nodes): a walk of a small tree, the common case, then costs a 4 KiB
 * table instead of one sized for the node cap (1 MiB per walk, per mapping). */
struct seen {
	uint64_t *v;
	size_t cap, n, max;
};

static void seen_put(uint64_t *v, size_t cap, uint64_t a)
{
	size_t h = (size_t)((a >> 6) * 0x9e3779b97f4a7c15ULL) & (cap - 1);
	while (v[h])
		h = (h + 1) & (cap - 1);
	v[h] = a;
}

/*
 * 1 if a was already there, 0 if added, -1 if out of memory, -2 if the set is at half its
 * largest size: unreadable nodes are remembered too but not counted in st->nodes, and a full
 * table would make the probe loop above endless.
 */
static int seen_add(struct seen *s, uint64_t a)
{
	size_t h = (size_t)((a >> 6) * 0x9e3779b97f4a7c15ULL) & (s->cap - 1);
	while (s->v[h]) {
		if (s->v[h] == a)
			return 1;
		h = (h + 1) & (s->cap - 1);
	}
	if (s->n >= s->max / 2)
		return -2;
	if (2 * (s->n + 1) > s->cap && s->cap < s->max) {
		uint64_t *nv = calloc(2 * s->cap, sizeof(uint64_t));
		if (!nv)
			return -1;
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i])
				seen_put(nv, 2 * s->cap, s->v[i]);
		free(s->v);
		s->v = nv;
		s->cap *= 2;
		seen_put(s->v, s->cap, a);
	} else {
		s->v[h] = a;
	}
	s->n++;
	return 0;
}

struct walk {
	const struct dt_target *t;
	const struct dt_layout *l;
	enum dt_container c;
	uint64_t root;
	struct dt_walk_limits lim;
	dt_walk_cb cb;
	void *arg;
	struct dt_walk_stats *st;
	struct seen seen;
	unsigned char *buf;	/* one node buffer per depth */
};

static void err(struct walk *w, const char *fmt, uint64_t a, uint64_t b)
{
	w->st->errors++;
	if (!w->st->error[0])
		snprintf(w->st->error, sizeof(w->st->error), fmt, (unsigned long long)a,
			 (unsigned long long)b);
}

/* The top node of a tree of 64-bit indices has shift 60 with 64 slots (11 levels): the
 * largest multiple of the chunk shift below 64, not 64 - chunk_shift (dax_hosts is keyed by
 * struct gendisk pointers). */
static int max_shift(const struct dt_layout *l)
{
	return ((64 + l->chunk_shift - 1) / l->chunk_shift - 1) * l->chunk_shift;
}

/*
 * v4.5-v4.6 radix nodes have no shift: node->path holds the height in its low
 * RADIX_TREE_HEIGHT_SHIFT = RADIX_TREE_MAX_PATH + 1 bits (12 with 64-slot nodes) and the
 * offset in the parent above them (include/linux/radix-tree.h, v4.5).
 */
static int path_height_shift(const struct dt_layout *l)
{
	return (64 + l->chunk_shift - 1) / l->chunk_shift + 1;
}

/* The shift of a node from its shift byte (v4.7+) or path word (v4.5-v4.6); -1 if the
 * height in the path is impossible.  *path_off gets the offset a path records. */
static int node_shift(const struct dt_layout *l, uint32_t word, uint32_t *path_off)
{
	if (l->n_shift >= 0)
		return (int)word;
	int hs = path_height_shift(l);
	uint32_t height = word & ((1u << hs) - 1);
	*path_off = word >> hs;
	if (height == 0 || height > 64)
		return -1;
	return (int)(height - 1) * l->chunk_shift;
}

static uint32_t node_shift_word(const struct dt_layout *l, const unsigned char *b)
{
	return l->n_shift >= 0 ? dt_get_u8(b, l->n_shift) : dt_get_u32(b, l->n_path);
}

static enum dt_slot classify_radix(const struct dt_layout *l, uint64_t v, uint64_t slots,
				   int shift, int *sib)
{
	enum dt_slot k = dt_radix_classify(v, slots, l->chunk_size, sib);
	/*
	 * v4.5 tags only root->rnode: child pointers inside nodes are plain until
	 * 339e6353046d "radix_tree: tag all internal tree nodes as indirect pointers" (v4.6),
	 * and the walk is driven by the height.  Page-cache and pgmap_radix items of that era
	 * sit in height-1 nodes only (DAX inserts with radix_tree_insert(), order 0).
	 */
	if (k == DT_SLOT_POINTER && l->n_shift < 0 && l->n_path >= 0 && shift > 0)
		k = DT_SLOT_NODE;
	return k;
}

static enum dt_slot classify(const struct walk *w, uint64_t v, uint64_t node, int shift,
			     int *sib)
{
	if (w->c == DT_CONT_XARRAY)
		return dt_xa_classify(v, w->l->chunk_size, sib);
	return classify_radix(w->l, v, node + (uint64_t)w->l->n_slots, shift, sib);
}

static uint64_t node_of(const struct walk *w, uint64_t v)
{
	return w->c == DT_CONT_XARRAY ? v - 2 : v & ~1ULL;
}

static int walk_node(struct walk *w, uint64_t node, uint64_t parent, int poff, int expect_shift,
		     uint64_t base, int depth)
{
	const struct dt_layout *l = w->l;
	if (depth >= w->lim.max_depth) {
		err(w, "tree deeper than the cap at node %#llx (depth %llu)", node, (uint64_t)depth);
		return 0;
	}
	if (w->st->nodes >= w->lim.max_nodes) {
		err(w, "node cap reached at node %#llx (%llu nodes)", node, w->st->nodes);
		return 1;
	}
	if (!dt_kptr_ok(node, 8)) {
		err(w, "bad node pointer %#llx under node %#llx", node, parent);
		return 0;
	}
	int seen = seen_add(&w->seen, node);
	if (seen) {
		if (seen == -2)
			err(w, "node cap reached at node %#llx (%llu nodes, readable or not)", node,
			    w->seen.n);
		else if (seen < 0)
			err(w, "out of memory at node %#llx (under %#llx)", node, parent);
		else
			err(w, "cycle: node %#llx reached twice (under %#llx)", node, parent);
		return 1;
	}
	unsigned char *b = w->buf + (size_t)depth * (size_t)l->n_size;
	if (dt_read(w->t, node, b, (size_t)l->n_size)) {
		err(w, "node %#llx not readable (under %#llx)", node, parent);
		return 0;
	}
	w->st->nodes++;
	uint32_t path_off = 0;
	int shift = node_shift(l, node_shift_word(l, b), &path_off);
	if (shift < 0) {
		err(w, "node %#llx has height %llu in its path field", node,
		    (uint64_t)(dt_get_u32(b, l->n_path) & ((1u << path_height_shift(l)) - 1)));
		return 0;
	}
	if (l->n_shift < 0 && parent && path_off != (uint32_t)poff)
		err(w, "node %#llx: path offset disagrees with its slot in parent %#llx", node, parent);
	if (shift % l->chunk_shift || shift > max_shift(l) ||
	    (expect_shift >= 0 && shift != expect_shift)) {
		err(w, "node %#llx has shift %llu, not what its parent implies", node, (uint64_t)shift);
		return 0;
	}
	if (l->n_offset >= 0 && parent && dt_get_u8(b, l->n_offset) != poff)
		err(w, "node %#llx: offset field disagrees with its slot in parent %#llx", node, parent);
	if (l->n_parent >= 0 && dt_get_u64(b, l->n_parent) != parent)
		err(w, "node %#llx: parent field is not %#llx", node, parent);
	if (l->n_array >= 0 && w->c == DT_CONT_XARRAY && dt_get_u64(b, l->n_array) != w->root) {
		err(w, "node %#llx belongs to another array (%#llx): freed or reused node", node,
		    dt_get_u64(b, l->n_array));
		return 0;
	}
	int n = l->chunk_size;
	for (int i = 0; i < n; i++) {
		uint64_t v = dt_get_u64(b, l->n_slots + 8L * i);
		int sib = -1;
		enum dt_slot k = classify(w, v, node, shift, &sib);
		uint64_t idx = base + ((uint64_t)i << shift);
		switch (k) {
		case DT_SLOT_EMPTY:
			break;
		case DT_SLOT_SIBLING:
			w->st->siblings++;
			if (sib >= i)
				err(w, "node %#llx: sibling slot %llu points forward", node, (uint64_t)i);
			break;
		case DT_SLOT_NODE:
			if (shift == 0) {
				err(w, "node %#llx: node pointer in a leaf slot %llu", node, (uint64_t)i);
				break;
			}
			if (walk_node(w, node_of(w, v), node, i, shift - l->chunk_shift, idx, depth + 1))
				return 1;
			break;
		default: {
			int j = i + 1, s2;
			while (j < n && classify(w, dt_get_u64(b, l->n_slots + 8L * j), node, shift,
						 &s2) == DT_SLOT_SIBLING && s2 == i)
				j++;
			w->st->entries++;
			if (w->cb(w->arg, idx, (uint64_t)(j - i) << shift, v, k, node, i)) {
				w->st->stopped = 1;
				return 1;
			}
		}
		}
	}
	return 0;
}

int dt_tree_walk(const struct dt_target *t, const struct dt_layout *l, enum dt_container c,
		 uint64_t root, const struct dt_walk_limits *lim, dt_walk_cb cb, void *arg,
		 struct dt_walk_stats *st)
{
	struct walk w = { .t = t, .l = l, .c = c, .root = root, .cb = cb, .arg = arg, .st = st };
	memset(st, 0, sizeof(*st));
	w.lim.max_nodes = lim && lim->max_nodes ? lim->max_nodes : 1u << 16;
	w.lim.max_depth = lim && lim->max_depth ? lim->max_depth : 12;
	if (c == DT_CONT_RADIX && l->n_shift < 0 && l->n_path < 0) {
		snprintf(st->error, sizeof(st->error),
			 "radix_tree_node has neither shift nor path in debuginfo");
		st->errors = 1;
		return -1;
	}
	uint64_t head;
	if (dt_read_u64(t, root + (uint64_t)l->xa_head, &head)) {
		snprintf(st->error, sizeof(st->error), "tree root %#llx not readable",
			 (unsigned long long)root);
		st->errors = 1;
		return -1;
	}
	int sib;
	enum dt_slot k = c == DT_CONT_XARRAY ? dt_xa_classify(head, l->chunk_size, &sib)
					     : (head & 3) == 1 && head != 1 ? DT_SLOT_NODE
					     : dt_radix_classify(head, 0, 0, &sib);
	if (k == DT_SLOT_EMPTY)
		return 0;
	if (k != DT_SLOT_NODE) {	/* a single entry at index 0 */
		st->entries++;
		st->stopped = cb(arg, 0, 1, head, k, 0, 0) != 0;
		return 0;
	}
	w.seen.max = 1;
	while (w.seen.max < 2 * (size_t)w.lim.max_nodes)
		w.seen.max <<= 1;
	w.seen.cap = w.seen.max < 512 ? w.seen.max : 512;
	int top_shift = -1;
	uint32_t height;
	if (c == DT_CONT_RADIX && l->n_shift < 0 && l->root_height >= 0) {
		/* v4.5-v4.6: root->height says how deep the tree is (the rnode tag says a node) */
		if (dt_read_u32(t, root + (uint64_t)l->root_height, &height) || height == 0 ||
		    height > 64) {
			snprintf(st->error, sizeof(st->error),
				 "radix root %#llx: height not readable or 0 under a node pointer",
				 (unsigned long long)root);
			st->errors = 1;
			return -1;
		}
		top_shift = (int)(height - 1) * l->chunk_shift;
	}
	w.seen.v = calloc(w.seen.cap, sizeof(uint64_t));
	w.buf = malloc((size_t)l->n_size * (size_t)(w.lim.max_depth + 1));
	if (!w.seen.v || !w.buf) {
		free(w.seen.v);
		free(w.buf);
		snprintf(st->error, sizeof(st->error), "out of memory");
		st->errors = 1;
		return -1;
	}
	walk_node(&w, node_of(&w, head), 0, 0, top_shift, 0, 0);
	free(w.seen.v);
	free(w.buf);
	return st->errors ? -1 : 0;
}

int dt_tree_load(const struct dt_target *t, const struct dt_layout *l, enum dt_container c,
		 uint64_t root, uint64_t index, uint64_t *raw, char *errbuf, size_t errlen)
{
	uint64_t v;
	*raw = 0;
	if (dt_read_u64(t, root + (uint64_t)l->xa_head, &v)) {
		snprintf(errbuf, errlen, "tree root %#llx not readable", (unsigned long long)root);
		return -1;
	}
	int sib;
	int is_node = c == DT_CONT_XARRAY ? dt_xa_classify(v, l->chunk_size, &sib) == DT_SLOT_NODE
					  : (v & 3) == 1 && v != 1;
	if (!is_node) {
		*raw = index == 0 ? v : 0;
		return 0;
	}
	uint64_t node = c == DT_CONT_XARRAY ? v - 2 : v & ~1ULL;
	if (c == DT_CONT_RADIX && l->n_shift < 0 && l->n_path < 0) {
		snprintf(errbuf, errlen, "radix_tree_node has neither shift nor path in debuginfo");
		return -1;
	}
	for (int depth = 0; depth < 12; depth++) {
		uint8_t shift8 = 0;
		uint32_t word = 0, path_off;
		if (!dt_kptr_ok(node, 8) ||
		    (l->n_shift >= 0 ? dt_read_u8(t, node + (uint64_t)l->n_shift, &shift8)
				     : dt_read_u32(t, node + (uint64_t)l->n_path, &word))) {
			snprintf(errbuf, errlen, "node %#llx not readable", (unsigned long long)node);
			return -1;
		}
		int shift = node_shift(l, l->n_shift >= 0 ? shift8 : word, &path_off);
		if (shift < 0 || shift > max_shift(l) || shift % l->chunk_shift) {
			snprintf(errbuf, errlen, "node %#llx: bad shift", (unsigned long long)node);
			return -1;
		}
		if (depth == 0 && shift + l->chunk_shift < 64 && (index >> (shift + l->chunk_shift)))
			return 0;	/* beyond the tree's reach */
		int offset = (int)((index >> shift) & (uint64_t)(l->chunk_size - 1));
		uint64_t slots = node + (uint64_t)l->n_slots;
		if (dt_read_u64(t, slots + 8ULL * (uint64_t)offset, &v)) {
			snprintf(errbuf, errlen, "node %#llx slot not readable", (unsigned long long)node);
			return -1;
		}
		enum dt_slot k = c == DT_CONT_XARRAY ? dt_xa_classify(v, l->chunk_size, &sib)
						     : classify_radix(l, v, slots, shift, &sib);
		if (k == DT_SLOT_SIBLING) {
			if (dt_read_u64(t, slots + 8ULL * (uint64_t)sib, &v))
				return -1;
			k = c == DT_CONT_XARRAY ? dt_xa_classify(v, l->chunk_size, NULL)
						: classify_radix(l, v, slots, shift, NULL);
		}
		if (k == DT_SLOT_NODE && shift > 0) {
			node = c == DT_CONT_XARRAY ? v - 2 : v & ~1ULL;
			continue;
		}
		*raw = k == DT_SLOT_NODE || k == DT_SLOT_RETRY || k == DT_SLOT_ZERO ? 0 : v;
		return 0;
	}
	snprintf(errbuf, errlen, "tree deeper than 12 levels");
	return -1;
}
