/* test_replay.c: the core on recorded bytes and layouts of a real dump
 * (fixtures/fsdax-ext4-6.1.rec); every expected value is the guest kernel's own record in
 * samples/out/6.1.0-56-amd64/fsdax-ext4/truth.json. */
#include <string.h>
#include "fake.h"
#include "mapping.h"
#include "unit.h"

#define PMD_MAPPING 0xffff8acd7f9af5d8ULL	/* /mnt/pmd.dat */
#define PTE_MAPPING 0xffff8acd7f9ad9e8ULL	/* /mnt/pte.dat */
#define FSDAX_PGMAP 0xffff8acd022890b0ULL
#define DEVDAX_PGMAP 0xffff8acd048e2c00ULL

static struct fake *load(struct dt_target *t, struct dt_layout *l)
{
	struct fake *f = fake_new();
	if (fake_load(f, fixture("fsdax-ext4-6.1.rec")))
		SKIP("fixture %s not readable", fixture("fsdax-ext4-6.1.rec"));
	fake_target(f, t);
	CHECK_EQ(dt_layout_probe(t, l), 0);
	return f;
}

TEST(test_layout_probe_6_1)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = load(&t, &l);
	CHECK(l.ok);
	CHECK_EQ(l.tree, DT_CONT_XARRAY);
	CHECK_STR(l.era->id, "4.20");
	CHECK_EQ(l.refmodel, DT_RM_6_1);
	CHECK_EQ(l.fsdax_idle_refcount, 1);
	CHECK(l.pref_split);
	CHECK(!l.pm_ref_is_ptr);
	CHECK_EQ(l.chunk_size, 64);
	CHECK_EQ(l.pg_refcount, 52);
	CHECK_EQ(l.pg_pgmap, 8);
	CHECK_EQ(dt_mtype_of(&l, 3), DT_MT_FS_DAX);
	CHECK_EQ(dt_mtype_of(&l, 4), DT_MT_GENERIC);
	CHECK(l.nr_why >= 3);
	fake_free(f);
}

TEST(test_replay_pmd_mapping_entries)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = load(&t, &l);
	struct dt_mapping m;
	char err[200];
	CHECK_EQ(dt_mapping_load(&t, &l, PMD_MAPPING, &m, err, sizeof(err)), 0);
	CHECK(!m.walk_failed);
	CHECK_EQ(m.nrpages, 2048);
	CHECK_EQ(m.ino, 13);
	static const uint64_t idx[] = { 0, 512, 1024, 1536 };
	static const uint64_t raw[] = { 0x2108005, 0x210c005, 0xc400d, 0xc400d };
	CHECK_EQ(m.nr, 4);
	for (int i = 0; i < 4 && i < m.nr; i++) {
		CHECK_EQ(m.slots[i].index, idx[i]);
		CHECK_EQ(m.slots[i].raw, raw[i]);
		CHECK_EQ(m.slots[i].nr, 512);
	}
	/* the entry of index 512: pin on its sub-page 515 (pfn 0x108603, refcount 2) */
	struct dt_pgmap_set pms;
	dt_pgmaps_collect(&t, &l, &pms);
	struct dt_map_entry me;
	dt_entry_analyse(&t, &l, &pms, &m, l.era, &m.slots[1], &me, NULL, NULL);
	CHECK_EQ(me.pfn, 0x108600);
	CHECK_EQ(me.e.order, 9);
	CHECK_EQ(me.busy, 1);
	CHECK_STR(me.assoc, "ok");
	CHECK(me.pgmap && me.pgmap->addr == FSDAX_PGMAP);
	CHECK(!me.order_mismatch);
	dt_entry_analyse(&t, &l, &pms, &m, l.era, &m.slots[2], &me, NULL, NULL);
	CHECK_STR(me.assoc, "-");	/* zero-page entry: no association */
	CHECK(me.pgmap == NULL);
	dt_mapping_free(&m);
	fake_free(f);
}

TEST(test_replay_pte_mapping_refcounts)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = load(&t, &l);
	struct dt_mapping m;
	char err[200];
	CHECK_EQ(dt_mapping_load(&t, &l, PTE_MAPPING, &m, err, sizeof(err)), 0);
	CHECK_EQ(m.nr, 7);
	CHECK_EQ(m.nrpages, 7);
	struct dt_pgmap_set pms;
	dt_pgmaps_collect(&t, &l, &pms);
	static const int refs[] = { 1, 2, 3, 1, 1 };	/* pins: page 1 once, page 2 twice */
	for (int i = 0; i < 5; i++) {
		struct dt_map_entry me;
		dt_entry_analyse(&t, &l, &pms, &m, l.era, &m.slots[i], &me, NULL, NULL);
		CHECK(me.page_ok);
		CHECK_EQ(me.refcount, refs[i]);
		CHECK_STR(me.assoc, "ok");
		CHECK_EQ(me.busy, refs[i] != 1);
	}
	struct dt_mapping *mp[1] = { &m };
	struct dt_era_choice ch;
	dt_era_choose(&l, &pms, mp, 1, NULL, &ch);
	CHECK_STR(ch.era->id, "4.20");
	CHECK_EQ(ch.real, 5);
	CHECK_EQ(ch.consistent, 5);
	dt_era_choose(&l, &pms, mp, 1, dt_era_find("seed004-zap"), &ch);
	CHECK(ch.forced);
	dt_mapping_free(&m);
	fake_free(f);
}

TEST(test_replay_pgmaps_and_true_count)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = load(&t, &l);
	struct dt_pgmap_set pms;
	CHECK_EQ(dt_pgmaps_collect(&t, &l, &pms), 0);
	CHECK_EQ(pms.n, 2);
	const struct dt_pgmap *fs = NULL, *dev = NULL;
	for (int i = 0; i < pms.n; i++) {
		if (pms.pm[i].addr == FSDAX_PGMAP)
			fs = &pms.pm[i];
		if (pms.pm[i].addr == DEVDAX_PGMAP)
			dev = &pms.pm[i];
	}
	CHECK(fs && dev);
	if (!fs || !dev)
		return;
	CHECK_EQ(fs->type, DT_MT_FS_DAX);
	CHECK_EQ(fs->nr_range, 1);
	CHECK_EQ(fs->start[0], 0x100000000ULL);
	CHECK_EQ(fs->end[0], 0x13fffffffULL);
	CHECK_EQ(fs->ref_addr, 0xffff8acd022890e0ULL);
	CHECK_EQ(fs->ref_state.mode, DT_PREF_PERCPU);
	CHECK_EQ(fs->ref_state.true_count, 262145);
	CHECK_EQ(fs->ref.percpu_sum, 262144);
	CHECK_EQ(fs->ref.data_ref, 0xffff8acd022890e0ULL);
	CHECK_EQ(fs->expect.expected, 262145);
	CHECK_STR(fs->verdict, "ok");
	CHECK_EQ(fs->reg_pfns, 262144);
	CHECK_EQ(dev->type, DT_MT_GENERIC);
	CHECK_EQ(dev->vmemmap_shift, 9);
	CHECK_EQ(dev->ref_state.true_count, 257);
	CHECK_STR(dev->verdict, "ok");
	CHECK(dt_pgmap_of_pfn(&pms, 0x1082c1) == fs);
	CHECK(dt_pgmap_of_pfn(&pms, 0x37910) == NULL);
	fake_free(f);
}
