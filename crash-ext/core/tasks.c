/* tasks.c: tasks, stacks, pipes and wait tables from raw memory (see tasks.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tasks.h"
#include "escape.h"
#include "folio.h"

/* S_IFMT / S_IFIFO (include/uapi/linux/stat.h) */
#define DT_S_IFMT 0170000
#define DT_S_IFIFO 0010000
/* WAIT_TABLE_BITS 8 (kernel/sched/wait_bit.c); DAX_WAIT_TABLE_BITS 12 (fs/dax.c) */
#define DT_WAIT_TABLE_SIZE 256
#define DT_DAX_WAIT_TABLE_ENTRIES 4096
#define DT_WAITERS_MAX 64	/* per bucket */
#define DT_FDS_MAX 65536
#define DT_PIPE_SLOTS_MAX 4096

int dt_tasks_probe(const struct dt_target *t, struct dt_tlayout *tl)
{
	memset(tl, 0, sizeof(*tl));
	tl->t_tasks = dt_member_offset(t, "task_struct", "tasks");
	tl->t_thread_group = dt_member_offset(t, "task_struct", "thread_group");
	tl->t_pid = dt_member_offset(t, "task_struct", "pid");
	tl->t_tgid = dt_member_offset(t, "task_struct", "tgid");
	tl->t_comm = dt_member_offset(t, "task_struct", "comm");
	tl->t_stack = dt_member_offset(t, "task_struct", "stack");
	/* "sched: Change task_struct::state" (2f064a59a11f, v5.14) renamed state to __state */
	tl->t_state = dt_member_offset(t, "task_struct", "__state");
	tl->t_state_size = dt_member_size(t, "task_struct", "__state");
	if (tl->t_state < 0) {
		tl->t_state = dt_member_offset(t, "task_struct", "state");
		tl->t_state_size = dt_member_size(t, "task_struct", "state");
	}
	tl->t_thread = dt_member_offset(t, "task_struct", "thread");
	long sp = dt_member_offset(t, "thread_struct", "sp");	/* x86_64 */
	tl->th_sp = tl->t_thread >= 0 && sp >= 0 ? tl->t_thread + sp : DT_NO;
	tl->t_files = dt_member_offset(t, "task_struct", "files");
	tl->fs_fdt = dt_member_offset(t, "files_struct", "fdt");
	tl->fdt_max_fds = dt_member_offset(t, "fdtable", "max_fds");
	tl->fdt_fd = dt_member_offset(t, "fdtable", "fd");
	tl->f_inode = dt_member_offset(t, "file", "f_inode");
	tl->i_mode = dt_member_offset(t, "inode", "i_mode");
	tl->i_pipe = dt_member_offset(t, "inode", "i_pipe");
	tl->pi_bufs = dt_member_offset(t, "pipe_inode_info", "bufs");
	/* "pipe: Use head and tail pointers for the ring, not cursor and length" (8cefc107ca54, v5.5) */
	tl->pi_ring_size = dt_member_offset(t, "pipe_inode_info", "ring_size");
	tl->pi_head = dt_member_offset(t, "pipe_inode_info", "head");
	tl->pi_tail = dt_member_offset(t, "pipe_inode_info", "tail");
	tl->pi_nrbufs = dt_member_offset(t, "pipe_inode_info", "nrbufs");
	tl->pi_curbuf = dt_member_offset(t, "pipe_inode_info", "curbuf");
	tl->pi_buffers = dt_member_offset(t, "pipe_inode_info", "buffers");
	tl->pb_page = dt_member_offset(t, "pipe_buffer", "page");
	tl->pb_offset = dt_member_offset(t, "pipe_buffer", "offset");
	tl->pb_len = dt_member_offset(t, "pipe_buffer", "len");
	tl->pb_ops = dt_member_offset(t, "pipe_buffer", "ops");
	tl->pb_size = dt_type_size(t, "pipe_buffer");
	tl->pg_compound_head = dt_member_offset(t, "page", "compound_head");
	/* renamed compound_info, possibly a mask (folio.h) */
	tl->pg_compound_info = tl->pg_compound_head < 0;
	if (tl->pg_compound_info)
		tl->pg_compound_head = dt_member_offset(t, "page", "compound_info");
	tl->wqh_head = dt_member_offset(t, "wait_queue_head", "head");
	tl->wqh_size = dt_type_size(t, "wait_queue_head");
	tl->wqe_private = dt_member_offset(t, "wait_queue_entry", "private");
	tl->wqe_func = dt_member_offset(t, "wait_queue_entry", "func");
	tl->wqe_entry = dt_member_offset(t, "wait_queue_entry", "entry");
	tl->wbq_key = dt_member_offset(t, "wait_bit_queue_entry", "key");
	tl->wbq_wq_entry = dt_member_offset(t, "wait_bit_queue_entry", "wq_entry");
	tl->wbk_flags = dt_member_offset(t, "wait_bit_key", "flags");
	tl->wbk_bit_nr = dt_member_offset(t, "wait_bit_key", "bit_nr");
	tl->weq_wait = dt_member_offset(t, "wait_exceptional_entry_queue", "wait");
	tl->weq_key = dt_member_offset(t, "wait_exceptional_entry_queue", "key");
	tl->eek_xa = dt_member_offset(t, "exceptional_entry_key", "xa");
	tl->eek_entry_start = dt_member_offset(t, "exceptional_entry_key", "entry_start");
	/* THREAD_SIZE: 16 KiB on x86_64 since v3.15 (6538b8ea886e); KASAN doubles it */
	tl->thread_size = 16384;
	if (dt_symbol(t, "init_task", &tl->init_task) || tl->t_tasks < 0 || tl->t_pid < 0 ||
	    tl->t_comm < 0) {
		snprintf(tl->error, sizeof(tl->error),
			 "no init_task or task_struct.tasks/pid/comm in debuginfo");
		return -1;
	}
	tl->ok = 1;
	return 0;
}

