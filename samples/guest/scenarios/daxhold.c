/*
 * daxhold: builds a scenario's DAX state inside the sample guest, records the ground truth
 * (what it did by construction, /proc/self/pagemap, and the kernel's own view through the
 * daxtruth module), then holds the state (mappings, unread pipes, blocked tasks) until the
 * guest is dumped.
 *
 *   daxhold fs DIR        [--panic-on-usr1] --out FILE --ready FILE
 *   daxhold devdax DEV                        --out FILE --ready FILE
 *   daxhold truncate DIR                      --out FILE --ready FILE
 *   daxhold big DIR DEVDAX                    --out FILE --ready FILE
 *     the bigpmem sample (docs/performance.md): a file of 2^20 4 KiB entries and 2 MiB entries;
 *     its ground truth lists every 4096th entry and exact counts by order (daxtruth filesum)
 *   daxhold hostile DIR                       --out FILE --ready FILE
 *     files whose names are hostile to terminals and JSON writers (issue 7)
 *   daxhold allpgmaps DEVDAX hmm|nohmm        --out FILE --ready FILE
 *     the own kernel's sample of every pgmap type (docs/samples.md "The own kernel"):
 *     devdax's state, anonymous pages migrated to test_hmm's device-private memory (some
 *     unmapped again, so the driver has freed device pages too), and every pgmap of
 *     pgmap_array in the ground truth (the NVMe CMB's P2PDMA pgmap among them)
 *   daxhold leak DAXDEV | refexit DAXDEV | nulldax DIR | floor DIR | entrylock DIR
 *                                             --out FILE --ready FILE
 *     the bug replicas (docs/replicas.md): the same, plus faults injected through the
 *     test-only daxfault module (/proc/daxfault), whose answers are recorded verbatim
 *
 * Output: one JSON document (FILE) with "construction" (files, touched offsets, pfns, pins)
 * and "kernel" (daxtruth answers, embedded verbatim).  Built static; runs as root in the guest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif

#define PAGE 4096UL
#define PMD (2UL << 20)
#define MAX_TOUCH 64
#define MAX_PINS 16

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "daxhold: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (%s)\n", strerror(errno));
	va_end(ap);
	exit(1);
}

/* ---- the daxtruth module: write a command, read back one JSON document ---------------- */

static char *truth(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int fd = open("/proc/daxtruth", O_RDWR);
	if (fd < 0)
		die("open /proc/daxtruth");
	if (write(fd, cmd, strlen(cmd)) < 0)
		die("daxtruth command '%.40s'", cmd);
	lseek(fd, 0, SEEK_SET);
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (len + 4096 > cap)
			buf = realloc(buf, cap *= 2);
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0)
			die("read /proc/daxtruth");
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	buf[len] = 0;
	if (!len)
		die("empty daxtruth answer to '%.40s'", cmd);
	return buf;
}

/* ---- the daxfault module (bug replicas only): inject, record its answer ----------------- */

/* What the daxfault module did (its JSON answers, verbatim). */
static char *injected[8];
static int ninjected;
/* Pages the replica touched through daxfault only (no mapping names them): in "pages". */
static uint64_t leak_pfns[8];
static int nleak_pfns;

static void fault(const char *fmt, ...)
{
	char cmd[512], buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int fd = open("/proc/daxfault", O_RDWR);
	if (fd < 0)
		die("open /proc/daxfault (is daxfault.ko loaded?)");
	if (write(fd, cmd, strlen(cmd)) < 0)
		die("daxfault '%s'", cmd);
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		die("empty daxfault answer to '%s'", cmd);
	buf[n] = 0;
	fprintf(stderr, "daxhold: daxfault %s: %s\n", cmd, buf);
	if (ninjected < (int)(sizeof(injected) / sizeof(injected[0])))
		injected[ninjected++] = strdup(buf);
}

/* ---- what the scenario did, by construction --------------------------------------------- */

struct touch {
	unsigned long off;	/* byte offset in the file or device */
	int write;		/* write fault (1) or read fault (0) */
	uint64_t pfn;		/* from /proc/self/pagemap; 0 if not present */
};

struct mapped {
	const char *name;	/* what the mapping is for (hostile: the file name) */
	char path[512];		/* hostile names: /proc/self/fd/N (see map_file) */
	int fd;
	unsigned long size;	/* file size */
	unsigned long len;	/* mapped length */
	int sync;		/* MAP_SYNC */
	char *addr;
	int ntouch;
	struct touch touch[MAX_TOUCH];
	unsigned long populated;	/* bytes from offset 0 faulted in besides the touches */
	unsigned long truth_stride;	/* > 0: summarised ground truth (daxtruth filesum) */
};

struct pin {
	struct mapped *m;
	unsigned long off;
	int count;		/* references taken (one vmsplice each) */
	uint64_t pfn;
};

