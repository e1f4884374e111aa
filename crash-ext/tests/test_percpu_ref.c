/* test_percpu_ref.c: percpu_ref mode and true count in every state (kernel-facts D.3). */
#include <string.h>
#include "percpu_ref.h"
#include "unit.h"

#define BIAS DT_PERCPU_COUNT_BIAS
#define PCP 0x684d41200cf8ULL	/* a __percpu address (recorded, fsdax-ext4) */
#define DATA 0xffff8acd36fe0040ULL

static struct dt_pref_raw split(uint64_t P, uint64_t data, uint64_t count, uint64_t confirm,
				uint64_t sum)
{
	struct dt_pref_raw r;
	memset(&r, 0, sizeof(r));
	r.split = 1;
	r.percpu_count_ptr = P;
	r.data = data;
	r.data_ok = data != 0;
	r.count = count;
	r.release = 0xffffffff86360000ULL;
	r.confirm_switch = confirm;
	r.nr_cpus = 2;
	r.percpu_ok = 1;
	r.percpu_sum = sum;
	return r;
}

TEST(test_percpu_ref_percpu_mode_recorded)
{
	/* fsdax-ext4 pgmap->ref: count 0x8000000000000001, per-CPU 0 + 262144 (truth.json) */
	struct dt_pref_raw r = split(PCP, DATA, 0x8000000000000001ULL, 0, 262144);
	struct dt_pref_state s;
	dt_pref_evaluate(&r, &s);
	CHECK_EQ(s.mode, DT_PREF_PERCPU);
	CHECK(s.count_known);
	CHECK_EQ(s.true_count, 262145);
	CHECK_STR(s.rule, "biased+percpu");
	CHECK_STR(dt_pref_mode_name(s.mode), "percpu");
}

TEST(test_percpu_ref_signed_per_cpu_sum)
{
	/* a get on one CPU and the put on another: -3 and +5 sum to 2 */
	struct dt_pref_raw r = split(PCP, DATA, BIAS + 1, 0, (uint64_t)-3 + 5);
	struct dt_pref_state s;
	dt_pref_evaluate(&r, &s);
	CHECK_EQ(s.true_count, 3);
	/* a sum that is negative on its own: the atomic count carries the difference */
	r = split(PCP, DATA, BIAS + 10, 0, (uint64_t)-4);
	dt_pref_evaluate(&r, &s);
	CHECK_EQ(s.true_count, 6);
}

TEST(test_percpu_ref_switching_to_atomic)
{
	struct dt_pref_raw r = split(PCP | 1, DATA, BIAS + 2, 0xffffffff86361000ULL, 4);
	struct dt_pref_state s;
	dt_pref_evaluate(&r, &s);
	CHECK_EQ(s.mode, DT_PREF_SWITCHING);
	CHECK_EQ(s.true_count, 6);	/* still biased: add the per-CPU counters */
	/* after percpu_ref_switch_to_atomic_rcu() folded them in, before confirm cleared */
	r = split(PCP | 1, DATA, 6, 0xffffffff86361000ULL, 4);
	dt_pref_evaluate(&r, &s);
	CHECK_EQ(s.mode, DT_PREF_SWITCHING);
	CHECK_EQ(s.true_count, 6);
	CHECK_STR(s.rule, "atomic");
}

TEST(test_percpu_ref_atomic_ignores_stale_percpu)
{
	struct dt_pref_raw r = split(PCP | 1, DATA, 7, 0, 1000);
	struct dt_pref_state s;
	dt_pref_evaluate(&r, &s);
	CHECK_EQ(s.mode, DT_PREF_ATOMIC);
	CHECK_EQ(s.true_count, 7);
}

TEST(test_percpu_ref_dead)
{
	struct dt_pref_raw r = split(PCP | 3, DATA, 0, 0, 262144);
	struct dt_pref_state s;
	dt_pref_evaluate(&r, &s);
	CHECK_EQ(s.mode, DT_PREF_DEAD);
	CHECK_EQ(s.true_count, 0);
	/* kill in progress: DEAD set, count still biased */
	r = split(PCP | 3, DATA, BIAS + 0, 0xffffffff86361000ULL, 2);
	dt_pref_evaluate(&r, &s);
	CHECK_EQ(s.mode, DT_PREF_DEAD);
	CHECK_EQ(s.true_count, 2);
	CHECK(s.biased);
}

TEST(test_percpu_ref_exited)
{
	/* percpu_ref_exit(): data freed, percpu_count_ptr = ATOMIC_DEAD | count << 2 */
	struct dt_pref_raw r = split(3, 0, 0, 0, 0);
	struct dt_pref_state s;
	dt_pref_evaluate(&r, &s);
	CHECK_EQ(s.mode, DT_PREF_EXITED);
	CHECK_EQ(s.true_count, 0);
	r = split(3 | (5 << 2), 0, 0, 0, 0);
	dt_pref_evaluate(&r, &s);
	CHECK_EQ(s.true_count, 5);
	CHECK_STR(dt_pref_mode_name(s.mode), "exited");
}

TEST(test_percpu_ref_never_initialised)
{
	struct dt_pref_raw r = split(0, 0, 0, 0, 0);
	struct dt_pref_state s;
	dt_pref_evaluate(&r, &s);
	CHECK_EQ(s.mode, DT_PREF_UNINIT);
	CHECK(!s.count_known);
	CHECK_STR(dt_pref_mode_name(s.mode), "never-initialised");
	/* the pre-5.9 inline layout, zeroed (seed 001's internal_ref) */
	memset(&r, 0, sizeof(r));
	r.data_ok = 1;
	dt_pref_evaluate(&r, &s);
	CHECK_EQ(s.mode, DT_PREF_UNINIT);
}

TEST(test_percpu_ref_inline_layout)
{
	struct dt_pref_raw r;
	memset(&r, 0, sizeof(r));
	r.percpu_count_ptr = PCP;
	r.count = BIAS + 1;
	r.release = 0xffffffff86360000ULL;
	r.data_ok = 1;
	r.percpu_ok = 1;
	r.percpu_sum = 10;
	struct dt_pref_state s;
	dt_pref_evaluate(&r, &s);
	CHECK_EQ(s.mode, DT_PREF_PERCPU);
	CHECK_EQ(s.true_count, 11);
}

TEST(test_percpu_ref_unreadable_percpu)
{
	struct dt_pref_raw r = split(PCP, DATA, BIAS + 1, 0, 0);
	r.percpu_ok = 0;
	struct dt_pref_state s;
	dt_pref_evaluate(&r, &s);
	CHECK_EQ(s.mode, DT_PREF_PERCPU);
	CHECK(!s.count_known);
}
