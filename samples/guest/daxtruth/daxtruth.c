// SPDX-License-Identifier: GPL-2.0
/*
 * daxtruth - TEST-ONLY ground-truth reporter for the daxtriage test suite.
 *
 * What it is for
 *   daxtriage analyses vmcores for DAX / ZONE_DEVICE state.  Its test suite
 *   boots a disposable QEMU test guest, builds some DAX state, loads this
 *   module, asks it for the values the running kernel computes, and saves the
 *   answers as "truth.json".  Then it takes the vmcore.  The post-mortem tools
 *   are later checked against truth.json.
 *
 *   This module only ever runs inside such a test guest.  It is not meant for
 *   and not safe for production systems.
 *
 * It never writes kernel state
 *   It only reads.  It takes no lasting references, does not switch
 *   percpu_ref modes, does not lock pages or XArray entries, and takes no
 *   kernel locks except its own mutex and RCU read-side sections.  Short-lived
 *   references needed to reach an object (an opened file, a pid/task_struct)
 *   are dropped before the command returns.  The only memory it writes is its
 *   own /proc entry and its own result buffer.
 *
 *   One side effect is outside its control: opening a file runs that file's
 *   ->open() method, exactly as a user-space open would.  For a device-dax
 *   node that is dax_open(), which points the node's inode->i_mapping at the
 *   dax inode's mapping.
 *
 * Values are computed the way the kernel computes them, with the kernel's
 * own inline accessors: page_ref_count(), page_mapcount(), compound_head(),
 * xa_for_each(), per_cpu_ptr() and so on.  The kernel's static helpers it
 * needs (pfn_first/pfn_end/pfn_len in mm/memremap.c, the percpu_ref count
 * rule in lib/percpu-refcount.c) are reimplemented from 6.1 below.
 *
 * Interface: /proc/daxtruth (0600)
 *   write(2) one line = one command; read(2) returns the result of the last
 *   command as one JSON document followed by "\n".  Commands:
 *     page PFN [PFN ...]        (at most 4096 pfns)
 *     pgmap PFN
 *     file PATH [INDEX ...]     (PATH must not contain blanks)
 *     filesum PATH STRIDE [INDEX ...]
 *                               file, for a mapping of millions of entries: every
 *                               STRIDE-th entry and exact counts by order
 *     range START_PFN END_PFN   (END exclusive, at most 2^22 pfns)
 *     pgmaps XARRAY             every pgmap of pgmap_array (its address from
 *                               /proc/kallsyms: the array is static)
 *     task PID
 *     cpus
 *   Numbers are parsed with kstrtoul(base 0): "0x" hex, decimal, or, with a
 *   leading 0, octal.  Unparsable input fails the write with -EINVAL (and the
 *   result becomes an error document).  Any other failure returns a JSON
 *   {"error": "..."} document and the write succeeds.
 *
 * JSON conventions
 *   Kernel addresses, raw words, flags and u64 values (physical addresses,
 *   XArray entries, atomic counters) are strings "0x%llx" in lowercase hex.
 *   Counts, pfns, file indices, cpu numbers, orders and refcounts are JSON
 *   integers, signed where the kernel type is signed.  Strings are escaped:
 *   quote, backslash and bytes outside 0x20..0x7e become \u00XX, so the
 *   document is always pure ASCII.
 *
 * Version notes
 *   Written against Debian 6.1.0-56-amd64 (6.1.192-2); built and run on
 *   Debian's 5.10.0-46 (5.10.262), 6.1.0-56, 6.12.117+deb13 and
 *   7.2.13+deb14 kernels, each against its own headers (samples/manifest).
 *   What differs between kernel versions is in the "version-sensitive
 *   accessors" section or marked "VERSION:".  Where a guard's release is
 *   not verified it says so: the boundary is then only known to lie
 *   between two of those four kernels.  The JSON schema is the same on all.
 */

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/version.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>
#include <linux/mm.h>
#include <linux/memremap.h>
#include <linux/mmzone.h>
#include <linux/page_ref.h>
#include <linux/percpu.h>
#include <linux/percpu-refcount.h>
#include <linux/xarray.h>
#include <linux/fs.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sched/signal.h>
#include <linux/cpumask.h>
#include <linux/ctype.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/kallsyms.h>
#include <linux/range.h>
#include <linux/completion.h>
#include <linux/pci.h>
#include <linux/genalloc.h>

/* ------------------------------------------------------------------------
 * Limits.  Every loop in this file is bounded by one of these.
 * ------------------------------------------------------------------------ */

#define DT_MAX_CMD_BYTES	(256 * 1024)	/* 4096 numbers fit easily */
#define DT_MAX_PFNS		4096
#define DT_MAX_INDICES		4096
#define DT_MAX_RANGE_PFNS	(1UL << 22)
#define DT_MAX_NONIDLE		4096
#define DT_MAX_XA_ENTRIES	1000000UL
#define DT_MAX_XA_SUMMARY	(1UL << 28)	/* entries a filesum walk counts */
#define DT_XA_BATCH		1024		/* entries per RCU section */
#define DT_MAX_PGMAP_RANGES	1024		/* sanity cap on nr_range */
#define DT_RESULT_INIT		(64 * 1024)
#define DT_RESULT_MAX		(256UL << 20)	/* 1M XArray entries ~ 60 MB */
#define DT_RESCHED_MASK		1023UL		/* cond_resched() period */
#define DT_JB_MAXDEPTH		8
#define DT_STACK_DEPTH		64

/* Refcount histogram: a direct table for the usual values, a short list for
 * anything else, and a counter for values that fit in neither. */
#define DT_HIST_MIN		(-16)
#define DT_HIST_DIRECT		1024
#define DT_HIST_EXTRA		256

/*
 * The largest compound page a tail can belong to (a PUD-sized page).  Used
 * to reject a corrupt compound_head before anything dereferences it.
 */
#define DT_MAX_COMPOUND_NR	(1UL << (PUD_SHIFT - PAGE_SHIFT))

/* lib/percpu-refcount.c keeps this private; same definition as 6.1. */
#define DT_PERCPU_COUNT_BIAS	(1UL << (BITS_PER_LONG - 1))

/*
 * stack_trace_save_tsk() is not in 6.1's Module.symvers, so a module cannot
 * call it there.  Define this to 1 when building for a kernel that exports
 * it.
 */
#ifndef DT_HAVE_STACK_TRACE_SAVE_TSK
#define DT_HAVE_STACK_TRACE_SAVE_TSK 0
#endif
#if DT_HAVE_STACK_TRACE_SAVE_TSK
#include <linux/stacktrace.h>
#endif

/* ------------------------------------------------------------------------
 * Version-sensitive accessors.  Each one states what 6.1 does and what is
 * known to differ elsewhere.  Version guards belong here; the few other
 * places that depend on a struct layout are marked "VERSION:" in place.
 * ------------------------------------------------------------------------ */

/*
 * Kernel eras this file is built for (Debian kernels of samples/manifest):
 *   5.10 (bullseye), 6.1 (bookworm), 6.12 (trixie), 7.2 (sid).
 * DT_FOLIO_PGMAP: page->pgmap is gone and the pgmap is folio->pgmap, read
 * by page_pgmap() (kernel-facts.md C.4 "Folio era (6.15+)"; 6.12 has
 * page->pgmap, 7.2 folio->pgmap: the 6.15 boundary follows kernel-facts,
 * not a verified commit).  fsdax pages are refcounted like normal pages
 * from 6.15 (38607c62b34b, v6.15-rc1, kernel-facts.md E.2); the census's
 * idle refcount uses the same guard.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
#define DT_FOLIO_PGMAP 1
#else
#define DT_FOLIO_PGMAP 0
#endif

/*
 * The pgmap of a ZONE_DEVICE head (or order-0) page.  5.10-6.14 keep it in
 * page->pgmap.  It must come from the head: in compound devmaps
 * (vmemmap_shift > 0) the tails' word at that offset holds compound_head.
 * 6.15+ keep it in the folio (page_pgmap() reads page_folio(page)->pgmap);
 * @head is a head or order-0 page, so its folio is itself.
 */
static inline struct dev_pagemap *dt_page_pgmap(struct page *head)
{
#if DT_FOLIO_PGMAP
	return ((struct folio *)head)->pgmap;
#else
	return head->pgmap;
#endif
}

/*
 * 5.17+ embed the ref in the pgmap.  Up to 5.16 pgmap->ref is a pointer
 * (kernel-facts.md C.1, P-C2): to &pgmap->internal_ref when the driver
 * passed none (device-dax), or to the driver's own ref (pmem: its request
 * queue's q_usage_counter).  NULL is possible there.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 17, 0)
#define DT_PGMAP_REF_EMBEDDED 1
static inline struct percpu_ref *dt_pgmap_ref(struct dev_pagemap *pgmap)
{
	return &pgmap->ref;
}
#else
#define DT_PGMAP_REF_EMBEDDED 0
static inline struct percpu_ref *dt_pgmap_ref(struct dev_pagemap *pgmap)
{
	return READ_ONCE(pgmap->ref);
}
#endif

/* Who owns the percpu_ref the pgmap counts in (truth.json pgmaps[].ref_owner). */
static const char *dt_pgmap_ref_owner(struct dev_pagemap *pgmap)
{
#if DT_PGMAP_REF_EMBEDDED
	return "embedded";
#else
	struct percpu_ref *ref = READ_ONCE(pgmap->ref);

	if (!ref)
		return "none";
	return ref == &pgmap->internal_ref ? "internal_ref" : "external";
#endif
}

/*
 * dev_pagemap_ops->page_free(page) became ->folio_free(folio) (kernel-facts.md
 * C.1: merge release unverified; 6.12 has page_free, 7.2 folio_free, so the
 * guard's 7.0 is only known to be safe for these two).
 */
#define DT_OPS_FOLIO_FREE (LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0))

