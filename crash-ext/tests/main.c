/* main.c: the unit test runner (see unit.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"

struct ut {
	const char *name, *file;
	int line;
	ut_fn fn;
};

static struct ut tests[512];
static int ntests;
static int failed_checks;
static jmp_buf skip_jmp;
static char skip_reason[256];

void ut_register(const char *name, ut_fn fn, const char *file, int line)
{
	if (ntests < 512)
		tests[ntests++] = (struct ut){ name, file, line, fn };
}

void ut_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	if (failed_checks++ < 5) {
		printf("    %s:%d: ", file, line);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
}

void ut_skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
	va_end(ap);
	longjmp(skip_jmp, 1);
}

static int cmp(const void *a, const void *b)
{
	const struct ut *x = a, *y = b;
	int c = strcmp(x->file, y->file);
	return c ? c : x->line - y->line;
}

int main(int argc, char **argv)
{
	volatile int passed = 0, failed = 0, skipped = 0;
	const char *only = argc > 1 ? argv[1] : NULL;
	qsort(tests, (size_t)ntests, sizeof(tests[0]), cmp);
	for (int i = 0; i < ntests; i++) {
		if (only && !strstr(tests[i].name, only))
			continue;
		failed_checks = 0;
		if (setjmp(skip_jmp)) {
			skipped++;
			printf("SKIP %s: %s\n", tests[i].name, skip_reason);
			continue;
		}
		tests[i].fn();
		if (failed_checks) {
			failed++;
			printf("FAIL %s (%d checks failed)\n", tests[i].name, failed_checks);
		} else {
			passed++;
			printf("PASS %s\n", tests[i].name);
		}
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
