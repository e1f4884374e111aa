/* daxdev.c: dax_devices, device-dax instances, pmem devices, filesystems (see daxdev.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "daxdev.h"
#include "tree.h"

#define DT_S_IFMT 0170000
#define DT_S_IFCHR 0020000

/* One line per gap: a message already listed (one per superblock of a module's
 * filesystem, say) is not repeated. */
static void missing(struct dt_daxdevs *s, const char *fmt, ...)
{
	char msg[sizeof(s->missing[0])];
	if (s->nmissing >= DT_MISSING_MAX)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (int i = 0; i < s->nmissing; i++)
		if (strcmp(s->missing[i], msg) == 0)
			return;
	memcpy(s->missing[s->nmissing++], msg, sizeof(msg));
}

/* dev_name(): kobj.name, else init_name */
static void device_name(const struct dt_target *t, uint64_t dev, char *buf, size_t len)
{
	buf[0] = '\0';
	long kobj = dt_member_offset(t, "device", "kobj"), kname = dt_member_offset(t, "kobject", "name");
	uint64_t p = 0;
	if (dt_kptr_ok(dev, 8) && kobj >= 0 && kname >= 0 &&
	    dt_read_u64(t, dev + (uint64_t)(kobj + kname), &p) == 0 && dt_kptr_ok(p, 1))
		dt_read_str(t, p, buf, len);
	long in = dt_member_offset(t, "device", "init_name");
	if (!buf[0] && in >= 0 && dt_read_u64(t, dev + (uint64_t)in, &p) == 0 && dt_kptr_ok(p, 1))
		dt_read_str(t, p, buf, len);
}

static const char *const flag_enums[] = {
	"DAXDEV_ALIVE", "DAXDEV_WRITE_CACHE", "DAXDEV_SYNC", "DAXDEV_NOCACHE", "DAXDEV_NOMC", NULL
};

static void read_daxdev(const struct dt_target *t, const struct dt_layout *l, uint64_t inode,
			long d_inode, struct dt_daxdev *d)
{
	memset(d, 0, sizeof(*d));
	d->devdax = -1;
	d->inode = inode;
	d->addr = inode - (uint64_t)d_inode;
	dt_read(t, inode + (uint64_t)l->i_mode, &d->i_mode, 2);
	dt_read_u32(t, inode + (uint64_t)l->i_flags, &d->i_flags);
	long rdev = dt_member_offset(t, "inode", "i_rdev"), icdev = dt_member_offset(t, "inode", "i_cdev");
	if (rdev >= 0)
		dt_read_u32(t, inode + (uint64_t)rdev, &d->rdev);
	if (icdev >= 0)
		dt_read_u64(t, inode + (uint64_t)icdev, &d->i_cdev);
	long cdev = dt_member_offset(t, "dax_device", "cdev"), priv = dt_member_offset(t, "dax_device", "private"),
	     flags = dt_member_offset(t, "dax_device", "flags"), ops = dt_member_offset(t, "dax_device", "ops"),
	     hd = dt_member_offset(t, "dax_device", "holder_data"), ho = dt_member_offset(t, "dax_device", "holder_ops");
	if (cdev >= 0)
		d->cdev = d->addr + (uint64_t)cdev;
	if (priv >= 0)
		dt_read_u64(t, d->addr + (uint64_t)priv, &d->private);
	/* the disk name as alloc_dax() was given it, until "dax: simplify the dax_device <->
	 * gendisk association" (libnvdimm-for-5.17) removed host (then: dax_hosts) */
	long host = dt_member_offset(t, "dax_device", "host");
	uint64_t hp;
	if (host >= 0 && dt_read_u64(t, d->addr + (uint64_t)host, &hp) == 0 && dt_kptr_ok(hp, 1))
		dt_read_str(t, hp, d->name, sizeof(d->name));
	if (ops >= 0)
		dt_read_u64(t, d->addr + (uint64_t)ops, &d->ops);
	/* holder_data/holder_ops: "dax: introduce holder for dax_device" (v6.0) */
	if (hd >= 0 && ho >= 0) {
		d->has_holder = 1;
		dt_read_u64(t, d->addr + (uint64_t)hd, &d->holder_data);
		dt_read_u64(t, d->addr + (uint64_t)ho, &d->holder_ops);
	}
	if (flags >= 0 && dt_read_u64(t, d->addr + (uint64_t)flags, &d->flags) == 0) {
		size_t n = 0;
		uint64_t named = 0;
		d->flag_names[0] = '\0';
		for (int i = 0; flag_enums[i]; i++) {
			long bit;
			if (dt_enum(t, flag_enums[i], &bit) || bit < 0 || bit > 63)
				continue;
			if (i == 0)
				d->flags_known = 1;
			named |= 1ULL << bit;
			if (!(d->flags & (1ULL << bit)))
				continue;
			if (i == 0)
				d->alive = 1;
			n += (size_t)snprintf(d->flag_names + n, sizeof(d->flag_names) - n, "%s%s",
					      n ? "|" : "", flag_enums[i] + 7);
			if (n >= sizeof(d->flag_names))
				n = sizeof(d->flag_names) - 1;
		}
		if (d->flags & ~named)
			snprintf(d->flag_names + n, sizeof(d->flag_names) - n, "%s%#llx", n ? "|" : "",
				 (unsigned long long)(d->flags & ~named));
		if (!d->flag_names[0])
			snprintf(d->flag_names, sizeof(d->flag_names), "-");
	}
}