static struct mapped maps[16];
static int nmaps;
static struct pin pins[MAX_PINS];
static int npins;
static int pipes_held[64][2];
static int npipes;

static uint64_t pagemap_pfn(const void *va)
{
	static int fd = -1;
	uint64_t e = 0;
	if (fd < 0 && (fd = open("/proc/self/pagemap", O_RDONLY)) < 0)
		die("open pagemap");
	if (pread(fd, &e, 8, (off_t)((uintptr_t)va / PAGE) * 8) != 8)
		die("read pagemap");
	if (!(e & (1ULL << 63)))	/* PM_PRESENT */
		return 0;
	return e & ((1ULL << 55) - 1);	/* PM_PFRAME_MASK */
}

/* mmap LEN bytes of FD aligned to 2 MiB in the address space, so PMD faults are possible. */
static char *map_aligned(int fd, unsigned long len, int flags)
{
	char *r = mmap(NULL, len + PMD, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		die("reserve");
	char *a = (char *)(((uintptr_t)r + PMD - 1) & ~(PMD - 1));
	char *m = mmap(a, len, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, 0);
	if (m == MAP_FAILED)
		return NULL;
	return m;
}

static int plain_name(const char *s)
{
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || *s == '"' || *s == '\\')
			return 0;
	return 1;
}

static struct mapped *map_file(const char *name, const char *dir, unsigned long size,
			       unsigned long alloc, int sync)
{
	struct mapped *m = &maps[nmaps++];
	m->name = name;
	snprintf(m->path, sizeof(m->path), "%s/%s", dir, name);
	m->fd = open(m->path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (m->fd < 0)
		die("create %s", m->path);
	if (alloc && fallocate(m->fd, 0, 0, alloc))
		die("fallocate %s", m->path);
	if (ftruncate(m->fd, size))
		die("ftruncate %s", m->path);
	m->size = m->len = size;
	m->sync = sync;
	m->addr = map_aligned(m->fd, size, sync ? MAP_SHARED_VALIDATE | MAP_SYNC : MAP_SHARED);
	if (!m->addr)
		die("mmap %s", m->path);
	/* A name with bytes a shell word or the daxtruth command line cannot carry (blanks,
	 * controls, non-ASCII): the module opens the file, and the truth names it, by its
	 * descriptor (the same dentry); the name's bytes are in the truth as "name_hex". */
	if (!plain_name(name))
		snprintf(m->path, sizeof(m->path), "/proc/self/fd/%d", m->fd);
	return m;
}

static struct mapped *map_device(const char *name, const char *dev, unsigned long len)
{
	struct mapped *m = &maps[nmaps++];
	m->name = name;
	snprintf(m->path, sizeof(m->path), "%s", dev);
	m->fd = open(dev, O_RDWR);
	if (m->fd < 0)
		die("open %s", dev);
	m->size = 0;
	m->len = len;
	m->addr = map_aligned(m->fd, len, MAP_SHARED);
	if (!m->addr)
		die("mmap %s", dev);
	return m;
}

static void touch(struct mapped *m, unsigned long off, int write)
{
	volatile char *p = m->addr + off;
	if (write)
		*p = (char)(0x40 + m->ntouch);
	else
		(void)*p;
	struct touch *t = &m->touch[m->ntouch++];
	t->off = off;
	t->write = write;
}

/* Take COUNT references on the page at OFF: vmsplice it into a pipe nobody reads. */
static void pin(struct mapped *m, unsigned long off, int count)
{
	struct pin *p = &pins[npins++];
	p->m = m;
	p->off = off;
	p->count = count;
	for (int i = 0; i < count; i++) {
		int *fds = pipes_held[npipes++];
		if (pipe(fds))
			die("pipe");
		struct iovec iov = { m->addr + off, PAGE };
		if (vmsplice(fds[1], &iov, 1, 0) != (ssize_t)PAGE)
			die("vmsplice %s+%#lx", m->path, off);
	}
}

static void resolve_pfns(void)
{
	for (int i = 0; i < nmaps; i++)
		for (int j = 0; j < maps[i].ntouch; j++)
			maps[i].touch[j].pfn = pagemap_pfn(maps[i].addr + maps[i].touch[j].off);
	for (int i = 0; i < npins; i++)
		pins[i].pfn = pagemap_pfn(pins[i].m->addr + pins[i].off);
}

/* ---- ground truth ------------------------------------------------------------------------ */

static FILE *out;

/* S as a JSON string the way daxtruth writes names: every byte outside printable ASCII as
 * \u00XX (one code point per byte, so the bytes survive), then S's bytes in hex. */
static void emit_name(const char *key, const char *s)
{
	fprintf(out, "\"%s\": \"", key);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p > 0x7e)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	fprintf(out, "\", \"%s_hex\": \"", key);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		fprintf(out, "%02x", *p);
	fprintf(out, "\", ");
}