/* vmemmap_shift exists from 5.17.  Older kernels behave as shift 0. */
static inline unsigned long dt_pgmap_vmemmap_shift(struct dev_pagemap *pgmap)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 17, 0)
	return pgmap->vmemmap_shift;
#else
	return 0;
#endif
}

/*
 * The pin count of a compound page.  Up to 6.1: head[1].compound_pincount
 * (head_compound_pincount()).  6.2+ keep it in folio->_pincount.  The
 * caller must have checked that head[1] is readable.
 */
static inline int dt_head_pincount(struct page *head)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return atomic_read(&((struct folio *)head)->_pincount);
#else
	return head_compound_pincount(head);
#endif
}

/*
 * The raw page->flags word.  7.2 wraps it in memdesc_flags_t { f }; 6.12
 * has the plain word.  The guard's 6.18 is not verified (the change lies
 * between 6.12 and 7.2).
 */
static inline unsigned long dt_page_flags(struct page *page)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
	return READ_ONCE(page->flags.f);
#else
	return READ_ONCE(page->flags);
#endif
}

/*
 * The raw page->index word.  7.2 names it __folio_index (a union with
 * folio->share); 6.12 has page->index.  The guard's 6.16 is not verified
 * (the rename lies between 6.12 and 7.2).
 */
static inline unsigned long dt_page_index(struct page *page)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
	return READ_ONCE(page->__folio_index);
#else
	return READ_ONCE(page->index);
#endif
}

/*
 * The mapcount truth.json reports ("mapcount"): page_mapcount() where the
 * kernel has it (5.10, 6.1); kernels without it (6.12 has neither
 * page_mapcount() nor page_maybe_dma_pinned(): checked in Debian's
 * 6.12.117 headers; the exact release of the removal is not checked) get
 * folio_mapcount() of the page's folio, which is also what the 6.15+ fsdax
 * busy test compares the refcount with (dax_busy_page(): folio_ref_count -
 * folio_mapcount, kernel-facts.md E.2).  @page's compound metadata must be
 * readable (dt_compound_meta_ok()).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define DT_MAPCOUNT_SOURCE "folio_mapcount"
static inline int dt_mapcount(struct page *page)
{
	return folio_mapcount(page_folio(page));
}

static inline bool dt_maybe_dma_pinned(struct page *page)
{
	return folio_maybe_dma_pinned(page_folio(page));
}
#else
#define DT_MAPCOUNT_SOURCE "page_mapcount"
static inline int dt_mapcount(struct page *page)
{
	return page_mapcount(page);
}

static inline bool dt_maybe_dma_pinned(struct page *page)
{
	return page_maybe_dma_pinned(page);
}
#endif

/*
 * Whether pages of this memory type idle at refcount 0 and take no bulk
 * pgmap references.  In 6.1 this holds for DEVICE_PRIVATE and
 * DEVICE_COHERENT: memmap_init_zone_device() sets their count to 0,
 * pagemap_range() skips percpu_ref_get_many() for them, and
 * memunmap_pages() skips the matching put (this was checked in the 6.1.192
 * vmlinux; 0dc45ca1ce18, v6.1).  Before 6.1 every type is 1-based and takes
 * the bulk refs.  COHERENT does not exist before 6.0.
 */
static bool dt_type_idles_at_zero(int type)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)
	return type == MEMORY_DEVICE_PRIVATE || type == MEMORY_DEVICE_COHERENT;
#else
	return false;
#endif
}

/*
 * The refcount an idle head/order-0 page of this type has, for the census
 * (pages of dt_type_idles_at_zero() types are not classified at all).
 * 6.15+: FS_DAX pages idle at 0 and are refcounted like normal pages
 * (38607c62b34b "fs/dax: properly refcount fs dax pages"; kernel-facts.md
 * E.1/E.2); earlier fsdax and every devdax page idle at 1.
 */
static int dt_type_idle_refcount(int type)
{
#if DT_FOLIO_PGMAP
	if (type == MEMORY_DEVICE_FS_DAX)
		return 0;
#endif
	return 1;
}

/* The enumerator names of enum memory_type as 6.1 defines them. */
static const char *dt_memory_type_name(int type)
{
	switch (type) {
	case MEMORY_DEVICE_PRIVATE:
		return "MEMORY_DEVICE_PRIVATE";
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 0, 0)
	case MEMORY_DEVICE_COHERENT:
		return "MEMORY_DEVICE_COHERENT";
#endif
	case MEMORY_DEVICE_FS_DAX:
		return "MEMORY_DEVICE_FS_DAX";
	case MEMORY_DEVICE_GENERIC:
		return "MEMORY_DEVICE_GENERIC";
	case MEMORY_DEVICE_PCI_P2PDMA:
		return "MEMORY_DEVICE_PCI_P2PDMA";
	default:
		return NULL;
	}
}

/* ------------------------------------------------------------------------
 * JSON output buffer.
 *
 * The buffer grows with kvmalloc(GFP_KERNEL), which may sleep, so nothing
 * here may be called in atomic context or inside an RCU read-side section.
 * Errors are sticky: after the first failure every call is a no-op and
 * the dispatcher replaces the document with an error document.
 * ------------------------------------------------------------------------ */

struct dt_jbuf {
	char *buf;
	size_t len;		/* bytes used, excluding the NUL */
	size_t cap;		/* bytes allocated */
	int err;		/* first error, 0 if none */
	int depth;		/* open objects/arrays */
	bool need_comma[DT_JB_MAXDEPTH + 1];
};

static int dt_jb_init(struct dt_jbuf *jb)
{
	memset(jb, 0, sizeof(*jb));
	jb->buf = kvmalloc(DT_RESULT_INIT, GFP_KERNEL);
	if (!jb->buf)
		return -ENOMEM;
	jb->cap = DT_RESULT_INIT;
	jb->buf[0] = '\0';
	return 0;
}

/* Make room for @need more bytes plus the NUL. */
static bool dt_jb_grow(struct dt_jbuf *jb, size_t need)
{
	size_t want = jb->len + need + 1;
	size_t ncap = jb->cap;
	char *nbuf;

	if (jb->err)
		return false;
	if (want <= jb->cap)
		return true;
	if (want > DT_RESULT_MAX) {
		jb->err = -E2BIG;
		return false;
	}
	/* Doubling from 64 KiB reaches DT_RESULT_MAX in at most 12 steps. */
	while (ncap < want)
		ncap *= 2;
	ncap = min_t(size_t, ncap, DT_RESULT_MAX);

	nbuf = kvmalloc(ncap, GFP_KERNEL);
	if (!nbuf) {
		jb->err = -ENOMEM;
		return false;
	}
	memcpy(nbuf, jb->buf, jb->len + 1);
	kvfree(jb->buf);
	jb->buf = nbuf;
	jb->cap = ncap;
	return true;
}

static __printf(2, 3) void dt_jb_put(struct dt_jbuf *jb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (jb->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(jb->buf + jb->len, jb->cap - jb->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		jb->err = -EINVAL;
		return;
	}
	if ((size_t)n >= jb->cap - jb->len) {
		/* Did not fit: grow and format again. */
		jb->buf[jb->len] = '\0';
		if (!dt_jb_grow(jb, n))
			return;
		va_start(ap, fmt);
		n = vsnprintf(jb->buf + jb->len, jb->cap - jb->len, fmt, ap);
		va_end(ap);
	}
	jb->len += n;
}

static void dt_jb_putc(struct dt_jbuf *jb, char c)
{
	if (!dt_jb_grow(jb, 1))
		return;
	jb->buf[jb->len++] = c;
	jb->buf[jb->len] = '\0';
}

/* A JSON string from at most @max bytes of @s. */
static void dt_jb_escaped(struct dt_jbuf *jb, const char *s, size_t max)
{
	size_t i;

	dt_jb_putc(jb, '"');
	for (i = 0; i < max && s[i] && !jb->err; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			dt_jb_putc(jb, '\\');
			dt_jb_putc(jb, c);
		} else if (c < 0x20 || c > 0x7e) {
			dt_jb_put(jb, "\\u%04x", c);
		} else {
			dt_jb_putc(jb, c);
		}
	}
	dt_jb_putc(jb, '"');
}

/* Separator and, inside an object, the member name. NULL key = array item. */
static void dt_jb_key(struct dt_jbuf *jb, const char *key)
{
	if (jb->need_comma[jb->depth])
		dt_jb_putc(jb, ',');
	jb->need_comma[jb->depth] = true;
	if (key) {
		dt_jb_escaped(jb, key, SIZE_MAX);
		dt_jb_putc(jb, ':');
	}
}

static void dt_jb_open(struct dt_jbuf *jb, const char *key, char bracket)
{
	dt_jb_key(jb, key);
	dt_jb_putc(jb, bracket);
	if (jb->depth >= DT_JB_MAXDEPTH) {
		jb->err = -EOVERFLOW;
		return;
	}
	jb->depth++;
	jb->need_comma[jb->depth] = false;
}

static void dt_jb_close(struct dt_jbuf *jb, char bracket)
{
	dt_jb_putc(jb, bracket);
	if (jb->depth > 0)
		jb->depth--;
}

static void dt_jb_obj(struct dt_jbuf *jb, const char *key)
{
	dt_jb_open(jb, key, '{');
}

static void dt_jb_end_obj(struct dt_jbuf *jb)
{
	dt_jb_close(jb, '}');
}

static void dt_jb_arr(struct dt_jbuf *jb, const char *key)
{
	dt_jb_open(jb, key, '[');
}

static void dt_jb_end_arr(struct dt_jbuf *jb)
{
	dt_jb_close(jb, ']');
}

static void dt_jb_hex(struct dt_jbuf *jb, const char *key, u64 v)
{
	dt_jb_key(jb, key);
	dt_jb_put(jb, "\"0x%llx\"", (unsigned long long)v);
}