static void read_pmem(const struct dt_target *t, struct dt_daxdevs *s, struct dt_daxdev *d)
{
	long pa = dt_member_offset(t, "pmem_device", "phys_addr"), sz = dt_member_offset(t, "pmem_device", "size"),
	     pg = dt_member_offset(t, "pmem_device", "pgmap"), dk = dt_member_offset(t, "pmem_device", "disk"),
	     doff = dt_member_offset(t, "pmem_device", "data_offset");
	if (pa < 0 || sz < 0) {
		missing(s, "struct pmem_device (module nd_pmem): pmem phys_addr, size and pgmap "
			   "not shown; load it with \"mod -S\"");
		return;
	}
	if (!dt_kptr_ok(d->private, 8) || dt_read_u64(t, d->private + (uint64_t)pa, &d->phys_addr) ||
	    dt_read_u64(t, d->private + (uint64_t)sz, &d->size))
		return;
	if (doff >= 0)
		dt_read_u64(t, d->private + (uint64_t)doff, &d->data_offset);
	if (pg >= 0)
		d->pmem_pgmap = d->private + (uint64_t)pg;
	if (dk >= 0)
		dt_read_u64(t, d->private + (uint64_t)dk, &d->disk);
	d->pmem_read = 1;
	long dn = dt_member_offset(t, "gendisk", "disk_name");
	if (!d->name[0] && dt_kptr_ok(d->disk, 8) && dn >= 0)
		dt_read_str(t, d->disk + (uint64_t)dn, d->name, sizeof(d->name));
}

struct hosts_ctx {
	const struct dt_target *t;
	struct dt_daxdevs *s;
	long disk_name;
};

static int hosts_cb(void *arg, uint64_t index, uint64_t nr, uint64_t raw, enum dt_slot kind,
		    uint64_t node, int slot)
{
	struct hosts_ctx *c = arg;
	(void)nr, (void)node, (void)slot;
	if (kind != DT_SLOT_POINTER)
		return 0;
	for (int i = 0; i < c->s->n; i++)
		if (c->s->d[i].addr == raw) {
			c->s->d[i].gendisk = index;
			if (c->disk_name >= 0)
				dt_read_str(c->t, index + (uint64_t)c->disk_name, c->s->d[i].name,
					    sizeof(c->s->d[i].name));
		}
	return 0;
}

