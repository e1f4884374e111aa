/*
 * faultrun.c: every core command over thousands of fault-injected variants of the recordings.
 *
 * For each recording (tests/fixtures/NAME.rec) and command, a clean run traces the reads the
 * command makes (faulty.h); then each variant installs 1-4 seeded faults placed on those reads
 * (typed by the probed layout where the read is an xa_node, struct page or dev_pagemap) and
 * runs the command in a forked child under a watchdog (alarm, and a cap on reads: a walk that
 * never ends reads forever).  A child that dies by a signal or a sanitizer report is a crash,
 * one that trips the watchdog a hang.  Every diagnostic the core returns (errors, notes,
 * finding texts) must be one line of printable text, and every error must name its object
 * (an address, or the structure/list/symbol) with a reason.
 *
 *   faultrun [-n VARIANTS] [-s SEED] [-c COMMAND] [-r RECORDING] [-v] [-1 SEED]
 *
 * -1 SEED reruns one variant in-process (for a debugger) and prints its faults.  Closing line:
 * "N passed, N failed, N skipped", one test per (recording, command).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include "daxdev.h"
#include "fake.h"
#include "faulty.h"
#include "mapping.h"
#include "page.h"

/* ------------------------------------------------------------------ diagnostics */

#define DIAG_KEEP 4

struct diags {
	int n, errors, bad;
	char bad_text[DIAG_KEEP][320];
	/* the clean run's error texts, to count the new ones */
	char **clean;
	int nclean, capclean, recording;
	int new_errors;
};

static struct diags *cur;

static int has_address(const char *s)
{
	for (const char *p = s; *p; p++) {
		int n = 0;
		const char *q = p[0] == '0' && p[1] == 'x' ? p + 2 : p;
		while ((q[n] >= '0' && q[n] <= '9') || (q[n] >= 'a' && q[n] <= 'f'))
			n++;
		if ((q != p && n >= 1) || n >= 8)
			return 1;
	}
	return 0;
}

/* what an error may name instead of an address: a structure, list, registry or symbol */
static const char *const object_words[] = {
	"super_block", "s_inodes", "inode", "address_space", "node", "tree", "root", "radix",
	"dev_pagemap", "pgmap", "percpu_ref", "page", "pfn", "memmap", "task", "wait", "pipe",
	"registry", "debuginfo", "dax", "range", "cpu", "printk", "prb", "symbol", "xa", NULL
};

static void bad(const char *kind, const char *s, const char *why)
{
	cur->bad++;
	if (cur->bad <= DIAG_KEEP)
		snprintf(cur->bad_text[cur->bad - 1], sizeof(cur->bad_text[0]), "%s (%s): \"%.200s\"",
			 kind, why, s);
}

/* Check one text the core produced.  is_error 1: a failure report (must name its object and a
 * reason); 2: a finding's identity (compared with the clean run only); 0: other text. */
static void diag(const char *kind, const char *s, int is_error)
{
	if (!s || !s[0])
		return;
	cur->n++;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			bad(kind, s, *p == '\n' ? "more than one line" : "control character");
			return;
		}
	if (!is_error)
		return;
	if (is_error == 1) {
		cur->errors++;
		int named = has_address(s);
		for (int i = 0; !named && object_words[i]; i++)
			named = strstr(s, object_words[i]) != NULL;
		if (!named)
			bad(kind, s, "names no object");
		else if (strlen(s) < 12 || !strchr(s, ' '))
			bad(kind, s, "gives no reason");
	}
	if (cur->recording) {
		if (cur->nclean == cur->capclean) {
			cur->capclean = cur->capclean ? 2 * cur->capclean : 64;
			cur->clean = realloc(cur->clean, (size_t)cur->capclean * sizeof(char *));
		}
		cur->clean[cur->nclean++] = strdup(s);
		return;
	}
	for (int i = 0; i < cur->nclean; i++)
		if (!strcmp(cur->clean[i], s))
			return;
	cur->new_errors++;
}

/* ------------------------------------------------------------------ commands */

struct env {
	const struct dt_target *t;
	const struct dt_layout *l;
	uint64_t pfns[4];
	int npfns;
};

struct inodes {
	int n;
	uint64_t a[512];
};

static int collect_inode(void *arg, uint64_t sb, uint64_t inode)
{
	struct inodes *in = arg;
	(void)sb;
	if (in->n < 512)
		in->a[in->n++] = inode;
	return in->n >= 512;
}