static void dt_jb_ptr(struct dt_jbuf *jb, const char *key,
		      const volatile void *p)
{
	dt_jb_hex(jb, key, (unsigned long)p);
}

static void dt_jb_int(struct dt_jbuf *jb, const char *key, long long v)
{
	dt_jb_key(jb, key);
	dt_jb_put(jb, "%lld", v);
}

static void dt_jb_uint(struct dt_jbuf *jb, const char *key,
		       unsigned long long v)
{
	dt_jb_key(jb, key);
	dt_jb_put(jb, "%llu", v);
}

static void dt_jb_bool(struct dt_jbuf *jb, const char *key, bool v)
{
	dt_jb_key(jb, key);
	dt_jb_put(jb, "%s", v ? "true" : "false");
}

static void dt_jb_null(struct dt_jbuf *jb, const char *key)
{
	dt_jb_key(jb, key);
	dt_jb_put(jb, "null");
}

static void dt_jb_strn(struct dt_jbuf *jb, const char *key, const char *s,
		       size_t max)
{
	dt_jb_key(jb, key);
	if (s)
		dt_jb_escaped(jb, s, max);
	else
		dt_jb_put(jb, "null");
}

static void dt_jb_str(struct dt_jbuf *jb, const char *key, const char *s)
{
	dt_jb_strn(jb, key, s, SIZE_MAX);
}

/*
 * A code or data address as "%ps" (symbol[+module], no offset) or "%pS"
 * (with offset), or null for NULL.
 */
static void dt_jb_sym(struct dt_jbuf *jb, const char *key, const void *addr,
		      bool with_offset)
{
	char sym[KSYM_SYMBOL_LEN];

	if (!addr) {
		dt_jb_null(jb, key);
		return;
	}
	if (with_offset)
		snprintf(sym, sizeof(sym), "%pS", addr);
	else
		snprintf(sym, sizeof(sym), "%ps", addr);
	dt_jb_str(jb, key, sym);
}

static void dt_jb_reset(struct dt_jbuf *jb)
{
	jb->len = 0;
	jb->buf[0] = '\0';
	jb->err = 0;
	jb->depth = 0;
	jb->need_comma[0] = false;
}

/* Replace whatever was produced with {"error": "<message>"}. */
static __printf(2, 3) void dt_jb_error(struct dt_jbuf *jb, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	dt_jb_reset(jb);
	dt_jb_obj(jb, NULL);
	dt_jb_str(jb, "error", msg);
	dt_jb_end_obj(jb);
}

/* ------------------------------------------------------------------------
 * Safe access to memory the module did not allocate.
 *
 * The guest is about to be dumped.  An oops here would destroy the test
 * run, so a pointer read out of kernel memory (page->pgmap, pgmap->ops,
 * ref->data, a compound_head) is checked before the kernel's accessors
 * dereference it.  The checks only read.
 * ------------------------------------------------------------------------ */

/* Whether @len bytes at @p are mapped: probed with copy_from_kernel_nofault. */
static bool dt_kernel_readable(const void *p, size_t len)
{
	u8 tmp[64];
	size_t off, n;

	if (!p)
		return false;
	for (off = 0; off < len; off += n) {
		n = min(len - off, sizeof(tmp));
		if (copy_from_kernel_nofault(tmp, (const u8 *)p + off, n))
			return false;
	}
	return true;
}

/* pfn_to_page() only for pfns the kernel itself considers valid. */
static struct page *dt_pfn_to_page(unsigned long pfn)
{
	return pfn_valid(pfn) ? pfn_to_page(pfn) : NULL;
}

/*
 * compound_head(), but NULL if the result cannot be the head of @page.
 * ZONE_DEVICE memmaps can hold uninitialised struct pages (for example the
 * altmap "reserve" pfns that memmap_init_zone_device() skips).  A garbage
 * compound_head there must not be dereferenced.
 */
static struct page *dt_compound_head(struct page *page)
{
	struct page *head = compound_head(page);
	unsigned long pfn, hpfn;

	if (head == page)
		return head;
	if (((unsigned long)head - (unsigned long)vmemmap) % sizeof(struct page))
		return NULL;
	pfn = page_to_pfn(page);
	hpfn = page_to_pfn(head);
	if (hpfn >= pfn || pfn - hpfn >= DT_MAX_COMPOUND_NR)
		return NULL;
	if (!pfn_valid(hpfn))
		return NULL;
	return head;
}

/*
 * VERSION: the head[1] layout is 6.1's; 6.2+ move these into struct folio.
 *
 * Whether the 6.1 compound metadata in head[1] (compound_order,
 * compound_mapcount, compound_pincount, compound_dtor) may be read for
 * @page.  page_mapcount(), page_maybe_dma_pinned() and compound_order()
 * read it whenever @page is compound or @head claims PG_head.
 */
static bool dt_compound_meta_ok(struct page *page, struct page *head)
{
	if (!head)
		return false;
	if (!PageCompound(page) && !PageHead(head))
		return true;
	return pfn_valid(page_to_pfn(head) + 1);
}

/* ------------------------------------------------------------------------
 * Command parsing.
 * ------------------------------------------------------------------------ */

/* The next blank-separated token of *@cur, NUL-terminated in place. */
static char *dt_token(char **cur)
{
	char *s = skip_spaces(*cur);
	char *e = s;

	if (!*s) {
		*cur = s;
		return NULL;
	}
	while (*e && !isspace(*e))
		e++;
	if (*e)
		*e++ = '\0';
	*cur = e;
	return s;
}

/* Parse every remaining token as a number into @out (at most @max kept).
 * Returns the number of tokens, or -EINVAL if one does not parse. */
static long dt_parse_numbers(char **cur, unsigned long *out, size_t max)
{
	long n = 0;
	char *tok;
	unsigned long v;

	/* Bounded: every token consumes at least one byte of the command. */
	while ((tok = dt_token(cur))) {
		if (kstrtoul(tok, 0, &v))
			return -EINVAL;
		if ((size_t)n < max)
			out[n] = v;
		n++;
	}
	return n;
}

/* ------------------------------------------------------------------------
 * dev_pagemap helpers: the static helpers of mm/memremap.c (6.1), and a
 * plausibility check for page->pgmap.
 * ------------------------------------------------------------------------ */

/*
 * vmem_altmap_offset() is not exported in 6.1; this is its body
 * (mm/memremap.c): the pfns at the start of range 0 that hold the device's
 * own memmap.
 */
static unsigned long dt_vmem_altmap_offset(struct vmem_altmap *altmap)
{
	return altmap ? altmap->reserve + altmap->free : 0;
}

/* mm/memremap.c (6.1) pfn_first(), which is static there. */
static unsigned long dt_pfn_first(struct dev_pagemap *pgmap, int range_id)
{
	const struct range *range = &pgmap->ranges[range_id];
	unsigned long pfn = PHYS_PFN(range->start);

	if (range_id)
		return pfn;
	return pfn + dt_vmem_altmap_offset(pgmap_altmap(pgmap));
}

/* mm/memremap.c (6.1) pfn_end(): the first pfn past the range. */
static unsigned long dt_pfn_end(struct dev_pagemap *pgmap, int range_id)
{
	const struct range *range = &pgmap->ranges[range_id];

	return (range->start + range_len(range)) >> PAGE_SHIFT;
}

/*
 * mm/memremap.c (6.1) pfn_len(): the number of bulk pgmap references
 * pagemap_range() takes for the range (one per compound page).
 */
static unsigned long dt_pfn_len(struct dev_pagemap *pgmap, int range_id)
{
	return (dt_pfn_end(pgmap, range_id) - dt_pfn_first(pgmap, range_id)) >>
	       dt_pgmap_vmemmap_shift(pgmap);
}

/* mm/memremap.c (6.1) pgmap_pfn_valid(), which is not exported. */
static bool dt_pgmap_pfn_valid(struct dev_pagemap *pgmap, unsigned long pfn,
			       int range_id)
{
	return range_id >= 0 && pfn >= dt_pfn_first(pgmap, range_id);
}

/*
 * The index of the range of @pgmap that contains @pfn, or -1: the
 * containment test of pgmap_pfn_valid().  @pgmap must have passed
 * dt_pgmap_implausible().
 */
static int dt_pgmap_range_of(struct dev_pagemap *pgmap, unsigned long pfn)
{
	int nr = min(READ_ONCE(pgmap->nr_range), DT_MAX_PGMAP_RANGES);
	int i;

	for (i = 0; i < nr; i++) {
		const struct range *r = &pgmap->ranges[i];

		if (pfn >= PHYS_PFN(r->start) && pfn <= PHYS_PFN(r->end))
			return i;
	}
	return -1;
}

/*
 * NULL if @pgmap looks like a struct dev_pagemap (readable, a memory type
 * 6.1 defines, a sane nr_range, readable ranges), else the reason it does
 * not.
 *
 * Why page->pgmap needs checking at all: it is only meaningful for the
 * pfns the pgmap's own memmap init set up.  With an altmap (ndctl
 * --map=dev), the "free" pfns at the start of range 0 hold the device's
 * memmap; memmap_init_range() initialises their struct pages as ordinary
 * ZONE_DEVICE pages, so their pgmap word is the lru list head, a pointer
 * into the struct page itself.  The "reserve" pfns before them are not
 * initialised at all.  Both cases were seen on 6.1.192.
 */
static const char *dt_pgmap_implausible(struct dev_pagemap *pgmap)
{
	int nr;

	if (!dt_kernel_readable(pgmap, sizeof(*pgmap)))
		return "not readable";
	if (!dt_memory_type_name(READ_ONCE(pgmap->type)))
		return "unknown memory type";
	nr = READ_ONCE(pgmap->nr_range);
	if (nr < 1 || nr > DT_MAX_PGMAP_RANGES)
		return "implausible nr_range";
	if (!dt_kernel_readable(pgmap->ranges, nr * sizeof(struct range)))
		return "ranges not readable";
	return NULL;
}

