/* test_tree.c: slot classification and the bounded walker on synthetic trees (XArray with
 * PMD sibling slots, radix with exceptional entries and sibling pointers, cycles, caps,
 * foreign nodes) laid out with the recorded 6.1 layout. */
#include <stdlib.h>
#include <string.h>
#include "fake.h"
#include "tree.h"
#include "unit.h"

#define XA_ROOT 0xffff888000001000ULL
#define N_TOP 0xffff888000010000ULL	/* shift 6 */
#define N_LEAF 0xffff888000020000ULL	/* shift 0 */

struct node {
	unsigned char b[576];
};

static void node_init(struct node *n, int shift, int offset, uint64_t parent, uint64_t array)
{
	memset(n, 0, sizeof(*n));
	n->b[0] = (unsigned char)shift;
	n->b[1] = (unsigned char)offset;
	for (int i = 0; i < 8; i++) {
		n->b[8 + i] = (unsigned char)(parent >> (8 * i));
		n->b[16 + i] = (unsigned char)(array >> (8 * i));
	}
}

static void slot(struct node *n, int i, uint64_t v)
{
	for (int k = 0; k < 8; k++)
		n->b[40 + 8 * i + k] = (unsigned char)(v >> (8 * k));
}

static struct fake *xa_fixture(struct dt_target *t, struct dt_layout *l, struct node *top,
			       struct node *leaf)
{
	struct fake *f = fake_new();
	if (fake_load(f, fixture("fsdax-ext4-6.1.rec")))
		SKIP("fixture %s not readable", fixture("fsdax-ext4-6.1.rec"));
	node_init(top, 6, 0, 0, XA_ROOT);
	node_init(leaf, 0, 0, N_TOP, XA_ROOT);
	slot(top, 0, N_LEAF | 2);
	slot(top, 8, 0x2108005);			/* PMD entry: indices 512..1023 */
	for (int i = 9; i < 16; i++)
		slot(top, i, (8 << 2) | 2);		/* xa_mk_sibling(8) */
	slot(top, 20, 0x406);				/* XA_ZERO_ENTRY */
	slot(leaf, 0, 0x2105801);
	slot(leaf, 1, 0x2105821);
	slot(leaf, 10, 0x6f2209);
	fake_u64(f, XA_ROOT, 0);
	fake_u64(f, XA_ROOT + 8, N_TOP | 2);		/* xa_head */
	fake_target(f, t);
	CHECK_EQ(dt_layout_probe(t, l), 0);
	return f;
}

struct rec {
	int n;
	uint64_t index[16], nr[16], raw[16];
	enum dt_slot kind[16];
};

static int rec_cb(void *arg, uint64_t index, uint64_t nr, uint64_t raw, enum dt_slot kind,
		  uint64_t node, int s)
{
	struct rec *r = arg;
	(void)node;
	(void)s;
	if (r->n < 16) {
		r->index[r->n] = index;
		r->nr[r->n] = nr;
		r->raw[r->n] = raw;
		r->kind[r->n] = kind;
	}
	r->n++;
	return 0;
}

TEST(test_xa_classify_slots)
{
	int sib = -1;
	CHECK_EQ(dt_xa_classify(0, 64, &sib), DT_SLOT_EMPTY);
	CHECK_EQ(dt_xa_classify(0x2108005, 64, &sib), DT_SLOT_VALUE);
	CHECK_EQ(dt_xa_classify(0xffff888000010002ULL, 64, &sib), DT_SLOT_NODE);
	CHECK_EQ(dt_xa_classify(0x22, 64, &sib), DT_SLOT_SIBLING);
	CHECK_EQ(sib, 8);
	CHECK_EQ(dt_xa_classify(0x2, 64, &sib), DT_SLOT_SIBLING);	/* sibling of slot 0 */
	CHECK_EQ(sib, 0);
	CHECK_EQ(dt_xa_classify(0xfa, 64, &sib), DT_SLOT_SIBLING);	/* xa_mk_sibling(62) */
	CHECK_EQ(dt_xa_classify(0xfe, 64, &sib), DT_SLOT_BAD);	/* internal 63: not a sibling */
	CHECK_EQ(dt_xa_classify(0x402, 64, &sib), DT_SLOT_RETRY);
	CHECK_EQ(dt_xa_classify(0x406, 64, &sib), DT_SLOT_ZERO);
	CHECK_EQ(dt_xa_classify(0xffff8acd02289000ULL, 64, &sib), DT_SLOT_POINTER);
}