static char state_letter(uint32_t s)
{
	/* include/linux/sched.h: TASK_RUNNING 0, INTERRUPTIBLE 1, UNINTERRUPTIBLE 2,
	 * __TASK_STOPPED 4, __TASK_TRACED 8, EXIT_DEAD 0x10, EXIT_ZOMBIE 0x20, TASK_IDLE =
	 * UNINTERRUPTIBLE|TASK_NOLOAD (0x402) */
	if (s == 0)
		return 'R';
	if ((s & 0x402) == 0x402)
		return 'I';
	if (s & 1)
		return 'S';
	if (s & 2)
		return 'D';
	if (s & 4)
		return 'T';
	if (s & 8)
		return 't';
	if (s & 0x20)
		return 'Z';
	if (s & 0x10)
		return 'X';
	return '?';
}

static int read_task(const struct dt_target *t, const struct dt_tlayout *tl, uint64_t task,
		     struct dt_task *out)
{
	memset(out, 0, sizeof(*out));
	out->task = task;
	uint32_t v;
	if (dt_read_u32(t, task + (uint64_t)tl->t_pid, &v))
		return -1;
	out->pid = (int)v;
	if (tl->t_tgid >= 0 && dt_read_u32(t, task + (uint64_t)tl->t_tgid, &v) == 0)
		out->tgid = (int)v;
	dt_read(t, task + (uint64_t)tl->t_comm, out->comm, 16);
	out->comm[16] = '\0';
	dt_escape_inplace(out->comm, sizeof(out->comm));	/* a comm is whatever prctl() set */
	if (tl->t_state >= 0 && dt_read_u32(t, task + (uint64_t)tl->t_state, &v) == 0) {
		out->state_raw = v;
		out->state = state_letter(v);
	} else {
		out->state = '?';
	}
	if (tl->t_stack >= 0)
		dt_read_u64(t, task + (uint64_t)tl->t_stack, &out->stack);
	if (tl->th_sp >= 0)
		dt_read_u64(t, task + (uint64_t)tl->th_sp, &out->sp);
	return 0;
}

