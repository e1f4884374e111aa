/* test_robust.c: regressions for what fault injection (tests/faults/) and the fuzzers (fuzz/)
 * found in the core: each test is the smallest dump state that made the core hang, crash or
 * trip a sanitizer.  Layout: the recorded 6.1 one (fsdax-ext4-6.1.rec). */
#include <string.h>
#include "fake.h"
#include "mapping.h"
#include "memmap.h"
#include "page.h"
#include "refmodel.h"
#include "tp.h"
#include "tree.h"
#include "unit.h"

#define XA_ROOT 0xffff888000001000ULL
#define N_TOP 0xffff888000010000ULL

static void put64(unsigned char *b, long off, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[off + i] = (unsigned char)(v >> (8 * i));
}

static int count_cb(void *arg, uint64_t index, uint64_t nr, uint64_t raw, enum dt_slot kind,
		    uint64_t node, int slot)
{
	(void)index, (void)nr, (void)raw, (void)kind, (void)node, (void)slot;
	++*(int *)arg;
	return 0;
}

static int count_inode(void *arg, uint64_t sb, uint64_t inode)
{
	(void)sb, (void)inode;
	return ++*(int *)arg > 100;
}

/* Unreadable child nodes were remembered in the walker's visited set without counting
 * toward the node cap: more distinct unreadable children than the set's size made its probe
 * loop endless (a hang with max_nodes 2 and one node of 64 such slots). */
TEST(test_robust_walk_many_unreadable_children_terminates)
{
	struct fake *f = fake_new();
	if (fake_load(f, fixture("fsdax-ext4-6.1.rec")))
		SKIP("fixture %s not readable", fixture("fsdax-ext4-6.1.rec"));
	struct dt_target t;
	struct dt_layout l;
	fake_target(f, &t);
	CHECK_EQ(dt_layout_probe(&t, &l), 0);
	unsigned char top[4096];
	memset(top, 0, sizeof(top));
	CHECK(l.n_size > 0 && l.n_size <= (long)sizeof(top));
	top[l.n_shift] = (unsigned char)l.chunk_shift;
	put64(top, l.n_array, XA_ROOT);
	for (int i = 0; i < l.chunk_size; i++)	/* 64 distinct kernel pointers to nothing */
		put64(top, l.n_slots + 8L * i, (0xffff888000100000ULL + 0x1000ULL * (uint64_t)i) | 2);
	fake_mem(f, N_TOP, top, (size_t)l.n_size);
	fake_u64(f, XA_ROOT + (uint64_t)l.xa_head, N_TOP | 2);
	struct dt_walk_limits lim = { .max_nodes = 2, .max_depth = 4 };
	struct dt_walk_stats st;
	int n = 0;
	CHECK_EQ(dt_tree_walk(&t, &l, DT_CONT_XARRAY, XA_ROOT, &lim, count_cb, &n, &st), -1);
	CHECK(st.errors > 0);
	CHECK(strstr(st.error, "not readable") != NULL);
	CHECK_EQ(n, 0);
	fake_free(f);
}

/* A corrupted dev_pagemap.vmemmap_shift (>= 64) was a shift by >= 64 (undefined; UBSan). */
TEST(test_robust_expected_count_huge_vmemmap_shift)
{
	struct dt_model_in in;
	memset(&in, 0, sizeof(in));
	in.model = DT_RM_6_1;
	in.type = DT_MT_FS_DAX;
	in.nr_range = 1;
	in.pfn_first[0] = 0x100000;
	in.pfn_end[0] = 0x140000;
	in.vmemmap_shift = 0xff000000u;
	struct dt_expect e;
	dt_expected_pgmap_count(&in, &e);
	CHECK(e.applies);
	CHECK_EQ(e.bulk, 0);
	CHECK_EQ(e.expected, 1);
}

/* An s_inodes list corrupted into a loop that misses its head (an inode's i_sb_list.next
 * naming itself) was walked to the 4M-element cap, per superblock (a hang on a real
 * dump); now the loop is found within twice its length and reported. */
