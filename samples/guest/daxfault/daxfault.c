// SPDX-License-Identifier: GPL-2.0
/*
 * daxfault - TEST-ONLY FAULT INJECTOR for the daxtriage test suite.
 *
 * DO NOT LOAD THIS ON A REAL SYSTEM.  It deliberately corrupts kernel state:
 * it leaks dev_pagemap and page references, drops a page reference the
 * kernel still relies on, tears down a live pgmap's percpu_ref, leaves a
 * DAX entry locked forever and dereferences a NULL dax_device.  Each of those
 * reproduces, on a kernel we can boot (Debian 6.1), the state or the oops of
 * one bug class of the reference threads (docs/replicas.md), so that the
 * vmcore taken afterwards can be diagnosed by daxtriage's tests.  It is only
 * ever loaded inside the disposable QEMU guest that builds the samples
 * (samples/guest/scenarios/run.sh); nothing else in the repository loads it.
 *
 * Interface: /proc/daxfault (0600).  write(2) one command; read(2) returns a
 * JSON document saying exactly what was done (addresses and the counts read
 * before and after), which the guest stores with the sample's ground truth.
 *   pgmap_get PFN N   get_dev_pagemap(PFN) N times, never put     (001 class)
 *   page_get PFN N    get_page(PFN) N times, never put            (001 class)
 *   page_dec PFN      drop one _refcount of PFN without freeing   (003 signature)
 *   ref_exit PFN      percpu_ref_exit() on PFN's live pgmap->ref  (001 signature)
 *   entry_lock PFN    dax_lock_page(PFN) and never unlock         (leaked entry lock)
 *   null_dax PATH     fs_dax_get_by_bdev() of PATH's (non-DAX) block device
 *                     returns NULL; use it anyway: oops           (000 signature)
 * Numbers are parsed with kstrtoul(base 0).
 *
 * Written and verified against Debian 6.1.0-56-amd64 (6.1.192).  Commands
 * whose kernel API differs elsewhere return -EOPNOTSUPP on other versions;
 * the module still builds for every kernel of samples/manifest.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/version.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>
#include <linux/mm.h>
#include <linux/memremap.h>
#include <linux/percpu-refcount.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/blkdev.h>
#include <linux/dax.h>
#include <linux/kprobes.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#define DF_MAX_REFS	64	/* bound on N of pgmap_get / page_get */
#define DF_RESULT	2048

static DEFINE_MUTEX(df_lock);
static char df_result[DF_RESULT];

static __printf(1, 2) void df_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(df_result, sizeof(df_result), fmt, ap);
	va_end(ap);
}

static struct page *df_page(unsigned long pfn)
{
	if (!pfn_valid(pfn))
		return NULL;
	return pfn_to_page(pfn);
}

static int df_pgmap_get(unsigned long pfn, unsigned long n)
{
	struct dev_pagemap *pgmap = NULL;
	unsigned long i;

	if (!n || n > DF_MAX_REFS)
		return -EINVAL;
	/* Always with a NULL cache argument: get_dev_pagemap(pfn, pgmap) returns a
	 * cached pgmap that covers pfn without taking another reference. */
	for (i = 0; i < n; i++) {
		pgmap = get_dev_pagemap(pfn, NULL);
		if (!pgmap)
			return -ENXIO;
	}
	df_say("{\"op\": \"pgmap_get\", \"pfn\": %lu, \"pgmap\": \"0x%lx\", \"leaked_refs\": %lu}",
	       pfn, (unsigned long)pgmap, n);
	return 0;
}

static int df_page_get(unsigned long pfn, unsigned long n)
{
	struct page *page = df_page(pfn);
	int before;
	unsigned long i;

	if (!page || !is_zone_device_page(page))
		return -ENXIO;
	if (!n || n > DF_MAX_REFS)
		return -EINVAL;
	before = page_ref_count(compound_head(page));
	for (i = 0; i < n; i++)
		get_page(page);
	df_say("{\"op\": \"page_get\", \"pfn\": %lu, \"page\": \"0x%lx\", \"head\": \"0x%lx\", "
	       "\"refcount_before\": %d, \"refcount_after\": %d, \"leaked_refs\": %lu}",
	       pfn, (unsigned long)page, (unsigned long)compound_head(page), before,
	       page_ref_count(compound_head(page)), n);
	return 0;
}

static int df_page_dec(unsigned long pfn)
{
	struct page *page = df_page(pfn);
	int before;

	if (!page || !is_zone_device_page(page) || PageTail(page))
		return -ENXIO;
	before = page_ref_count(page);
	/* Not put_page(): that would run the ZONE_DEVICE free path.  The
	 * injected bug is an unbalanced put the kernel did not notice. */
	atomic_dec(&page->_refcount);
	df_say("{\"op\": \"page_dec\", \"pfn\": %lu, \"page\": \"0x%lx\", "
	       "\"refcount_before\": %d, \"refcount_after\": %d}",
	       pfn, (unsigned long)page, before, page_ref_count(page));
	return 0;
}

static int df_ref_exit(unsigned long pfn)
{
	struct dev_pagemap *pgmap = get_dev_pagemap(pfn, NULL);
	struct percpu_ref *ref;

	if (!pgmap)
		return -ENXIO;
	put_dev_pagemap(pgmap);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 17, 0)
	ref = &pgmap->ref;	/* embedded since 5.17 (b80892ca022e) */
#else
	ref = pgmap->ref;