int dt_for_each_task(const struct dt_target *t, const struct dt_tlayout *tl, dt_task_cb cb,
		     void *arg, char *err, size_t errlen)
{
	if (!tl->ok) {
		snprintf(err, errlen, "%s", tl->error);
		return -1;
	}
	uint64_t head = tl->init_task + (uint64_t)tl->t_tasks, pos = head;
	int n = 0;
	do {
		uint64_t leader = pos - (uint64_t)tl->t_tasks;
		/* the leader, then its other threads (thread_group list, before v6.7) */
		uint64_t thead = tl->t_thread_group >= 0 ? leader + (uint64_t)tl->t_thread_group : 0;
		uint64_t tpos = thead;
		int nt = 0;
		do {
			uint64_t task = thead && tpos != thead ? tpos - (uint64_t)tl->t_thread_group
							       : leader;
			struct dt_task tk;
			if (read_task(t, tl, task, &tk) == 0 && cb(arg, &tk))
				return 0;
			if (++n > DT_TASKS_MAX) {
				snprintf(err, errlen, "more than %d tasks: task list looks cyclic",
					 DT_TASKS_MAX);
				return -1;
			}
			if (!thead || dt_read_u64(t, tpos, &tpos) || !dt_kptr_ok(tpos, 8) ||
			    ++nt > 65536)
				break;
		} while (tpos != thead);
		if (dt_read_u64(t, pos, &pos) || !dt_kptr_ok(pos, 8)) {
			snprintf(err, errlen, "task list broken after task %#llx",
				 (unsigned long long)leader);
			return -1;
		}
	} while (pos != head);
	return 0;
}

static int is_text(uint64_t w)
{
	/* x86_64: kernel text (__START_KERNEL_map + ...) and the module area */
	return w >= 0xffffffff80000000ULL && w < 0xffffffffff000000ULL;
}

int dt_task_frames(const struct dt_target *t, const struct dt_tlayout *tl,
		   const struct dt_task *task, struct dt_frames *fr)
{
	memset(fr, 0, sizeof(*fr));
	if (!dt_kptr_ok(task->stack, 4096) || !t->symbol_name)
		return -1;
	uint64_t lo = task->stack, hi = task->stack + tl->thread_size;
	uint64_t from = task->sp >= lo && task->sp < hi ? task->sp & ~7ULL : lo;
	size_t len = (size_t)(hi - from);
	unsigned char *buf = malloc(len);
	if (!buf)
		return -1;
	if (dt_read(t, from, buf, len)) {
		free(buf);
		return -1;
	}
	fr->stack_read = 1;
	for (size_t i = 0; i + 8 <= len && fr->n < DT_FRAMES_MAX; i += 8) {
		uint64_t w = dt_get_u64(buf, (long)i);
		if (!is_text(w))
			continue;
		char name[128];
		const char *s = dt_symname(t, w, name, sizeof(name));	/* display form */
		/* a return address is inside a function, never at its first byte */
		if (!s || !strchr(s, '+'))
			continue;
		snprintf(fr->name[fr->n++], sizeof(fr->name[0]), "%s", s);
	}
	free(buf);
	return 0;
}

const char *dt_frames_match(const struct dt_frames *fr, const char *const *names)
{
	for (int i = 0; i < fr->n; i++) {
		size_t l = strcspn(fr->name[i], "+");
		for (int k = 0; names[k]; k++)
			if (strlen(names[k]) == l && strncmp(fr->name[i], names[k], l) == 0)
				return fr->name[i];
	}
	return NULL;
}