TEST(test_radix_classify_slots)
{
	uint64_t slots = 0xffff888000030028ULL;
	int sib = -1;
	CHECK_EQ(dt_radix_classify(0x700000a, slots, 64, &sib), DT_SLOT_EXCEPTIONAL);
	CHECK_EQ(dt_radix_classify((slots + 8 * 8) | 1, slots, 64, &sib), DT_SLOT_SIBLING);
	CHECK_EQ(sib, 8);
	CHECK_EQ(dt_radix_classify(0xffff888000040001ULL, slots, 64, &sib), DT_SLOT_NODE);
	CHECK_EQ(dt_radix_classify(0xffffea0000001000ULL, slots, 64, &sib), DT_SLOT_POINTER);
	CHECK_EQ(dt_radix_classify(1, slots, 64, &sib), DT_SLOT_RETRY);
}

TEST(test_xarray_pmd_sibling_slots)
{
	struct dt_target t;
	struct dt_layout l;
	struct node top, leaf;
	struct fake *f = xa_fixture(&t, &l, &top, &leaf);
	fake_mem(f, N_TOP, top.b, sizeof(top.b));
	fake_mem(f, N_LEAF, leaf.b, sizeof(leaf.b));
	struct rec r = { 0 };
	struct dt_walk_stats st;
	CHECK_EQ(dt_tree_walk(&t, &l, DT_CONT_XARRAY, XA_ROOT, NULL, rec_cb, &r, &st), 0);
	CHECK_EQ(r.n, 5);
	CHECK_EQ(r.index[0], 0); CHECK_EQ(r.raw[0], 0x2105801); CHECK_EQ(r.nr[0], 1);
	CHECK_EQ(r.index[1], 1); CHECK_EQ(r.raw[1], 0x2105821);
	CHECK_EQ(r.index[2], 10); CHECK_EQ(r.raw[2], 0x6f2209);
	CHECK_EQ(r.index[3], 512); CHECK_EQ(r.nr[3], 512); CHECK_EQ(r.raw[3], 0x2108005);
	CHECK_EQ(r.kind[3], DT_SLOT_VALUE);
	CHECK_EQ(r.index[4], 1280); CHECK_EQ(r.kind[4], DT_SLOT_ZERO);
	CHECK_EQ(st.nodes, 2);
	CHECK_EQ(st.siblings, 7);
	CHECK_EQ(st.errors, 0);
	/* xa_load through a sibling slot */
	uint64_t raw;
	char err[128];
	CHECK_EQ(dt_tree_load(&t, &l, DT_CONT_XARRAY, XA_ROOT, 700, &raw, err, sizeof(err)), 0);
	CHECK_EQ(raw, 0x2108005);
	CHECK_EQ(dt_tree_load(&t, &l, DT_CONT_XARRAY, XA_ROOT, 10, &raw, err, sizeof(err)), 0);
	CHECK_EQ(raw, 0x6f2209);
	CHECK_EQ(dt_tree_load(&t, &l, DT_CONT_XARRAY, XA_ROOT, 2, &raw, err, sizeof(err)), 0);
	CHECK_EQ(raw, 0);
	CHECK_EQ(dt_tree_load(&t, &l, DT_CONT_XARRAY, XA_ROOT, 1 << 20, &raw, err, sizeof(err)), 0);
	CHECK_EQ(raw, 0);
	fake_free(f);
}

TEST(test_xarray_node_reached_twice_is_a_cycle)
{
	struct dt_target t;
	struct dt_layout l;
	struct node top, leaf;
	struct fake *f = xa_fixture(&t, &l, &top, &leaf);
	slot(&top, 1, N_LEAF | 2);	/* the same leaf under two slots */
	fake_mem(f, N_TOP, top.b, sizeof(top.b));
	fake_mem(f, N_LEAF, leaf.b, sizeof(leaf.b));
	struct rec r = { 0 };
	struct dt_walk_stats st;
	CHECK(dt_tree_walk(&t, &l, DT_CONT_XARRAY, XA_ROOT, NULL, rec_cb, &r, &st) != 0);
	CHECK(strstr(st.error, "cycle") != NULL);
	CHECK_EQ(r.n, 3);		/* the first visit's entries, then the walk stops */
	fake_free(f);
}