#endif
	/* Registered, in use, and now without its percpu counters or its data:
	 * the next percpu_ref_kill() (device unbind) dereferences ref->data. */
	percpu_ref_exit(ref);
	df_say("{\"op\": \"ref_exit\", \"pfn\": %lu, \"pgmap\": \"0x%lx\", \"ref\": \"0x%lx\", "
	       "\"percpu_count_ptr\": \"0x%lx\", \"data\": \"0x%lx\"}",
	       pfn, (unsigned long)pgmap, (unsigned long)ref, ref->percpu_count_ptr,
	       (unsigned long)ref->data);
	return 0;
}

/* dax_lock_page() is not exported; find it the way a test module can, through
 * a kprobe's resolved address.  6.1-6.6 only: 6.7 made it dax_lock_folio(). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0) && LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
typedef dax_entry_t (*df_dax_lock_page_t)(struct page *page);

static int df_entry_lock(unsigned long pfn)
{
	struct kprobe kp = { .symbol_name = "dax_lock_page" };
	df_dax_lock_page_t lock_page;
	struct page *page = df_page(pfn);
	dax_entry_t cookie;

	if (!page || !is_zone_device_page(page))
		return -ENXIO;
	if (register_kprobe(&kp))
		return -ENOENT;
	lock_page = (df_dax_lock_page_t)kp.addr;
	unregister_kprobe(&kp);
	cookie = lock_page(page);
	if (!cookie)
		return -ENODATA;	/* page not associated with a DAX mapping */
	df_say("{\"op\": \"entry_lock\", \"pfn\": %lu, \"page\": \"0x%lx\", \"mapping\": \"0x%lx\", "
	       "\"index\": %lu, \"entry\": \"0x%lx\"}",
	       pfn, (unsigned long)page, (unsigned long)page->mapping, page->index,
	       (unsigned long)cookie);
	return 0;
}
#else
static int df_entry_lock(unsigned long pfn) { return -EOPNOTSUPP; }
#endif

/* 6.0+ signature of fs_dax_get_by_bdev() (holder argument). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0) && LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
static int df_null_dax(const char *path)
{
	struct path p;
	struct block_device *bdev;
	struct dax_device *dax_dev;
	u64 start_off = 0;
	int err = kern_path(path, LOOKUP_FOLLOW, &p);

	if (err)
		return err;
	bdev = p.dentry->d_sb->s_bdev;
	dax_dev = bdev ? fs_dax_get_by_bdev(bdev, &start_off, NULL, NULL) : NULL;
	if (dax_dev) {
		fs_put_dax(dax_dev, NULL);
		path_put(&p);
		return -EEXIST;	/* a DAX device: nothing to inject */
	}
	pr_emerg("daxfault: %s (sb %px, %s) has no dax_device; using it anyway\n",
		 path, p.dentry->d_sb, p.dentry->d_sb->s_id);
	/* The seed-000 mistake: a NULL dax_device from the lookup, used without
	 * a check.  dax_zero_page_range() reads dax_dev->flags first. */
	err = dax_zero_page_range(dax_dev, 0, 1);
	path_put(&p);
	return err;
}
#else
static int df_null_dax(const char *path) { return -EOPNOTSUPP; }
#endif

static ssize_t df_write(struct file *file, const char __user *ubuf, size_t len, loff_t *off)
{
	char buf[256], *cur, *op, *a1, *a2;
	unsigned long x = 0, n = 1;
	int err;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	cur = strim(buf);
	op = strsep(&cur, " ");
	a1 = cur ? strsep(&cur, " ") : NULL;
	a2 = cur ? strsep(&cur, " ") : NULL;
	if (!op || !a1)
		return -EINVAL;
	if (strcmp(op, "null_dax") && kstrtoul(a1, 0, &x))
		return -EINVAL;
	if (a2 && kstrtoul(a2, 0, &n))
		return -EINVAL;
	mutex_lock(&df_lock);
	df_result[0] = 0;
	if (!strcmp(op, "pgmap_get"))
		err = df_pgmap_get(x, n);
	else if (!strcmp(op, "page_get"))
		err = df_page_get(x, n);
	else if (!strcmp(op, "page_dec"))
		err = df_page_dec(x);
	else if (!strcmp(op, "ref_exit"))
		err = df_ref_exit(x);
	else if (!strcmp(op, "entry_lock"))
		err = df_entry_lock(x);
	else if (!strcmp(op, "null_dax"))
		err = df_null_dax(a1);
	else
		err = -EINVAL;
	if (err)
		df_say("{\"op\": \"%s\", \"error\": %d}", op, err);
	mutex_unlock(&df_lock);
	return err ? err : len;
}

static ssize_t df_read(struct file *file, char __user *ubuf, size_t len, loff_t *off)
{
	ssize_t r;

	mutex_lock(&df_lock);
	r = simple_read_from_buffer(ubuf, len, off, df_result, strlen(df_result));
	mutex_unlock(&df_lock);
	return r;
}

static const struct proc_ops df_proc_ops = {
	.proc_write = df_write,
	.proc_read = df_read,
};

static struct proc_dir_entry *df_proc;

static int __init df_init(void)
{
	df_proc = proc_create("daxfault", 0600, NULL, &df_proc_ops);
	if (!df_proc)
		return -ENOMEM;
	pr_warn("daxfault: TEST-ONLY fault injector loaded; this kernel will be corrupted on request\n");
	add_taint(TAINT_USER, LOCKDEP_STILL_OK);
	return 0;
}

static void __exit df_exit(void)
{
	proc_remove(df_proc);
}

module_init(df_init);
module_exit(df_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("daxtriage test suite: TEST-ONLY fault injector (corrupts DAX/pgmap state on purpose)");