/*
 * The pgmap the kernel's page helpers would use for @pfn (page->pgmap of
 * the head page @head), if it is a plausible dev_pagemap whose ranges
 * contain @pfn.  Otherwise NULL, with the reason in *@why.
 */
static struct dev_pagemap *dt_pfn_pgmap(struct page *head, unsigned long pfn,
					const char **why)
{
	struct dev_pagemap *pgmap;

	if (!is_zone_device_page(head)) {
		*why = "not a ZONE_DEVICE page";
		return NULL;
	}
	pgmap = dt_page_pgmap(head);
	*why = dt_pgmap_implausible(pgmap);
	if (*why)
		return NULL;
	if (dt_pgmap_range_of(pgmap, pfn) < 0) {
		*why = "pfn outside its ranges";
		return NULL;
	}
	return pgmap;
}

/* ------------------------------------------------------------------------
 * page PFN [PFN ...]
 * ------------------------------------------------------------------------ */

static void dt_emit_page(struct dt_jbuf *jb, unsigned long pfn)
{
	struct page *page = dt_pfn_to_page(pfn);
	struct page *head;
	bool meta_ok;

	dt_jb_obj(jb, NULL);
	dt_jb_uint(jb, "pfn", pfn);
	dt_jb_bool(jb, "valid", page != NULL);
	if (!page)
		goto out;

	head = dt_compound_head(page);
	meta_ok = dt_compound_meta_ok(page, head);

	dt_jb_ptr(jb, "page", page);
	dt_jb_hex(jb, "flags", dt_page_flags(page));
	dt_jb_int(jb, "refcount", page_ref_count(page));
	dt_jb_int(jb, "mapcount_raw", atomic_read(&page->_mapcount));
	if (meta_ok)
		dt_jb_int(jb, "mapcount", dt_mapcount(page));
	else
		dt_jb_null(jb, "mapcount");
	dt_jb_str(jb, "mapcount_source", DT_MAPCOUNT_SOURCE);
	dt_jb_ptr(jb, "compound_head", compound_head(page));
	/* true when compound_head() gave an impossible head (never followed) */
	dt_jb_bool(jb, "compound_head_suspect", !head);
	dt_jb_bool(jb, "head", PageHead(page));
	dt_jb_bool(jb, "tail", PageTail(page));
	if (meta_ok)
		dt_jb_uint(jb, "order", compound_order(head));
	else
		dt_jb_null(jb, "order");
	if (meta_ok && PageCompound(page))
		dt_jb_int(jb, "compound_pincount", dt_head_pincount(head));
	else
		dt_jb_null(jb, "compound_pincount");
	if (meta_ok)
		dt_jb_bool(jb, "maybe_dma_pinned", dt_maybe_dma_pinned(page));
	else
		dt_jb_null(jb, "maybe_dma_pinned");
	dt_jb_ptr(jb, "mapping", READ_ONCE(page->mapping));
	dt_jb_uint(jb, "index", dt_page_index(page));
	dt_jb_int(jb, "zonenum", page_zonenum(page));
	dt_jb_bool(jb, "zone_device", is_zone_device_page(page));
	dt_jb_bool(jb, "reserved", PageReserved(page));
	if (head && is_zone_device_page(head)) {
		const char *why;

		/* The raw word, plus whether it describes this pfn. */
		dt_jb_ptr(jb, "pgmap", dt_page_pgmap(head));
		dt_jb_bool(jb, "pgmap_plausible",
			   dt_pfn_pgmap(head, pfn, &why) != NULL);
	} else {
		dt_jb_null(jb, "pgmap");
		dt_jb_null(jb, "pgmap_plausible");
	}
out:
	dt_jb_end_obj(jb);
}

static int dt_cmd_page(struct dt_jbuf *jb, char *args)
{
	unsigned long *pfns;
	long n, i;

	pfns = kvmalloc_array(DT_MAX_PFNS, sizeof(*pfns), GFP_KERNEL);
	if (!pfns)
		return -ENOMEM;
	n = dt_parse_numbers(&args, pfns, DT_MAX_PFNS);
	if (n <= 0) {
		kvfree(pfns);
		return -EINVAL;
	}
	if (n > DT_MAX_PFNS) {
		dt_jb_error(jb, "too many pfns: %ld (at most %d)", n, DT_MAX_PFNS);
		kvfree(pfns);
		return 0;
	}

	dt_jb_obj(jb, NULL);
	dt_jb_arr(jb, "pages");
	for (i = 0; i < n && !jb->err; i++) {
		dt_emit_page(jb, pfns[i]);
		if (!(i & DT_RESCHED_MASK))
			cond_resched();
	}
	dt_jb_end_arr(jb);
	dt_jb_end_obj(jb);
	kvfree(pfns);
	return 0;
}

/* ------------------------------------------------------------------------
 * percpu_ref: state and true count, as lib/percpu-refcount.c (6.1) sees it
 * ------------------------------------------------------------------------ */

/* The mode names used in truth.json. */
static const char *dt_ref_mode(unsigned long flags,
			       const struct percpu_ref_data *data,
			       percpu_ref_func_t *confirm_switch)
{
	if (!data)
		return "exited";	/* percpu_ref_exit() freed data */
	if ((flags & __PERCPU_REF_ATOMIC_DEAD) == __PERCPU_REF_ATOMIC_DEAD)
		return "dead";
	if ((flags & __PERCPU_REF_ATOMIC) && confirm_switch)
		return "switching";	/* RCU callback not yet confirmed */
	if (flags & __PERCPU_REF_ATOMIC)
		return "atomic";
	return "percpu";
}

/*
 * Emit @ref as an object named @key.  Count rule (kernel-facts.md, D.3):
 *   data == NULL: percpu_ref_exit() left the count in percpu_count_ptr >> 2.
 *   Otherwise C = data->count.  While the ATOMIC bit is clear, or C is still
 *   biased (negative), the true count is C - PERCPU_COUNT_BIAS plus the sum
 *   of all possible CPUs' counters, mod 2^64, as
 *   percpu_ref_switch_to_atomic_rcu() would compute it.  Once atomic and
 *   unbiased, it is C; the per-cpu counters are stale then and are reported
 *   but not added.
 *
 * C and the per-cpu counters are read back to back, before any output is
 * formatted, so that they form as close to one snapshot as plain reads
 * allow.
 *
 * VERSION: struct percpu_ref_data exists from 5.9; up to 5.8 count,
 * release and confirm_switch live in struct percpu_ref itself.
 */
static void dt_emit_percpu_ref(struct dt_jbuf *jb, const char *key,
			       struct percpu_ref *ref)
{
	unsigned long pcp = READ_ONCE(ref->percpu_count_ptr);
	struct percpu_ref_data *data = READ_ONCE(ref->data);
	unsigned long flags = pcp & __PERCPU_REF_ATOMIC_DEAD;
	unsigned long __percpu *counts =
		(unsigned long __percpu *)(pcp & ~__PERCPU_REF_ATOMIC_DEAD);
	percpu_ref_func_t *confirm;
	unsigned long *vals = NULL;
	unsigned long sum = 0;
	long count;
	bool biased;
	int cpu;

	dt_jb_obj(jb, key);
	dt_jb_ptr(jb, "address", ref);
	dt_jb_hex(jb, "percpu_count_ptr", pcp);
	dt_jb_ptr(jb, "data", data);
	dt_jb_hex(jb, "flags", flags);

	if (!data) {
		dt_jb_null(jb, "atomic");
		dt_jb_null(jb, "release_symbol");
		dt_jb_null(jb, "confirm_switch");
		dt_jb_str(jb, "mode", dt_ref_mode(flags, NULL, NULL));
		dt_jb_null(jb, "percpu");
		dt_jb_int(jb, "true_count",
			  (long)(pcp >> __PERCPU_REF_FLAG_BITS));
		dt_jb_str(jb, "true_count_rule", "exited");
		goto out;
	}
	if (!dt_kernel_readable(data, sizeof(*data))) {
		/* A freed or corrupt data pointer: report, do not follow. */
		dt_jb_bool(jb, "data_unreadable", true);
		dt_jb_null(jb, "mode");
		dt_jb_null(jb, "true_count");
		goto out;
	}
	if (counts) {
		vals = kvmalloc_array(nr_cpu_ids, sizeof(*vals), GFP_KERNEL);
		if (!vals) {
			jb->err = -ENOMEM;
			goto out;
		}
	}

	/* The snapshot: no output, allocation or sleeping in between. */
	count = atomic_long_read(&data->count);
	confirm = READ_ONCE(data->confirm_switch);
	if (counts) {
		for_each_possible_cpu(cpu) {
			vals[cpu] = READ_ONCE(*per_cpu_ptr(counts, cpu));
			sum += vals[cpu];
		}
	}

	dt_jb_hex(jb, "atomic", (unsigned long)count);
	dt_jb_sym(jb, "release_symbol", READ_ONCE(data->release), false);
	dt_jb_ptr(jb, "confirm_switch", confirm);
	dt_jb_sym(jb, "confirm_switch_symbol", confirm, false);
	dt_jb_bool(jb, "force_atomic", data->force_atomic);
	dt_jb_bool(jb, "allow_reinit", data->allow_reinit);
	/* data->ref points back at the ref: a cheap consistency check. */
	dt_jb_ptr(jb, "data_ref", READ_ONCE(data->ref));
	dt_jb_str(jb, "mode", dt_ref_mode(flags, data, confirm));

	if (counts) {
		dt_jb_arr(jb, "percpu");
		for_each_possible_cpu(cpu) {
			dt_jb_obj(jb, NULL);
			dt_jb_int(jb, "cpu", cpu);
			dt_jb_int(jb, "value", (long)vals[cpu]);
			dt_jb_end_obj(jb);
		}
		dt_jb_end_arr(jb);
	} else {
		dt_jb_null(jb, "percpu");
	}
	dt_jb_int(jb, "percpu_sum", (long)sum);