/* ---- device-private memory through lib/test_hmm.c (own kernel only) ---------------------- */

/* 6.1 lib/test_hmm_uapi.h (not installed as a uapi header). */
struct hmm_dmirror_cmd {
	uint64_t addr, ptr, npages, cpages, faults;
};
#define HMM_DMIRROR_MIGRATE_TO_DEV _IOWR('H', 0x02, struct hmm_dmirror_cmd)

struct hmm_region {
	int device;			/* /dev/hmm_dmirrorN */
	char *addr;			/* anonymous mapping */
	unsigned long npages;		/* migrated to the device */
	unsigned long unmapped;		/* then unmapped again: device pages freed */
};
static struct hmm_region hmm[2];
static int nhmm;
/* &pgmap_array from /proc/kallsyms: the ground truth lists every pgmap (daxtruth pgmaps). */
static unsigned long pgmap_xa;

static unsigned long kallsyms_addr(const char *name)
{
	char line[256], sym[128], type;
	unsigned long a;
	FILE *f = fopen("/proc/kallsyms", "r");
	if (!f)
		die("open /proc/kallsyms");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx %c %127s", &a, &type, sym) == 3 && !strcmp(sym, name)) {
			fclose(f);
			return a;
		}
	fclose(f);
	die("no %s in /proc/kallsyms", name);
	return 0;
}

/* Migrate NPAGES written anonymous pages to dmirror DEVICE's device-private memory
 * (hmm-tests.c "migrate" in 6.1: HMM_DMIRROR_MIGRATE_TO_DEV), then unmap the last UNMAP of
 * them: the zap drops those device pages to refcount 0, back to the driver's free list
 * (dmirror_devmem_free). */
static void hmm_migrate(int device, unsigned long npages, unsigned long unmap)
{
	char path[32];
	snprintf(path, sizeof(path), "/dev/hmm_dmirror%d", device);
	int fd = open(path, O_RDWR);	/* kept open: the mirror lives as long as the fd */
	if (fd < 0)
		die("open %s", path);
	char *a = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *mirror = malloc(npages * PAGE);
	if (a == MAP_FAILED || !mirror)
		die("hmm buffer");
	for (unsigned long i = 0; i < npages; i++)
		memset(a + i * PAGE, (int)(i + 1), PAGE);
	struct hmm_dmirror_cmd cmd = { .addr = (uintptr_t)a, .ptr = (uintptr_t)mirror, .npages = npages };
	if (ioctl(fd, HMM_DMIRROR_MIGRATE_TO_DEV, &cmd) || cmd.cpages != npages)
		die("%s: migrated %llu of %lu pages", path, (unsigned long long)cmd.cpages, npages);
	if (unmap && munmap(a + (npages - unmap) * PAGE, unmap * PAGE))
		die("munmap");
	hmm[nhmm++] = (struct hmm_region){ device, a, npages, unmap };
	fprintf(stderr, "daxhold: %s: %lu pages migrated at %p, %lu unmapped\n", path, npages,
		(void *)a, unmap);
}

static void emit_construction(const char *scenario)
{
	fprintf(out, "{\n\"mode\": \"%s\",\n\"construction\": {\n  \"mappings\": [\n", scenario);
	for (int i = 0; i < nmaps; i++) {
		struct mapped *m = &maps[i];
		struct stat st;
		fstat(m->fd, &st);
		fprintf(out, "    {");
		emit_name("name", m->name);
		fprintf(out, "\"path\": \"%s\", \"ino\": %lu, \"size\": %lu, "
			"\"mapped\": %lu, \"map_sync\": %s, \"vaddr\": \"0x%lx\", ",
			m->path, (unsigned long)st.st_ino, m->size, m->len,
			m->sync ? "true" : "false", (unsigned long)(uintptr_t)m->addr);
		if (m->populated)
			fprintf(out, "\"populated\": %lu, ", m->populated);
		fprintf(out, "\"touched\": [");
		for (int j = 0; j < m->ntouch; j++)
			fprintf(out, "%s{\"offset\": %lu, \"index\": %lu, \"write\": %s, \"pfn\": \"0x%" PRIx64 "\"}",
				j ? ", " : "", m->touch[j].off, m->touch[j].off / PAGE,
				m->touch[j].write ? "true" : "false", m->touch[j].pfn);
		fprintf(out, "]}%s\n", i + 1 < nmaps ? "," : "");
	}
	fprintf(out, "  ],\n  \"pins\": [\n");
	for (int i = 0; i < npins; i++)
		fprintf(out, "    {\"path\": \"%s\", \"offset\": %lu, \"index\": %lu, \"count\": %d, "
			"\"how\": \"vmsplice into an unread pipe\", \"pfn\": \"0x%" PRIx64 "\"}%s\n",
			pins[i].m->path, pins[i].off, pins[i].off / PAGE, pins[i].count, pins[i].pfn,
			i + 1 < npins ? "," : "");
	fprintf(out, "  ],\n  \"injected\": [\n");
	for (int i = 0; i < ninjected; i++)
		fprintf(out, "    %s%s\n", injected[i], i + 1 < ninjected ? "," : "");
	fprintf(out, "  ],\n  \"device_private\": [\n");
	for (int i = 0; i < nhmm; i++)
		fprintf(out, "    {\"device\": \"hmm_dmirror%d\", \"vaddr\": \"0x%lx\", \"migrated\": %lu, "
			"\"unmapped\": %lu, \"held\": %lu}%s\n", hmm[i].device,
			(unsigned long)(uintptr_t)hmm[i].addr, hmm[i].npages, hmm[i].unmapped,
			hmm[i].npages - hmm[i].unmapped, i + 1 < nhmm ? "," : "");
	fprintf(out, "  ],\n  \"holder_pid\": %d\n},\n", getpid());
}