static void page_cb(void *arg, const struct dt_map_entry *me, const struct dt_page *p, int idle)
{
	(void)arg, (void)me, (void)p, (void)idle;
}

static void pgmap_diags(const struct dt_pgmap_set *pms)
{
	diag("pgmap set", pms->error, 1);
	for (int i = 0; i < pms->n; i++)
		diag("pgmap ref", pms->pm[i].ref_error, 1);
}

/* daxmap -a: every DAX inode's mapping, its entries against struct pages and pgmaps */
static void cmd_daxmap(const struct env *e)
{
	static struct inodes in;
	char err[240] = "";
	in.n = 0;
	dt_for_each_dax_inode(e->t, e->l, collect_inode, &in, err, sizeof(err));
	diag("dax inodes", err, 1);
	static struct dt_pgmap_set pms;
	dt_pgmaps_collect(e->t, e->l, &pms);
	pgmap_diags(&pms);
	static struct dt_mapping maps[64];
	struct dt_mapping *mp[64];
	int nm = 0;
	for (int i = 0; i < in.n && nm < 64; i++) {
		uint64_t m;
		const char *kind;
		if (dt_resolve_mapping(e->t, e->l, in.a[i], &m, &kind))
			continue;
		err[0] = '\0';
		if (dt_mapping_load(e->t, e->l, m, &maps[nm], err, sizeof(err))) {
			diag("mapping", err, 1);
			continue;
		}
		diag("mapping walk", maps[nm].walk.error, 1);
		mp[nm] = &maps[nm];
		nm++;
	}
	struct dt_era_choice ch;
	dt_era_choose(e->l, &pms, mp, nm, NULL, &ch);
	diag("era", ch.why, 0);
	for (int i = 0; i < nm; i++) {
		for (int k = 0; k < maps[i].nr && k < 4096; k++) {
			struct dt_map_entry me;
			dt_entry_analyse(e->t, e->l, &pms, &maps[i], ch.era, &maps[i].slots[k], &me,
					 page_cb, NULL);
		}
		dt_mapping_free(&maps[i]);
	}
}

/* daxent: decode every leaf word of every mapping (and an xa_load of each) under every era */
static void cmd_daxent(const struct env *e)
{
	static struct inodes in;
	char err[240] = "";
	in.n = 0;
	dt_for_each_dax_inode(e->t, e->l, collect_inode, &in, err, sizeof(err));
	diag("dax inodes", err, 1);
	for (int i = 0; i < in.n && i < 16; i++) {
		uint64_t m;
		if (dt_read_u64(e->t, in.a[i] + (uint64_t)e->l->i_mapping, &m))
			continue;
		struct dt_mapping map;
		err[0] = '\0';
		if (dt_mapping_load(e->t, e->l, m, &map, err, sizeof(err))) {
			diag("mapping", err, 1);
			continue;
		}
		diag("mapping walk", map.walk.error, 1);
		for (int k = 0; k < map.nr && k < 1024; k++) {
			char buf[128];
			for (int r = 0; r < dt_nr_eras; r++) {
				struct dt_entry en;
				if (dt_entry_decode(&dt_eras[r], map.slots[k].raw, &en) == 0) {
					diag("flags", dt_flag_names(&en, buf, sizeof(buf)), 0);
					dt_flag_letters(en.flags, buf, sizeof(buf));
				}
			}
			uint64_t raw;
			err[0] = '\0';
			dt_tree_load(e->t, e->l, e->l->tree, map.i_pages, map.slots[k].index, &raw, err,
				     sizeof(err));
			diag("xa_load", err, 1);
		}
		dt_mapping_free(&map);
	}
}

static int census_cb(void *arg, const struct dt_page *p, int idle)
{
	(void)p, (void)idle;
	return ++*(unsigned *)arg > 100000;
}

/* pgmap: the registry, every pgmap and its percpu_ref, the census of every range */
static void cmd_pgmap(const struct env *e)
{
	static struct dt_pgmap_set pms;
	dt_pgmaps_collect(e->t, e->l, &pms);
	pgmap_diags(&pms);
	for (int i = 0; i < pms.n; i++) {
		const struct dt_pgmap *pm = &pms.pm[i];
		for (int r = 0; r < pm->nr_range && r < DT_MAX_RANGES; r++) {
			struct dt_census c;
			unsigned n = 0;
			dt_census_range(e->t, e->l, pm, pm->start[r] >> 12, (pm->end[r] + 1) >> 12,
					census_cb, &n, &c);
			diag("census", c.unreadable_why, 1);
		}
		dt_pgmap_of_pfn(&pms, pm->start[0] >> 12);
	}
}

