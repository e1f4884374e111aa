/* test_era_5_10.c: the pointer-ref era on the 5.10 truncate-pinned recording
 * (fixtures/truncate-pinned-5.10.rec, crash 8.0.2 without module debuginfo): pgmap->ref is a
 * pointer, to &pgmap->internal_ref for device-dax (a model count) and to the pmem request
 * queue's q_usage_counter for fsdax (report only); dax_device->host names the disk; the
 * compound fields sit in page[1]/page[2]; the blocked truncate is found in ext4_break_layouts
 * although a stale dax_layout_busy_page_range return address lies deeper on its stack.
 * Expected values: samples/out/5.10.0-46-amd64/truncate-pinned/truth.json (pgmaps: FS_DAX
 * ref_owner "external", true count 262145; GENERIC "internal_ref", 131073 = 1 + 131072;
 * pid 129 blocked in ext4_break_layouts on pfn 0x108604, refcount 2). */
#include <string.h>
#include "check.h"
#include "daxdev.h"
#include "fake.h"
#include "pgmap.h"
#include "unit.h"

#define T5_FSDAX_PGMAP 0xffff9407e68166a0ULL
#define T5_DEVDAX_PGMAP 0xffff9407e61f4cc0ULL
#define T5_PFN 0x108604ULL

static struct fake *load(struct dt_target *t, struct dt_layout *l)
{
	struct fake *f = fake_new();
	if (fake_load(f, fixture("truncate-pinned-5.10.rec")))
		SKIP("fixture %s not readable", fixture("truncate-pinned-5.10.rec"));
	fake_target(f, t);
	CHECK_EQ(dt_layout_probe(t, l), 0);
	return f;
}

TEST(test_layout_probe_5_10)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = load(&t, &l);
	CHECK_EQ(l.refmodel, DT_RM_4_14);
	CHECK(l.pm_ref_is_ptr);
	CHECK_EQ(l.pm_internal_ref, 56);
	CHECK(!l.pg_compound_info);
	CHECK_EQ(l.fo_order, 64 + 17);		/* page[1].compound_order */
	CHECK_EQ(l.fo_entire, 64 + 20);		/* page[1].compound_mapcount */
	CHECK_EQ(l.fo_pincount, 128 + 16);	/* page[2].hpage_pinned_refcount */
	CHECK(!l.fo_folio_wording);
	CHECK(l.as_nrexceptional >= 0);
	fake_free(f);
}

TEST(test_pgmap_ref_owner_decides_the_model_5_10)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = load(&t, &l);
	struct dt_pgmap_set pms;
	dt_pgmaps_collect(&t, &l, &pms);
	CHECK_EQ(pms.n, 2);
	for (int i = 0; i < pms.n; i++) {
		const struct dt_pgmap *pm = &pms.pm[i];
		CHECK(pm->ref_read && pm->ref_state.count_known);
		if (pm->addr == T5_DEVDAX_PGMAP) {
			/* &pgmap->internal_ref: 1 + one ref per pfn */
			CHECK_EQ(pm->ref_addr, T5_DEVDAX_PGMAP + 56);
			CHECK(pm->expect.applies);
			CHECK_EQ(pm->expect.expected, 1 + 131072);
			CHECK_EQ(pm->ref_state.true_count, 131073);
			CHECK_STR(pm->verdict, "ok");
		} else {
			/* the pmem queue's q_usage_counter: report only */
			CHECK_EQ(pm->addr, T5_FSDAX_PGMAP);
			CHECK(pm->ref_addr != T5_FSDAX_PGMAP + 56);
			CHECK(!pm->expect.applies);
			CHECK_EQ(pm->expect.bulk, 262144);
			CHECK_EQ(pm->ref_state.true_count, 262145);
			CHECK_STR(pm->verdict, "n/a");
		}
	}
	fake_free(f);
}

TEST(test_daxdev_host_names_the_disk_5_10)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = load(&t, &l);
	struct dt_daxdevs s;
	dt_daxdevs_collect(&t, &l, &s);
	int alive = 0, dead = 0;
	for (int i = 0; i < s.n; i++) {
		const struct dt_daxdev *d = &s.d[i];
		CHECK(!d->has_holder);			/* holders arrived in v6.0 */
		if (d->kind != DT_DAXDEV_PMEM)
			continue;
		CHECK_STR(d->name, "pmem0");		/* dax_device->host, no nd_pmem debuginfo */
		CHECK(!d->pmem_read);
		alive += d->alive;
		dead += !d->alive;
	}
	/* the live pmem0, and the killed one of the namespace the setup replaced */
	CHECK_EQ(alive, 1);
	CHECK_EQ(dead, 1);
	/* nothing ties the FS_DAX pgmap to it without pmem_device (no pgmap->owner before 6.0) */
	CHECK(dt_pgmap_owner_name(&s, T5_FSDAX_PGMAP, 0) == NULL);
	CHECK_STR(dt_pgmap_owner_name(&s, T5_DEVDAX_PGMAP, 0), "dax0.1");
	fake_free(f);
}

TEST(test_check_blocked_in_ext4_break_layouts_5_10)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = load(&t, &l);
	struct dt_report r;
	CHECK_EQ(dt_check_all(&t, &l, &r), 0);
	const struct dt_finding *g2 = NULL;
	for (int i = 0; i < r.n; i++)
		if (!strcmp(r.f[i].check->id, "CHK-G2"))
			g2 = &r.f[i];
	CHECK(g2 != NULL);
	if (g2) {
		CHECK_EQ(g2->pfn, T5_PFN);
		CHECK_EQ(g2->refcount, 2);
		CHECK_EQ(g2->ntasks, 1);
		CHECK_EQ(g2->tasks[0].pid, 129);
		CHECK(strncmp(g2->tasks[0].frame, "ext4_break_layouts+", 19) == 0);
	}
	for (int i = 0; i < r.nstate; i++) {
		const char *id = r.state[i].check->id;
		if (!strcmp(id, "CHK-T5"))	/* nrexceptional kernel */
			CHECK(!r.state[i].evaluated);
		if (!strcmp(id, "CHK-R3"))	/* the internal_ref pgmap has a model count */
			CHECK(r.state[i].evaluated);
	}
	CHECK_EQ(dt_report_count(&r, DT_SEV_ERROR), 1);
	CHECK_EQ(dt_report_count(&r, DT_SEV_WARNING), 0);
	dt_report_free(&r);
	fake_free(f);
}
