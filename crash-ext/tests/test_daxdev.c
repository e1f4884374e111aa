/* test_daxdev.c: dax devices (core/daxdev.c) on the truncate-pinned recording; expected values
 * from its truth.json (pgmaps, owner, mounts, namespaces: pmem0 fsdax, dax0.1 devdax). */
#include <string.h>
#include "daxdev.h"
#include "tp.h"

TEST(test_daxdev_pmem_and_devdax)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = tp_load(&t, &l);
	static struct dt_daxdevs s;
	CHECK_EQ(dt_daxdevs_collect(&t, &l, &s), 0);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.ndd, 1);
	CHECK_EQ(s.nmissing, 0);
	const struct dt_daxdev *pmem = NULL, *dd = NULL;
	for (int i = 0; i < s.n; i++) {
		if (s.d[i].kind == DT_DAXDEV_PMEM)
			pmem = &s.d[i];
		if (s.d[i].kind == DT_DAXDEV_DEVDAX)
			dd = &s.d[i];
	}
	CHECK(pmem && dd);
	if (pmem) {
		CHECK_STR(pmem->name, "pmem0");
		CHECK(pmem->alive);
		CHECK_EQ(pmem->private, TP_PMEM);
		CHECK(pmem->pmem_read);
		CHECK_EQ(pmem->pmem_pgmap, TP_FSDAX_PGMAP);
		CHECK_EQ(pmem->phys_addr, 0x100000000ULL);
		/* ext4 (6.1) registers no holder */
		CHECK(pmem->has_holder);
		CHECK_EQ(pmem->holder_data, 0);
		CHECK(pmem->gendisk != 0);	/* found through dax_hosts (64-bit keys) */
	}
	if (dd) {
		CHECK_STR(dd->name, "dax0.1");
		CHECK(dd->alive);
		CHECK(dd->devdax >= 0);
		if (dd->devdax >= 0) {
			CHECK_EQ(s.dd[dd->devdax].pgmap, TP_DEVDAX_PGMAP);
			CHECK_EQ(s.dd[dd->devdax].align, 0x200000);
			CHECK_EQ(s.dd[dd->devdax].end[0], 0x15fffffffULL);
		}
	}
	/* the mounted ext4 on pmem0 */
	int mounted = 0;
	for (int i = 0; i < s.nsb; i++)
		if (s.sb[i].sb == TP_SB) {
			CHECK(s.sb[i].known);
			CHECK_STR(s.sb[i].fs, "ext4");
			mounted = pmem && s.sb[i].daxdev == pmem->addr;
		}
	CHECK(mounted);
	CHECK_STR(dt_pgmap_owner_name(&s, TP_FSDAX_PGMAP, TP_PMEM), "pmem0");
	CHECK_STR(dt_pgmap_owner_name(&s, TP_DEVDAX_PGMAP, 0), "dax0.1");
	CHECK(dt_pgmap_owner_name(&s, 0x1234, 0) == NULL);
	fake_free(f);
}

TEST(test_daxdev_without_module_debuginfo_says_so)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = tp_load(&t, &l);
	/* as in a session without "mod -S": nd_pmem's and ext4's types are unknown */
	fake_kv(f, "O pmem_device phys_addr", -1);
	fake_kv(f, "O pmem_device size", -1);
	fake_kv(f, "O ext4_sb_info s_daxdev", -1);
	static struct dt_daxdevs s;
	CHECK_EQ(dt_daxdevs_collect(&t, &l, &s), 0);
	CHECK_EQ(s.nmissing, 2);
	int pm = 0, e4 = 0;
	for (int i = 0; i < s.nmissing; i++) {
		pm |= strstr(s.missing[i], "pmem_device") != NULL && strstr(s.missing[i], "mod -S") != NULL;
		e4 |= strstr(s.missing[i], "ext4_sb_info") != NULL;
	}
	CHECK(pm && e4);
	/* the disk name still comes from dax_hosts, the owner from pgmap->owner == private */
	CHECK_STR(dt_pgmap_owner_name(&s, TP_FSDAX_PGMAP, TP_PMEM), "pmem0");
	fake_free(f);
}

TEST(test_daxdev_missing_debuginfo_said_once)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = tp_load(&t, &l);
	fake_kv(f, "O ext4_sb_info s_daxdev", -1);
	tp_add_sb(f, &t, &l, "vdb", 0);	/* a second ext4: the same gap, not a second line */
	static struct dt_daxdevs s;
	CHECK_EQ(dt_daxdevs_collect(&t, &l, &s), 0);
	CHECK_EQ(s.nsb, 2);
	int e4 = 0;
	for (int i = 0; i < s.nmissing; i++)
		e4 += strstr(s.missing[i], "ext4_sb_info") != NULL;
	CHECK_EQ(e4, 1);
	fake_free(f);
}
