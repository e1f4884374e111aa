/*
 * unit.h: a minimal C test runner for the core.  Each TEST() registers itself; CHECK()
 * records a failure and continues; SKIP() ends the test as skipped.  main() prints one line
 * per test and closes with "N passed, N failed, N skipped" (read by tests/run.py --external).
 */
#ifndef UNIT_H
#define UNIT_H

#include <inttypes.h>
#include <stdio.h>

typedef void (*ut_fn)(void);
void ut_register(const char *name, ut_fn fn, const char *file, int line);
void ut_fail(const char *file, int line, const char *fmt, ...);
void ut_skip(const char *fmt, ...);

#define TEST(name)                                                                  \
	static void name(void);                                                     \
	__attribute__((constructor)) static void ut_reg_##name(void)                \
	{                                                                           \
		ut_register(#name, name, __FILE__, __LINE__);                       \
	}                                                                           \
	static void name(void)

#define CHECK(c)                                                                    \
	do {                                                                        \
		if (!(c))                                                           \
			ut_fail(__FILE__, __LINE__, "%s", #c);                      \
	} while (0)

#define CHECK_EQ(a, b)                                                              \
	do {                                                                        \
		unsigned long long ut_a = (unsigned long long)(a);                  \
		unsigned long long ut_b = (unsigned long long)(b);                  \
		if (ut_a != ut_b)                                                   \
			ut_fail(__FILE__, __LINE__, "%s == %s: %#llx != %#llx", #a, #b, \
				ut_a, ut_b);                                        \
	} while (0)

#define CHECK_STR(a, b)                                                             \
	do {                                                                        \
		const char *ut_a = (a), *ut_b = (b);                                \
		if (!ut_a || !ut_b || strcmp(ut_a, ut_b))                           \
			ut_fail(__FILE__, __LINE__, "%s == \"%s\": got \"%s\"", #a,     \
				ut_b ? ut_b : "(null)", ut_a ? ut_a : "(null)");    \
	} while (0)

#define SKIP(...) ut_skip(__VA_ARGS__)

#endif
