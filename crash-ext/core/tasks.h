/*
 * tasks.h: tasks, their kernel stacks, their pipes, and the kernel's wait tables, read
 * straight from memory (init_task.tasks), so that the answer does not depend on the front
 * end's own task table (crash 8.0.2 cannot build one for Debian's 6.1.192; drgn can).
 *
 *   - stack scan: the words of a sleeping task's stack from its saved stack pointer to the
 *     top that are kernel text addresses, by symbol name (like crash's "bt -t");
 *   - pipes: every pipe_buffer of every pipe a task has open (vmsplice'd pages live there);
 *   - wait tables: bit_wait_table (wait_var_event waiters: the variable and the task) and
 *     fs/dax.c's wait_table (DAX entry waiters: the xarray and the entry index).
 * Every walk is bounded; a broken list ends the walk with an error, never a loop.
 */
#ifndef DT_TASKS_H
#define DT_TASKS_H

#include "escape.h"
#include "layout.h"

#define DT_TASKS_MAX 65536
#define DT_FRAMES_MAX 48

struct dt_tlayout {
	int ok;
	char error[160];
	uint64_t init_task;
	long t_tasks, t_thread_group, t_pid, t_tgid, t_comm, t_stack, t_state, t_state_size,
	     t_thread, th_sp, t_files;
	long fs_fdt, fdt_max_fds, fdt_fd;
	long f_inode, i_mode, i_pipe;
	long pi_bufs, pi_ring_size, pi_head, pi_tail, pi_nrbufs, pi_curbuf, pi_buffers;
	long pb_page, pb_offset, pb_len, pb_ops, pb_size;
	long pg_compound_head;		/* struct page: a tail's word names its head | 1 */
	int pg_compound_info;		/* ... or is compound_info (7.x), maybe a mask | 1 */
	long wqh_head, wqh_size, wqe_private, wqe_func, wqe_entry;
	long wbq_key, wbk_flags, wbk_bit_nr, wbq_wq_entry;
	long weq_wait, weq_key, eek_xa, eek_entry_start;
	uint64_t thread_size;
};

struct dt_task {
	uint64_t task;
	int pid, tgid;
	char comm[DT_COMM_BUF];	/* escaped (escape.h) */
	char state;		/* R S D T t I X Z ? */
	uint32_t state_raw;
	uint64_t stack, sp;
};

struct dt_frames {
	int n;
	int stack_read;		/* the stack was readable */
	char name[DT_FRAMES_MAX][64];	/* "ext4_break_layouts+0x8f", innermost first */
};

int dt_tasks_probe(const struct dt_target *t, struct dt_tlayout *tl);
/* Every thread (bounded).  cb returns nonzero to stop.  0, or -1 with err. */
typedef int (*dt_task_cb)(void *arg, const struct dt_task *task);
int dt_for_each_task(const struct dt_target *t, const struct dt_tlayout *tl, dt_task_cb cb,
		     void *arg, char *err, size_t errlen);
/* Kernel text addresses on the stack of a task (from its saved sp if inside the stack). */
int dt_task_frames(const struct dt_target *t, const struct dt_tlayout *tl,
		   const struct dt_task *task, struct dt_frames *fr);
/* The first frame whose function is one of names[] (NULL-terminated), or NULL. */
const char *dt_frames_match(const struct dt_frames *fr, const char *const *names);

/* A pipe buffer holding a page. */
struct dt_pipe_ref {
	int pid;
	char comm[DT_COMM_BUF];	/* escaped (escape.h) */
	int fd;
	uint64_t file, pipe, page;
	uint64_t head;		/* the compound head asked for, when page is one of its tails */
	int slot;
	uint32_t offset, len;
	uint64_t ops;
};
/* Every pipe buffer, of every pipe open in any task (thread-group leaders), whose page is
 * one of pages[0..n) or a tail page of one of them (compound devdax pages).  cb is called once per (task, pipe, slot).  0, or -1 with err. */
typedef int (*dt_pipe_cb)(void *arg, const struct dt_pipe_ref *r);
int dt_pipe_scan(const struct dt_target *t, const struct dt_tlayout *tl, const uint64_t *pages,
		 int n, dt_pipe_cb cb, void *arg, char *err, size_t errlen);

/* Waiters of a hashed wait table. */
struct dt_waiter {
	uint64_t entry;		/* the wait_queue_entry */
	uint64_t task;
	uint64_t func;
	uint64_t key0, key1;	/* bit_wait_table: var (flags), bit_nr; wait_table: xa, entry_start */
	int bucket;
};
typedef int (*dt_waiter_cb)(void *arg, const struct dt_waiter *w);
/* bit_wait_table[WAIT_TABLE_SIZE]: waiters with bit_nr -1 are wait_var_event waiters. */
int dt_var_waiters(const struct dt_target *t, const struct dt_tlayout *tl, dt_waiter_cb cb,
		   void *arg, char *err, size_t errlen);
/* fs/dax.c wait_table[DAX_WAIT_TABLE_ENTRIES]: DAX entry waiters (4.20+ key {xa, entry_start}). */
int dt_dax_entry_waiters(const struct dt_target *t, const struct dt_tlayout *tl,
			 dt_waiter_cb cb, void *arg, char *err, size_t errlen);

#endif