struct pipe_scan {
	const struct dt_target *t;
	const struct dt_tlayout *tl;
	const uint64_t *pages;
	int n;
	dt_pipe_cb cb;
	void *arg;
	int stop;
	uint64_t seen_pipe[64];	/* per task: pipes already reported */
	int nseen;
};

/* page itself, or the head of the compound page it is a tail of, if asked for */
static uint64_t page_wanted(const struct pipe_scan *ps, uint64_t page)
{
	for (int i = 0; i < ps->n; i++)
		if (ps->pages[i] == page)
			return page;
	uint64_t word;
	if (ps->tl->pg_compound_head >= 0 &&
	    dt_read_u64(ps->t, page + (uint64_t)ps->tl->pg_compound_head, &word) == 0 && (word & 1)) {
		uint64_t head = dt_compound_head(ps->tl->pg_compound_info, word, page);
		for (int i = 0; i < ps->n; i++)
			if (ps->pages[i] == head)
				return head;
	}
	return 0;
}

static void scan_pipe(struct pipe_scan *ps, const struct dt_task *tk, int fd, uint64_t file,
		      uint64_t pipe)
{
	const struct dt_target *t = ps->t;
	const struct dt_tlayout *tl = ps->tl;
	for (int i = 0; i < ps->nseen; i++)
		if (ps->seen_pipe[i] == pipe)
			return;
	if (ps->nseen < 64)
		ps->seen_pipe[ps->nseen++] = pipe;
	uint64_t bufs;
	uint32_t slots = 0;
	if (dt_read_u64(t, pipe + (uint64_t)tl->pi_bufs, &bufs) || !dt_kptr_ok(bufs, 8))
		return;
	if (tl->pi_ring_size >= 0)
		dt_read_u32(t, pipe + (uint64_t)tl->pi_ring_size, &slots);
	else if (tl->pi_buffers >= 0)
		dt_read_u32(t, pipe + (uint64_t)tl->pi_buffers, &slots);
	if (slots == 0 || slots > DT_PIPE_SLOTS_MAX || tl->pb_size <= 0 || tl->pb_size > 256)
		return;
	size_t len = (size_t)slots * (size_t)tl->pb_size;
	unsigned char *b = malloc(len);
	if (!b)
		return;
	/* occupied slots: tail..head-1 modulo ring_size (5.5+); a released slot keeps its
	 * page pointer but has ops NULL (pipe_buf_release), which is the test elsewhere */
	uint32_t head = 0, tail = 0;
	int ring = tl->pi_head >= 0 && tl->pi_tail >= 0 &&
		   dt_read_u32(t, pipe + (uint64_t)tl->pi_head, &head) == 0 &&
		   dt_read_u32(t, pipe + (uint64_t)tl->pi_tail, &tail) == 0;
	if (dt_read(t, bufs, b, len) == 0) {
		for (uint32_t s = 0; s < slots && !ps->stop; s++) {
			const unsigned char *pb = b + (size_t)s * (size_t)tl->pb_size;
			uint64_t page = dt_get_u64(pb, tl->pb_page);
			uint32_t blen = tl->pb_len >= 0 ? dt_get_u32(pb, tl->pb_len) : 1;
			uint64_t ops = tl->pb_ops >= 0 ? dt_get_u64(pb, tl->pb_ops) : 1;
			int occupied = ring ? ((s - tail) & (slots - 1)) < head - tail : ops != 0;
			if (ring && (slots & (slots - 1)))
				occupied = ops != 0;	/* ring_size is a power of 2; else ops */
			uint64_t want;
			if (!page || !occupied || !(want = page_wanted(ps, page)))
				continue;
			struct dt_pipe_ref r = { .pid = tk->pid, .fd = fd, .file = file, .pipe = pipe,
						 .page = page, .head = want, .slot = (int)s, .len = blen };
			memcpy(r.comm, tk->comm, sizeof(r.comm));
			if (tl->pb_offset >= 0)
				r.offset = dt_get_u32(pb, tl->pb_offset);
			if (tl->pb_ops >= 0)
				r.ops = dt_get_u64(pb, tl->pb_ops);
			if (ps->cb(ps->arg, &r))
				ps->stop = 1;
		}
	}
	free(b);
}

