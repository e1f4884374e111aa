/*
 * json.h: a small streaming JSON writer with proper string escaping.
 * Conventions of docs/json-schema.md (as truth.json): addresses and raw words are "0x..."
 * strings, counts are integers, absent values are null.
 */
#ifndef DT_JSON_H
#define DT_JSON_H

#include <stdint.h>
#include <stdio.h>

#define DT_JSON_SCHEMA "daxtriage/1"
#define DT_JSON_DEPTH 32

struct dt_json {
	FILE *f;
	int depth;
	int count[DT_JSON_DEPTH];	/* items written at each level */
	char kind[DT_JSON_DEPTH];	/* closing bracket of each level */
	int error;			/* nesting misuse */
};

void dt_json_init(struct dt_json *j, FILE *f);
/* Begin the top-level document: {"schema": "daxtriage/1", "command": cmd, ... */
void dt_json_doc_begin(struct dt_json *j, const char *command);
void dt_json_doc_end(struct dt_json *j);
/* key is NULL inside arrays. */
void dt_json_obj(struct dt_json *j, const char *key);
void dt_json_arr(struct dt_json *j, const char *key);
void dt_json_end(struct dt_json *j);	/* closes the innermost object or array */
void dt_json_str(struct dt_json *j, const char *key, const char *s);	/* NULL -> null */
void dt_json_hex(struct dt_json *j, const char *key, uint64_t v);
void dt_json_int(struct dt_json *j, const char *key, int64_t v);
void dt_json_uint(struct dt_json *j, const char *key, uint64_t v);
void dt_json_bool(struct dt_json *j, const char *key, int v);
void dt_json_null(struct dt_json *j, const char *key);
/* Write s as a JSON string literal (quotes included). */
void dt_json_escape(FILE *f, const char *s);

#endif
