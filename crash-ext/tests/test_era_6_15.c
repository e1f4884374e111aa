/* test_era_6_15.c: the post-6.15 model on the 7.2 truncate-pinned recording
 * (fixtures/truncate-pinned-7.2.rec, crash 9.0.2 --no_modules): compound_info tail words (a
 * mask here), the folio order in _flags_1, folio->pgmap, __folio_index, fsdax pages idle at 0
 * and held by their mappings, the PMD entry as one folio.  Expected values: the guest's
 * samples/out/7.2.13+deb14-amd64/truncate-pinned/truth.json (pfn 0x108600 head of an order-9
 * folio, refcount 1, mapcount 0 after the truncate unmapped it; pin on its tail 0x108604 by
 * pid 154's pipe; pid 156 in ftruncate, wchan ext4_wait_dax_page under dax_break_layout). */
#include <string.h>
#include "check.h"
#include "fake.h"
#include "folio.h"
#include "mapping.h"
#include "page.h"
#include "unit.h"

#define T7_HEAD 0xfffff96304218000ULL		/* pfn 0x108600 */
#define T7_HEAD_PFN 0x108600ULL
#define T7_TAIL 0xfffff96304218100ULL		/* pfn 0x108604, the pinned sub-page */
#define T7_TAIL_PFN 0x108604ULL
#define T7_MAPPING 0xffff8d92c1633cf0ULL	/* /mnt/victim.dat, ino 12 */
#define T7_INODE 0xffff8d92c1633b88ULL
#define T7_FSDAX_PGMAP 0xffff8d92c27d5eb8ULL

static struct fake *load(struct dt_target *t, struct dt_layout *l)
{
	struct fake *f = fake_new();
	if (fake_load(f, fixture("truncate-pinned-7.2.rec")))
		SKIP("fixture %s not readable", fixture("truncate-pinned-7.2.rec"));
	fake_target(f, t);
	CHECK_EQ(dt_layout_probe(t, l), 0);
	return f;
}

/* Overwrite a 32-bit field of a struct page inside its recorded memmap chunk (pfns
 * 0x108600-0x1087ff), so that chunk reads see the change too. */
static void poke32(struct fake *f, const struct dt_target *t, uint64_t addr, uint32_t v)
{
	static unsigned char chunk[512 * 64];
	uint64_t base = T7_HEAD;
	CHECK_EQ(dt_read(t, base, chunk, sizeof(chunk)), 0);
	for (int i = 0; i < 4; i++)
		chunk[addr - base + (uint64_t)i] = (unsigned char)(v >> (8 * i));
	fake_mem(f, base, chunk, sizeof(chunk));
}

static void poke64(struct fake *f, const struct dt_target *t, uint64_t addr, uint64_t v)
{
	poke32(f, t, addr, (uint32_t)v);
	poke32(f, t, addr + 4, (uint32_t)(v >> 32));
}

static const struct dt_finding *find(const struct dt_report *r, const char *id)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->f[i].check->id, id) == 0)
			return &r->f[i];
	return NULL;
}

TEST(test_layout_probe_7_2)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = load(&t, &l);
	CHECK_EQ(l.refmodel, DT_RM_6_15);
	CHECK_EQ(l.fsdax_idle_refcount, 0);
	CHECK(l.pg_compound_info);		/* page.compound_info, not compound_head */
	CHECK_EQ(l.pg_compound_head, 8);
	CHECK_EQ(l.pg_index, 32);		/* page.__folio_index */
	CHECK_EQ(l.pg_pgmap, 8);		/* folio.pgmap */
	CHECK_EQ(l.fo_order, 64);		/* folio._flags_1 (low byte) */
	CHECK_EQ(l.fo_large_mapcount, 80);
	CHECK_EQ(l.fo_entire, 88);
	CHECK_EQ(l.fo_pincount, 92);
	CHECK(l.fo_folio_wording);
	CHECK(!l.pm_ref_is_ptr);
	fake_free(f);
}