/* daxpage PFN: dump_page()-style description, its pgmap */
static void cmd_daxpage(const struct env *e)
{
	static struct dt_pgmap_set pms;
	dt_pgmaps_collect(e->t, e->l, &pms);
	pgmap_diags(&pms);
	for (int i = 0; i < e->npfns; i++) {
		static struct dt_page_info pi;
		if (dt_page_describe(e->t, e->l, e->pfns[i], &pi) == 0) {
			diag("flags", pi.flagstr, 0);
			diag("aops", pi.aops, 0);
			diag("dentry", pi.dname, 0);
		}
		dt_pgmap_of_pfn(&pms, e->pfns[i]);
		uint64_t pfn;
		dt_page_to_pfn(e->t, e->l, pi.p.addr, &pfn);
	}
}

/* daxdev: dax_devices, dev_dax devices, superblocks on them */
static void cmd_daxdev(const struct env *e)
{
	static struct dt_daxdevs s;
	dt_daxdevs_collect(e->t, e->l, &s);
	diag("daxdev", s.error, 1);
	for (int i = 0; i < s.nmissing && i < DT_MISSING_MAX; i++)
		diag("daxdev missing", s.missing[i], 1);
	for (int i = 0; i < s.n && i < DT_DAXDEV_MAX; i++) {
		diag("daxdev name", s.d[i].name, 0);
		diag("daxdev flags", s.d[i].flag_names, 0);
	}
	for (int i = 0; i < s.nsb && i < DT_SBDAX_MAX; i++)
		diag("sb id", s.sb[i].id, 0);
}

/* daxcheck: every check */
static void cmd_daxcheck(const struct env *e)
{
	static struct dt_report r;
	dt_check_all(e->t, e->l, &r);
	for (int i = 0; i < r.nnotes && i < DT_REPORT_NOTES; i++)
		diag("note", r.notes[i], 1);
	for (int i = 0; i < r.nstate; i++)
		diag("check state", r.state[i].note, 0);
	for (int i = 0; i < r.n; i++) {
		const struct dt_finding *f = &r.f[i];
		diag("finding headline", f->headline, 0);
		diag("finding object", f->object, 0);
		diag("finding evidence", f->evidence, 0);
		diag("finding dump_page", f->dump_page, 0);
		diag("finding holders", f->holders_note, 0);
		for (int k = 0; k < f->ntasks && k < DT_FINDING_TASKS; k++)
			diag("finding task", f->tasks[k].comm, 0);
		/* a finding the clean run did not have is a report of what the faults did */
		char key[480];
		snprintf(key, sizeof(key), "%s: %s", f->check->id, f->object);
		diag("finding", key, 2);
	}
	dt_report_free(&r);
}

static const struct command {
	const char *name;
	void (*run)(const struct env *e);
} commands[] = {
	{ "daxmap", cmd_daxmap }, { "daxent", cmd_daxent }, { "pgmap", cmd_pgmap },
	{ "daxpage", cmd_daxpage }, { "daxdev", cmd_daxdev }, { "daxcheck", cmd_daxcheck },
};
#define NCMD ((int)(sizeof(commands) / sizeof(commands[0])))

static const char *const recordings[] = { "fsdax-ext4-6.1.rec", "truncate-pinned-5.10.rec",
					  "truncate-pinned-6.1.rec", "truncate-pinned-7.2.rec" };
#define NREC ((int)(sizeof(recordings) / sizeof(recordings[0])))

/* ------------------------------------------------------------------ driver */

struct result {
	int diags, errors, new_errors, bad;
	char bad_text[DIAG_KEEP][320];
};

static void runaway(void)
{
	_exit(99);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Pfns of struct pages the recording holds (its pfn_to_page answers): daxpage's arguments. */
static int recording_pfns(const char *path, uint64_t *pfns, int max)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return 0;
	char line[512];
	int n = 0;
	unsigned long long pfn, page;
	while (n < max && fgets(line, sizeof(line), fp))
		if (sscanf(line, "P %llx %llx", &pfn, &page) == 2) {
			int dup = 0;
			for (int i = 0; i < n; i++)
				dup |= pfns[i] == pfn;
			if (!dup)
				pfns[n++] = pfn;
		}
	fclose(fp);
	return n;
}

