/* test_json.c: the JSON writer: escaping, nesting, the schema member. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "unit.h"

static char *escape(const char *s)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	dt_json_escape(f, s);
	fclose(f);
	return buf;
}

TEST(test_json_escape)
{
	char *s;
	CHECK_STR(s = escape("plain"), "\"plain\""); free(s);
	CHECK_STR(s = escape("a\"b\\c"), "\"a\\\"b\\\\c\""); free(s);
	CHECK_STR(s = escape("t\tn\nr\r\x01"), "\"t\\tn\\nr\\r\\u0001\""); free(s);
	CHECK_STR(s = escape("caf\xc3\xa9"), "\"caf\xc3\xa9\""); free(s);	/* valid UTF-8 kept */
	CHECK_STR(s = escape("bad\xff\xc3"), "\"bad\\u00ff\\u00c3\""); free(s);	/* bytes as U+00XX */
	CHECK_STR(s = escape("\xed\xa0\x80"), "\"\\u00ed\\u00a0\\u0080\""); free(s);	/* surrogate */
}

TEST(test_json_document)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	struct dt_json j;
	dt_json_init(&j, f);
	dt_json_doc_begin(&j, "test");
	dt_json_arr(&j, "a");
	dt_json_obj(&j, NULL);
	dt_json_hex(&j, "raw", 0x2108005);
	dt_json_int(&j, "refcount", -1);
	dt_json_uint(&j, "pfn", 1082048);
	dt_json_bool(&j, "ok", 1);
	dt_json_null(&j, "x");
	dt_json_end(&j);
	dt_json_end(&j);
	dt_json_arr(&j, "empty");
	dt_json_end(&j);
	dt_json_doc_end(&j);
	fclose(f);
	CHECK(!j.error);
	CHECK_STR(buf, "{\n  \"schema\": \"daxtriage/1\",\n  \"command\": \"test\",\n  \"a\": [\n"
		       "    {\n      \"raw\": \"0x2108005\",\n      \"refcount\": -1,\n"
		       "      \"pfn\": 1082048,\n      \"ok\": true,\n      \"x\": null\n    }\n  ],\n"
		       "  \"empty\": []\n}\n");
	free(buf);
}