TEST(test_compound_info_head_by_mask_or_pointer)
{
	/* 7.2 sample: tails of the order-9 folio hold mask | 1 = 0xffffffffffff8001 */
	CHECK_EQ(dt_compound_head(1, 0xffffffffffff8001ULL, T7_TAIL), T7_HEAD);
	/* the same word as a head pointer | 1 (compound_info without the mask, or compound_head) */
	CHECK_EQ(dt_compound_head(1, T7_HEAD | 1, T7_TAIL), T7_HEAD);
	CHECK_EQ(dt_compound_head(0, T7_HEAD | 1, T7_TAIL), T7_HEAD);
}

TEST(test_folio_tail_and_order_7_2)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = load(&t, &l);
	struct dt_page p;
	CHECK_EQ(dt_page_read(&t, &l, T7_TAIL_PFN, &p), 0);
	CHECK(p.tail);
	CHECK_EQ(p.head, T7_HEAD);
	CHECK_EQ(p.refcount, 0);		/* tails idle at 0; the pin counts on the head */
	CHECK_EQ(dt_page_read(&t, &l, T7_HEAD_PFN, &p), 0);
	CHECK(!p.tail);
	CHECK_EQ(p.refcount, 1);
	CHECK_EQ(p.pgmap, T7_FSDAX_PGMAP);
	CHECK_EQ(p.mapping, T7_MAPPING);
	CHECK_EQ(p.index, 0);
	struct dt_folio fo;
	CHECK_EQ(dt_folio_read(&t, &l, T7_HEAD, &fo), 0);
	CHECK_EQ(fo.order, 9);
	CHECK_EQ(fo.mapcount, 0);		/* folio_mapcount(): the truncate unmapped it */
	CHECK_EQ(fo.entire_mapcount, 0);
	CHECK_EQ(fo.pincount, 0);		/* vmsplice takes a get, not a FOLL_PIN */
	/* dump_page() of the tail: the head's refcount and mapping, page_to_pgoff() 4 */
	struct dt_page_info pi;
	CHECK_EQ(dt_page_describe(&t, &l, T7_TAIL_PFN, &pi), 0);
	CHECK(pi.compound && pi.compound_known && pi.folio_wording);
	CHECK_EQ(pi.order, 9);
	CHECK_EQ(pi.head, T7_HEAD);
	CHECK_EQ(pi.hp.refcount, 1);
	CHECK_EQ(pi.hp.mapping, T7_MAPPING);
	CHECK_EQ(pi.mapcount, 0);
	CHECK_EQ(pi.zone, 4);
	CHECK_STR(pi.dname, "victim.dat");	/* dentry.d_alias in an anonymous union */
	fake_free(f);
}

TEST(test_entry_is_one_folio_7_2)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = load(&t, &l);
	struct dt_mapping m;
	char err[200];
	CHECK_EQ(dt_mapping_load(&t, &l, T7_MAPPING, &m, err, sizeof(err)), 0);
	CHECK_EQ(m.nr, 2);
	CHECK_EQ(m.nrpages, 1024);
	struct dt_pgmap_set pms;
	dt_pgmaps_collect(&t, &l, &pms);
	struct dt_map_entry me;
	dt_entry_analyse(&t, &l, &pms, &m, l.era, &m.slots[0], &me, NULL, NULL);
	CHECK_EQ(me.pfn, T7_HEAD_PFN);
	CHECK_EQ(me.e.order, 9);
	/* the tails carry folio fields, not mapping/index: associated through the head */
	CHECK_STR(me.assoc, "ok");
	/* non-idle pages: the head at refcount 1 (idle 0); tails at 0 */
	CHECK_EQ(me.busy, 1);
	dt_mapping_free(&m);
	fake_free(f);
}