static int pipe_task_cb(void *arg, const struct dt_task *tk)
{
	struct pipe_scan *ps = arg;
	const struct dt_target *t = ps->t;
	const struct dt_tlayout *tl = ps->tl;
	if (tk->tgid && tk->pid != tk->tgid)
		return 0;	/* threads share the leader's files */
	uint64_t files, fdt, fdarr;
	uint32_t max;
	if (dt_read_u64(t, tk->task + (uint64_t)tl->t_files, &files) || !dt_kptr_ok(files, 8) ||
	    dt_read_u64(t, files + (uint64_t)tl->fs_fdt, &fdt) || !dt_kptr_ok(fdt, 8) ||
	    dt_read_u32(t, fdt + (uint64_t)tl->fdt_max_fds, &max) ||
	    dt_read_u64(t, fdt + (uint64_t)tl->fdt_fd, &fdarr) || !dt_kptr_ok(fdarr, 8))
		return 0;
	if (max > DT_FDS_MAX)
		max = DT_FDS_MAX;
	uint64_t *fds = malloc((size_t)max * 8);
	if (!fds)
		return 0;
	ps->nseen = 0;
	if (dt_read(t, fdarr, fds, (size_t)max * 8) == 0) {
		for (uint32_t fd = 0; fd < max && !ps->stop; fd++) {
			uint64_t file = dt_get_u64(fds, (long)fd * 8), inode, pipe;
			uint16_t mode;
			if (!dt_kptr_ok(file, 8) ||
			    dt_read_u64(t, file + (uint64_t)tl->f_inode, &inode) ||
			    !dt_kptr_ok(inode, 8) ||
			    dt_read(t, inode + (uint64_t)tl->i_mode, &mode, 2) ||
			    (mode & DT_S_IFMT) != DT_S_IFIFO ||
			    dt_read_u64(t, inode + (uint64_t)tl->i_pipe, &pipe) || !dt_kptr_ok(pipe, 8))
				continue;
			scan_pipe(ps, tk, (int)fd, file, pipe);
		}
	}
	free(fds);
	return ps->stop;
}

int dt_pipe_scan(const struct dt_target *t, const struct dt_tlayout *tl, const uint64_t *pages,
		 int n, dt_pipe_cb cb, void *arg, char *err, size_t errlen)
{
	if (tl->t_files < 0 || tl->fs_fdt < 0 || tl->fdt_fd < 0 || tl->fdt_max_fds < 0 ||
	    tl->f_inode < 0 || tl->i_mode < 0 || tl->i_pipe < 0 || tl->pi_bufs < 0 ||
	    tl->pb_page < 0) {
		snprintf(err, errlen, "files/fdtable/pipe_inode_info/pipe_buffer not in debuginfo");
		return -1;
	}
	struct pipe_scan *ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -1;
	*ps = (struct pipe_scan){ .t = t, .tl = tl, .pages = pages, .n = n, .cb = cb, .arg = arg };
	int rc = dt_for_each_task(t, tl, pipe_task_cb, ps, err, errlen);
	free(ps);
	return rc;
}

/* Walk the wait queues of a table of heads; decode each entry with dec(). */
typedef int (*wdecode)(const struct dt_target *t, const struct dt_tlayout *tl, uint64_t entry,
		       struct dt_waiter *w);

