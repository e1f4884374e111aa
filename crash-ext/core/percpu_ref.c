/* percpu_ref.c: percpu_ref state and true count (see percpu_ref.h). */
#include <stdio.h>
#include <string.h>
#include "percpu_ref.h"

const char *dt_pref_mode_name(enum dt_pref_mode m)
{
	static const char *const n[] = { "percpu", "switching", "atomic", "dead", "exited",
					 "never-initialised" };
	return m <= DT_PREF_UNINIT ? n[m] : "?";
}

void dt_pref_evaluate(const struct dt_pref_raw *r, struct dt_pref_state *s)
{
	memset(s, 0, sizeof(*s));
	uint64_t P = r->percpu_count_ptr, flags = P & DT_PERCPU_REF_ATOMIC_DEAD;

	if (r->split && !r->data) {
		if (P == 0) {
			/* zeroed memory or percpu_ref_init never ran (the seed 001 state) */
			s->mode = DT_PREF_UNINIT;
			s->rule = "zeroed: never initialised";
			return;
		}
		/* percpu_ref_exit() frees data and keeps ATOMIC_DEAD | count << 2 */
		s->mode = DT_PREF_EXITED;
		s->count_known = 1;
		s->true_count = (int64_t)(P >> DT_PERCPU_REF_FLAG_BITS);
		s->rule = "exited: percpu_count_ptr >> 2";
		return;
	}
	if (!r->split && P == 0 && r->count == 0 && r->release == 0) {
		s->mode = DT_PREF_UNINIT;
		s->rule = "zeroed: never initialised";
		return;
	}
	if (flags & DT_PERCPU_REF_DEAD)
		s->mode = DT_PREF_DEAD;
	else if (!(flags & DT_PERCPU_REF_ATOMIC))
		s->mode = DT_PREF_PERCPU;
	else if (r->confirm_switch)
		s->mode = DT_PREF_SWITCHING;
	else
		s->mode = DT_PREF_ATOMIC;
	if (!r->data_ok) {
		s->rule = "count not readable";
		return;
	}
	/*
	 * The count still carries PERCPU_COUNT_BIAS in percpu mode and while switching, until
	 * percpu_ref_switch_to_atomic_rcu() folds the per-CPU sum in; a negative count is
	 * biased whatever the flags say (kernel-facts D.3).
	 */
	s->biased = !(flags & DT_PERCPU_REF_ATOMIC) || (int64_t)r->count < 0;
	if (s->biased) {
		if (!r->percpu_ok) {
			s->rule = "biased, per-CPU counters not readable";
			return;
		}
		s->true_count = (int64_t)(r->count - DT_PERCPU_COUNT_BIAS + r->percpu_sum);
		s->rule = "biased+percpu";
	} else {
		s->true_count = (int64_t)r->count;
		s->rule = "atomic";
	}
	s->count_known = 1;
}

int dt_possible_cpus(const struct dt_target *t, int *cpus, uint64_t *offsets, int max)
{
	int n = -1;
	if (t->possible_cpus)
		n = t->possible_cpus(t->ctx, cpus, max);
	if (n < 0) {
		uint64_t mask, pco;
		if (dt_symbol(t, "__cpu_possible_mask", &mask) &&
		    dt_symbol(t, "cpu_possible_mask", &mask))
			return -1;
		/* no further than the mask: struct cpumask holds NR_CPUS bits, which may be
		 * fewer than max, and the words after it are other variables */
		long msize = dt_type_size(t, "cpumask");
		int words = (max + 63) / 64;
		if (msize >= 8 && msize / 8 < words)
			words = (int)(msize / 8);
		n = 0;
		for (int w = 0; w < words && n < max; w++) {
			uint64_t bits;
			if (dt_read_u64(t, mask + 8ULL * (uint64_t)w, &bits))
				break;
			for (int b = 0; b < 64 && n < max; b++)
				if (bits >> b & 1)
					cpus[n++] = w * 64 + b;
		}
		if (dt_symbol(t, "__per_cpu_offset", &pco))
			return -1;
	}
	for (int i = 0; i < n; i++) {
		uint64_t o = 0, pco;
		if (t->percpu_offset) {
			if (t->percpu_offset(t->ctx, cpus[i], &o))
				return -1;
		} else if (dt_symbol(t, "__per_cpu_offset", &pco) ||
			   dt_read_u64(t, pco + 8ULL * (uint64_t)cpus[i], &o)) {
			return -1;
		}
		offsets[i] = o;
	}
	return n;
}

int dt_pref_read(const struct dt_target *t, const struct dt_layout *l, uint64_t addr,
		 struct dt_pref_raw *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->addr = addr;
	r->split = l->pref_split;
	if (l->pr_pcp < 0 || dt_read_u64(t, addr + (uint64_t)l->pr_pcp, &r->percpu_count_ptr)) {
		snprintf(err, errlen, "percpu_ref %#llx not readable", (unsigned long long)addr);
		return -1;
	}
	uint64_t base = addr;
	long oc = l->pr_count, orl = l->pr_release, ocs = l->pr_confirm;
	if (r->split) {
		if (dt_read_u64(t, addr + (uint64_t)l->pr_data, &r->data)) {
			snprintf(err, errlen, "percpu_ref.data at %#llx not readable",
				 (unsigned long long)addr);
			return -1;
		}
		base = r->data;
		oc = l->prd_count, orl = l->prd_release, ocs = l->prd_confirm;
	}
	if (base && dt_kptr_ok(base, 8) &&
	    dt_read_u64(t, base + (uint64_t)oc, &r->count) == 0 &&
	    dt_read_u64(t, base + (uint64_t)orl, &r->release) == 0 &&
	    dt_read_u64(t, base + (uint64_t)ocs, &r->confirm_switch) == 0) {
		r->data_ok = 1;
		if (r->split && l->prd_ref >= 0)
			dt_read_u64(t, base + (uint64_t)l->prd_ref, &r->data_ref);
	}
	static int cpus[DT_MAX_CPUS];
	static uint64_t offs[DT_MAX_CPUS];
	int n = dt_possible_cpus(t, cpus, offs, DT_MAX_CPUS);
	r->nr_cpus = n;
	uint64_t pcp = r->percpu_count_ptr & ~(uint64_t)DT_PERCPU_REF_ATOMIC_DEAD;
	if (n > 0 && pcp) {
		r->percpu_ok = 1;
		for (int i = 0; i < n; i++) {
			uint64_t v;
			if (dt_read_u64(t, pcp + offs[i], &v)) {
				r->percpu_ok = 0;
				break;
			}
			if (i < 64) {
				r->percpu[i] = v;
				r->cpu[i] = cpus[i];
			}
			r->percpu_sum += v;
		}
	}
	return 0;
}