TEST(test_shared_folio_7_2)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = load(&t, &l);
	/* a reflinked folio from 6.15 ("fs/dax: remove PAGE_MAPPING_DAX_SHARED mapping flag"):
	 * mapping NULL, folio->share (the index word) counts the sharers */
	poke64(f, &t, T7_HEAD + (uint64_t)l.pg_mapping, 0);
	poke64(f, &t, T7_HEAD + (uint64_t)l.pg_index, 2);
	struct dt_mapping m;
	char err[200];
	CHECK_EQ(dt_mapping_load(&t, &l, T7_MAPPING, &m, err, sizeof(err)), 0);
	struct dt_pgmap_set pms;
	dt_pgmaps_collect(&t, &l, &pms);
	struct dt_map_entry me;
	dt_entry_analyse(&t, &l, &pms, &m, l.era, &m.slots[0], &me, NULL, NULL);
	CHECK_STR(me.assoc, "shared");
	/* share 0 with no mapping is a page the entry does not own */
	poke64(f, &t, T7_HEAD + (uint64_t)l.pg_index, 0);
	dt_entry_analyse(&t, &l, &pms, &m, l.era, &m.slots[0], &me, NULL, NULL);
	CHECK_STR(me.assoc, "mismatch");
	CHECK_EQ(me.assoc_bad_pfn, T7_HEAD_PFN);
	dt_mapping_free(&m);
	fake_free(f);
}

TEST(test_check_pin_on_a_folio_tail_7_2)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = load(&t, &l);
	struct dt_report r;
	CHECK_EQ(dt_check_all(&t, &l, &r), 0);
	const struct dt_finding *g1 = find(&r, "CHK-G1"), *g2 = find(&r, "CHK-G2");
	CHECK(g1 && g1->pfn == T7_HEAD_PFN && g1->page == T7_HEAD && g1->refcount == 1);
	CHECK(g2 != NULL);
	if (g2) {
		CHECK_EQ(g2->pfn, T7_HEAD_PFN);
		CHECK_EQ(g2->inode, T7_INODE);
		CHECK_EQ(g2->entry, 0x210c005);
		CHECK_EQ(g2->ntasks, 1);
		CHECK_EQ(g2->tasks[0].pid, 156);
		/* ext4_wait_dax_page is module text, which --no_modules cannot name: the break is
		 * seen in dax_break_layout (the 6.15 common loop) */
		CHECK(strncmp(g2->tasks[0].frame, "dax_break_layout+", 17) == 0);
		/* the pipe holds the tail page; the holder is found through its compound_info */
		int h154 = 0;
		for (int i = 0; i < g2->nholders; i++)
			h154 |= g2->holders[i].pid == 154 && g2->holders[i].page == T7_TAIL;
		CHECK(h154);
	}
	CHECK(find(&r, "CHK-P4") == NULL);
	CHECK(find(&r, "CHK-P1") == NULL && find(&r, "CHK-P2") == NULL);
	CHECK_EQ(dt_report_count(&r, DT_SEV_ERROR), 1);
	for (int i = 0; i < r.nstate; i++)
		if (!strcmp(r.state[i].check->id, "CHK-P1") || !strcmp(r.state[i].check->id, "CHK-P2"))
			CHECK(r.state[i].evaluated);
	dt_report_free(&r);
	fake_free(f);
}

TEST(test_check_mappings_hold_references_7_2)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = load(&t, &l);
	/* map the folio once by a PMD (_large_mapcount 0: folio_mapcount 1): its one reference is
	 * the mapping's, the page is not pinned: no G1, no G2 (a stale wait), no P4 */
	poke32(f, &t, T7_HEAD + 64 + 16, 0);	/* folio._large_mapcount = page[1] + 16 */
	struct dt_report r;
	CHECK_EQ(dt_check_all(&t, &l, &r), 0);
	CHECK(find(&r, "CHK-G1") == NULL);
	CHECK(find(&r, "CHK-G2") == NULL);
	CHECK(find(&r, "CHK-P4") == NULL);
	dt_report_free(&r);
	/* mapped twice with one reference: fewer references than mappings, the seed-003 state */
	poke32(f, &t, T7_HEAD + 64 + 16, 1);
	CHECK_EQ(dt_check_all(&t, &l, &r), 0);
	const struct dt_finding *p4 = find(&r, "CHK-P4");
	CHECK(p4 && p4->pfn == T7_HEAD_PFN && p4->severity == DT_SEV_ERROR);
	if (p4)
		CHECK(strstr(p4->evidence, "below its 2 mappings") != NULL);
	dt_report_free(&r);
	fake_free(f);
}