/* Parse the "ranges" of a daxtruth pgmap answer (module output has a fixed shape). */
static int pgmap_ranges(const char *js, unsigned long *start, unsigned long *end, int max)
{
	const char *p = strstr(js, "\"ranges\"");
	int n = 0;
	while (p && n < max && (p = strstr(p, "\"start\""))) {
		unsigned long s, e;
		const char *q = strstr(p, "\"end\"");
		if (!q || sscanf(strchr(p, ':') + 1, " \"%lx\"", &s) != 1 ||
		    sscanf(strchr(q, ':') + 1, " \"%lx\"", &e) != 1)
			break;
		start[n] = s;
		end[n++] = e;
		p = q;
	}
	return n;
}

static uint64_t sysfs_hex(const char *path)
{
	unsigned long long v = 0;
	FILE *f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llx", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/* Emit /proc/PID/NAME as a JSON string, or as an array of its lines (frames). */
static void emit_proc_file(int pid, const char *name, int lines)
{
	char path[64], buf[8192];
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		fprintf(out, "null");
		return;
	}
	buf[n] = 0;
	fprintf(out, lines ? "[\"" : "\"");
	for (char *p = buf; *p; p++) {
		if (*p == '\n') {
			if (lines && p[1])
				fprintf(out, "\", \"");
		} else if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if ((unsigned char)*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fprintf(out, lines ? "\"]" : "\"");
}

static char proc_state(int pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	char st = '?';
	if (f) {
		if (fgets(buf, sizeof(buf), f)) {
			char *p = strrchr(buf, ')');
			if (p && p[1] == ' ')
				st = p[2];
		}
		fclose(f);
	}
	return st;
}

static void emit_kernel(const int *task_pids, int ntasks)
{
	/* Every pfn the scenario names: touched pages, pinned pages, and for 2 MiB mappings the
	 * head page and one page past the head (tail/sub-page state). */
	static char pfnlist[65536];
	size_t l = 0;
	uint64_t fsdax_pfn = 0, devdax_pfn = 0;
	for (int i = 0; i < nmaps; i++)
		for (int j = 0; j < maps[i].ntouch; j++) {
			uint64_t pfn = maps[i].touch[j].pfn;
			if (!pfn)
				continue;
			l += snprintf(pfnlist + l, sizeof(pfnlist) - l, " 0x%" PRIx64 " 0x%" PRIx64, pfn, pfn + 1);
			if (maps[i].size && !fsdax_pfn && maps[i].touch[j].write)
				fsdax_pfn = pfn;
			if (!maps[i].size && !devdax_pfn)
				devdax_pfn = pfn;
		}
	for (int i = 0; i < npins; i++)
		if (pins[i].pfn)
			l += snprintf(pfnlist + l, sizeof(pfnlist) - l, " 0x%" PRIx64, pins[i].pfn);
	for (int i = 0; i < nleak_pfns; i++) {
		l += snprintf(pfnlist + l, sizeof(pfnlist) - l, " 0x%" PRIx64, leak_pfns[i]);
		if (!devdax_pfn && i == 0)
			devdax_pfn = leak_pfns[i];	/* the replicas' leaks are on the devdax pgmap */
	}

	fprintf(out, "\"kernel\": {\n\"files\": [\n");
	for (int i = 0; i < nmaps; i++) {
		char idx[4096];
		size_t k = 0;
		for (int j = 0; j < maps[i].ntouch; j++)
			k += snprintf(idx + k, sizeof(idx) - k, " %lu", maps[i].touch[j].off / PAGE);
		char *f = maps[i].truth_stride
			? truth("filesum %s %lu%s", maps[i].path, maps[i].truth_stride, idx)
			: truth("file %s%s", maps[i].path, idx);
		fprintf(out, "%s%s\n", f, i + 1 < nmaps ? "," : "");
		free(f);
	}
	char *pages = truth("page%s", pfnlist);
	fprintf(out, "],\n\"pages\": %s,\n\"pgmaps\": [\n", pages);
	free(pages);

	/* Each pgmap in the guest: the fsdax one (from a written page) and the devdax one (from a
	 * mapped page, or else from the start of the device's range as sysfs reports it). */
	if (!devdax_pfn)
		devdax_pfn = sysfs_hex("/sys/bus/dax/devices/dax0.1/resource") / PAGE;
	uint64_t probe[2] = { fsdax_pfn, devdax_pfn };
	int first = 1;
	unsigned long rs[8], re[8];
	int nr[2] = { 0, 0 };
	unsigned long census_s[2][8], census_e[2][8];
	int nall = 0;
	unsigned long all_s[32], all_e[32];
	if (pgmap_xa) {
		/* Every registered pgmap instead of the two probes: an array of pgmap documents. */
		char *g = truth("pgmaps 0x%lx", pgmap_xa);
		char *b = strchr(g, '['), *e = strrchr(g, ']');
		if (!b || !e || e < b || strstr(g, "\"implausible\""))
			die("daxtruth pgmaps: %.300s", g);
		*e = 0;
		fprintf(out, "%s\n", b + 1);
		nall = pgmap_ranges(b + 1, all_s, all_e, 32);
		probe[0] = probe[1] = 0;
		free(g);
	}
	for (int i = 0; i < 2; i++) {
		if (!probe[i])
			continue;
		char *g = truth("pgmap 0x%" PRIx64, probe[i]);
		fprintf(out, "%s%s\n", first ? "" : ",", g);
		first = 0;
		nr[i] = pgmap_ranges(g, rs, re, 8);
		memcpy(census_s[i], rs, sizeof(rs));
		memcpy(census_e[i], re, sizeof(re));
		free(g);
	}
	fprintf(out, "],\n\"census\": [\n");
	first = 1;
	for (int i = 0; i < 2; i++)
		for (int r = 0; r < nr[i]; r++) {
			char *c = truth("range 0x%lx 0x%lx", census_s[i][r] / PAGE, census_e[i][r] / PAGE + 1);
			fprintf(out, "%s%s\n", first ? "" : ",", c);
			first = 0;
			free(c);
		}
	for (int r = 0; r < nall; r++) {
		char *c = truth("range 0x%lx 0x%lx", all_s[r] / PAGE, all_e[r] / PAGE + 1);
		fprintf(out, "%s%s\n", first ? "" : ",", c);
		first = 0;
		free(c);
	}
	fprintf(out, "],\n\"tasks\": [\n");
	for (int i = 0; i < ntasks; i++) {
		char *t = truth("task %d", task_pids[i]);
		fprintf(out, "%s%s\n", i ? "," : "", t);
		free(t);
	}
	/* The kernel does not export stack_trace_save_tsk to modules: take the same stack from
	 * /proc/PID/stack (and the wait channel), which the kernel prints for root. */
	fprintf(out, "],\n\"proc_tasks\": [\n");
	for (int i = 0; i < ntasks; i++) {
		fprintf(out, "%s{\"pid\": %d, \"wchan\": ", i ? ",\n" : "", task_pids[i]);
		emit_proc_file(task_pids[i], "wchan", 0);
		fprintf(out, ", \"stat_state\": \"%c\", \"stack\": ", proc_state(task_pids[i]));
		emit_proc_file(task_pids[i], "stack", 1);
		fprintf(out, "}");
	}
	fprintf(out, "\n]\n},\n");
}

static void finish(const char *ready)
{
	fprintf(out, "\"complete\": true\n}\n");
	fflush(out);
	fsync(fileno(out));
	fclose(out);
	int fd = open(ready, O_WRONLY | O_CREAT, 0644);
	close(fd);
}

static void panic_now(int sig)
{
	(void)sig;
	/* The task holding the DAX state is the panic task in the dump. */
	int fd = open("/proc/sysrq-trigger", O_WRONLY);
	if (fd >= 0)
		write(fd, "c", 1);
}

static void hold(void)
{
	for (;;)
		pause();
}

/* Wait (bounded: 20 s) until PID sleeps with a wait channel containing A or B; say where. */
static void wait_wchan(pid_t pid, const char *a, const char *b, const char *who)
{
	char path[64], wchan[128] = "";
	snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(path, "r");
		if (f) {
			if (!fgets(wchan, sizeof(wchan), f))
				wchan[0] = 0;
			fclose(f);
		}
		if (strstr(wchan, a) || (b && strstr(wchan, b)))
			break;
		usleep(100000);
	}
	fprintf(stderr, "daxhold: %s %d waits in '%s'\n", who, pid, wchan);
}

/* ---- scenarios ---------------------------------------------------------------------------- */

/* Files on a DAX filesystem: 4 KiB entries with holes and zero-page reads, 2 MiB entries,
 * a MAP_SYNC mapping, and pages pinned by vmsplice into unread pipes. */
static void scenario_fs(const char *dir)
{
	struct mapped *pte = map_file("pte.dat", dir, 64 * PAGE, 0, 0);
	touch(pte, 0 * PAGE, 1);
	touch(pte, 1 * PAGE, 1);
	touch(pte, 2 * PAGE, 1);
	touch(pte, 5 * PAGE, 1);
	touch(pte, 8 * PAGE, 1);
	touch(pte, 10 * PAGE, 0);	/* read of a hole: zero-page entry */
	touch(pte, 11 * PAGE, 0);

	/* 8 MiB: the first 6 MiB allocated (aligned by the fs geometry), the last 2 MiB a hole. */
	struct mapped *pmd = map_file("pmd.dat", dir, 4 * PMD, 3 * PMD, 0);
	touch(pmd, 0, 1);
	touch(pmd, 0 + 7 * PAGE, 1);
	touch(pmd, PMD, 1);
	touch(pmd, 2 * PMD + 3 * PAGE, 0);
	touch(pmd, 3 * PMD, 0);		/* read of a 2 MiB hole: PMD zero entry if allowed */

	struct mapped *sync = map_file("sync.dat", dir, 16 * PAGE, 16 * PAGE, 1);
	for (int i = 0; i < 4; i++)
		touch(sync, i * PAGE, 1);

	pin(pte, 1 * PAGE, 1);
	pin(pte, 2 * PAGE, 2);
	pin(pmd, PMD + 3 * PAGE, 1);
	pin(sync, 2 * PAGE, 1);
	resolve_pfns();
}

static void scenario_devdax(const char *dev)
{
	/* One written page on the fsdax filesystem too, so the fsdax pgmap is named as well. */
	struct mapped *marker = map_file("marker.dat", "/mnt", PAGE, PAGE, 0);
	touch(marker, 0, 1);
	struct mapped *d = map_device("devdax", dev, 4 * PMD);
	touch(d, 0, 1);
	touch(d, PMD, 1);
	touch(d, PMD + 5 * PAGE, 1);
	touch(d, 3 * PMD, 0);
	pin(d, PMD + 5 * PAGE, 1);
	pin(d, 3 * PMD + 2 * PAGE, 2);
	resolve_pfns();
}

/* bigpmem: one file with BIG_PTE_PAGES 4 KiB entries (its first part, read-faulted through a
 * MADV_NOHUGEPAGE range so that every fault is a PTE fault) followed by BIG_PMDS 2 MiB entries
 * (write faults through the 2 MiB-aligned rest), a few pinned pages, and a few mapped pages of
 * the device-dax namespace.  The data is written with write(2) first: a read fault on an
 * unwritten extent would map the zero page instead of the file's pfn. */
#define BIG_PTE_PAGES (1UL << 20)
#define BIG_PMDS 16UL
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
static void scenario_big(const char *dir, const char *dev)
{
	unsigned long pte_len = BIG_PTE_PAGES * PAGE, len = pte_len + BIG_PMDS * PMD;
	struct mapped *m = map_file("big.dat", dir, len, len, 0);
	static char buf[PMD];
	memset(buf, 0x5a, sizeof(buf));
	for (unsigned long off = 0; off < pte_len; off += sizeof(buf))
		if (pwrite(m->fd, buf, sizeof(buf), (off_t)off) != (ssize_t)sizeof(buf))
			die("write %s", m->path);
	if (madvise(m->addr, pte_len, MADV_NOHUGEPAGE))
		die("madvise NOHUGEPAGE");
	if (madvise(m->addr, pte_len, MADV_POPULATE_READ))
		for (unsigned long off = 0; off < pte_len; off += PAGE)
			(void)*(volatile char *)(m->addr + off);
	m->populated = pte_len;
	m->truth_stride = 4096;
	touch(m, 0, 0);
	touch(m, PAGE, 0);
	touch(m, (BIG_PTE_PAGES / 2 + 3) * PAGE, 0);
	touch(m, pte_len - PAGE, 0);
	for (unsigned long i = 0; i < BIG_PMDS; i++)
		touch(m, pte_len + i * PMD, 1);
	pin(m, PAGE, 1);
	pin(m, (BIG_PTE_PAGES / 2 + 3) * PAGE, 2);
	pin(m, pte_len + PMD + 3 * PAGE, 1);
	struct mapped *d = map_device("devdax", dev, 4 * PMD);
	touch(d, 0, 1);
	touch(d, PMD + 5 * PAGE, 1);
	pin(d, PMD + 5 * PAGE, 1);
	resolve_pfns();
}

/* seed 004 (DAX-gup): a page pinned by an unread pipe, and a task truncating that file, which
 * waits in the filesystem's break-layouts path until the page is idle (it never is). */
static pid_t scenario_truncate(const char *dir)
{
	struct mapped *v = map_file("victim.dat", dir, 2 * PMD, 2 * PMD, 0);
	touch(v, 0, 1);
	touch(v, 4 * PAGE, 1);
	touch(v, PMD, 1);
	pin(v, 4 * PAGE, 1);
	resolve_pfns();
	pid_t child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		int fd = open(v->path, O_RDWR);
		if (ftruncate(fd, PAGE))	/* blocks behind the pinned page */
			die("truncate");
		_exit(0);
	}
	wait_wchan(child, "break_layouts", "wait_dax_page", "truncating child");
	return child;
}