TEST(test_xarray_foreign_node_and_unreadable_node)
{
	struct dt_target t;
	struct dt_layout l;
	struct node top, leaf;
	struct fake *f = xa_fixture(&t, &l, &top, &leaf);
	node_init(&leaf, 0, 0, N_TOP, 0xffff888000099000ULL);	/* another array's node */
	slot(&leaf, 0, 0x2105801);
	slot(&top, 2, 0xffff888000077002ULL);			/* not in the dump */
	fake_mem(f, N_TOP, top.b, sizeof(top.b));
	fake_mem(f, N_LEAF, leaf.b, sizeof(leaf.b));
	struct rec r = { 0 };
	struct dt_walk_stats st;
	CHECK(dt_tree_walk(&t, &l, DT_CONT_XARRAY, XA_ROOT, NULL, rec_cb, &r, &st) != 0);
	CHECK_EQ(st.errors, 2);
	CHECK(strstr(st.error, "another array") != NULL);
	CHECK_EQ(r.n, 2);		/* the PMD entry and the zero entry of the top node */
	fake_free(f);
}

TEST(test_xarray_node_cap_and_bad_shift)
{
	struct dt_target t;
	struct dt_layout l;
	struct node top, leaf;
	struct fake *f = xa_fixture(&t, &l, &top, &leaf);
	fake_mem(f, N_TOP, top.b, sizeof(top.b));
	fake_mem(f, N_LEAF, leaf.b, sizeof(leaf.b));
	struct rec r = { 0 };
	struct dt_walk_stats st;
	struct dt_walk_limits lim = { .max_nodes = 1, .max_depth = 12 };
	CHECK(dt_tree_walk(&t, &l, DT_CONT_XARRAY, XA_ROOT, &lim, rec_cb, &r, &st) != 0);
	CHECK(strstr(st.error, "node cap") != NULL);
	/* a leaf claiming shift 12 under a shift-6 node */
	leaf.b[0] = 12;
	fake_mem(f, N_LEAF, leaf.b, sizeof(leaf.b));
	memset(&r, 0, sizeof(r));
	CHECK(dt_tree_walk(&t, &l, DT_CONT_XARRAY, XA_ROOT, NULL, rec_cb, &r, &st) != 0);
	CHECK(strstr(st.error, "shift") != NULL);
	CHECK_EQ(r.n, 2);
	fake_free(f);
}

TEST(test_xarray_single_entry_at_index_0)
{
	struct dt_target t;
	struct dt_layout l;
	struct node top, leaf;
	struct fake *f = xa_fixture(&t, &l, &top, &leaf);
	fake_u64(f, XA_ROOT + 8, 0x2105801);	/* xa_head holds the entry itself */
	struct rec r = { 0 };
	struct dt_walk_stats st;
	CHECK_EQ(dt_tree_walk(&t, &l, DT_CONT_XARRAY, XA_ROOT, NULL, rec_cb, &r, &st), 0);
	CHECK_EQ(r.n, 1);
	CHECK_EQ(r.index[0], 0);
	CHECK_EQ(r.raw[0], 0x2105801);
	fake_free(f);
}

/* A 4.17-4.19 layout: radix_tree_node with shift/offset/count/exceptional/parent/root. */
static struct fake *radix_fixture(struct dt_target *t, struct dt_layout *l)
{
	struct fake *f = fake_new();
	static const struct { const char *k; long v; } kv[] = {
		{ "O address_space host", 0 }, { "O address_space i_pages", 8 },
		{ "O address_space nrpages", 88 },
		{ "O radix_tree_root rnode", 8 },
		{ "O radix_tree_node shift", 0 }, { "O radix_tree_node offset", 1 },
		{ "O radix_tree_node count", 2 }, { "O radix_tree_node exceptional", 3 },
		{ "O radix_tree_node parent", 8 }, { "O radix_tree_node root", 16 },
		{ "O radix_tree_node slots", 40 }, { "O radix_tree_node tags", 552 },
		{ "T radix_tree_node", 576 }, { "Z radix_tree_node slots", 512 },
		{ "T page", 64 }, { "O page _refcount", 52 }, { "O page mapping", 24 },
	};
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		fake_kv(f, kv[i].k, kv[i].v);
	fake_target(f, t);
	CHECK_EQ(dt_layout_probe(t, l), 0);
	return f;
}