TEST(test_robust_s_inodes_cycle_reported)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = tp_load(&t, &l);
	char err[240] = "";
	int clean = 0, n = 0;
	CHECK_EQ(dt_for_each_dax_inode(&t, &l, count_inode, &clean, err, sizeof(err)), 0);
	uint64_t first = 0;
	CHECK_EQ(dt_read_u64(&t, TP_SB + (uint64_t)l.sb_inodes, &first), 0);
	CHECK(dt_kptr_ok(first, 8));
	fake_u64(f, first, first);	/* i_sb_list.next = itself */
	CHECK_EQ(dt_for_each_dax_inode(&t, &l, count_inode, &n, err, sizeof(err)), -1);
	CHECK(strstr(err, "cycle") != NULL);
	CHECK(n <= clean + 1);	/* the looping inode at most once more */
	fake_free(f);
}

/* _mapcount 0x7fffffff: page_mapcount() = _mapcount + 1 wraps as the kernel's atomic_t does
 * (it was signed overflow; UBSan under make test-san). */
TEST(test_robust_mapcount_wraps)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = tp_load(&t, &l);
	static unsigned char chunk[512 * 64];
	uint64_t base = TP_PAGE - (TP_PFN - 0x108600) * 64;
	CHECK_EQ(dt_read(&t, base, chunk, sizeof(chunk)), 0);
	long off = (long)(TP_PAGE - base) + l.pg_mapcount;
	for (int i = 0; i < 4; i++)
		chunk[off + i] = (unsigned char)(0x7fffffffu >> (8 * i));
	fake_mem(f, base, chunk, sizeof(chunk));
	static struct dt_page_info pi;
	CHECK_EQ(dt_page_describe(&t, &l, TP_PFN, &pi), 0);
	CHECK_EQ(pi.p.mapcount_raw, 0x7fffffff);
	CHECK_EQ((uint32_t)pi.mapcount, 0x80000000u);
	fake_free(f);
}

/* The recorded-bytes target itself: a read wrapping past 2^64 (a name pointer corrupted to
 * ~0, read byte-wise by dt_read_str) matched a region by overflow and copied from a wild
 * address (ASan, in make faults FAULTS_SAN=address,undefined). */
TEST(test_robust_fake_read_wrapping_fails)
{
	struct fake *f = fake_new();
	struct dt_target t;
	fake_target(f, &t);
	fake_u64(f, 0xffff888000000000ULL, 0x4142434400000000ULL);
	char b[16];
	CHECK_EQ(dt_read(&t, 0xfffffffffffffff8ULL, b, 16), -1);
	CHECK_EQ(dt_read(&t, ~0ULL, b, 2), -1);
	CHECK_EQ(dt_read_str(&t, ~0ULL, b, sizeof(b)), -1);
	CHECK_EQ(dt_read(&t, 0xffff888000000000ULL, b, 8), 0);
	fake_free(f);
}

/* A dev_pagemap range ending at ~0 sent the memmap census over 2^52 pfns (a hang in
 * pgmap -p, daxpage, daxcheck); it is refused as the drgn front end refuses it. */
TEST(test_robust_pgmap_range_beyond_physical)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = tp_load(&t, &l);
	CHECK(l.pm_range >= 0 && l.range_end >= 0);
	fake_u64(f, TP_FSDAX_PGMAP + (uint64_t)(l.pm_range + l.range_end), ~0ULL);
	static struct dt_pgmap pm;
	char err[200] = "";
	CHECK_EQ(dt_pgmap_read(&t, &l, TP_FSDAX_PGMAP, &pm, err, sizeof(err)), -1);
	CHECK(strstr(err, "is not a physical address range") != NULL);
	/* the census itself stays bounded on such a range: 2^20 unreadable pfns, then counted */
	pm.nr_range = 1;
	struct dt_census c;
	CHECK_EQ(dt_census_range(&t, &l, NULL, 0x4000000000ULL, ~0ULL >> 12, NULL, NULL, &c), 0);
	CHECK(c.unread_from > 0);
	CHECK_EQ(c.unreadable, (~0ULL >> 12) - 0x4000000000ULL);
	fake_free(f);
}