	biased = !(flags & __PERCPU_REF_ATOMIC) || count < 0;
	if (biased)
		dt_jb_int(jb, "true_count",
			  (long)((unsigned long)count - DT_PERCPU_COUNT_BIAS +
				 sum));
	else
		dt_jb_int(jb, "true_count", count);
	dt_jb_str(jb, "true_count_rule", biased ? "biased+percpu" : "atomic");
out:
	dt_jb_end_obj(jb);
	kvfree(vals);
}

/* ------------------------------------------------------------------------
 * pgmap PFN
 * ------------------------------------------------------------------------ */

/* VERSION: end_pfn exists from 5.4; 6.8+ add "inaccessible". */
static void dt_emit_altmap(struct dt_jbuf *jb, const struct vmem_altmap *a)
{
	dt_jb_obj(jb, "altmap");
	dt_jb_uint(jb, "base_pfn", a->base_pfn);
	dt_jb_uint(jb, "end_pfn", a->end_pfn);
	dt_jb_uint(jb, "reserve", a->reserve);
	dt_jb_uint(jb, "free", a->free);
	dt_jb_uint(jb, "align", a->align);
	dt_jb_uint(jb, "alloc", a->alloc);
	dt_jb_end_obj(jb);
}

static void dt_emit_pgmap_ops(struct dt_jbuf *jb,
			      const struct dev_pagemap_ops *ops)
{
	dt_jb_ptr(jb, "ops", ops);
	dt_jb_sym(jb, "ops_symbol", ops, false);
	if (ops && !dt_kernel_readable(ops, sizeof(*ops))) {
		dt_jb_bool(jb, "ops_unreadable", true);
		ops = NULL;
	}
	/*
	 * Methods that are not set are reported as null.
	 * VERSION: memory_failure exists from 6.0; 5.x has kill/cleanup
	 * (until 5.16); 6.15+ renames page_free to folio_free.
	 */
#if DT_OPS_FOLIO_FREE
	dt_jb_sym(jb, "page_free_symbol", ops ? ops->folio_free : NULL, false);
#else
	dt_jb_sym(jb, "page_free_symbol", ops ? ops->page_free : NULL, false);
#endif
	dt_jb_sym(jb, "migrate_to_ram_symbol",
		  ops ? ops->migrate_to_ram : NULL, false);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 0, 0)
	dt_jb_sym(jb, "memory_failure_symbol",
		  ops ? ops->memory_failure : NULL, false);
#else
	dt_jb_null(jb, "memory_failure_symbol");
#endif
}

/* The ranges with the kernel's pfn_first/pfn_end/pfn_len, and their sum. */
static void dt_emit_pgmap_ranges(struct dt_jbuf *jb, struct dev_pagemap *pgmap)
{
	int nr_range = READ_ONCE(pgmap->nr_range);
	int nr = clamp(nr_range, 0, DT_MAX_PGMAP_RANGES);
	unsigned long bulk = 0;
	int i;

	dt_jb_int(jb, "nr_range", nr_range);
	dt_jb_bool(jb, "ranges_truncated", nr != nr_range);
	if (nr && !dt_kernel_readable(pgmap->ranges, nr * sizeof(struct range))) {
		dt_jb_null(jb, "ranges");
		dt_jb_null(jb, "expected_bulk");
		return;
	}

	dt_jb_arr(jb, "ranges");
	for (i = 0; i < nr; i++) {
		const struct range *r = &pgmap->ranges[i];
		unsigned long len = dt_pfn_len(pgmap, i);

		bulk += len;
		dt_jb_obj(jb, NULL);
		dt_jb_hex(jb, "start", r->start);
		dt_jb_hex(jb, "end", r->end);	/* inclusive, as in the kernel */
		dt_jb_uint(jb, "pfn_first", dt_pfn_first(pgmap, i));
		dt_jb_uint(jb, "pfn_end", dt_pfn_end(pgmap, i));
		dt_jb_uint(jb, "pfn_len", len);
		dt_jb_end_obj(jb);
	}
	dt_jb_end_arr(jb);

	/*
	 * expected_bulk is the sum of pfn_len() over the ranges.
	 * expected_bulk_applies says whether 6.1 actually took those
	 * references for this type (see dt_type_idles_at_zero()).
	 */
	dt_jb_uint(jb, "expected_bulk", bulk);
	dt_jb_bool(jb, "expected_bulk_applies",
		   !dt_type_idles_at_zero(READ_ONCE(pgmap->type)));
}

/*
 * The device behind a PCI P2PDMA pgmap: 6.1 drivers/pci/p2pdma.c keeps the
 * pgmap in a private struct pci_p2pdma_pagemap { struct dev_pagemap pgmap;
 * struct pci_dev *provider; u64 bus_offset; } (line 30 of the 6.1.192
 * source).  Reproduced here because the struct is in no header; the own
 * kernel (samples/kernel/) is the only sample kernel with P2PDMA.  null for
 * other types and kernels without CONFIG_PCI_P2PDMA.
 */
struct dt_p2pdma_pagemap {
	struct dev_pagemap pgmap;
	struct pci_dev *provider;
	u64 bus_offset;
};

/* 6.1 drivers/pci/p2pdma.c struct pci_p2pdma: the allocator comes first. */
struct dt_p2pdma {
	struct gen_pool *pool;
};

static void dt_emit_pgmap_provider(struct dt_jbuf *jb,
				   struct dev_pagemap *pgmap, int type)
{
#if IS_ENABLED(CONFIG_PCI_P2PDMA)
	if (type == MEMORY_DEVICE_PCI_P2PDMA) {
		struct dt_p2pdma_pagemap *p2p =
			container_of(pgmap, struct dt_p2pdma_pagemap, pgmap);
		struct pci_dev *pdev = READ_ONCE(p2p->provider);

		if (pdev && dt_kernel_readable(pdev, sizeof(*pdev))) {
			struct dt_p2pdma *p2pdma;
			struct gen_pool *pool = NULL;

			dt_jb_str(jb, "provider", pci_name(pdev));
			dt_jb_hex(jb, "bus_offset", p2p->bus_offset);
			/*
			 * The pool pci_alloc_p2pmem() allocates from: bytes
			 * it manages and bytes free (gen_pool_size/avail).
			 */
			rcu_read_lock();
			p2pdma = (struct dt_p2pdma *)rcu_dereference(pdev->p2pdma);
			if (p2pdma && dt_kernel_readable(p2pdma, sizeof(*p2pdma)))
				pool = READ_ONCE(p2pdma->pool);
			rcu_read_unlock();
			if (pool && dt_kernel_readable(pool, sizeof(void *))) {
				dt_jb_uint(jb, "pool_size", gen_pool_size(pool));
				dt_jb_uint(jb, "pool_avail", gen_pool_avail(pool));
			} else {
				dt_jb_null(jb, "pool_size");
				dt_jb_null(jb, "pool_avail");
			}
			return;
		}
	}
#endif
	dt_jb_null(jb, "provider");
}

static void dt_emit_pgmap(struct dt_jbuf *jb, unsigned long pfn,
			  struct dev_pagemap *pgmap)
{
	struct vmem_altmap *altmap = pgmap_altmap(pgmap);
	int type = READ_ONCE(pgmap->type);

	dt_jb_obj(jb, NULL);
	dt_jb_uint(jb, "pfn", pfn);
	dt_jb_ptr(jb, "address", pgmap);
	dt_jb_int(jb, "type", type);
	dt_jb_str(jb, "type_name", dt_memory_type_name(type));
	dt_jb_hex(jb, "flags", pgmap->flags);
	dt_jb_bool(jb, "altmap_valid", altmap != NULL);
	/* Reported even when not valid: the raw member contents. */
	dt_emit_altmap(jb, &pgmap->altmap);
	dt_jb_uint(jb, "altmap_offset", dt_vmem_altmap_offset(altmap));
	dt_jb_uint(jb, "vmemmap_shift", dt_pgmap_vmemmap_shift(pgmap));
	/* false for the altmap pfns at the start of range 0 */
	dt_jb_bool(jb, "pgmap_pfn_valid",
		   dt_pgmap_pfn_valid(pgmap, pfn, dt_pgmap_range_of(pgmap, pfn)));
	dt_emit_pgmap_ranges(jb, pgmap);
	dt_emit_pgmap_ops(jb, READ_ONCE(pgmap->ops));
	dt_jb_ptr(jb, "owner", READ_ONCE(pgmap->owner));
	dt_jb_sym(jb, "owner_symbol", READ_ONCE(pgmap->owner), true);
	dt_emit_pgmap_provider(jb, pgmap, type);
	dt_jb_uint(jb, "done", READ_ONCE(pgmap->done.done));
	/* A waiter here is memunmap_pages() blocked on outstanding refs. */
	dt_jb_bool(jb, "done_has_waiters",
		   !list_empty(&pgmap->done.wait.task_list));
	dt_jb_str(jb, "ref_owner", dt_pgmap_ref_owner(pgmap));
	/* Up to 5.16 the ref is a pointer read out of the pgmap: check it. */
	if (!dt_pgmap_ref(pgmap)) {
		dt_jb_null(jb, "ref");
	} else if (!dt_kernel_readable(dt_pgmap_ref(pgmap),
				       sizeof(struct percpu_ref))) {
		dt_jb_null(jb, "ref");
		dt_jb_bool(jb, "ref_unreadable", true);
	} else {
		dt_emit_percpu_ref(jb, "ref", dt_pgmap_ref(pgmap));
	}
	dt_jb_end_obj(jb);
}

/*
 * The pgmap of @pfn found as the kernel's page-based helpers find it
 * (page->pgmap of the head page), without get_dev_pagemap(): that would
 * take a reference on pgmap->ref, which is one of the values reported.
 */