static int walk_table(const struct dt_target *t, const struct dt_tlayout *tl, uint64_t table,
		      int nheads, wdecode dec, dt_waiter_cb cb, void *arg, char *err,
		      size_t errlen)
{
	size_t hs = (size_t)tl->wqh_size, len = hs * (size_t)nheads;
	unsigned char *b = malloc(len);
	if (!b)
		return -1;
	if (dt_read(t, table, b, len)) {
		free(b);
		snprintf(err, errlen, "wait table at %#llx not readable", (unsigned long long)table);
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < nheads && !rc; i++) {
		uint64_t head = table + (uint64_t)i * hs + (uint64_t)tl->wqh_head;
		uint64_t pos = dt_get_u64(b, (long)((size_t)i * hs) + tl->wqh_head);
		for (int k = 0; pos != head && k < DT_WAITERS_MAX; k++) {
			if (!dt_kptr_ok(pos, 8))
				break;
			struct dt_waiter w = { .bucket = i };
			w.entry = pos - (uint64_t)tl->wqe_entry;
			dt_read_u64(t, w.entry + (uint64_t)tl->wqe_private, &w.task);
			dt_read_u64(t, w.entry + (uint64_t)tl->wqe_func, &w.func);
			if (dec(t, tl, w.entry, &w) == 0 && cb(arg, &w)) {
				rc = 1;
				break;
			}
			if (dt_read_u64(t, pos, &pos))
				break;
		}
	}
	free(b);
	return 0;
}

static int dec_bit(const struct dt_target *t, const struct dt_tlayout *tl, uint64_t entry,
		   struct dt_waiter *w)
{
	uint64_t wbq = entry - (uint64_t)tl->wbq_wq_entry;
	uint32_t bit;
	if (dt_read_u64(t, wbq + (uint64_t)tl->wbq_key + (uint64_t)tl->wbk_flags, &w->key0) ||
	    dt_read_u32(t, wbq + (uint64_t)tl->wbq_key + (uint64_t)tl->wbk_bit_nr, &bit))
		return -1;
	w->key1 = (uint64_t)(int64_t)(int32_t)bit;
	return 0;
}

int dt_var_waiters(const struct dt_target *t, const struct dt_tlayout *tl, dt_waiter_cb cb,
		   void *arg, char *err, size_t errlen)
{
	uint64_t table;
	if (dt_symbol(t, "bit_wait_table", &table) || tl->wqh_size <= 0 || tl->wqh_head < 0 ||
	    tl->wqe_entry < 0 || tl->wbq_wq_entry < 0 || tl->wbq_key < 0 || tl->wbk_flags < 0) {
		snprintf(err, errlen, "bit_wait_table or wait_bit_queue_entry not in debuginfo");
		return -1;
	}
	return walk_table(t, tl, table, DT_WAIT_TABLE_SIZE, dec_bit, cb, arg, err, errlen);
}

static int dec_dax(const struct dt_target *t, const struct dt_tlayout *tl, uint64_t entry,
		   struct dt_waiter *w)
{
	uint64_t q = entry - (uint64_t)tl->weq_wait;
	if (dt_read_u64(t, q + (uint64_t)tl->weq_key + (uint64_t)tl->eek_xa, &w->key0) ||
	    dt_read_u64(t, q + (uint64_t)tl->weq_key + (uint64_t)tl->eek_entry_start, &w->key1))
		return -1;
	return 0;
}

int dt_dax_entry_waiters(const struct dt_target *t, const struct dt_tlayout *tl,
			 dt_waiter_cb cb, void *arg, char *err, size_t errlen)
{
	uint64_t table;
	if (dt_symbol(t, "wait_table", &table) || tl->wqh_size <= 0 || tl->wqh_head < 0 ||
	    tl->wqe_entry < 0 || tl->weq_wait < 0 || tl->weq_key < 0 || tl->eek_xa < 0 ||
	    tl->eek_entry_start < 0) {
		snprintf(err, errlen, "fs/dax.c wait_table or its {xa, entry_start} key not in "
				      "debuginfo (needs the 4.20+ layout)");
		return -1;
	}
	return walk_table(t, tl, table, DT_DAX_WAIT_TABLE_ENTRIES, dec_dax, cb, arg, err, errlen);
}
