/* test_page.c: dump_page()-style page description (core/page.c) on the truncate-pinned
 * recording; expected values from truth.json's named page pfn 0x108604 (flags
 * 0x27ffffc0001002, zonenum 4, refcount 2, mapping of /mnt/victim.dat, index 4). */
#include <string.h>
#include "page.h"
#include "tp.h"

TEST(test_page_zone_shift_from_debuginfo)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = tp_load(&t, &l);
	int zs, zb, ns;
	long zd;
	CHECK_EQ(dt_zone_shift(&t, &zs, &zb, &ns, &zd), 0);
	/* NODES_SHIFT 10 (nodemask_t of 128 bytes), ZONES_WIDTH 3 (__MAX_NR_ZONES 5) */
	CHECK_EQ(ns, 10);
	CHECK_EQ(zb, 3);
	CHECK_EQ(zs, 51);
	CHECK_EQ(zd, 4);
	fake_free(f);
}

TEST(test_page_describe_pinned_fsdax_page)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = tp_load(&t, &l);
	struct dt_page_info pi;
	CHECK_EQ(dt_page_describe(&t, &l, TP_PFN, &pi), 0);
	CHECK_EQ(pi.p.addr, TP_PAGE);
	CHECK_EQ(pi.p.refcount, 2);
	CHECK_EQ(pi.mapcount, 0);
	CHECK_EQ(pi.p.mapping, TP_MAPPING);
	CHECK_EQ(pi.p.index, 4);
	CHECK_EQ(pi.p.flags, 0x27ffffc0001002ULL);
	CHECK(!pi.compound);
	CHECK(pi.zone_known);
	CHECK_EQ(pi.zone, 4);
	CHECK_EQ(pi.node, 0);
	CHECK_EQ(pi.reserved, 1);
	CHECK_STR(pi.flagstr, "0x27ffffc0001002(referenced|reserved|node=0|zone=4)");
	CHECK_EQ(pi.mapping_kind, 1);
	CHECK_STR(pi.aops, "ext4_dax_aops");
	CHECK_EQ(pi.ino, 12);
	CHECK_STR(pi.dname, "victim.dat");
	CHECK_EQ(pi.host, TP_INODE);
	uint64_t pfn;
	CHECK_EQ(dt_page_to_pfn(&t, &l, TP_PAGE, &pfn), 0);
	CHECK_EQ(pfn, TP_PFN);
	CHECK(dt_page_to_pfn(&t, &l, TP_PAGE + 1, &pfn) != 0);
	fake_free(f);
}

TEST(test_page_not_in_dump_is_an_error_not_a_crash)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = tp_load(&t, &l);
	struct dt_page_info pi;
	/* memmap chunks other than the pinned page's were not recorded: holes */
	CHECK(dt_page_describe(&t, &l, 0x100000, &pi) != 0);
	fake_free(f);
}
