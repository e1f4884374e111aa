/*
 * test_vectors.c: the core's pure decoders on every vector of share/test-vectors/decoders.json
 * (transcribed into vectors.gen.c at build time by tests/gen_vectors.py), the file the drgn
 * tests read too: DAX entry words of every era, container mismatches, flag names, XArray and
 * radix slot classes, percpu_ref modes and true counts, expected pgmap counts and verdicts,
 * idle page refcounts, JSON string escaping and a whole JSON document.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "entry.h"
#include "escape.h"
#include "json.h"
#include "percpu_ref.h"
#include "refmodel.h"
#include "tree.h"
#include "unit.h"
#include "vectors.h"

#define VCHECK(c, ...)                                                                  \
	do {                                                                            \
		if (!(c))                                                               \
			ut_fail(__FILE__, __LINE__, __VA_ARGS__);                       \
	} while (0)

static enum dt_refmodel model_of(const char *name)
{
	for (int m = DT_RM_UNKNOWN; m <= DT_RM_6_15; m++)
		if (!strcmp(dt_refmodel_name((enum dt_refmodel)m), name))
			return (enum dt_refmodel)m;
	return DT_RM_UNKNOWN;
}

static enum dt_mtype mtype_of(const char *name)
{
	for (int m = DT_MT_UNKNOWN; m < DT_MT_NR; m++)
		if (!strcmp(dt_mtype_name((enum dt_mtype)m), name))
			return (enum dt_mtype)m;
	return DT_MT_UNKNOWN;
}

TEST(test_vectors_dax_entries)
{
	VCHECK(vec_nr_dax_entries > 0, "no dax_entries vectors");
	for (int i = 0; i < vec_nr_dax_entries; i++) {
		const struct vec_dax_entry *v = &vec_dax_entries[i];
		const struct dt_era *era = dt_era_find(v->era);
		struct dt_entry e;
		char l[16];
		VCHECK(era, "%s: era %s not in the encodings table", v->test, v->era);
		if (!era)
			continue;
		VCHECK(dt_entry_decode(era, v->raw, &e) == 0, "%s: %s %#llx not an entry", v->test,
		       v->era, (unsigned long long)v->raw);
		VCHECK(e.payload == v->payload, "%s: %s %#llx: payload %#llx != %#llx", v->test,
		       v->era, (unsigned long long)v->raw, (unsigned long long)e.payload,
		       (unsigned long long)v->payload);
		dt_flag_letters(e.flags, l, sizeof(l));
		VCHECK(!strcmp(l, v->letters), "%s: %s %#llx: letters %s != %s", v->test, v->era,
		       (unsigned long long)v->raw, l, v->letters);
		VCHECK((e.flags & (DT_F_PTE | DT_F_DEV | DT_F_MAP)) == v->extra,
		       "%s: %s %#llx: roles without letters %#x != %#x", v->test, v->era,
		       (unsigned long long)v->raw, e.flags & (DT_F_PTE | DT_F_DEV | DT_F_MAP),
		       v->extra);
		VCHECK(e.order == v->order, "%s: %s %#llx: order %d != %d", v->test, v->era,
		       (unsigned long long)v->raw, e.order, v->order);
		VCHECK(e.unknown_bits == 0, "%s: %s %#llx: unknown bits %#llx", v->test, v->era,
		       (unsigned long long)v->raw, (unsigned long long)e.unknown_bits);
	}
}

TEST(test_vectors_dax_non_entries)
{
	VCHECK(vec_nr_dax_non_entries > 0, "no dax_non_entries vectors");
	for (int i = 0; i < vec_nr_dax_non_entries; i++) {
		const struct vec_non_entry *v = &vec_dax_non_entries[i];
		const struct dt_era *era = dt_era_find(v->era);
		struct dt_entry e;
		VCHECK(era && dt_entry_decode(era, v->raw, &e) != 0 && !e.is_entry,
		       "%s %#llx decoded as an entry (%s)", v->era, (unsigned long long)v->raw,
		       v->note);
	}
}

TEST(test_vectors_dax_flag_names)
{
	VCHECK(vec_nr_dax_flag_names > 0, "no dax_flag_names vectors");
	for (int i = 0; i < vec_nr_dax_flag_names; i++) {
		const struct vec_flag_names *v = &vec_dax_flag_names[i];
		const struct dt_era *era = dt_era_find(v->era);
		struct dt_entry e;
		char buf[128];
		VCHECK(era && dt_entry_decode(era, v->raw, &e) == 0, "%s %#llx: not an entry",
		       v->era, (unsigned long long)v->raw);
		if (!era)
			continue;
		dt_flag_names(&e, buf, sizeof(buf));
		VCHECK(!strcmp(buf, v->names), "%s %#llx: %s != %s", v->era,
		       (unsigned long long)v->raw, buf, v->names);
	}
}

TEST(test_vectors_xa_classify)
{
	VCHECK(vec_nr_xa_classify > 0, "no xa_classify vectors");
	for (int i = 0; i < vec_nr_xa_classify; i++) {
		const struct vec_classify *v = &vec_xa_classify[i];
		int sib = -1;
		enum dt_slot k = dt_xa_classify(v->raw, 64, &sib);
		VCHECK(!strcmp(dt_slot_name(k), v->kind), "%#llx: %s != %s",
		       (unsigned long long)v->raw, dt_slot_name(k), v->kind);
		VCHECK(v->sibling < 0 || sib == v->sibling, "%#llx: sibling %d != %d",
		       (unsigned long long)v->raw, sib, v->sibling);
	}
}

TEST(test_vectors_radix_classify)
{
	VCHECK(vec_nr_radix_classify > 0, "no radix_classify vectors");
	for (int i = 0; i < vec_nr_radix_classify; i++) {
		const struct vec_classify *v = &vec_radix_classify[i];
		int sib = -1;
		enum dt_slot k = dt_radix_classify(v->raw, vec_radix_classify_slots, 64, &sib);
		VCHECK(!strcmp(dt_slot_name(k), v->kind), "%#llx: %s != %s",
		       (unsigned long long)v->raw, dt_slot_name(k), v->kind);
		VCHECK(v->sibling < 0 || sib == v->sibling, "%#llx: sibling %d != %d",
		       (unsigned long long)v->raw, sib, v->sibling);
	}
}

TEST(test_vectors_percpu_ref)
{
	VCHECK(vec_nr_percpu_ref > 0, "no percpu_ref vectors");
	for (int i = 0; i < vec_nr_percpu_ref; i++) {
		const struct vec_pref *v = &vec_percpu_ref[i];
		struct dt_pref_raw r;
		struct dt_pref_state s;
		memset(&r, 0, sizeof(r));
		r.split = v->split;
		r.percpu_count_ptr = v->percpu_count_ptr;
		r.data = v->data;
		r.data_ok = v->split ? v->data != 0 : 1;
		r.count = v->count;
		r.release = v->release;
		r.confirm_switch = v->confirm_switch;
		r.nr_cpus = v->nr_cpus;
		r.percpu_ok = v->percpu_ok;
		r.percpu_sum = v->percpu_sum;
		dt_pref_evaluate(&r, &s);
		const char *w = v->note ? v->note : v->test;
		VCHECK(!strcmp(dt_pref_mode_name(s.mode), v->mode), "%s (%s): mode %s != %s", v->test,
		       w, dt_pref_mode_name(s.mode), v->mode);
		VCHECK(s.count_known == v->count_known, "%s (%s): count_known %d", v->test, w,
		       s.count_known);
		VCHECK(!v->count_known || s.true_count == v->true_count, "%s (%s): %lld != %lld",
		       v->test, w, (long long)s.true_count, (long long)v->true_count);
		VCHECK(!v->rule || (s.rule && !strcmp(s.rule, v->rule)), "%s (%s): rule %s != %s",
		       v->test, w, s.rule ? s.rule : "(null)", v->rule);
		VCHECK(v->biased < 0 || s.biased == v->biased, "%s (%s): biased %d", v->test, w,
		       s.biased);
	}
}

TEST(test_vectors_expected_pgmap_count)
{
	VCHECK(vec_nr_expected_pgmap_count > 0, "no expected_pgmap_count vectors");
	for (int i = 0; i < vec_nr_expected_pgmap_count; i++) {
		const struct vec_expect *v = &vec_expected_pgmap_count[i];
		struct dt_model_in in;
		struct dt_expect e;
		memset(&in, 0, sizeof(in));
		in.model = model_of(v->model);
		in.type = mtype_of(v->type);
		in.dead = v->dead;
		in.nr_range = v->nr_range;
		for (int r = 0; r < v->nr_range; r++) {
			in.pfn_first[r] = v->pfn_first[r];
			in.pfn_end[r] = v->pfn_end[r];
		}
		in.vmemmap_shift = v->vmemmap_shift;
		in.allocated_pages = v->allocated_pages;
		in.p2p_pool_known = v->p2p_pool_known;
		in.p2p_pool_pages = v->p2p_pool_pages;
		VCHECK(in.model != DT_RM_UNKNOWN && in.type != DT_MT_UNKNOWN, "%s: model %s type %s "
		       "unknown to the core", v->test, v->model, v->type);
		dt_expected_pgmap_count(&in, &e);
		VCHECK(e.applies == v->applies, "%s %s %s: applies %d", v->test, v->model, v->type,
		       e.applies);
		VCHECK(!v->has_expected || e.expected == v->expected, "%s %s %s: expected %lld != %lld",
		       v->test, v->model, v->type, (long long)e.expected, (long long)v->expected);
		VCHECK(!v->has_expected_max || e.expected_max == v->expected_max,
		       "%s %s %s: expected_max %lld != %lld", v->test, v->model, v->type,
		       (long long)e.expected_max, (long long)v->expected_max);
		VCHECK(!v->has_bulk || e.bulk == v->bulk, "%s %s %s: bulk %lld != %lld", v->test,
		       v->model, v->type, (long long)e.bulk, (long long)v->bulk);
		for (int k = 0; k < v->nr_verdicts; k++) {
			const struct vec_verdict *d = &v->verdicts[k];
			const char *got = dt_count_verdict(&e, d->count_known, d->count);
			VCHECK(!strcmp(got, d->verdict), "%s %s %s: verdict(%lld) %s != %s", v->test,
			       v->model, v->type, (long long)d->count, got, d->verdict);
		}
	}
}

TEST(test_vectors_idle_refcount)
{
	VCHECK(vec_nr_idle_refcount > 0, "no idle_refcount vectors");
	for (int i = 0; i < vec_nr_idle_refcount; i++) {
		const struct vec_idle *v = &vec_idle_refcount[i];
		int got = dt_idle_refcount(model_of(v->model), mtype_of(v->type), v->tail);
		VCHECK(got == v->idle, "%s %s tail %d: idle %d != %d", v->model, v->type, v->tail,
		       got, v->idle);
	}
}

TEST(test_vectors_json_escape)
{
	VCHECK(vec_nr_json_escape > 0, "no json_escape vectors");
	for (int i = 0; i < vec_nr_json_escape; i++) {
		const struct vec_json_escape *v = &vec_json_escape[i];
		char *buf = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&buf, &n);
		VCHECK(strlen(v->bytes) == v->len, "vector %d holds a NUL byte", i);
		dt_json_escape(f, v->bytes);
		fclose(f);
		VCHECK(!strcmp(buf, v->json), "vector %d: %s != %s", i, buf, v->json);
		free(buf);
	}
}

TEST(test_vectors_display_escape)
{
	VCHECK(vec_nr_display_escape > 0, "no display_escape vectors");
	for (int i = 0; i < vec_nr_display_escape; i++) {
		const struct vec_display_escape *v = &vec_display_escape[i];
		char buf[1024];
		size_t cap = v->cap < 0 ? sizeof(buf) : (size_t)v->cap + 1;
		dt_escape(v->bytes, v->len, buf, cap);
		VCHECK(!strcmp(buf, v->text), "vector %d: %s != %s", i, buf, v->text);
	}
}

TEST(test_vectors_json_document)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	struct dt_json j;
	VCHECK(vec_nr_json_document > 0, "no json_document steps");
	VCHECK(!strcmp(vec_json_document_schema, DT_JSON_SCHEMA), "schema %s != %s",
	       vec_json_document_schema, DT_JSON_SCHEMA);
	dt_json_init(&j, f);
	dt_json_doc_begin(&j, vec_json_document_command);
	for (int i = 0; i < vec_nr_json_document; i++) {
		const struct vec_json_step *s = &vec_json_document[i];
		switch (s->op) {
		case VJ_OBJ: dt_json_obj(&j, s->key); break;
		case VJ_ARR: dt_json_arr(&j, s->key); break;
		case VJ_END: dt_json_end(&j); break;
		case VJ_STR: dt_json_str(&j, s->key, s->s); break;
		case VJ_INT: dt_json_int(&j, s->key, s->i); break;
		case VJ_BOOL: dt_json_bool(&j, s->key, (int)s->i); break;
		case VJ_NULL: dt_json_null(&j, s->key); break;
		}
	}
	dt_json_doc_end(&j);
	fclose(f);
	VCHECK(!j.error, "writer nesting error");
	VCHECK(!strcmp(buf, vec_json_document_text), "document:\n%s\n!=\n%s", buf,
	       vec_json_document_text);
	free(buf);
}
