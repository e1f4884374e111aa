/* test_refmodel.c: the era-aware expected pgmap count and idle page refcounts (§E). */
#include <string.h>
#include "refmodel.h"
#include "unit.h"

static struct dt_model_in in_(enum dt_refmodel m, enum dt_mtype t, uint64_t start, uint64_t end_incl,
			      unsigned shift, uint64_t altmap_off)
{
	struct dt_model_in in;
	memset(&in, 0, sizeof(in));
	in.model = m;
	in.type = t;
	in.nr_range = 1;
	in.pfn_first[0] = (start >> 12) + altmap_off;
	in.pfn_end[0] = (end_incl + 1) >> 12;
	in.vmemmap_shift = shift;
	return in;
}

TEST(test_expected_count_6_1_fsdax_and_devdax)
{
	/* truth.json of the 6.1.192 samples: 262145 and 257 */
	struct dt_model_in in = in_(DT_RM_6_1, DT_MT_FS_DAX, 0x100000000, 0x13fffffff, 0, 0);
	struct dt_expect e;
	dt_expected_pgmap_count(&in, &e);
	CHECK(e.applies);
	CHECK_EQ(e.expected, 262145);
	CHECK_EQ(e.bulk, 262144);
	CHECK_STR(dt_count_verdict(&e, 1, 262145), "ok");
	CHECK_STR(dt_count_verdict(&e, 1, 262146), "excess");
	CHECK_STR(dt_count_verdict(&e, 1, 262000), "deficit");
	CHECK_STR(dt_count_verdict(&e, 0, 0), "n/a");
	in = in_(DT_RM_6_1, DT_MT_GENERIC, 0x140000000, 0x15fffffff, 9, 0);
	dt_expected_pgmap_count(&in, &e);
	CHECK_EQ(e.expected, 257);
}

TEST(test_expected_count_altmap_and_ranges)
{
	struct dt_model_in in = in_(DT_RM_6_1, DT_MT_FS_DAX, 0x100000000, 0x13fffffff, 0, 0x1000);
	in.nr_range = 2;
	in.pfn_first[1] = 0x200000;
	in.pfn_end[1] = 0x200200;
	struct dt_expect e;
	dt_expected_pgmap_count(&in, &e);
	CHECK_EQ(e.expected, 1 + (262144 - 0x1000) + 0x200);
}

TEST(test_expected_count_private_and_dead)
{
	struct dt_model_in in = in_(DT_RM_6_1, DT_MT_PRIVATE, 0x100000000, 0x13fffffff, 0, 0);
	in.allocated_pages = 10;
	struct dt_expect e;
	dt_expected_pgmap_count(&in, &e);
	CHECK_EQ(e.expected, 11);
	/* v5.17-v6.0: bulk refs for every type */
	in.model = DT_RM_5_17;
	dt_expected_pgmap_count(&in, &e);
	CHECK_EQ(e.expected, 262145);
	/* killed: everything left is residual */
	in = in_(DT_RM_6_1, DT_MT_FS_DAX, 0x100000000, 0x13fffffff, 0, 0);
	in.dead = 1;
	dt_expected_pgmap_count(&in, &e);
	CHECK_EQ(e.expected, 0);
	CHECK_STR(dt_count_verdict(&e, 1, 0), "ok");
	CHECK_STR(dt_count_verdict(&e, 1, 3), "residual");
}

TEST(test_expected_count_old_eras_report_only)
{
	struct dt_model_in in = in_(DT_RM_4_14, DT_MT_FS_DAX, 0x100000000, 0x13fffffff, 0, 0);
	struct dt_expect e;
	dt_expected_pgmap_count(&in, &e);
	CHECK(!e.applies);
	CHECK_STR(dt_count_verdict(&e, 1, 5), "n/a");
	in.model = DT_RM_4_5;
	dt_expected_pgmap_count(&in, &e);
	CHECK(!e.applies);
}

TEST(test_expected_count_internal_ref_5_3_to_5_16)
{
	/* 5.10 device-dax: pgmap->ref = &pgmap->internal_ref, 1 + one ref per 4 KiB pfn (the
	 * 5.10 sample's truth: 131073 for 512 MiB) */
	struct dt_model_in in = in_(DT_RM_4_14, DT_MT_GENERIC, 0x140000000, 0x15fffffff, 0, 0);
	in.ref_internal = 1;
	struct dt_expect e;
	dt_expected_pgmap_count(&in, &e);
	CHECK(e.applies);
	CHECK_EQ(e.expected, 131073);
	CHECK_STR(dt_count_verdict(&e, 1, 131073), "ok");
	CHECK_STR(dt_count_verdict(&e, 1, 131075), "excess");
	in.dead = 1;
	dt_expected_pgmap_count(&in, &e);
	CHECK(e.applies && e.expected == 0);
}

TEST(test_idle_refcount_by_era)
{
	CHECK_EQ(dt_idle_refcount(DT_RM_6_1, DT_MT_FS_DAX, 0), 1);
	CHECK_EQ(dt_idle_refcount(DT_RM_6_15, DT_MT_FS_DAX, 0), 0);
	CHECK_EQ(dt_idle_refcount(DT_RM_6_15, DT_MT_GENERIC, 0), 1);
	CHECK_EQ(dt_idle_refcount(DT_RM_6_1, DT_MT_GENERIC, 1), 0);
	CHECK_EQ(dt_idle_refcount(DT_RM_6_1, DT_MT_PRIVATE, 0), 0);
	CHECK_EQ(dt_idle_refcount(DT_RM_5_17, DT_MT_PRIVATE, 0), 1);
}
