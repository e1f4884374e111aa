/*
 * daxdev.h: DAX devices and what sits on them (kernel-facts F.1-F.5).
 *
 *   dax_device   every device inode of the dax pseudo-fs superblock (dax_superblock,
 *                S_ISCHR filter, container_of(inode, struct dax_device, inode)): flags by
 *                enumerator name, ops, holder, private; its disk from dax_hosts (5.17+)
 *   dev_dax      every device of the "dax" bus (dax_bus_type klist): region, pgmap, ranges
 *   pmem_device  dax_dev->private of a pmem dax_device (ops pmem_dax_ops)
 *   superblocks  ext4/ext2 s_daxdev, xfs m_ddev_targp->bt_daxdev, erofs dax_dev
 *
 * Module types (dev_dax and dax_region when dax is a module, pmem_device in nd_pmem,
 * ext4_sb_info in ext4, xfs_mount in xfs) need the modules' debuginfo (crash: mod -S): what
 * is missing is listed in missing[] and the rest is still shown.
 */
#ifndef DT_DAXDEV_H
#define DT_DAXDEV_H

#include "layout.h"

#define DT_DAXDEV_MAX 32
#define DT_DEVDAX_RANGES 8
#define DT_SBDAX_MAX 32
#define DT_MISSING_MAX 8

enum dt_daxdev_kind { DT_DAXDEV_UNKNOWN, DT_DAXDEV_PMEM, DT_DAXDEV_DEVDAX };

struct dt_daxdev {
	uint64_t addr, inode;
	uint16_t i_mode;
	uint32_t i_flags, rdev;
	uint64_t i_cdev, cdev;		/* inode->i_cdev and &dax_dev->cdev */
	uint64_t flags;
	int alive, flags_known;
	char flag_names[128];		/* "ALIVE|WRITE_CACHE" by enumerator name */
	uint64_t private, ops, holder_data, holder_ops;
	int has_holder;			/* the kernel has holder_data/holder_ops (6.0+) */
	enum dt_daxdev_kind kind;
	char name[40];			/* disk name (pmem0) or device name (dax0.1), or "" */
	uint64_t gendisk;		/* from dax_hosts */
	/* pmem_device (nd_pmem debuginfo) */
	int pmem_read;
	uint64_t phys_addr, data_offset, size, pmem_pgmap, disk;
	int devdax;			/* index into dt_daxdevs.dd, or -1 */
};

struct dt_devdax {
	uint64_t addr, dev, dax_dev, region, pgmap;
	char name[40];
	int read_ok;
	unsigned align;
	int id, target_node, nr_range;
	uint64_t pgoff[DT_DEVDAX_RANGES], start[DT_DEVDAX_RANGES], end[DT_DEVDAX_RANGES];
	int region_read;
	int region_id;
	unsigned region_align;
	uint64_t res_start, res_end;
	char region_dev[40];
};

struct dt_sbdax {
	uint64_t sb, fs_info, daxdev, expect_holder;
	char id[32], fs[16];
	int known;			/* the daxdev pointer could be read */
};

struct dt_daxdevs {
	int n, ndd, nsb;
	struct dt_daxdev d[DT_DAXDEV_MAX];
	struct dt_devdax dd[DT_DAXDEV_MAX];
	struct dt_sbdax sb[DT_SBDAX_MAX];
	int nmissing;
	char missing[DT_MISSING_MAX][160];	/* debuginfo that was not there, and what it hides */
	char error[200];
	uint64_t dax_superblock;
};

/* Collect everything; returns 0 (partial results are normal), -1 if nothing was found. */
int dt_daxdevs_collect(const struct dt_target *t, const struct dt_layout *l,
		       struct dt_daxdevs *s);
/* Owner device name of a pgmap ("pmem0", "dax0.1"), or NULL. */
const char *dt_pgmap_owner_name(const struct dt_daxdevs *s, uint64_t pgmap, uint64_t owner);
const struct dt_daxdev *dt_daxdev_find(const struct dt_daxdevs *s, uint64_t addr);

#endif
