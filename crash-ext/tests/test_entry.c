/* test_entry.c: DAX entry decoding for every era: the worked words of kernel-facts.md §K,
 * and words recorded from the 6.1.192 samples (truth.json). */
#include <string.h>
#include "entry.h"
#include "unit.h"

struct word {
	const char *era;
	uint64_t raw;
	uint64_t payload;
	const char *letters;
	unsigned extra;		/* roles not shown as letters */
	int order;
};

static void check_words(const struct word *w, int n)
{
	for (int i = 0; i < n; i++) {
		const struct dt_era *era = dt_era_find(w[i].era);
		struct dt_entry e;
		char l[16];
		CHECK(era != NULL);
		if (!era)
			continue;
		CHECK_EQ(dt_entry_decode(era, w[i].raw, &e), 0);
		CHECK_EQ(e.payload, w[i].payload);
		CHECK_STR(dt_flag_letters(e.flags, l, sizeof(l)), w[i].letters);
		CHECK_EQ(e.flags & (DT_F_PTE | DT_F_DEV | DT_F_MAP), w[i].extra);
		CHECK_EQ(e.order, w[i].order);
		CHECK_EQ(e.unknown_bits, 0);
	}
}

TEST(test_dax_entry_era_4_5_sector_typed)
{
	static const struct word w[] = {
		{ "4.5", 0x10006, 0x1000, "-", DT_F_PTE, 0 },		/* 4k, sector 0x1000 */
		{ "4.5", 0x200000a, 0x200000, "P", 0, 9 },		/* PMD, sector 0x200000 */
	};
	check_words(w, 2);
}

TEST(test_dax_entry_era_4_7_lock_bit)
{
	static const struct word w[] = {
		{ "4.7", 0x2000e, 0x1000, "L", DT_F_PTE, 0 },	/* 4k, sector 0x1000, locked */
	};
	check_words(w, 1);
}

TEST(test_dax_entry_era_4_10_hzp_and_empty)
{
	static const struct word w[] = {
		{ "4.10", 0x1000000e, 0x400000, "LP", 0, 9 },	/* PMD, sector 0x400000, locked */
		{ "4.10", 0x1a, 0, "PZ", 0, 9 },		/* PMD huge zero page */
		{ "4.10", 0x2e, 0, "LPE", 0, 9 },		/* PMD empty, locked */
		{ "4.14", 0x2e, 0, "LPE", 0, 9 },
	};
	check_words(w, 4);
}

TEST(test_dax_entry_era_4_17_pfn)
{
	static const struct word w[] = {
		{ "4.17", 0x700000a, 0x1c0000, "P", 0, 9 },	/* PMD, pfn 0x1c0000 */
		{ "4.17", 0xa93d2, 0x2a4f, "Z", 0, 0 },		/* 4k zero page, pfn 0x2a4f */
	};
	check_words(w, 2);
}

TEST(test_dax_entry_era_4_20_xarray_value)
{
	static const struct word w[] = {
		{ "4.20", 0x3800007, 0x1c0000, "LP", 0, 9 },	/* v = 0x1c00003 */
		{ "4.20", 0x3804021, 0x1c0201, "-", 0, 0 },
		{ "4.20", 0x17, 0, "LPE", 0, 9 },
		{ "4.20", 0x549e9, 0x2a4f, "Z", 0, 0 },
		/* recorded from samples/out/6.1.0-56-amd64/fsdax-ext4 truth.json */
		{ "4.20", 0x2105801, 0x1082c0, "-", 0, 0 },
		{ "4.20", 0x2108005, 0x108400, "P", 0, 9 },
		{ "4.20", 0xc400d, 0x6200, "PZ", 0, 9 },
		{ "4.20", 0x6f2209, 0x37910, "Z", 0, 0 },
	};
	check_words(w, 8);
}

TEST(test_dax_entry_seed_proposals)
{
	static const struct word w[] = {
		{ "seed004-pud", 0x12000009, 0x240000, "U", 0, 18 },
		{ "seed004-zap", 0x65, 0x1, "PX", 0, 9 },	/* v = 0x32: pfn 1, PMD|ZAP */
		{ "seed002-pfn-t", 0x4000000001c0000eULL, 0x1c0000, "P", DT_F_DEV | DT_F_MAP, 9 },
	};
	check_words(w, 3);
}

TEST(test_dax_entry_container_mismatch)
{
	struct dt_entry e;
	/* an XArray value word is not a radix exceptional entry, and vice versa */
	CHECK(dt_entry_decode(dt_era_find("4.17"), 0x3800007, &e) != 0);
	CHECK(dt_entry_decode(dt_era_find("4.20"), 0x700000a, &e) != 0);
	CHECK(dt_entry_decode(dt_era_find("4.20"), 0, &e) != 0);
	/* a node pointer is not an entry */
	CHECK(dt_entry_decode(dt_era_find("4.20"), 0xffff8acd025ae24aULL, &e) != 0);
}

TEST(test_dax_entry_flag_names)
{
	struct dt_entry e;
	char buf[128];
	dt_entry_decode(dt_era_find("4.20"), 0x3800007, &e);
	CHECK_STR(dt_flag_names(&e, buf, sizeof(buf)), "DAX_LOCKED|DAX_PMD");
	dt_entry_decode(dt_era_find("4.14"), 0x1a, &e);
	CHECK_STR(dt_flag_names(&e, buf, sizeof(buf)), "RADIX_DAX_PMD|RADIX_DAX_ZERO_PAGE");
}

TEST(test_dax_encodings_table_is_consistent)
{
	/* every flag lies below the payload, or is a high size field with a payload mask */
	for (int i = 0; i < dt_nr_eras; i++) {
		const struct dt_era *e = &dt_eras[i];
		CHECK(e->nr_flags > 0 && e->nr_flags <= 8);
		CHECK(dt_era_find(e->id) == e);
		for (int f = 0; f < e->nr_flags; f++) {
			CHECK((e->flags[f].value & ~e->flags[f].mask) == 0);
			uint64_t below = (1ULL << e->payload_shift) - 1;
			CHECK((e->flags[f].mask & below) == e->flags[f].mask ||
			      (e->payload_mask && (e->flags[f].mask & e->payload_mask) == 0));
		}
	}
	CHECK(dt_era_find("nonsense") == NULL);
}