static int dt_cmd_pgmap(struct dt_jbuf *jb, char *args)
{
	struct dev_pagemap *pgmap;
	struct page *page, *head;
	unsigned long pfn;
	const char *why;
	char *tok = dt_token(&args);

	if (!tok || kstrtoul(tok, 0, &pfn) || dt_token(&args))
		return -EINVAL;

	page = dt_pfn_to_page(pfn);
	if (!page) {
		dt_jb_error(jb, "pfn %lu is not valid (pfn_valid() is false)", pfn);
		return 0;
	}
	head = dt_compound_head(page);
	if (!head) {
		dt_jb_error(jb, "pfn %lu: compound_head 0x%lx is implausible",
			    pfn, (unsigned long)compound_head(page));
		return 0;
	}
	if (!is_zone_device_page(head)) {
		dt_jb_error(jb, "pfn %lu is not a ZONE_DEVICE page (zone %d)",
			    pfn, (int)page_zonenum(head));
		return 0;
	}
	pgmap = dt_pfn_pgmap(head, pfn, &why);
	if (!pgmap) {
		dt_jb_error(jb, "pfn %lu: page->pgmap 0x%lx is not a dev_pagemap "
			    "for this pfn (%s)", pfn,
			    (unsigned long)dt_page_pgmap(head), why);
		return 0;
	}
	dt_emit_pgmap(jb, pfn, pgmap);
	return 0;
}

/* ------------------------------------------------------------------------
 * pgmaps XARRAY
 *
 * Every pgmap registered in mm/memremap.c's pgmap_array, the registry
 * get_dev_pagemap() searches.  The array is static (not exported), so the
 * caller passes its address as /proc/kallsyms shows it (root, 6.1 has
 * KALLSYMS_ALL in Debian and in the own kernel).  Each pgmap once, at the
 * first pfn it is registered for, as the "pgmap PFN" document; in the
 * order of the array (pfn order).
 * ------------------------------------------------------------------------ */

#define DT_MAX_PGMAPS	64

static int dt_cmd_pgmaps(struct dt_jbuf *jb, char *args)
{
	struct dev_pagemap *seen[DT_MAX_PGMAPS];
	unsigned long first[DT_MAX_PGMAPS];
	unsigned long addr, index;
	struct xarray *xa;
	void *entry;
	int n = 0, i;
	char *tok = dt_token(&args);

	if (!tok || kstrtoul(tok, 0, &addr) || dt_token(&args))
		return -EINVAL;
	xa = (struct xarray *)addr;
	if (!dt_kernel_readable(xa, sizeof(*xa))) {
		dt_jb_error(jb, "0x%lx is not a readable xarray", addr);
		return 0;
	}
	/* Collect first: emitting allocates, xa_for_each takes RCU per step. */
	xa_for_each(xa, index, entry) {
		for (i = 0; i < n && seen[i] != entry; i++)
			;
		if (i < n)
			continue;
		if (n == DT_MAX_PGMAPS) {
			dt_jb_error(jb, "more than %d pgmaps", DT_MAX_PGMAPS);
			return 0;
		}
		seen[n] = entry;
		first[n++] = index;
	}
	dt_jb_arr(jb, NULL);
	for (i = 0; i < n; i++) {
		const char *why = dt_pgmap_implausible(seen[i]);

		if (why) {
			dt_jb_obj(jb, NULL);
			dt_jb_uint(jb, "pfn", first[i]);
			dt_jb_ptr(jb, "address", seen[i]);
			dt_jb_str(jb, "implausible", why);
			dt_jb_end_obj(jb);
			continue;
		}
		dt_emit_pgmap(jb, first[i], seen[i]);
	}
	dt_jb_end_arr(jb);
	return 0;
}

/* ------------------------------------------------------------------------
 * file PATH [INDEX ...]
 * ------------------------------------------------------------------------ */

struct dt_xa_ent {
	unsigned long index;
	unsigned long raw;
	int order;
};

/* First index after a (possibly multi-index) entry; false if none. */
static bool dt_xa_next_index(unsigned long index, int order,
			     unsigned long *next)
{
	unsigned long last;

	if (order < 0 || order >= BITS_PER_LONG)
		return false;
	last = index | ((1UL << order) - 1);
	if (last == ULONG_MAX)
		return false;
	*next = last + 1;
	return true;
}

/*
 * Every present entry of @xa, in index order, as xa_for_each() returns
 * them (a multi-index entry once, at its first index).  Batches of
 * DT_XA_BATCH entries are collected under rcu_read_lock(), so that index,
 * entry and xa_get_order() come from one read-side section, and are then
 * formatted outside it, where the output buffer may grow.  The next batch
 * resumes after the last entry's whole index range, so a multi-index entry
 * is not returned twice.
 *
 * @stride > 1 (filesum): only every stride-th entry is listed, the walk
 * counts up to DT_MAX_XA_SUMMARY entries, and "entries_by_order" counts
 * every entry walked by its order.
 */
static void dt_emit_xa_entries(struct dt_jbuf *jb, struct xarray *xa,
			       unsigned long stride)
{
	unsigned long cap = stride > 1 ? DT_MAX_XA_SUMMARY : DT_MAX_XA_ENTRIES;
	unsigned long by_order[BITS_PER_LONG + 1] = { };
	struct dt_xa_ent *batch;
	unsigned long start = 0, total = 0, index;
	bool more = true, truncated = false;
	void *entry;
	char key[8];

	batch = kvmalloc_array(DT_XA_BATCH, sizeof(*batch), GFP_KERNEL);
	if (!batch) {
		jb->err = -ENOMEM;
		return;
	}

	dt_jb_arr(jb, "entries");
	/* Bounded: each pass consumes >= 1 entry and total is capped. */
	while (more && !jb->err) {
		unsigned int n = 0, i;

		rcu_read_lock();
		xa_for_each_start(xa, index, entry, start) {
			batch[n].index = index;
			batch[n].raw = (unsigned long)entry;
			batch[n].order = xa_get_order(xa, index);
			n++;
			if (n == DT_XA_BATCH || total + n == cap)
				break;
		}
		rcu_read_unlock();
		/* entry is NULL only when the walk ran to the end. */
		more = entry != NULL;

		for (i = 0; i < n; i++) {
			int o = batch[i].order;

			by_order[o < 0 || o > BITS_PER_LONG ? BITS_PER_LONG : o]++;
			if ((total + i) % stride)
				continue;
			dt_jb_obj(jb, NULL);
			dt_jb_uint(jb, "index", batch[i].index);
			dt_jb_hex(jb, "raw", batch[i].raw);
			dt_jb_int(jb, "order", batch[i].order);
			dt_jb_end_obj(jb);
		}
		total += n;

		if (more)
			more = dt_xa_next_index(batch[n - 1].index,
						batch[n - 1].order, &start);
		if (more && total >= cap) {
			truncated = xa_find(xa, &start, ULONG_MAX,
					    XA_PRESENT) != NULL;
			more = false;
		}
		cond_resched();
	}
	dt_jb_end_arr(jb);
	dt_jb_uint(jb, "entries_count", total);
	dt_jb_bool(jb, "entries_truncated", truncated);
	if (stride > 1) {
		int o;

		dt_jb_uint(jb, "entries_stride", stride);
		dt_jb_obj(jb, "entries_by_order");
		for (o = 0; o <= BITS_PER_LONG; o++) {
			if (!by_order[o])
				continue;
			snprintf(key, sizeof(key), "%d", o);
			dt_jb_uint(jb, key, by_order[o]);
		}
		dt_jb_end_obj(jb);
	}
	kvfree(batch);
}

static void dt_emit_xa_lookups(struct dt_jbuf *jb, struct xarray *xa,
			       const unsigned long *idx, long n)
{
	long i;

	dt_jb_arr(jb, "lookups");
	for (i = 0; i < n && !jb->err; i++) {
		void *entry = xa_load(xa, idx[i]);

		dt_jb_obj(jb, NULL);
		dt_jb_uint(jb, "index", idx[i]);
		if (entry)
			dt_jb_hex(jb, "raw", (unsigned long)entry);
		else
			dt_jb_null(jb, "raw");
		dt_jb_end_obj(jb);
	}
	dt_jb_end_arr(jb);
}