/* Hostile names (issue 7): DAX files whose names carry a newline, terminal escape sequences
 * (CSI clear screen, OSC window title), other C0 controls and DEL, C1 controls as valid
 * UTF-8, invalid UTF-8 (a lone 0xff, a truncated 3-byte sequence), valid non-ASCII UTF-8,
 * JSON syntax with a backslash, and 255 bytes (NAME_MAX, ending in a 2-byte character);
 * three written 4 KiB entries each, one page pinned.  A child holding the same pipes has a
 * hostile comm (TASK_COMM_LEN 16: 15 bytes), so holders and tasks carry one too. */
static pid_t scenario_hostile(const char *dir)
{
	static char longname[256];
	static const char *const names[] = {
		"new\nline.dat",
		"esc\x1b[2J\x1b]0;pwned\x07.dat",
		"ctl\x01\x08\t\r\x7f.dat",
		"c1\xc2\x9b" "31m\xc2\x85.dat",
		"bad\xff" "utf8\xe2\x82.dat",
		"caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac-\xf0\x9f\x93\x81.dat",
		"\"},{\"x\":\"\\u0000.dat",
		longname,
	};
	memset(longname, 'x', 253);
	memcpy(longname, "long-", 5);
	memcpy(longname + 253, "\xc3\xa9", 3);	/* 255 bytes and the NUL */
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct mapped *f = map_file(names[i], dir, 8 * PAGE, 8 * PAGE, 0);
		touch(f, 0, 1);
		touch(f, 1 * PAGE, 1);
		touch(f, 3 * PAGE, 1);
	}
	pin(&maps[1], 1 * PAGE, 1);
	resolve_pfns();
	pid_t child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		prctl(PR_SET_NAME, "dh\x1b]0;x\x07\n\xff\x7f\\");
		hold();
	}
	return child;
}