static void read_devdax(const struct dt_target *t, struct dt_daxdevs *s, uint64_t dev,
			struct dt_devdax *dd)
{
	memset(dd, 0, sizeof(*dd));
	dd->dev = dev;
	device_name(t, dev, dd->name, sizeof(dd->name));
	long o_dev = dt_member_offset(t, "dev_dax", "dev");
	if (o_dev < 0) {
		missing(s, "struct dev_dax (dax bus, device_dax): device-dax region, pgmap and "
			   "ranges not shown; load the dax modules with \"mod -S\"");
		return;
	}
	dd->addr = dev - (uint64_t)o_dev;
	long reg = dt_member_offset(t, "dev_dax", "region"), dx = dt_member_offset(t, "dev_dax", "dax_dev"),
	     al = dt_member_offset(t, "dev_dax", "align"), id = dt_member_offset(t, "dev_dax", "id"),
	     tn = dt_member_offset(t, "dev_dax", "target_node"), pg = dt_member_offset(t, "dev_dax", "pgmap"),
	     nr = dt_member_offset(t, "dev_dax", "nr_range"), rs = dt_member_offset(t, "dev_dax", "ranges");
	if (reg < 0 || dx < 0 || dt_read_u64(t, dd->addr + (uint64_t)reg, &dd->region) ||
	    dt_read_u64(t, dd->addr + (uint64_t)dx, &dd->dax_dev))
		return;
	dd->read_ok = 1;
	uint32_t v;
	if (al >= 0 && dt_read_u32(t, dd->addr + (uint64_t)al, &v) == 0)
		dd->align = v;
	if (id >= 0 && dt_read_u32(t, dd->addr + (uint64_t)id, &v) == 0)
		dd->id = (int)v;
	if (tn >= 0 && dt_read_u32(t, dd->addr + (uint64_t)tn, &v) == 0)
		dd->target_node = (int)v;
	/* pgmap: a pointer since "device-dax: make pgmap optional for instance creation"
	 * (v5.10); embedded before (5.3-5.9) */
	long pgsz = t->member_size ? t->member_size(t->ctx, "dev_dax", "pgmap") : -1;
	if (pg >= 0 && pgsz == 8)
		dt_read_u64(t, dd->addr + (uint64_t)pg, &dd->pgmap);
	else if (pg >= 0)
		dd->pgmap = dd->addr + (uint64_t)pg;
	long r_pgoff = dt_member_offset(t, "dev_dax_range", "pgoff"), r_range = dt_member_offset(t, "dev_dax_range", "range");
	long r_size = t->type_size ? t->type_size(t->ctx, "dev_dax_range") : -1;
	uint64_t ranges;
	if (nr >= 0 && rs >= 0 && r_range >= 0 && r_size > 0 &&
	    dt_read_u32(t, dd->addr + (uint64_t)nr, &v) == 0 &&
	    dt_read_u64(t, dd->addr + (uint64_t)rs, &ranges) == 0 && dt_kptr_ok(ranges, 8)) {
		dd->nr_range = (int)v;
		for (int i = 0; i < dd->nr_range && i < DT_DEVDAX_RANGES; i++) {
			uint64_t ra = ranges + (uint64_t)(i * r_size);
			if (r_pgoff >= 0)
				dt_read_u64(t, ra + (uint64_t)r_pgoff, &dd->pgoff[i]);
			dt_read_u64(t, ra + (uint64_t)r_range, &dd->start[i]);
			dt_read_u64(t, ra + (uint64_t)r_range + 8, &dd->end[i]);
		}
	}
	long g_id = dt_member_offset(t, "dax_region", "id"), g_al = dt_member_offset(t, "dax_region", "align"),
	     g_res = dt_member_offset(t, "dax_region", "res"), g_dev = dt_member_offset(t, "dax_region", "dev"),
	     rstart = dt_member_offset(t, "resource", "start"), rend = dt_member_offset(t, "resource", "end");
	if (g_id >= 0 && dt_kptr_ok(dd->region, 8) &&
	    dt_read_u32(t, dd->region + (uint64_t)g_id, &v) == 0) {
		dd->region_read = 1;
		dd->region_id = (int)v;
		if (g_al >= 0 && dt_read_u32(t, dd->region + (uint64_t)g_al, &v) == 0)
			dd->region_align = v;
		if (g_res >= 0 && rstart >= 0 && rend >= 0) {
			dt_read_u64(t, dd->region + (uint64_t)(g_res + rstart), &dd->res_start);
			dt_read_u64(t, dd->region + (uint64_t)(g_res + rend), &dd->res_end);
		}
		uint64_t rdev;
		if (g_dev >= 0 && dt_read_u64(t, dd->region + (uint64_t)g_dev, &rdev) == 0)
			device_name(t, rdev, dd->region_dev, sizeof(dd->region_dev));
	}
}