static void dt_emit_file(struct dt_jbuf *jb, const char *path,
			 struct file *file, const unsigned long *idx, long n,
			 unsigned long stride)
{
	struct inode *inode = file_inode(file);
	struct address_space *mapping = file->f_mapping;
	struct inode *host = mapping->host;
	struct super_block *sb = inode->i_sb;
	char mode[16];

	dt_jb_obj(jb, NULL);
	dt_jb_str(jb, "path", path);
	dt_jb_uint(jb, "ino", inode->i_ino);
	dt_jb_ptr(jb, "inode", inode);
	dt_jb_ptr(jb, "sb", sb);
	dt_jb_strn(jb, "sb_id", sb->s_id, sizeof(sb->s_id));
	dt_jb_str(jb, "fs", sb->s_type->name);
	dt_jb_hex(jb, "i_flags", inode->i_flags);
	dt_jb_bool(jb, "dax", IS_DAX(inode));
	dt_jb_uint(jb, "i_mode", inode->i_mode);
	snprintf(mode, sizeof(mode), "0%o", inode->i_mode);
	dt_jb_str(jb, "i_mode_octal", mode);
	dt_jb_int(jb, "i_size", i_size_read(inode));
	dt_jb_ptr(jb, "mapping", mapping);
	/*
	 * For a device-dax node, f_mapping belongs to the dax inode (set by
	 * dax_open()), so host differs from inode and host_dax is the
	 * interesting flag.  For a regular file host == inode.
	 */
	dt_jb_ptr(jb, "host", host);
	if (host) {
		dt_jb_uint(jb, "host_ino", host->i_ino);
		dt_jb_bool(jb, "host_dax", IS_DAX(host));
	} else {
		dt_jb_null(jb, "host_ino");
		dt_jb_null(jb, "host_dax");
	}
	dt_jb_ptr(jb, "i_pages", &mapping->i_pages);
	dt_jb_uint(jb, "nrpages", READ_ONCE(mapping->nrpages));
	/* VERSION: up to 5.12 DAX entries are counted here, not in nrpages. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 13, 0)
	dt_jb_uint(jb, "nrexceptional", READ_ONCE(mapping->nrexceptional));
#else
	dt_jb_null(jb, "nrexceptional");
#endif
	dt_emit_xa_entries(jb, &mapping->i_pages, stride);
	dt_emit_xa_lookups(jb, &mapping->i_pages, idx, n);
	dt_jb_end_obj(jb);
}

/*
 * O_NONBLOCK so that a FIFO or a device cannot block the reporter,
 * O_NOCTTY so that a tty never becomes the writer's controlling terminal,
 * and O_LARGEFILE because filp_open() does not add it for us and
 * generic_file_open() rejects files larger than 2 GiB without it.
 */
#define DT_OPEN_FLAGS	(O_RDONLY | O_NONBLOCK | O_NOCTTY | O_LARGEFILE)

static int dt_file_common(struct dt_jbuf *jb, char *args, bool summary)
{
	unsigned long *idx, stride = 1;
	struct file *file;
	char *path, *st;
	long n;

	path = dt_token(&args);
	if (!path)
		return -EINVAL;
	if (summary) {
		st = dt_token(&args);
		if (!st || kstrtoul(st, 0, &stride) || !stride)
			return -EINVAL;
	}
	idx = kvmalloc_array(DT_MAX_INDICES, sizeof(*idx), GFP_KERNEL);
	if (!idx)
		return -ENOMEM;
	n = dt_parse_numbers(&args, idx, DT_MAX_INDICES);
	if (n < 0) {
		kvfree(idx);
		return -EINVAL;
	}
	if (n > DT_MAX_INDICES) {
		dt_jb_error(jb, "too many indices: %ld (at most %d)", n,
			    DT_MAX_INDICES);
		kvfree(idx);
		return 0;
	}

	file = filp_open(path, DT_OPEN_FLAGS, 0);
	if (IS_ERR(file)) {
		dt_jb_error(jb, "filp_open(%s) failed: %ld", path, PTR_ERR(file));
		kvfree(idx);
		return 0;
	}
	dt_emit_file(jb, path, file, idx, n, stride);
	filp_close(file, NULL);
	kvfree(idx);
	return 0;
}

static int dt_cmd_file(struct dt_jbuf *jb, char *args)
{
	return dt_file_common(jb, args, false);
}

static int dt_cmd_filesum(struct dt_jbuf *jb, char *args)
{
	return dt_file_common(jb, args, true);
}

/* ------------------------------------------------------------------------
 * range START_PFN END_PFN
 * ------------------------------------------------------------------------ */

struct dt_hist {
	unsigned long direct[DT_HIST_DIRECT];	/* DT_HIST_MIN + i */
	int extra_val[DT_HIST_EXTRA];
	unsigned long extra_cnt[DT_HIST_EXTRA];
	unsigned int extra_used;
	unsigned long other;			/* did not fit anywhere */
};

static void dt_hist_add(struct dt_hist *h, int v)
{
	unsigned int i;

	if (v >= DT_HIST_MIN && v < DT_HIST_MIN + DT_HIST_DIRECT) {
		h->direct[v - DT_HIST_MIN]++;
		return;
	}
	for (i = 0; i < h->extra_used; i++) {
		if (h->extra_val[i] == v) {
			h->extra_cnt[i]++;
			return;
		}
	}
	if (h->extra_used < DT_HIST_EXTRA) {
		h->extra_val[h->extra_used] = v;
		h->extra_cnt[h->extra_used++] = 1;
		return;
	}
	h->other++;
}

static void dt_emit_hist(struct dt_jbuf *jb, const struct dt_hist *h)
{
	char key[16];
	unsigned int i;

	dt_jb_obj(jb, "histogram");
	for (i = 0; i < DT_HIST_DIRECT; i++) {
		if (!h->direct[i])
			continue;
		snprintf(key, sizeof(key), "%d", DT_HIST_MIN + (int)i);
		dt_jb_uint(jb, key, h->direct[i]);
	}
	for (i = 0; i < h->extra_used; i++) {
		snprintf(key, sizeof(key), "%d", h->extra_val[i]);
		dt_jb_uint(jb, key, h->extra_cnt[i]);
	}
	dt_jb_end_obj(jb);
	dt_jb_uint(jb, "histogram_other", h->other);
}

/*
 * The last page->pgmap value seen and whether it is a plausible
 * dev_pagemap; a range usually has one pgmap, so the probe runs once.
 */
struct dt_pgmap_cache {
	struct dev_pagemap *pgmap;
	bool plausible;
	bool valid;		/* the two fields above are set */
};

/* The memory type of the pgmap covering @pfn, false if there is none. */
static bool dt_pgmap_type(struct dt_pgmap_cache *c, struct dev_pagemap *pgmap,
			  unsigned long pfn, int *type)
{
	if (!c->valid || pgmap != c->pgmap) {
		c->pgmap = pgmap;
		c->plausible = !dt_pgmap_implausible(pgmap);
		c->valid = true;
	}
	if (!c->plausible || dt_pgmap_range_of(pgmap, pfn) < 0)
		return false;
	*type = READ_ONCE(pgmap->type);
	return true;
}

struct dt_census {
	unsigned long invalid, tails, zone_device, suspect_heads;
	unsigned long idle_at_zero, pgmap_implausible;
	unsigned long zero_idle_allocated;	/* of those, refcount != 0 */
	unsigned long nonidle_total, nonidle_tails, nonidle_listed;
	int idle_refcount;	/* of the last classified page's type; -1: none */
};

static void dt_emit_nonidle(struct dt_jbuf *jb, unsigned long pfn,
			    struct page *page, int refcount, bool tail)
{
	dt_jb_obj(jb, NULL);
	dt_jb_uint(jb, "pfn", pfn);
	dt_jb_int(jb, "refcount", refcount);
	dt_jb_int(jb, "mapcount_raw", atomic_read(&page->_mapcount));
	/* the mapcount of pages[] ("mapcount"), null if head[1] is unreadable */
	if (dt_compound_meta_ok(page, dt_compound_head(page)))
		dt_jb_int(jb, "mapcount", dt_mapcount(page));
	else
		dt_jb_null(jb, "mapcount");
	dt_jb_ptr(jb, "mapping", READ_ONCE(page->mapping));
	dt_jb_uint(jb, "index", dt_page_index(page));
	dt_jb_ptr(jb, "compound_head", compound_head(page));
	dt_jb_bool(jb, "tail", tail);
	dt_jb_end_obj(jb);
}

/*
 * Classify one valid pfn.  A head or base page is non-idle when its refcount is
 * not the idle refcount of its pgmap's type (dt_type_idle_refcount(): 1, or 0
 * for FS_DAX on 6.15+), unless its head page belongs to a pgmap whose pages
 * idle at 0 and are not classified (PRIVATE/COHERENT in 6.1+).  Tail pages of a compound page carry no count of
 * their own (the folio's count is the head's; memmap_init_compound leaves
 * tails at 0): they are counted in "tails", and listed as non-idle only when
 * their own _refcount is not 0 ("nonidle_tails"), which is itself an anomaly.
 * The histogram counts every pfn by its own _refcount.
 */
static void dt_census_pfn(struct dt_jbuf *jb, struct dt_census *c,
			  struct dt_hist *h, struct dt_pgmap_cache *pc,
			  unsigned long pfn, struct page *page)
{
	int refcount = page_ref_count(page);
	bool tail = PageTail(page);
	struct page *head = dt_compound_head(page);
	int type, idle = 1;

	dt_hist_add(h, refcount);
	if (tail)
		c->tails++;
	if (!head) {
		c->suspect_heads++;
		head = page;
	}
	if (is_zone_device_page(head)) {
		c->zone_device++;
		if (!dt_pgmap_type(pc, dt_page_pgmap(head), pfn, &type)) {
			c->pgmap_implausible++;
		} else if (dt_type_idles_at_zero(type)) {
			/*
			 * 6.1 lib/test_hmm.c dmirror_devmem_alloc_page() and
			 * nouveau: a free page sits on the driver's free list
			 * at refcount 0; zone_device_page_init() sets 1 on
			 * allocation (and takes one pgmap reference).
			 */
			c->idle_at_zero++;
			if (refcount)
				c->zero_idle_allocated++;
			return;
		} else {
			idle = dt_type_idle_refcount(type);
			c->idle_refcount = idle;
		}
	}
	if (tail ? refcount == 0 : refcount == idle)
		return;
	c->nonidle_total++;
	if (tail)
		c->nonidle_tails++;
	if (c->nonidle_listed < DT_MAX_NONIDLE) {
		c->nonidle_listed++;
		dt_emit_nonidle(jb, pfn, page, refcount, tail);
	}
}

static int dt_cmd_range(struct dt_jbuf *jb, char *args)
{
	struct dt_pgmap_cache pc = { };
	struct dt_census c = { .idle_refcount = -1 };
	unsigned long start, end, pfn;
	struct dt_hist *h;
	char *s = dt_token(&args), *e = dt_token(&args);

	if (!s || !e || dt_token(&args) || kstrtoul(s, 0, &start) ||
	    kstrtoul(e, 0, &end))
		return -EINVAL;
	if (end < start) {
		dt_jb_error(jb, "end pfn %lu is below start pfn %lu", end, start);
		return 0;
	}
	if (end - start > DT_MAX_RANGE_PFNS) {
		dt_jb_error(jb, "range of %lu pfns exceeds the limit of %lu",
			    end - start, DT_MAX_RANGE_PFNS);
		return 0;
	}
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;

	dt_jb_obj(jb, NULL);
	dt_jb_uint(jb, "start", start);
	dt_jb_uint(jb, "end", end);
	dt_jb_arr(jb, "nonidle");
	for (pfn = start; pfn < end && !jb->err; pfn++) {
		struct page *page;

		if (!((pfn - start) & DT_RESCHED_MASK)) {
			cond_resched();
			if (fatal_signal_pending(current)) {
				kfree(h);
				dt_jb_error(jb, "interrupted at pfn %lu", pfn);
				return 0;
			}
		}
		page = dt_pfn_to_page(pfn);
		if (!page) {
			c.invalid++;
			continue;
		}
		dt_census_pfn(jb, &c, h, &pc, pfn, page);
	}
	dt_jb_end_arr(jb);
	dt_jb_uint(jb, "nonidle_total", c.nonidle_total);
	dt_jb_uint(jb, "nonidle_tails", c.nonidle_tails);
	dt_jb_bool(jb, "nonidle_truncated", c.nonidle_total > c.nonidle_listed);
	dt_jb_uint(jb, "invalid", c.invalid);
	dt_jb_uint(jb, "tails", c.tails);
	dt_jb_uint(jb, "zone_device", c.zone_device);
	dt_jb_uint(jb, "idle_at_zero_skipped", c.idle_at_zero);
	dt_jb_uint(jb, "zero_idle_allocated", c.zero_idle_allocated);
	dt_jb_uint(jb, "pgmap_implausible", c.pgmap_implausible);
	dt_jb_uint(jb, "suspect_heads", c.suspect_heads);
	if (c.idle_refcount >= 0)
		dt_jb_int(jb, "idle_refcount", c.idle_refcount);
	else
		dt_jb_null(jb, "idle_refcount");
	dt_emit_hist(jb, h);
	dt_jb_end_obj(jb);
	kfree(h);
	return 0;
}

/* ------------------------------------------------------------------------
 * task PID
 * ------------------------------------------------------------------------ */

static void dt_emit_task_stack(struct dt_jbuf *jb, struct task_struct *task)
{
#if DT_HAVE_STACK_TRACE_SAVE_TSK
	unsigned long entries[DT_STACK_DEPTH];
	unsigned int n, i;

	n = stack_trace_save_tsk(task, entries, ARRAY_SIZE(entries), 0);
	dt_jb_arr(jb, "stack");
	for (i = 0; i < n; i++)
		dt_jb_sym(jb, NULL, (void *)entries[i], true);
	dt_jb_end_arr(jb);
#else
	dt_jb_null(jb, "stack");
	dt_jb_str(jb, "stack_unavailable",
		  "stack_trace_save_tsk is not exported to modules by this kernel");
#endif
}

static int dt_cmd_task(struct dt_jbuf *jb, char *args)
{
	char comm[TASK_COMM_LEN];
	struct task_struct *task;
	unsigned long nr;
	struct pid *pid;
	char state[2];
	char *tok = dt_token(&args);

	if (!tok || kstrtoul(tok, 0, &nr) || dt_token(&args))
		return -EINVAL;
	if (nr == 0 || nr > PID_MAX_LIMIT) {
		dt_jb_error(jb, "pid %lu is out of range", nr);
		return 0;
	}

	/* Temporary pid and task references, both dropped below. */
	pid = find_get_pid((pid_t)nr);
	task = pid ? get_pid_task(pid, PIDTYPE_PID) : NULL;
	put_pid(pid);
	if (!task) {
		dt_jb_error(jb, "no task with pid %lu", nr);
		return 0;
	}

	get_task_comm(comm, task);
	state[0] = task_state_to_char(task);
	state[1] = '\0';

	dt_jb_obj(jb, NULL);
	dt_jb_uint(jb, "pid", nr);
	dt_jb_ptr(jb, "task", task);
	dt_jb_strn(jb, "comm", comm, sizeof(comm));
	dt_jb_str(jb, "state", state);
	dt_emit_task_stack(jb, task);
	dt_jb_end_obj(jb);

	put_task_struct(task);
	return 0;
}

/* ------------------------------------------------------------------------
 * cpus
 * ------------------------------------------------------------------------ */

static int dt_cmd_cpus(struct dt_jbuf *jb, char *args)
{
	int cpu;

	if (dt_token(&args))
		return -EINVAL;

	dt_jb_obj(jb, NULL);
	dt_jb_uint(jb, "nr_cpu_ids", nr_cpu_ids);
	dt_jb_arr(jb, "possible");
	for_each_possible_cpu(cpu)
		dt_jb_int(jb, NULL, cpu);
	dt_jb_end_arr(jb);
	dt_jb_arr(jb, "online");
	for_each_online_cpu(cpu)
		dt_jb_int(jb, NULL, cpu);
	dt_jb_end_arr(jb);
	/* Parallel to "possible": the base that per_cpu_ptr() adds. */
	dt_jb_arr(jb, "per_cpu_offset");
	for_each_possible_cpu(cpu)
		dt_jb_hex(jb, NULL, per_cpu_offset(cpu));
	dt_jb_end_arr(jb);
	dt_jb_end_obj(jb);
	return 0;
}

/* ------------------------------------------------------------------------
 * Dispatch and /proc/daxtruth
 * ------------------------------------------------------------------------ */

struct dt_command {
	const char *name;
	/* 0: jb holds the result (maybe an error document); -EINVAL:
	 * unparsable; other negative: the command could not run at all. */
	int (*run)(struct dt_jbuf *jb, char *args);
};

static const struct dt_command dt_commands[] = {
	{ "page", dt_cmd_page },
	{ "pgmap", dt_cmd_pgmap },
	{ "file", dt_cmd_file },
	{ "filesum", dt_cmd_filesum },
	{ "range", dt_cmd_range },
	{ "pgmaps", dt_cmd_pgmaps },
	{ "task", dt_cmd_task },
	{ "cpus", dt_cmd_cpus },
};

#define DT_USAGE "commands: page PFN..., pgmap PFN, file PATH [INDEX...], " \
		 "filesum PATH STRIDE [INDEX...], " \
		 "range START_PFN END_PFN, pgmaps XARRAY, task PID, cpus"

static int dt_run_command(struct dt_jbuf *jb, char *line)
{
	char *cur = line;
	char *name = dt_token(&cur);
	size_t i;

	if (!name)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(dt_commands); i++)
		if (!strcmp(name, dt_commands[i].name))
			return dt_commands[i].run(jb, cur);
	return -EINVAL;
}