enum outcome { OK, CRASH, HANG };

static enum outcome run_variant(struct faulty *fy, const struct env *e, const struct command *c,
				const struct fault *f, int nf, unsigned timeout, uint64_t max_reads,
				struct result *res, int *sig)
{
	int fd[2];
	memset(res, 0, sizeof(*res));
	if (pipe(fd))
		return CRASH;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		faulty_set(fy, f, nf);
		faulty_watchdog(fy, max_reads, runaway);
		alarm(timeout);
		cur->n = cur->errors = cur->bad = cur->new_errors = 0;
		cur->recording = 0;
		c->run(e);
		struct result r = { cur->n, cur->errors, cur->new_errors, cur->bad, { { 0 } } };
		memcpy(r.bad_text, cur->bad_text, sizeof(r.bad_text));
		ssize_t w = write(fd[1], &r, sizeof(r));
		_exit(w == (ssize_t)sizeof(r) ? 0 : 98);
	}
	close(fd[1]);
	size_t got = 0;
	while (got < sizeof(*res)) {
		ssize_t k = read(fd[0], (char *)res + got, sizeof(*res) - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	*sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
		return HANG;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 99)
		return HANG;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || got != sizeof(*res))
		return CRASH;
	return OK;
}

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t z = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL + (a << 6) + (a >> 2));
	z = (z ^ (z >> 31)) * 0xbf58476d1ce4e5b9ULL;
	return z ^ (z >> 29);
}