/*
 * The subsys_private of a bus: bus->p before "driver core: bus: remove private pointer from
 * struct bus_type" (v6.3); since then bus_to_subsys() looks it up in bus_kset's list, by
 * subsys_private.bus.
 */
static uint64_t bus_private(const struct dt_target *t, uint64_t bus)
{
	long bp = dt_member_offset(t, "bus_type", "p");
	uint64_t p, ksp;
	if (bp >= 0)
		return dt_read_u64(t, bus + (uint64_t)bp, &p) == 0 && dt_kptr_ok(p, 8) ? p : 0;
	long kl = dt_member_offset(t, "kset", "list"), kk = dt_member_offset(t, "kset", "kobj"),
	     ke = dt_member_offset(t, "kobject", "entry"), ss = dt_member_offset(t, "subsys_private", "subsys"),
	     sb = dt_member_offset(t, "subsys_private", "bus");
	if (kl < 0 || kk < 0 || ke < 0 || ss < 0 || sb < 0 || dt_symbol(t, "bus_kset", &ksp) ||
	    dt_read_u64(t, ksp, &ksp) || !dt_kptr_ok(ksp, 8))
		return 0;
	uint64_t head = ksp + (uint64_t)kl, pos;
	if (dt_read_u64(t, head, &pos))
		return 0;
	for (int n = 0; pos != head && n < 1024 && dt_kptr_ok(pos, 8); n++) {
		uint64_t sp = pos - (uint64_t)ke - (uint64_t)kk - (uint64_t)ss, b;
		if (dt_read_u64(t, sp + (uint64_t)sb, &b) == 0 && b == bus)
			return sp;
		if (dt_read_u64(t, pos, &pos))
			break;
	}
	return 0;
}

/* dax_bus_type's subsys_private->klist_devices.k_list: klist_node n_node in
 * device_private.knode_bus */
static void walk_dax_bus(const struct dt_target *t, struct dt_daxdevs *s)
{
	uint64_t bus, p;
	long kd = dt_member_offset(t, "subsys_private", "klist_devices"),
	     kl = dt_member_offset(t, "klist", "k_list"), nn = dt_member_offset(t, "klist_node", "n_node"),
	     kb = dt_member_offset(t, "device_private", "knode_bus"), dv = dt_member_offset(t, "device_private", "device");
	if (dt_symbol(t, "dax_bus_type", &bus))
		return;		/* no device-dax bus in this kernel */
	if (kd < 0 || kl < 0 || nn < 0 || kb < 0 || dv < 0 || !(p = bus_private(t, bus))) {
		missing(s, "bus_type/subsys_private/klist layout: device-dax instances not listed");
		return;
	}
	uint64_t head = p + (uint64_t)(kd + kl), pos;
	if (dt_read_u64(t, head, &pos))
		return;
	for (int n = 0; pos != head && n < 4096 && s->ndd < DT_DAXDEV_MAX; n++) {
		if (!dt_kptr_ok(pos, 8))
			break;
		uint64_t priv = pos - (uint64_t)nn - (uint64_t)kb, dev;
		if (dt_read_u64(t, priv + (uint64_t)dv, &dev) == 0 && dt_kptr_ok(dev, 8))
			read_devdax(t, s, dev, &s->dd[s->ndd++]);
		if (dt_read_u64(t, pos, &pos))
			break;
	}
}

