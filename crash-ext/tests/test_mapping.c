/* test_mapping.c: the walk of every S_DAX inode (core/mapping.c dt_for_each_dax_inode) on
 * the truncate-pinned recording, with a superblock whose s_inodes list is broken. */
#include <string.h>
#include "mapping.h"
#include "tp.h"

static int count_inode(void *arg, uint64_t sb, uint64_t inode)
{
	int *n = arg;
	(void)sb;
	n[0]++;
	n[1] |= inode == TP_INODE;
	return 0;
}

TEST(test_mapping_broken_s_inodes_is_an_error_and_the_walk_goes_on)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = tp_load(&t, &l);
	char err[200] = "";
	int n[2] = { 0, 0 };
	CHECK_EQ(dt_for_each_dax_inode(&t, &l, count_inode, n, err, sizeof(err)), 0);
	CHECK(n[0] > 0 && n[1]);
	int clean = n[0];
	/* a superblock after TP_SB whose s_inodes points out of the kernel */
	uint64_t sb = tp_add_sb(f, &t, &l, "vdb", 0x1234);
	n[0] = n[1] = 0;
	CHECK_EQ(dt_for_each_dax_inode(&t, &l, count_inode, n, err, sizeof(err)), -1);
	char want[80];
	snprintf(want, sizeof(want), "s_inodes list of sb %#llx broken", (unsigned long long)sb);
	CHECK_STR(err, want);
	CHECK_EQ(n[0], clean);	/* every other superblock's inodes still visited */
	CHECK(n[1]);
	fake_free(f);
}
