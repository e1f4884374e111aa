/* test_oops.c: the oops of a kernel log (oops.c) and the member a small fault address is in
 * (oopsmap.c), on the lines of the reference threads and of the replicas' dumps. */
#include <string.h>
#include "fake.h"
#include "oops.h"
#include "oopsmap.h"
#include "printk.h"
#include <stdlib.h>
#include "unit.h"

static void feed(struct dt_oops *o, const char *const *lines)
{
	dt_oops_init(o);
	for (; *lines; lines++)
		dt_oops_line(o, *lines);
}

TEST(test_oops_seed_000_fs_dax_release)
{
	/* 000_397000eb75fbd991.txt: linux-next 20180404 */
	static const char *const log[] = {
		"[   11.278768] BUG: unable to handle kernel NULL pointer dereference at 0000000000000440",
		"[   11.279999] IP: fs_dax_release+0x5/0x90",
		"[   11.280973] Oops: 0000 [#1] SMP PTI",
		"[   11.281968] CPU: 1 PID: 1 Comm: swapper/0 Not tainted 4.16.0-rc4-00193-g8e4d1ccc5286 #7",
		"[   11.284418] RIP: 0010:fs_dax_release+0x5/0x90",
		"[   11.293602] CR2: 0000000000000440 CR3: 000000007d21e001 CR4: 00000000003606e0",
		NULL };
	struct dt_oops o;
	feed(&o, log);
	CHECK(o.found && o.have_address && o.null_deref);
	CHECK_EQ(o.address, 0x440);
	CHECK_STR(o.func, "fs_dax_release");
	CHECK_STR(o.rip, "fs_dax_release+0x5/0x90");
	CHECK_EQ(o.pid, 1);
	CHECK_STR(o.comm, "swapper/0");
}

TEST(test_oops_seed_001_and_replica)
{
	/* 001_648352dc504a39ae.txt (5.2-rc3) and the ref-exited replica (6.1.192): the second
	 * oops must not overwrite the first */
	static const char *const log[] = {
		"BUG: kernel NULL pointer dereference, address: 0000000000000008",
		"#PF: supervisor read access in kernel mode",
		"CPU: 15 PID: 1414 Comm: lt-libndctl Tainted: G OE",
		"RIP: 0010:percpu_ref_kill_and_confirm+0x1e/0x180",
		"RIP: 0033:0x47b7a0",
		"CR2: 0000000000000008 CR3: 0000000001a46000",
		"BUG: kernel NULL pointer dereference, address: 0000000000000010",
		"RIP: 0010:other+0x1/0x2",
		"Kernel panic - not syncing: Fatal exception",
		NULL };
	struct dt_oops o;
	feed(&o, log);
	CHECK_EQ(o.address, 8);
	CHECK_STR(o.func, "percpu_ref_kill_and_confirm");
	CHECK_EQ(o.pid, 1414);
	CHECK_STR(o.comm, "lt-libndctl");
	CHECK_STR(o.panic, "Kernel panic - not syncing: Fatal exception");
}

TEST(test_oops_sysrq_panic_is_no_oops)
{
	static const char *const log[] = {
		"[   22.499000] sysrq: Trigger a crash",
		"[   22.499925] Kernel panic - not syncing: sysrq triggered crash",
		"[   22.500790] RIP: 0033:0x47b7a0",
		NULL };
	struct dt_oops o;
	feed(&o, log);
	CHECK(!o.found && !o.have_address);
	CHECK_STR(o.panic, "Kernel panic - not syncing: sysrq triggered crash");
}

TEST(test_oopsmap_members_by_function)
{
	/* Debian 6.1.192's offsets (drgn on its vmlinux): dax_device 776 bytes, flags at 0x2e8;
	 * percpu_ref_data.release at 8, percpu_ref.data at 8 */
	struct fake *f = fake_new();
	struct dt_target t;
	fake_kv(f, "T dax_device", 776);
	fake_kv(f, "O dax_device flags", 0x2e8);
	fake_kv(f, "Z dax_device flags", 8);
	fake_kv(f, "O dax_device ops", 0x2f8);
	fake_kv(f, "Z dax_device ops", 8);
	fake_kv(f, "T percpu_ref_data", 56);
	fake_kv(f, "O percpu_ref_data count", 0);
	fake_kv(f, "Z percpu_ref_data count", 8);
	fake_kv(f, "O percpu_ref_data release", 8);
	fake_kv(f, "Z percpu_ref_data release", 8);
	fake_kv(f, "T percpu_ref", 16);
	fake_kv(f, "O percpu_ref percpu_count_ptr", 0);
	fake_kv(f, "Z percpu_ref percpu_count_ptr", 8);
	fake_kv(f, "O percpu_ref data", 8);
	fake_kv(f, "Z percpu_ref data", 8);
	fake_target(f, &t);
	struct dt_oopsmap m;
	CHECK_EQ(dt_oopsmap(&t, "dax_zero_page_range", 0x2e8, &m), 1);
	CHECK(m.related);
	CHECK_STR(m.hits[0].type, "dax_device");
	CHECK_STR(m.hits[0].member, "flags");
	CHECK_EQ(dt_oopsmap(&t, "percpu_ref_kill_and_confirm", 8, &m), 2);
	CHECK_STR(m.hits[0].type, "percpu_ref_data");
	CHECK_STR(m.hits[0].member, "release");
	CHECK_STR(m.hits[1].type, "percpu_ref");
	CHECK_STR(m.hits[1].member, "data");
	/* not a DAX function, or not a small address: nothing */
	CHECK_EQ(dt_oopsmap(&t, "sysrq_handle_crash", 0, &m), 0);
	CHECK(!m.related);
	CHECK_EQ(dt_oopsmap(&t, "dax_zero_page_range", 0x5000, &m), 0);
	/* past the end of every candidate: related, but no hit */
	CHECK_EQ(dt_oopsmap(&t, "dax_alive", 0x400, &m), 0);
	CHECK(m.related);
	fake_free(f);
}