static void read_fs(const struct dt_target *t, const struct dt_layout *l, struct dt_daxdevs *s)
{
	if (!l->super_blocks || l->sb_list < 0)
		return;
	long fsi = dt_member_offset(t, "super_block", "s_fs_info");
	uint64_t head = l->super_blocks, pos;
	if (fsi < 0 || dt_read_u64(t, head, &pos))
		return;
	for (int n = 0; pos != head && n < 4096 && s->nsb < DT_SBDAX_MAX; n++) {
		if (!dt_kptr_ok(pos, 8))
			break;
		uint64_t sb = pos - (uint64_t)l->sb_list, type, name;
		char fs[16] = "";
		if (dt_read_u64(t, sb + (uint64_t)l->sb_type, &type) == 0 && dt_kptr_ok(type, 8) &&
		    dt_read_u64(t, type + (uint64_t)l->fst_name, &name) == 0 && dt_kptr_ok(name, 1))
			dt_read_str(t, name, fs, sizeof(fs));
		int ext = strcmp(fs, "ext4") == 0 || strcmp(fs, "ext2") == 0;
		int xfs = strcmp(fs, "xfs") == 0, erofs = strcmp(fs, "erofs") == 0;
		if (ext || xfs || erofs) {
			struct dt_sbdax *x = &s->sb[s->nsb];
			memset(x, 0, sizeof(*x));
			x->sb = sb;
			snprintf(x->fs, sizeof(x->fs), "%s", fs);
			dt_read_str(t, sb + (uint64_t)l->sb_id, x->id, sizeof(x->id));
			dt_read_u64(t, sb + (uint64_t)fsi, &x->fs_info);
			if (ext) {
				const char *ty = fs[3] == '4' ? "ext4_sb_info" : "ext2_sb_info";
				long o = dt_member_offset(t, ty, "s_daxdev");
				if (o < 0)
					missing(s, "struct %s (module %s): which %s mounts sit on a "
						   "dax_device is not shown; load it with \"mod -S\"",
						ty, fs, fs);
				else if (dt_kptr_ok(x->fs_info, 8) &&
					 dt_read_u64(t, x->fs_info + (uint64_t)o, &x->daxdev) == 0)
					x->known = 1;
				/* ext4/ext2 register no holder (fs_dax_get_by_bdev(.., NULL, NULL)) */
				x->expect_holder = 0;
			} else if (xfs) {
				long o = dt_member_offset(t, "xfs_mount", "m_ddev_targp"),
				     b = dt_member_offset(t, "xfs_buftarg", "bt_daxdev");
				uint64_t bt;
				if (o < 0 || b < 0)
					missing(s, "struct xfs_mount/xfs_buftarg (module xfs): which xfs "
						   "mounts sit on a dax_device is not shown; load it with "
						   "\"mod -S\"");
				else if (dt_kptr_ok(x->fs_info, 8) &&
					 dt_read_u64(t, x->fs_info + (uint64_t)o, &bt) == 0 &&
					 dt_kptr_ok(bt, 8) &&
					 dt_read_u64(t, bt + (uint64_t)b, &x->daxdev) == 0)
					x->known = 1;
				/* xfs_setsize_buftarg: fs_dax_get_by_bdev(bdev, &off, mp, &xfs_dax_holder_operations) */
				x->expect_holder = x->fs_info;
			} else {
				long o = dt_member_offset(t, "erofs_sb_info", "dax_dev");
				if (o >= 0 && dt_kptr_ok(x->fs_info, 8) &&
				    dt_read_u64(t, x->fs_info + (uint64_t)o, &x->daxdev) == 0)
					x->known = 1;
			}
			s->nsb++;
		}
		if (dt_read_u64(t, pos, &pos))
			break;
	}
}