TEST(test_radix_exceptional_entries_and_siblings)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = radix_fixture(&t, &l);
	CHECK_EQ(l.tree, DT_CONT_RADIX);
	CHECK_STR(l.era->id, "4.17");
	uint64_t root = 0xffff888000005000ULL, r1 = 0xffff888000030000ULL,
		 r0 = 0xffff888000040000ULL;
	struct node top, leaf;
	node_init(&top, 6, 0, 0, root);
	node_init(&leaf, 0, 0, r1, root);
	slot(&top, 0, r0 | 1);				/* RADIX_TREE_INTERNAL_NODE */
	slot(&top, 8, 0x700000a);			/* 4.17 PMD entry, pfn 0x1c0000 */
	for (int i = 9; i < 16; i++)
		slot(&top, i, (r1 + 40 + 8 * 8) | 1);	/* sibling: points at slot 8 */
	slot(&leaf, 3, 0xa93d2);			/* 4k zero-page entry */
	slot(&leaf, 4, 0xffffea0000001000ULL);		/* a struct page pointer */
	fake_mem(f, r1, top.b, sizeof(top.b));
	fake_mem(f, r0, leaf.b, sizeof(leaf.b));
	fake_u64(f, root, 0);
	fake_u64(f, root + 8, r1 | 1);
	struct rec r = { 0 };
	struct dt_walk_stats st;
	CHECK_EQ(dt_tree_walk(&t, &l, DT_CONT_RADIX, root, NULL, rec_cb, &r, &st), 0);
	CHECK_EQ(r.n, 3);
	CHECK_EQ(r.index[0], 3); CHECK_EQ(r.kind[0], DT_SLOT_EXCEPTIONAL);
	CHECK_EQ(r.index[1], 4); CHECK_EQ(r.kind[1], DT_SLOT_POINTER);
	CHECK_EQ(r.index[2], 512); CHECK_EQ(r.nr[2], 512); CHECK_EQ(r.raw[2], 0x700000a);
	CHECK_EQ(st.siblings, 7);
	uint64_t raw;
	char err[128];
	CHECK_EQ(dt_tree_load(&t, &l, DT_CONT_RADIX, root, 1000, &raw, err, sizeof(err)), 0);
	CHECK_EQ(raw, 0x700000a);
	fake_free(f);
}

TEST(test_xarray_64bit_indices_top_shift_60)
{
	/* dax_hosts is keyed by struct gendisk pointers: the top node has shift 60 (11 levels
	 * of 6 bits); a one-entry chain down to the leaf holds the pointer value */
	struct dt_target t;
	struct dt_layout l;
	struct node top, leaf;
	struct fake *f = xa_fixture(&t, &l, &top, &leaf);
	static struct node chain[11];
	const uint64_t key = 0xffff8caec22b3c00ULL, base = 0xffff888000100000ULL;
	for (int d = 0; d < 11; d++) {
		int shift = 60 - 6 * d;
		int off = (int)((key >> shift) & 63);
		uint64_t self = base + (uint64_t)d * 0x1000, parent = d ? self - 0x1000 : 0;
		int poff = d ? (int)((key >> (shift + 6)) & 63) : 0;
		node_init(&chain[d], shift, poff, parent, XA_ROOT);
		slot(&chain[d], off, d < 10 ? (self + 0x1000) | 2 : 0xffff8caec4e2da00ULL);
		fake_mem(f, self, chain[d].b, sizeof(chain[d].b));
	}
	fake_u64(f, XA_ROOT + 8, base | 2);
	struct rec r = { 0 };
	struct dt_walk_stats st;
	CHECK_EQ(dt_tree_walk(&t, &l, DT_CONT_XARRAY, XA_ROOT, NULL, rec_cb, &r, &st), 0);
	CHECK_EQ(r.n, 1);
	CHECK_EQ(r.index[0], key);
	CHECK_EQ(r.raw[0], 0xffff8caec4e2da00ULL);
	uint64_t raw;
	char err[120];
	CHECK_EQ(dt_tree_load(&t, &l, DT_CONT_XARRAY, XA_ROOT, key, &raw, err, sizeof(err)), 0);
	CHECK_EQ(raw, 0xffff8caec4e2da00ULL);
	fake_free(f);
}
