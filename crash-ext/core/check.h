/*
 * check.h: the triage checks of kernel-facts.md G.6 over a whole dump.
 *
 * The catalogue (id, severity, title, meaning, next step, bug class, eras) is data:
 * share/checks.json, transcribed into dt_checks[] at build time (gen_checks.py ->
 * checks.gen.c), so the drgn front end names and grades findings the same way.  This file
 * holds the evaluation: dt_check_all() gathers the pgmaps, the DAX inodes and their entries,
 * the memmap of every pgmap range, the tasks (stacks, pipes, wait tables) and the DAX devices,
 * and produces findings; dt_report.state[] says, per catalogue check, whether it was
 * evaluated, on how many objects, or why not.
 */
#ifndef DT_CHECK_H
#define DT_CHECK_H

#include "daxdev.h"
#include "mapping.h"
#include "tasks.h"

enum dt_severity { DT_SEV_INFO, DT_SEV_WARNING, DT_SEV_ERROR };

struct dt_bug_class {
	const char *key, *name, *thread, *summary;
};

struct dt_check {
	const char *id;
	enum dt_severity severity;
	const char *title, *means, *next, *bug_class, *eras, *facts;
};

extern const struct dt_check dt_checks[];
extern const int dt_nr_checks;
extern const struct dt_bug_class dt_bug_classes[];
extern const int dt_nr_bug_classes;

const struct dt_check *dt_check_find(const char *id);
const struct dt_bug_class *dt_bug_class_find(const char *key);
const char *dt_severity_name(enum dt_severity s);

#define DT_FINDING_TASKS 4
#define DT_FINDING_HOLDERS 8
#define DT_FINDING_MEMBERS 4

struct dt_finding_task {
	int pid;
	char comm[DT_COMM_BUF];	/* escaped (escape.h) */
	char state;
	uint64_t task;
	char frame[64];		/* the layout-breaking frame, or the wait it is in */
};

struct dt_finding_holder {
	int pid, fd, slot;
	char comm[DT_COMM_BUF];	/* escaped (escape.h) */
	uint64_t pipe, page;	/* page: the one in the pipe buffer (a tail of a compound page) */
	char ops[64];
};

struct dt_finding {
	const struct dt_check *check;
	enum dt_severity severity;
	char headline[240];	/* what, and the bug class it matches */
	char object[160];
	char evidence[600];
	/* structured, for -j and the tests (0 / -1 when absent) */
	int has_pfn;
	uint64_t pfn, page, mapping, inode, ino, pgmap, entry, entry_index, entry_pfn;
	int has_entry, entry_order;
	int32_t refcount;
	int ntasks, nholders;
	struct dt_finding_task tasks[DT_FINDING_TASKS];
	struct dt_finding_holder holders[DT_FINDING_HOLDERS];
	char holders_note[160];
	/* the bug class when it is not the check's (CHK-D3 on a percpu_ref: seed 001), or NULL */
	const char *bug_class;
	/* a page: the first line of the kernel's dump_page() (mm/debug.c wording), or "" */
	char dump_page[200];
	/* CHK-D3: the oops's fault address, function, RIP and the members it may have read */
	int has_fault, nmembers;
	uint64_t fault_address;
	char fault_function[96], fault_rip[128];
	char members[DT_FINDING_MEMBERS][80];	/* "percpu_ref_data.release" */
};

struct dt_check_state {
	const struct dt_check *check;
	int evaluated;
	unsigned long objects;	/* objects looked at */
	char note[200];		/* why not evaluated, or on what */
};

#define DT_REPORT_NOTES 12

struct dt_report {
	int n, cap;
	struct dt_finding *f;
	int nstate;
	struct dt_check_state state[64];
	int nnotes;
	char notes[DT_REPORT_NOTES][240];
	/* what was looked at */
	int pgmaps, mappings, tasks, blocked_tasks, daxdevs;
	unsigned long entries, pages;
	struct dt_era_choice era;
};

/* Run every check the dump allows.  0, or -1 if the layout is unusable. */
int dt_check_all(const struct dt_target *t, const struct dt_layout *l, struct dt_report *r);
void dt_report_free(struct dt_report *r);
/* Findings counted by severity. */
int dt_report_count(const struct dt_report *r, enum dt_severity s);
/* The bug class of a finding: its own, else its check's (NULL: none). */
const struct dt_bug_class *dt_finding_bug_class(const struct dt_finding *f);
/* The finding concerns pfn (its page, or an entry / pgmap range holding it). */
int dt_finding_covers_pfn(const struct dt_finding *f, uint64_t pfn);

#endif
