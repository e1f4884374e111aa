/* json.c: streaming JSON writer (see json.h). */
#include <inttypes.h>
#include "json.h"

void dt_json_init(struct dt_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->count[0] = 0;
	j->error = 0;
}

/* Is s[0..] the start of a valid UTF-8 sequence? Returns its length, or 0. */
static int utf8_len(const unsigned char *s)
{
	int n;
	uint32_t cp;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void dt_json_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	fputc('"', f);
	while (*s) {
		unsigned char c = *s;
		switch (c) {
		case '"': fputs("\\\"", f); s++; continue;
		case '\\': fputs("\\\\", f); s++; continue;
		case '\n': fputs("\\n", f); s++; continue;
		case '\r': fputs("\\r", f); s++; continue;
		case '\t': fputs("\\t", f); s++; continue;
		case '\b': fputs("\\b", f); s++; continue;
		case '\f': fputs("\\f", f); s++; continue;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			s++;
			continue;
		}
		int n = utf8_len(s);
		if (n == 0) {
			/* not UTF-8 (kernel names are bytes): keep the byte as U+00XX */
			fprintf(f, "\\u%04x", c);
			s++;
			continue;
		}
		fwrite(s, 1, (size_t)n, f);
		s += n;
	}
	fputc('"', f);
}

static void item(struct dt_json *j, const char *key)
{
	if (j->count[j->depth]++)
		fputc(',', j->f);
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
	if (key) {
		dt_json_escape(j->f, key);
		fputs(": ", j->f);
	}
}

static void open_(struct dt_json *j, const char *key, char c)
{
	item(j, key);
	fputc(c, j->f);
	if (j->depth + 1 >= DT_JSON_DEPTH) {
		j->error = 1;
		return;
	}
	j->count[++j->depth] = 0;
	j->kind[j->depth] = c == '{' ? '}' : ']';
}

void dt_json_obj(struct dt_json *j, const char *key) { open_(j, key, '{'); }
void dt_json_arr(struct dt_json *j, const char *key) { open_(j, key, '['); }

static void close_(struct dt_json *j, char c)
{
	if (j->depth == 0) {
		j->error = 1;
		return;
	}
	int had = j->count[j->depth];
	j->depth--;
	if (had) {
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	fputc(c, j->f);
}

void dt_json_end(struct dt_json *j)
{
	if (j->depth <= 1) {
		j->error = 1;
		return;
	}
	close_(j, j->kind[j->depth]);
}

void dt_json_str(struct dt_json *j, const char *key, const char *s)
{
	item(j, key);
	if (s)
		dt_json_escape(j->f, s);
	else
		fputs("null", j->f);
}

void dt_json_hex(struct dt_json *j, const char *key, uint64_t v)
{
	item(j, key);
	fprintf(j->f, "\"0x%" PRIx64 "\"", v);
}

void dt_json_int(struct dt_json *j, const char *key, int64_t v)
{
	item(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void dt_json_uint(struct dt_json *j, const char *key, uint64_t v)
{
	item(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void dt_json_bool(struct dt_json *j, const char *key, int v)
{
	item(j, key);
	fputs(v ? "true" : "false", j->f);
}

void dt_json_null(struct dt_json *j, const char *key)
{
	item(j, key);
	fputs("null", j->f);
}

void dt_json_doc_begin(struct dt_json *j, const char *command)
{
	fputc('{', j->f);
	j->depth = 1;
	j->count[1] = 0;
	j->kind[1] = '}';
	dt_json_str(j, "schema", DT_JSON_SCHEMA);
	dt_json_str(j, "command", command);
}

void dt_json_doc_end(struct dt_json *j)
{
	while (j->depth > 1) {
		j->error = 1;
		close_(j, j->kind[j->depth]);
	}
	close_(j, '}');
	fputc('\n', j->f);
}
