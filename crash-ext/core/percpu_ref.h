/*
 * percpu_ref.h: the state and true count of a struct percpu_ref in a dump.
 * kernel-facts D.1-D.3; constants from include/linux/percpu-refcount.h and
 * lib/percpu-refcount.c (6.1).
 */
#ifndef DT_PERCPU_REF_H
#define DT_PERCPU_REF_H

#include "layout.h"

#define DT_PERCPU_REF_ATOMIC 1ULL		/* __PERCPU_REF_ATOMIC */
#define DT_PERCPU_REF_DEAD 2ULL			/* __PERCPU_REF_DEAD */
#define DT_PERCPU_REF_ATOMIC_DEAD 3ULL		/* __PERCPU_REF_ATOMIC_DEAD */
#define DT_PERCPU_REF_FLAG_BITS 2		/* __PERCPU_REF_FLAG_BITS */
#define DT_PERCPU_COUNT_BIAS (1ULL << 63)	/* PERCPU_COUNT_BIAS on 64-bit */

enum dt_pref_mode {
	DT_PREF_PERCPU, DT_PREF_SWITCHING, DT_PREF_ATOMIC, DT_PREF_DEAD, DT_PREF_EXITED,
	DT_PREF_UNINIT
};

/* What was read from the dump. */
struct dt_pref_raw {
	uint64_t addr;
	int split;			/* v5.9+: count etc. live in percpu_ref_data */
	uint64_t percpu_count_ptr;
	uint64_t data;			/* percpu_ref_data *, split layout only */
	int data_ok;			/* the fields below were readable */
	uint64_t count;			/* atomic count (raw) */
	uint64_t release, confirm_switch, data_ref;
	int nr_cpus;
	int percpu_ok;			/* every possible CPU's counter was read */
	int cpu[64];			/* first 64 possible CPUs, for display */
	uint64_t percpu[64];
	uint64_t percpu_sum;		/* sum over all possible CPUs, modulo 2^64 */
};

struct dt_pref_state {
	enum dt_pref_mode mode;
	int count_known;
	int64_t true_count;
	int biased;			/* the atomic count still held PERCPU_COUNT_BIAS */
	const char *rule;		/* how true_count was computed */
};

/* Pure: decide mode and true count from raw words. */
void dt_pref_evaluate(const struct dt_pref_raw *r, struct dt_pref_state *s);
const char *dt_pref_mode_name(enum dt_pref_mode m);

/* Possible CPUs and their per-CPU offsets (target callbacks, else __cpu_possible_mask and
 * __per_cpu_offset[]).  Returns the count, -1 on failure. */
int dt_possible_cpus(const struct dt_target *t, int *cpus, uint64_t *offsets, int max);

/* Read the percpu_ref at addr.  Returns 0, or -1 with err filled. */
int dt_pref_read(const struct dt_target *t, const struct dt_layout *l, uint64_t addr,
		 struct dt_pref_raw *r, char *err, size_t errlen);

#endif