static DEFINE_MUTEX(dt_lock);		/* serialises commands and reads */
static char *dt_result;			/* last result, kvmalloc'ed */
static size_t dt_result_len;
static struct proc_dir_entry *dt_proc;

/* Turn the command's outcome into the final document (always one). */
static int dt_finish(struct dt_jbuf *jb, int ret)
{
	if (ret == -EINVAL)
		dt_jb_error(jb, "unparsable command; " DT_USAGE);
	else if (ret < 0)
		dt_jb_error(jb, "command failed: error %d", ret);
	else if (jb->err == -E2BIG)
		dt_jb_error(jb, "result larger than %lu bytes", DT_RESULT_MAX);
	else if (jb->err)
		dt_jb_error(jb, "result not produced: error %d", jb->err);
	dt_jb_putc(jb, '\n');
	return jb->err;
}

static ssize_t dt_proc_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct dt_jbuf jb;
	char *line, *nl;
	int ret;

	if (!count || count > DT_MAX_CMD_BYTES)
		return -EINVAL;
	line = memdup_user_nul(ubuf, count);
	if (IS_ERR(line))
		return PTR_ERR(line);
	ret = dt_jb_init(&jb);
	if (ret) {
		kfree(line);
		return ret;
	}
	if (mutex_lock_killable(&dt_lock)) {
		kvfree(jb.buf);
		kfree(line);
		return -EINTR;
	}

	/* One write is one line: a trailing newline is fine, more is not. */
	nl = strchr(line, '\n');
	if (nl && *skip_spaces(nl + 1)) {
		ret = -EINVAL;
	} else {
		if (nl)
			*nl = '\0';
		ret = dt_run_command(&jb, line);
	}

	if (dt_finish(&jb, ret)) {
		/* Not even the error document fitted: keep the old result. */
		kvfree(jb.buf);
		ret = -ENOMEM;
	} else {
		kvfree(dt_result);
		dt_result = jb.buf;
		dt_result_len = jb.len;
		/* Only unparsable input fails the write; the rest is in JSON. */
		if (ret != -EINVAL)
			ret = 0;
	}
	mutex_unlock(&dt_lock);
	kfree(line);

	return ret ? ret : count;
}

static ssize_t dt_proc_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	ssize_t ret;

	if (mutex_lock_killable(&dt_lock))
		return -EINTR;
	ret = simple_read_from_buffer(ubuf, count, ppos, dt_result,
				      dt_result_len);
	mutex_unlock(&dt_lock);
	return ret;
}

static const struct proc_ops dt_proc_ops = {
	.proc_read	= dt_proc_read,
	.proc_write	= dt_proc_write,
	.proc_lseek	= default_llseek,
};

static int __init dt_init(void)
{
	dt_proc = proc_create("daxtruth", 0600, NULL, &dt_proc_ops);
	if (!dt_proc)
		return -ENOMEM;
	pr_info("daxtruth: test-only ground-truth reporter loaded (/proc/daxtruth)\n");
	return 0;
}

static void __exit dt_exit(void)
{
	/* proc_remove() waits for readers and writers still inside. */
	proc_remove(dt_proc);
	kvfree(dt_result);
}

module_init(dt_init);
module_exit(dt_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("daxtriage test suite: test-only, read-only ground-truth "
		   "reporter for DAX/ZONE_DEVICE state");
