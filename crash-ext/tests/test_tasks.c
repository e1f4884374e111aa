/* test_tasks.c: tasks, stacks, pipes and wait tables (core/tasks.c) on the truncate-pinned
 * recording; expected values from its truth.json (tasks, proc_tasks wchan, construction). */
#include <string.h>
#include "tasks.h"
#include "tp.h"

struct seen {
	int n, found141, found139;
	struct dt_task t141;
};

static int count_cb(void *arg, const struct dt_task *tk)
{
	struct seen *s = arg;
	s->n++;
	if (tk->task == TP_BLOCKED_TASK) {
		s->found141 = 1;
		s->t141 = *tk;
	}
	if (tk->task == TP_HOLDER_TASK)
		s->found139 = tk->pid == 139;
	return 0;
}

TEST(test_tasks_walk_from_init_task)
{
	struct dt_target t;
	struct dt_layout l;
	struct dt_tlayout tl;
	struct fake *f = tp_load(&t, &l);
	CHECK_EQ(dt_tasks_probe(&t, &tl), 0);
	struct seen s = { 0 };
	char err[200] = "";
	CHECK_EQ(dt_for_each_task(&t, &tl, count_cb, &s, err, sizeof(err)), 0);
	CHECK(s.n > 50);
	CHECK(s.found139);
	CHECK(s.found141);
	CHECK_EQ(s.t141.pid, 141);
	CHECK_STR(s.t141.comm, "daxhold");
	CHECK_EQ(s.t141.state, 'S');	/* ___wait_var_event(TASK_INTERRUPTIBLE) */
	fake_free(f);
}

TEST(test_tasks_stack_scan_finds_ext4_break_layouts)
{
	struct dt_target t;
	struct dt_layout l;
	struct dt_tlayout tl;
	struct fake *f = tp_load(&t, &l);
	dt_tasks_probe(&t, &tl);
	struct seen s = { 0 };
	char err[200];
	dt_for_each_task(&t, &tl, count_cb, &s, err, sizeof(err));
	struct dt_frames fr;
	CHECK_EQ(dt_task_frames(&t, &tl, &s.t141, &fr), 0);
	static const char *const names[] = { "ext4_break_layouts", NULL };
	const char *m = dt_frames_match(&fr, names);
	CHECK(m != NULL);
	if (m)
		CHECK(strncmp(m, "ext4_break_layouts+", 19) == 0);
	static const char *const trunc[] = { "do_truncate", NULL };
	CHECK(dt_frames_match(&fr, trunc) != NULL);
	static const char *const none[] = { "xfs_break_dax_layouts", NULL };
	CHECK(dt_frames_match(&fr, none) == NULL);
	fake_free(f);
}

struct holders {
	int n, pids[8];
	uint64_t pipe;
};

static int pipe_cb(void *arg, const struct dt_pipe_ref *r)
{
	struct holders *h = arg;
	if (h->n < 8)
		h->pids[h->n++] = r->pid;
	h->pipe = r->pipe;
	return 0;
}

TEST(test_tasks_pipe_buffers_hold_the_pinned_page)
{
	struct dt_target t;
	struct dt_layout l;
	struct dt_tlayout tl;
	struct fake *f = tp_load(&t, &l);
	dt_tasks_probe(&t, &tl);
	uint64_t page = TP_PAGE;
	struct holders h = { 0 };
	char err[200] = "";
	CHECK_EQ(dt_pipe_scan(&t, &tl, &page, 1, pipe_cb, &h, err, sizeof(err)), 0);
	/* the holder (139) made the pipe; its child (141) inherited the descriptors */
	CHECK_EQ(h.n, 2);
	int has139 = 0;
	for (int i = 0; i < h.n; i++)
		has139 |= h.pids[i] == 139;
	CHECK(has139);
	fake_free(f);
}

struct vw {
	int n, hit;
};

static int var_cb(void *arg, const struct dt_waiter *w)
{
	struct vw *v = arg;
	v->n++;
	/* ___wait_var_event(&page->_refcount, ...): bit_nr -1, key = &page->_refcount (+0x34) */
	if (w->task == TP_BLOCKED_TASK && w->key0 == TP_PAGE + 0x34 && w->key1 == (uint64_t)-1)
		v->hit = 1;
	return 0;
}

TEST(test_tasks_var_waiter_names_the_page)
{
	struct dt_target t;
	struct dt_layout l;
	struct dt_tlayout tl;
	struct fake *f = tp_load(&t, &l);
	dt_tasks_probe(&t, &tl);
	struct vw v = { 0 };
	char err[200] = "";
	CHECK_EQ(dt_var_waiters(&t, &tl, var_cb, &v, err, sizeof(err)), 0);
	CHECK(v.hit);
	struct vw d = { 0 };
	CHECK_EQ(dt_dax_entry_waiters(&t, &tl, var_cb, &d, err, sizeof(err)), 0);
	CHECK_EQ(d.n, 0);	/* no task waits for a DAX entry lock */
	fake_free(f);
}

TEST(test_tasks_broken_list_ends_with_an_error)
{
	struct dt_target t;
	struct dt_layout l;
	struct dt_tlayout tl;
	struct fake *f = tp_load(&t, &l);
	dt_tasks_probe(&t, &tl);
	/* init_task.tasks.next -> garbage */
	fake_u64(f, tl.init_task + (uint64_t)tl.t_tasks, 0x1234);
	struct seen s = { 0 };
	char err[200] = "";
	CHECK_EQ(dt_for_each_task(&t, &tl, count_cb, &s, err, sizeof(err)), -1);
	CHECK(strstr(err, "task list broken") != NULL);
	/* a cycle that never returns to init_task stops at the cap */
	fake_u64(f, tl.init_task + (uint64_t)tl.t_tasks, TP_HOLDER_TASK + (uint64_t)tl.t_tasks);
	fake_u64(f, TP_HOLDER_TASK + (uint64_t)tl.t_tasks, TP_HOLDER_TASK + (uint64_t)tl.t_tasks);
	CHECK_EQ(dt_for_each_task(&t, &tl, count_cb, &s, err, sizeof(err)), -1);
	CHECK(strstr(err, "cyclic") != NULL);
	fake_free(f);
}