/* ---- bug replicas (docs/replicas.md); faults come from the test-only daxfault module ---- */

static uint64_t devdax_first_pfn(const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/resource", name);
	uint64_t pfn = sysfs_hex(path) / PAGE;
	if (!pfn)
		die("no resource for %s", name);
	return pfn;
}

/* 001 class: references to a device-dax pgmap that are never dropped (get_dev_pagemap and
 * page references), then an unbind of the device, which waits in memunmap_pages() for the
 * pgmap's percpu_ref to reach zero (it never does). */
static pid_t scenario_leak(const char *dax)
{
	/* One written page on the fsdax filesystem too, so the fsdax pgmap is named as well. */
	struct mapped *marker = map_file("marker.dat", "/mnt", PAGE, PAGE, 0);
	touch(marker, 0, 1);
	resolve_pfns();
	uint64_t base = devdax_first_pfn(dax);
	fault("pgmap_get 0x%" PRIx64 " 3", base + 2 * 512);
	fault("page_get 0x%" PRIx64 " 1", base + 1 * 512 + 7);
	fault("page_get 0x%" PRIx64 " 2", base + 5 * 512);
	leak_pfns[nleak_pfns++] = base + 1 * 512 + 7;
	leak_pfns[nleak_pfns++] = base + 5 * 512;
	pid_t child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		int fd = open("/sys/bus/dax/drivers/device_dax/unbind", O_WRONLY);
		if (fd < 0 || write(fd, dax, strlen(dax)) < 0)	/* blocks in memunmap_pages */
			die("unbind %s", dax);
		_exit(0);
	}
	wait_wchan(child, "memunmap_pages", "wait_for_completion", "unbinding child");
	return child;
}

