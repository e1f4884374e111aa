/*
 * vectors.h: share/test-vectors/decoders.json as C tables.
 *
 * The drgn tests (tests/test_drgn.py) read the same file; tests/gen_vectors.py transcribes
 * it into vectors.gen.c at build time (no rule lives there), so that both front ends are
 * held to one set of vectors.  Field meanings: the "about" of decoders.json.
 */
#ifndef VECTORS_H
#define VECTORS_H

#include <stddef.h>
#include <stdint.h>

struct vec_dax_entry {
	const char *test, *era, *note;
	uint64_t raw, payload;
	const char *letters;
	unsigned extra;		/* DT_F_PTE / DT_F_DEV / DT_F_MAP: roles without a letter */
	int order;
};

struct vec_non_entry {
	const char *era, *note;
	uint64_t raw;
};

struct vec_flag_names {
	const char *era;
	uint64_t raw;
	const char *names;
};

struct vec_classify {
	uint64_t raw;
	const char *kind;	/* dt_slot_name() */
	int sibling;		/* -1: not given */
	const char *note;
};

struct vec_pref {
	const char *test, *note;
	int split;
	uint64_t percpu_count_ptr, data, count, release, confirm_switch, percpu_sum;
	int percpu_ok, nr_cpus;
	const char *mode;	/* dt_pref_mode_name() */
	int count_known;
	int64_t true_count;
	const char *rule;	/* NULL: not given */
	int biased;		/* -1: not given */
};

struct vec_verdict {
	int count_known;
	int64_t count;
	const char *verdict;
};

struct vec_expect {
	const char *test, *model, *type, *note;	/* dt_refmodel_name(), dt_mtype_name() */
	int dead, nr_range;
	uint64_t pfn_first[16], pfn_end[16];
	unsigned vmemmap_shift;
	uint64_t allocated_pages;
	int applies;
	int has_expected, has_bulk;
	int64_t expected, bulk;
	int nr_verdicts;
	struct vec_verdict verdicts[8];
	int p2p_pool_known;		/* P2PDMA: pages allocated from the provider's pool */
	uint64_t p2p_pool_pages;
	int has_expected_max;
	int64_t expected_max;
};

struct vec_idle {
	const char *model, *type;
	int tail, idle;
};

struct vec_json_escape {
	const char *bytes;
	size_t len;
	const char *json;
};

/* display_escape: dt_escape() of bytes into a buffer of cap + 1 (cap -1: unbounded) */
struct vec_display_escape {
	const char *bytes;
	size_t len;
	int cap;
	const char *text;
};

/* json_document: the writer calls that print the document, after dt_json_doc_begin() */
enum vec_json_op { VJ_OBJ, VJ_ARR, VJ_END, VJ_STR, VJ_INT, VJ_BOOL, VJ_NULL };

struct vec_json_step {
	enum vec_json_op op;
	const char *key;	/* NULL inside arrays */
	const char *s;
	int64_t i;
};

extern const struct vec_dax_entry vec_dax_entries[];
extern const int vec_nr_dax_entries;
extern const struct vec_non_entry vec_dax_non_entries[];
extern const int vec_nr_dax_non_entries;
extern const struct vec_flag_names vec_dax_flag_names[];
extern const int vec_nr_dax_flag_names;
extern const struct vec_classify vec_xa_classify[];
extern const int vec_nr_xa_classify;
extern const uint64_t vec_radix_classify_slots;
extern const struct vec_classify vec_radix_classify[];
extern const int vec_nr_radix_classify;
extern const struct vec_pref vec_percpu_ref[];
extern const int vec_nr_percpu_ref;
extern const struct vec_expect vec_expected_pgmap_count[];
extern const int vec_nr_expected_pgmap_count;
extern const struct vec_idle vec_idle_refcount[];
extern const int vec_nr_idle_refcount;
extern const struct vec_json_escape vec_json_escape[];
extern const int vec_nr_json_escape;
extern const struct vec_display_escape vec_display_escape[];
extern const int vec_nr_display_escape;
extern const char *const vec_json_document_schema, *const vec_json_document_command;
extern const struct vec_json_step vec_json_document[];
extern const int vec_nr_json_document;
extern const char *const vec_json_document_text;

#endif
