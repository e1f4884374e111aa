/* test_escape.c: the display form of dump bytes (core/escape.c) and that every name the core
 * reads from the dump comes out in it: a dentry name, a task comm and a symbol name written
 * into the truncate-pinned recording (the rule's vectors, shared with the drgn front end, are
 * in test_vectors.c). */
#include <string.h>
#include "escape.h"
#include "oops.h"
#include "page.h"
#include "tasks.h"
#include "tp.h"

/* No byte a terminal acts on: C0, DEL, ESC, and no C1 (0xc2 0x80-0x9f in UTF-8). */
static int display_safe(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return 0;
	return 1;
}

TEST(test_escape_inplace_and_truncation)
{
	char s[16] = "a\x1b[2J\n";
	dt_escape_inplace(s, sizeof(s));
	CHECK_STR(s, "a\\x1b[2J\\x0a");
	char full[8] = { 'a', 'b', '\\', 'c', 1, 'd', 'e', 'f' };	/* no NUL */
	dt_escape_inplace(full, sizeof(full));
	CHECK_STR(full, "ab\\\\c");	/* whole escapes only: "\x01" does not fit */
	char out[8];
	CHECK_EQ(dt_escape("abc\xff", 4, out, sizeof(out)), 4);
	CHECK_STR(out, "abc\\xff");
	CHECK_EQ(dt_escape("abcd\xff", 5, out, sizeof(out)), 4);	/* source bytes consumed */
	CHECK_STR(out, "abcd");
}

/* Point the dentry of the pinned page's inode at NAME (len bytes + NUL) and describe the page. */
static void describe_with_name(const char *name, size_t len, struct dt_page_info *pi)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = tp_load(&t, &l);
	CHECK_EQ(dt_page_describe(&t, &l, TP_PFN, pi), 0);
	CHECK(pi->dentry != 0);
	const uint64_t where = 0xffff8902c0fe0000ULL;	/* unused in the recording */
	char buf[260] = { 0 };
	memcpy(buf, name, len);
	fake_mem(f, where, buf, len + 1);
	fake_u64(f, pi->dentry + (uint64_t)l.d_name_name, where);
	CHECK_EQ(dt_page_describe(&t, &l, TP_PFN, pi), 0);
	fake_free(f);
}

TEST(test_escape_dentry_name_from_the_dump)
{
	struct dt_page_info pi;
	static const char hostile[] = "esc\x1b[2J\x1b]0;pwned\x07\n\xff.dat";
	describe_with_name(hostile, sizeof(hostile) - 1, &pi);
	CHECK_STR(pi.dname, "esc\\x1b[2J\\x1b]0;pwned\\x07\\x0a\\xff.dat");

	/* NAME_MAX bytes that all need an escape: 4 * 255 bytes, none lost */
	char worst[255];
	memset(worst, 0x01, sizeof(worst));
	describe_with_name(worst, sizeof(worst), &pi);
	CHECK_EQ(strlen(pi.dname), 4 * 255);
	CHECK(display_safe(pi.dname));
	CHECK(strncmp(pi.dname + 4 * 254, "\\x01", 5) == 0);

	/* NAME_MAX bytes of valid UTF-8 are kept as they are */
	char longname[256];
	memset(longname, 'x', 253);
	memcpy(longname + 253, "\xc3\xa9", 3);
	describe_with_name(longname, 255, &pi);
	CHECK_STR(pi.dname, longname);
}

struct find_task {
	uint64_t task;
	char comm[DT_COMM_BUF];
};

static int comm_cb(void *arg, const struct dt_task *tk)
{
	struct find_task *ft = arg;
	if (tk->task == ft->task)
		memcpy(ft->comm, tk->comm, sizeof(ft->comm));
	return 0;
}

TEST(test_escape_task_comm_from_the_dump)
{
	struct dt_target t;
	struct dt_layout l;
	struct dt_tlayout tl;
	struct fake *f = tp_load(&t, &l);
	CHECK_EQ(dt_tasks_probe(&t, &tl), 0);
	/* 16 bytes, no NUL: what prctl(PR_SET_NAME) cannot do, a corrupted dump can */
	fake_mem(f, TP_HOLDER_TASK + (uint64_t)tl.t_comm, "dh\x1b]0;x\x07\n\xff\x7f\\\x9b\xc2\x9bZ", 16);
	struct find_task ft = { TP_HOLDER_TASK, "" };
	char err[200] = "";
	CHECK_EQ(dt_for_each_task(&t, &tl, comm_cb, &ft, err, sizeof(err)), 0);
	CHECK_STR(ft.comm, "dh\\x1b]0;x\\x07\\x0a\\xff\\x7f\\\\\\x9b\\xc2\\x9bZ");
	fake_free(f);
}

TEST(test_escape_symbol_name_from_the_dump)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = tp_load(&t, &l);
	fake_name(f, 0xffffffffc0001234ULL, "evil\x1b[2J+0x4");
	char buf[64];
	CHECK_STR(dt_symname(&t, 0xffffffffc0001234ULL, buf, sizeof(buf)), "evil\\x1b[2J+0x4");
	fake_free(f);
}

/* The oops lines CHK-D3 quotes are log text: a task's comm, symbols, anything printk got. */
TEST(test_escape_oops_lines_from_the_log)
{
	struct dt_oops o;
	dt_oops_init(&o);
	dt_oops_line(&o, "BUG: kernel NULL pointer dereference, address: 0000000000000008\x1b[2J");
	dt_oops_line(&o, "CPU: 1 PID: 156 Comm: a\x1b]0;x\x07\xff Tainted: G O 6.1.0-56-amd64 #1");
	dt_oops_line(&o, "RIP: 0010:evil\x1b[31m+0x7c/0xb0");
	dt_oops_line(&o, "Kernel panic - not syncing: \x9b\x07");
	CHECK_STR(o.bug, "BUG: kernel NULL pointer dereference, address: 0000000000000008\\x1b[2J");
	CHECK_EQ(o.address, 8);
	CHECK_STR(o.comm, "a\\x1b]0;x\\x07\\xff");
	CHECK_STR(o.rip, "evil\\x1b[31m+0x7c/0xb0");
	CHECK_STR(o.func, "evil\\x1b[31m");
	CHECK_STR(o.panic, "Kernel panic - not syncing: \\x9b\\x07");
	CHECK(display_safe(o.bug) && display_safe(o.comm) && display_safe(o.rip) && display_safe(o.panic));
}