int dt_daxdevs_collect(const struct dt_target *t, const struct dt_layout *l,
		       struct dt_daxdevs *s)
{
	memset(s, 0, sizeof(*s));
	long d_inode = dt_member_offset(t, "dax_device", "inode");
	uint64_t sbp;
	if (dt_symbol(t, "dax_superblock", &sbp) || dt_read_u64(t, sbp, &s->dax_superblock) ||
	    !dt_kptr_ok(s->dax_superblock, 8)) {
		snprintf(s->error, sizeof(s->error), "no dax_superblock (DAX core not in this kernel "
			 "or its symbols not loaded)");
	} else if (d_inode < 0) {
		missing(s, "struct dax_device (drivers/dax/super.c, dax module when CONFIG_DAX=m): "
			   "dax_devices not shown; load it with \"mod -S\"");
	} else {
		uint64_t ih = s->dax_superblock + (uint64_t)l->sb_inodes, ip;
		if (dt_read_u64(t, ih, &ip) == 0)
			for (int n = 0; ip != ih && n < 65536 && s->n < DT_DAXDEV_MAX; n++) {
				if (!dt_kptr_ok(ip, 8))
					break;
				uint64_t inode = ip - (uint64_t)l->i_sb_list;
				uint16_t mode = 0;
				/* the pseudo-fs root inode is from dax_cache too: S_ISCHR only */
				if (dt_read(t, inode + (uint64_t)l->i_mode, &mode, 2) == 0 &&
				    (mode & DT_S_IFMT) == DT_S_IFCHR)
					read_daxdev(t, l, inode, d_inode, &s->d[s->n++]);
				if (dt_read_u64(t, ip, &ip))
					break;
			}
	}
	/* disks: dax_hosts XArray keyed by struct gendisk * (5.17+) */
	uint64_t hosts;
	if (s->n && dt_symbol(t, "dax_hosts", &hosts) == 0) {
		struct hosts_ctx hc = { t, s, dt_member_offset(t, "gendisk", "disk_name") };
		struct dt_walk_limits lim = { .max_nodes = 4096, .max_depth = 12 };
		struct dt_walk_stats st;
		dt_tree_walk(t, l, DT_CONT_XARRAY, hosts, &lim, hosts_cb, &hc, &st);
	}
	walk_dax_bus(t, s);
	char b[128];
	for (int i = 0; i < s->n; i++) {
		struct dt_daxdev *d = &s->d[i];
		for (int k = 0; k < s->ndd; k++)
			if (s->dd[k].dax_dev == d->addr && s->dd[k].read_ok) {
				d->kind = DT_DAXDEV_DEVDAX;
				d->devdax = k;
				snprintf(d->name, sizeof(d->name), "%s", s->dd[k].name);
			}
		const char *os = dt_symname(t, d->ops, b, sizeof(b));
		if (d->kind == DT_DAXDEV_UNKNOWN && os && strncmp(os, "pmem_dax_ops", 12) == 0) {
			d->kind = DT_DAXDEV_PMEM;
			read_pmem(t, s, d);
		} else if (d->kind == DT_DAXDEV_UNKNOWN && d->ops && !os) {
			/* pmem_dax_ops lives in nd_pmem: a front end without the modules' symbols
			 * (crash --no_modules) cannot name it */
			missing(s, "symbols of module text: dax_device ops are not named, so pmem "
				   "devices (pmem_dax_ops) and their pmem_device are not recognised");
		}
	}
	read_fs(t, l, s);
	return s->n || s->ndd ? 0 : -1;
}

const char *dt_pgmap_owner_name(const struct dt_daxdevs *s, uint64_t pgmap, uint64_t owner)
{
	for (int k = 0; k < s->ndd; k++)
		if (s->dd[k].read_ok && s->dd[k].pgmap == pgmap && s->dd[k].name[0])
			return s->dd[k].name;
	for (int i = 0; i < s->n; i++) {
		const struct dt_daxdev *d = &s->d[i];
		if (d->kind != DT_DAXDEV_PMEM || !d->name[0])
			continue;
		/* container_of(pgmap, struct pmem_device, pgmap) */
		if (d->pmem_read && d->pmem_pgmap == pgmap)
			return d->name;
	}
	/* pgmap->owner is the pmem_device (pmem sets it, 6.0+) and so is dax_dev->private: the
	 * same object, even when the ops cannot be named (no module symbols) */
	for (int i = 0; owner && i < s->n; i++)
		if (s->d[i].kind != DT_DAXDEV_DEVDAX && s->d[i].name[0] && owner == s->d[i].private)
			return s->d[i].name;
	return NULL;
}

const struct dt_daxdev *dt_daxdev_find(const struct dt_daxdevs *s, uint64_t addr)
{
	for (int i = 0; i < s->n; i++)
		if (s->d[i].addr == addr)
			return &s->d[i];
	return NULL;
}