/* 001 signature: the pgmap's percpu_ref torn down (percpu_ref_exit) while the pgmap is still
 * registered; the unbind at panic time (run.sh trigger) then oopses in
 * percpu_ref_kill_and_confirm on the NULL ref->data. */
static void scenario_refexit(const char *dax)
{
	/* One written page on the fsdax filesystem too, so the fsdax pgmap is named as well. */
	struct mapped *marker = map_file("marker.dat", "/mnt", PAGE, PAGE, 0);
	touch(marker, 0, 1);
	resolve_pfns();
	uint64_t base = devdax_first_pfn(dax);
	fault("ref_exit 0x%" PRIx64, base);
	leak_pfns[nleak_pfns++] = base;
}

/* 000 signature: a fsdax filesystem in use, and a non-DAX ext4 (brd ramdisk) at DIR; the
 * trigger asks daxfault to look up DIR's dax_device (NULL) and use it: an oops at a small
 * offset into a NULL struct dax_device. */
static void scenario_nulldax(const char *dir)
{
	(void)dir;
	struct mapped *f = map_file("data.dat", "/mnt", 16 * PAGE, 16 * PAGE, 0);
	touch(f, 0, 1);
	touch(f, 3 * PAGE, 1);
	resolve_pfns();
}

/* 003 signature: a mapped fsdax page of a 2 MiB entry whose refcount is dropped below the
 * idle value (1 on 6.1) by an unbalanced put. */