/* A printk ring buffer built in fake memory: 4 descriptors, 256 bytes of text data, the
 * oldest descriptor reused (its id one wrap ahead of the tail is not a record), and a block
 * that would cross the end of the data ring stored at offset 0 (get_data()'s wrap rule). */
struct lines { int n; char text[8][80]; };

static void collect(void *arg, const char *line)
{
	struct lines *l = arg;
	if (l->n < 8)
		strncpy(l->text[l->n++], line, 79);
}

TEST(test_printk_ring_walk)
{
	const uint64_t prb = 0xffff888000100000ULL, descs = prb + 0x1000, infos = prb + 0x2000,
		       data = prb + 0x3000, sym = 0xffffffff82000000ULL;
	const uint64_t COMMITTED = 1ULL << 62, FINALIZED = 2ULL << 62;
	struct fake *f = fake_new();
	struct dt_target t;
	const char *kv[][2] = {
		{ "O printk_ringbuffer desc_ring", "0" }, { "O printk_ringbuffer text_data_ring", "48" },
		{ "O prb_desc_ring count_bits", "0" }, { "O prb_desc_ring descs", "8" },
		{ "O prb_desc_ring infos", "16" }, { "O prb_desc_ring head_id", "24" },
		{ "O prb_desc_ring tail_id", "32" }, { "O prb_data_ring size_bits", "0" },
		{ "O prb_data_ring data", "8" }, { "T prb_desc", "24" },
		{ "O prb_desc state_var", "0" }, { "O prb_desc text_blk_lpos", "8" },
		{ "O prb_data_blk_lpos begin", "0" }, { "O prb_data_blk_lpos next", "8" },
		{ "T printk_info", "88" }, { "O printk_info text_len", "16" } };
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		fake_kv(f, kv[i][0], atol(kv[i][1]));
	fake_kv(f, "S prb", (long)sym);
	fake_u64(f, sym, prb);
	unsigned char hdr[96] = { 0 };
	hdr[0] = 2;			/* count_bits: 4 descriptors */
	memcpy(hdr + 8, &descs, 8);
	memcpy(hdr + 16, &infos, 8);
	uint64_t head = 6, tail = 4;	/* ids 4, 5, 6 are records */
	memcpy(hdr + 24, &head, 8);
	memcpy(hdr + 32, &tail, 8);
	hdr[48] = 8;			/* size_bits: 256 bytes */
	memcpy(hdr + 56, &data, 8);
	fake_mem(f, prb, hdr, sizeof(hdr));
	unsigned char ring[256] = { 0 };
	struct { uint64_t id, begin, next; const char *text; uint64_t state; } rec[] = {
		{ 4, 256 + 130, 256 + 190, "first line", FINALIZED },
		/* would cross the end (256+200 .. 256+280): stored at 512+0 .. 512+24+8 */
		{ 5, 256 + 200, 512 + 72, "BUG: kernel NULL pointer dereference, address: 0000000000000008", COMMITTED },
		{ 6, 512 + 72, 512 + 128, "RIP: 0010:percpu_ref_kill_and_confirm+0x7c/0xb0", FINALIZED },
		{ 3, 0, 0, "", 0 } };
	for (int i = 0; i < 3; i++) {
		uint64_t boff = rec[i].begin & 255, doff = (rec[i].begin >> 8) == (rec[i].next >> 8) ? boff : 0;
		size_t len = strlen(rec[i].text);
		memcpy(ring + doff, &rec[i].id, 8);
		size_t room = 256 - doff - 8;
		memcpy(ring + doff + 8, rec[i].text, len < room ? len : room);
		unsigned char d[24];
		uint64_t sv = rec[i].state | rec[i].id;
		memcpy(d, &sv, 8);
		memcpy(d + 8, &rec[i].begin, 8);
		memcpy(d + 16, &rec[i].next, 8);
		fake_mem(f, descs + (rec[i].id & 3) * 24, d, 24);
		unsigned char info[88] = { 0 };
		info[16] = (unsigned char)len;
		fake_mem(f, infos + (rec[i].id & 3) * 88, info, 88);
	}
	/* descriptor slot 3: id 3 reserved long ago, not a record of this wrap */
	unsigned char d3[24] = { 0 };
	fake_mem(f, descs + 3 * 24, d3, 24);
	fake_mem(f, infos + 3 * 88, (unsigned char[88]){ 0 }, 88);
	fake_mem(f, data, ring, sizeof(ring));
	fake_target(f, &t);
	struct lines l = { 0 };
	char why[200] = "";
	long n = dt_printk_for_each(&t, collect, &l, why, sizeof(why));
	CHECK_EQ(n, 3);
	CHECK_STR(l.text[0], "first line");
	CHECK_STR(l.text[1], "BUG: kernel NULL pointer dereference, address: 0000000000000008");
	CHECK_STR(l.text[2], "RIP: 0010:percpu_ref_kill_and_confirm+0x7c/0xb0");
	/* no ring buffer types: a reason, not a crash */
	struct fake *g = fake_new();
	fake_target(g, &t);
	CHECK_EQ(dt_printk_for_each(&t, collect, &l, why, sizeof(why)), -1);
	CHECK(strstr(why, "5.10") != NULL);
	fake_free(g);
	fake_free(f);
}