int main(int argc, char **argv)
{
	int variants = 200, verbose = 0, one = 0;
	uint64_t base_seed = 1, one_seed = 0;
	const char *only_cmd = NULL, *only_rec = NULL;
	int opt;
	while ((opt = getopt(argc, argv, "n:s:c:r:v1:")) != -1) {
		switch (opt) {
		case 'n': variants = atoi(optarg); break;
		case 's': base_seed = strtoull(optarg, NULL, 0); break;
		case 'c': only_cmd = optarg; break;
		case 'r': only_rec = optarg; break;
		case 'v': verbose = 1; break;
		case '1': one = 1, one_seed = strtoull(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: faultrun [-n VARIANTS] [-s SEED] [-c CMD] [-r REC] [-v] "
					"[-1 SEED]\n");
			return 2;
		}
	}
	static struct diags d;
	cur = &d;
	int passed = 0, failed = 0, skipped = 0;
	long tot_var[NCMD] = { 0 }, tot_err[NCMD] = { 0 }, tot_crash[NCMD] = { 0 },
	     tot_hang[NCMD] = { 0 }, tot_bad[NCMD] = { 0 };
	double t_all = now();
	for (int ri = 0; ri < NREC; ri++) {
		if (only_rec && !strstr(recordings[ri], only_rec))
			continue;
		struct fake *fk = fake_new();
		if (fake_load(fk, fixture(recordings[ri]))) {
			printf("SKIP %s: recording %s not readable\n", recordings[ri],
			       fixture(recordings[ri]));
			skipped += NCMD;
			fake_free(fk);
			continue;
		}
		struct dt_target inner, t;
		fake_target(fk, &inner);
		struct faulty *fy = faulty_new(&inner);
		faulty_target(fy, &t);
		static struct dt_layout l;
		if (dt_layout_probe(&t, &l)) {
			printf("FAIL %s: layout probe: %s\n", recordings[ri], l.error);
			failed += NCMD;
			continue;
		}
		struct env e = { .t = &t, .l = &l };
		e.npfns = recording_pfns(fixture(recordings[ri]), e.pfns, 4);
		for (int ci = 0; ci < NCMD; ci++) {
			const struct command *c = &commands[ci];
			if (only_cmd && strcmp(only_cmd, c->name))
				continue;
			/* the clean run: trace, clean diagnostics, time and reads */
			for (int i = 0; i < d.nclean; i++)
				free(d.clean[i]);
			d.nclean = 0;
			d.n = d.errors = d.bad = 0;
			d.recording = 1;
			faulty_trace_start(fy);
			double t0 = now();
			alarm(300);	/* a clean run that hangs ends the program: no closing line */
			c->run(&e);
			alarm(0);
			double clean_s = now() - t0;
			faulty_trace_stop(fy);
			uint64_t clean_reads = faulty_reads(fy);
			int clean_bad = d.bad;
			if (clean_bad)
				printf("    clean run: %s\n", d.bad_text[0]);
			unsigned timeout = 10 + (unsigned)(50 * clean_s);
			uint64_t max_reads = 10000000 + 50 * clean_reads;
			long nvar = 0, nerr = 0, ncrash = 0, nhang = 0, nbad = clean_bad;
			for (int v = 0; v < (one ? 1 : variants); v++) {
				uint64_t seed = one ? one_seed : mix(mix(base_seed, (uint64_t)ri), (uint64_t)(ci * 1000003 + v));
				struct fault f[FAULTY_MAX_FAULTS];
				int nf = faulty_generate(fy, &l, seed, f);
				if (one) {
					for (int k = 0; k < nf; k++)
						printf("    fault: %s\n", f[k].what);
					faulty_set(fy, f, nf);
					d.recording = 0;
					d.n = d.errors = d.bad = d.new_errors = 0;
					c->run(&e);
					printf("    %d diagnostics, %d errors (%d new), %d malformed, %llu reads\n",
					       d.n, d.errors, d.new_errors, d.bad,
					       (unsigned long long)faulty_reads(fy));
					for (int k = 0; k < d.bad && k < DIAG_KEEP; k++)
						printf("    malformed: %s\n", d.bad_text[k]);
					nvar++;
					nbad += d.bad;
					nerr += d.new_errors > 0;
					break;
				}
				struct result res;
				int sig = 0;
				enum outcome o = run_variant(fy, &e, c, f, nf, timeout, max_reads, &res, &sig);
				nvar++;
				if (o != OK || res.bad || verbose) {
					const char *what = o == CRASH ? "CRASH" : o == HANG ? "HANG" : res.bad ? "MALFORMED" : "ok";
					if (o != OK || res.bad)
						printf("    %s %s %s seed %#llx (signal %d; rerun: faultrun -r %s -c %s -1 %#llx)\n",
						       what, recordings[ri], c->name, (unsigned long long)seed, sig,
						       recordings[ri], c->name, (unsigned long long)seed);
					for (int k = 0; k < nf && (o != OK || res.bad || verbose > 1); k++)
						printf("      fault: %s\n", f[k].what);
					for (int k = 0; k < res.bad && k < DIAG_KEEP; k++)
						printf("      malformed: %s\n", res.bad_text[k]);
				}
				ncrash += o == CRASH;
				nhang += o == HANG;
				nbad += res.bad;
				nerr += o == OK && res.new_errors > 0;
			}
			/* canary: the pgmap registry's head unreadable must be reported, else the
			 * injector (not the core) is broken and every pass above means nothing */
			int canary_ok = 1;
			if (!one && !strcmp(c->name, "pgmap") && l.pgmap_array) {
				struct fault cf = { .kind = FAULT_HOLE, .len = 8,
						    .addr = l.pgmap_array + (uint64_t)l.xa_head };
				struct result res;
				int sig = 0;
				canary_ok = run_variant(fy, &e, c, &cf, 1, timeout, max_reads, &res, &sig) == OK &&
					    res.new_errors > 0;
				if (!canary_ok)
					printf("    canary: a hole over pgmap_array's head was not reported\n");
			}
			int ok = !ncrash && !nhang && !nbad && canary_ok;
			printf("%s faults %s %s: %ld variants, %ld with errors reported, %ld crashes, "
			       "%ld hangs, %ld malformed diagnostics (clean run %.2fs, %llu reads, %d traced)\n",
			       ok ? "PASS" : "FAIL", recordings[ri], c->name, nvar, nerr, ncrash, nhang, nbad,
			       clean_s, (unsigned long long)clean_reads, faulty_trace_len(fy));
			ok ? passed++ : failed++;
			tot_var[ci] += nvar, tot_err[ci] += nerr, tot_crash[ci] += ncrash;
			tot_hang[ci] += nhang, tot_bad[ci] += nbad;
		}
		faulty_free(fy);
		fake_free(fk);
	}
	printf("per command (all recordings): variants tried / errors reported / crashes / hangs / malformed\n");
	long all = 0;
	for (int ci = 0; ci < NCMD; ci++) {
		if (!tot_var[ci])
			continue;
		printf("  %-9s %6ld / %6ld / %ld / %ld / %ld\n", commands[ci].name, tot_var[ci],
		       tot_err[ci], tot_crash[ci], tot_hang[ci], tot_bad[ci]);
		all += tot_var[ci];
	}
	printf("%ld variants in %.0fs\n", all, now() - t_all);
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