static void scenario_floor(const char *dir)
{
	struct mapped *f = map_file("floor.dat", dir, 2 * PMD, 2 * PMD, 0);
	touch(f, 0, 1);
	touch(f, PMD, 1);
	touch(f, PMD + 9 * PAGE, 1);
	resolve_pfns();
	fault("page_dec 0x%" PRIx64, f->touch[1].pfn);	/* the head page of the second entry */
}

/* Leaked DAX entry lock: the entry of one 4 KiB page locked through the kernel's DAX lock
 * API (dax_lock_page) and never unlocked; a second task faulting on that page through its
 * own mapping waits for the entry forever. */
static pid_t scenario_entrylock(const char *dir)
{
	struct mapped *f = map_file("locked.dat", dir, 16 * PAGE, 16 * PAGE, 0);
	touch(f, 0, 1);
	touch(f, 2 * PAGE, 1);
	touch(f, 3 * PAGE, 1);
	resolve_pfns();
	fault("entry_lock 0x%" PRIx64, f->touch[1].pfn);
	pid_t child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		int fd = open(f->path, O_RDWR);
		volatile char *p = fd < 0 ? NULL : mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (!p || p == MAP_FAILED)
			die("child mmap");
		(void)p[2 * PAGE];	/* faults on the locked entry: waits forever */
		_exit(0);
	}
	wait_wchan(child, "entry", "dax", "faulting child");
	return child;
}

int main(int argc, char **argv)
{
	const char *outpath = NULL, *ready = NULL, *mode, *target;
	int panic_on_usr1 = 0;
	if (argc < 3)
		die("usage: daxhold fs|devdax|truncate|leak|refexit|nulldax|floor|entrylock TARGET --out FILE --ready FILE");
	mode = argv[1];
	target = argv[2];
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			outpath = argv[++i];
		else if (!strcmp(argv[i], "--ready") && i + 1 < argc)
			ready = argv[++i];
		else if (!strcmp(argv[i], "--panic-on-usr1"))
			panic_on_usr1 = 1;
	}
	if (!outpath || !ready)
		die("--out and --ready are required");
	if (panic_on_usr1)
		signal(SIGUSR1, panic_now);

	int tasks[4], ntasks = 0;
	tasks[ntasks++] = getpid();
	if (!strcmp(mode, "fs"))
		scenario_fs(target);
	else if (!strcmp(mode, "devdax"))
		scenario_devdax(target);
	else if (!strcmp(mode, "big") && argc > 3)
		scenario_big(target, argv[3]);
	else if (!strcmp(mode, "truncate"))
		tasks[ntasks++] = scenario_truncate(target);
	else if (!strcmp(mode, "hostile"))
		tasks[ntasks++] = scenario_hostile(target);
	else if (!strcmp(mode, "leak"))
		tasks[ntasks++] = scenario_leak(target);
	else if (!strcmp(mode, "refexit"))
		scenario_refexit(target);
	else if (!strcmp(mode, "nulldax"))
		scenario_nulldax(target);
	else if (!strcmp(mode, "floor"))
		scenario_floor(target);
	else if (!strcmp(mode, "entrylock"))
		tasks[ntasks++] = scenario_entrylock(target);
	else if (!strcmp(mode, "allpgmaps") && argc > 3) {
		scenario_devdax(target);
		if (!strcmp(argv[3], "hmm")) {
			hmm_migrate(0, 16, 0);
			hmm_migrate(1, 32, 12);
		}
		pgmap_xa = kallsyms_addr("pgmap_array");
	}
	else
		die("unknown mode %s", mode);

	out = fopen(outpath, "w");
	if (!out)
		die("open %s", outpath);
	emit_construction(argc > 0 ? mode : "");
	emit_kernel(tasks, ntasks);
	finish(ready);
	hold();
	return 0;
}
