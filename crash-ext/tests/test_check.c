/* test_check.c: the check catalogue and dt_check_all() (core/check.c) on the truncate-pinned
 * recording: the DAX-gup finding of 004_b059be23803e822e.txt, with the blocked task, the
 * page, the inode, the entry and the pin holder that truth.json records. */
#include <string.h>
#include "check.h"
#include "tp.h"

TEST(test_check_catalogue_from_share_checks_json)
{
	CHECK(dt_nr_checks >= 27);
	const struct dt_check *g2 = dt_check_find("CHK-G2");
	CHECK(g2 != NULL);
	if (g2) {
		CHECK_EQ(g2->severity, DT_SEV_ERROR);
		const struct dt_bug_class *bc = dt_bug_class_find(g2->bug_class);
		CHECK(bc != NULL);
		if (bc) {
			CHECK_STR(bc->name, "DAX-gup");
			CHECK_STR(bc->thread, "004_b059be23803e822e.txt");
		}
	}
	const struct dt_check *g1 = dt_check_find("CHK-G1");
	CHECK(g1 && g1->severity == DT_SEV_INFO);
	CHECK(dt_check_find("CHK-X9") == NULL);
	/* every check names a known bug class or none, and has its texts */
	for (int i = 0; i < dt_nr_checks; i++) {
		CHECK(dt_checks[i].title && dt_checks[i].means && dt_checks[i].next);
		CHECK(!dt_checks[i].bug_class || dt_bug_class_find(dt_checks[i].bug_class));
	}
}

/* Rewrite the pinned page's refcount inside its recorded memmap chunk (pfns 0x108600-0x1087ff:
 * reads of the chunk must see the change too). */
static void set_refcount(struct fake *f, const struct dt_target *t, const struct dt_layout *l,
			 uint32_t rc)
{
	static unsigned char chunk[512 * 64];
	uint64_t base = TP_PAGE - (TP_PFN - 0x108600) * 64;
	CHECK_EQ(dt_read(t, base, chunk, sizeof(chunk)), 0);
	long off = (long)(TP_PAGE - base) + l->pg_refcount;
	for (int i = 0; i < 4; i++)
		chunk[off + i] = (unsigned char)(rc >> (8 * i));
	fake_mem(f, base, chunk, sizeof(chunk));
}

static const struct dt_finding *find(const struct dt_report *r, const char *id)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->f[i].check->id, id) == 0)
			return &r->f[i];
	return NULL;
}

TEST(test_check_truncate_pinned_dax_gup)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = tp_load(&t, &l);
	struct dt_report r;
	CHECK_EQ(dt_check_all(&t, &l, &r), 0);
	const struct dt_finding *g2 = find(&r, "CHK-G2");
	CHECK(g2 != NULL);
	if (g2) {
		CHECK_EQ(g2->severity, DT_SEV_ERROR);
		CHECK_STR(g2->headline, "pinned DAX page blocks truncate \xe2\x80\x94 the DAX-gup class of "
					"004_b059be23803e822e.txt");
		CHECK_EQ(g2->ntasks, 1);
		CHECK_EQ(g2->tasks[0].pid, 141);
		CHECK_STR(g2->tasks[0].comm, "daxhold");
		CHECK(strncmp(g2->tasks[0].frame, "ext4_break_layouts", 18) == 0);
		CHECK(g2->has_pfn);
		CHECK_EQ(g2->pfn, TP_PFN);
		CHECK_EQ(g2->page, TP_PAGE);
		CHECK_EQ(g2->inode, TP_INODE);
		CHECK_EQ(g2->ino, 12);
		CHECK(g2->has_entry);
		CHECK_EQ(g2->entry, 0x210c005);
		CHECK_EQ(g2->entry_index, 0);
		CHECK_EQ(g2->refcount, 2);
		int h139 = 0;
		for (int i = 0; i < g2->nholders; i++)
			h139 |= g2->holders[i].pid == 139;
		CHECK(h139);
	}
	const struct dt_finding *g1 = find(&r, "CHK-G1");
	CHECK(g1 && g1->severity == DT_SEV_INFO && g1->pfn == TP_PFN);
	CHECK_EQ(dt_report_count(&r, DT_SEV_ERROR), 1);
	CHECK_EQ(dt_report_count(&r, DT_SEV_WARNING), 0);
	/* the memmap chunks that were not recorded are reported, not fatal */
	int holes = 0;
	for (int i = 0; i < r.nnotes; i++)
		holes |= strstr(r.notes[i], "not in the dump") != NULL;
	CHECK(holes);
	dt_report_free(&r);
	fake_free(f);
}

TEST(test_check_no_blocked_task_no_g2)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = tp_load(&t, &l);
	/* drop the pin: refcount 2 -> 1 in the page; G1 and G2 disappear */
	set_refcount(f, &t, &l, 1);
	struct dt_report r;
	CHECK_EQ(dt_check_all(&t, &l, &r), 0);
	CHECK(find(&r, "CHK-G2") == NULL);
	CHECK(find(&r, "CHK-G1") == NULL);
	CHECK_EQ(dt_report_count(&r, DT_SEV_ERROR), 0);
	dt_report_free(&r);
	fake_free(f);
}

TEST(test_check_refcount_zero_is_p4)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = tp_load(&t, &l);
	set_refcount(f, &t, &l, 0);
	struct dt_report r;
	CHECK_EQ(dt_check_all(&t, &l, &r), 0);
	const struct dt_finding *p4 = find(&r, "CHK-P4");
	CHECK(p4 && p4->pfn == TP_PFN && p4->severity == DT_SEV_ERROR);
	if (p4) {
		CHECK(strstr(p4->headline, "003_9dd4229fe2479e56.txt") != NULL);
		/* dump_page()'s first line, with the kernel's %px widths and "0x" prefixes */
		CHECK(strncmp(p4->dump_page, "page:fffffcc604218100 refcount:0 mapcount:", 42) == 0);
		CHECK(strstr(p4->dump_page, " mapping:ffff8902c1466c88 index:0x4 pfn:0x108604") != NULL);
	}
	dt_report_free(&r);
	fake_free(f);
}

TEST(test_check_d3_without_a_log_says_why)
{
	struct dt_target t;
	struct dt_layout l;
	struct fake *f = tp_load(&t, &l);
	/* the recording holds no printk ring buffer: CHK-D3 is not evaluated, with the reason */
	struct dt_report r;
	CHECK_EQ(dt_check_all(&t, &l, &r), 0);
	CHECK(find(&r, "CHK-D3") == NULL);
	for (int i = 0; i < r.nstate; i++)
		if (strcmp(r.state[i].check->id, "CHK-D3") == 0) {
			CHECK(!r.state[i].evaluated);
			CHECK(strncmp(r.state[i].note, "the kernel log cannot be read: ", 31) == 0);
		}
	dt_report_free(&r);
	fake_free(f);
}
