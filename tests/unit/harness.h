/*
 * harness.h: a single-header unit test harness.
 *
 *	#include "harness.h"
 *
 *	TEST(parse_empty)
 *	{
 *		CHECK_INT_EQ(parse(""), -1);
 *	}
 *
 * Each TEST registers itself before main() runs; each test binary is one
 * .c file, so this header also defines main(). A failing check prints
 * "file:line: message" with both values and the test goes on, so one run
 * shows every broken expectation. Each CHECK is an expression that is true
 * when it passed, for guards such as "if (!CHECK(p != NULL)) return;".
 *
 * The binary prints "ok NAME" or "FAIL NAME" per test, then
 * "N passed, N failed", and exits 1 if any test failed. Arguments, if
 * given, name the tests to run.
 */
#ifndef RANGECTL_HARNESS_H
#define RANGECTL_HARNESS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HARNESS_MAX_TESTS 512

struct harness_test {
	const char *name;
	void (*fn)(void);
	int line;
};

static struct harness_test harness_tests[HARNESS_MAX_TESTS];
static size_t harness_ntests;
static int harness_failures;	/* failed checks in the running test */
static bool harness_quiet;	/* for the harness's own tests of failure */

#define TEST(name)							\
	static void test_##name(void);					\
	__attribute__((constructor)) static void			\
	harness_register_##name(void)					\
	{								\
		harness_register(#name, test_##name, __LINE__);		\
	}								\
	static void test_##name(void)

#define CHECK(cond)							\
	harness_check(!!(cond), __FILE__, __LINE__, "CHECK(%s) failed", #cond)
#define CHECK_INT_EQ(a, b)						\
	harness_int_eq((a), (b), #a, #b, __FILE__, __LINE__)
#define CHECK_STR_EQ(a, b)						\
	harness_str_eq((a), (b), #a, #b, __FILE__, __LINE__)

__attribute__((unused)) static void
harness_register(const char *name, void (*fn)(void), int line)
{
	if (harness_ntests == HARNESS_MAX_TESTS) {
		fprintf(stderr, "harness: more than %d tests in one file\n",
		    HARNESS_MAX_TESTS);
		exit(1);
	}
	harness_tests[harness_ntests++] = (struct harness_test){ name, fn, line };
}

__attribute__((unused, format(printf, 4, 5))) static bool
harness_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return true;
	harness_failures++;
	if (harness_quiet)
		return false;
	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return false;
}

/* long long holds every value a test compares: counts, sizes, statuses. */
__attribute__((unused)) static bool
harness_int_eq(long long a, long long b, const char *ea, const char *eb,
    const char *file, int line)
{
	return harness_check(a == b, file, line, "%s == %s failed: %lld != %lld",
	    ea, eb, a, b);
}

/* Two NULLs are equal; NULL and a string are not. */
__attribute__((unused)) static bool
harness_str_eq(const char *a, const char *b, const char *ea, const char *eb,
    const char *file, int line)
{
	bool ok = (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;

	return harness_check(ok, file, line,
	    "%s == %s failed: %s%s%s != %s%s%s", ea, eb,
	    a ? "\"" : "", a ? a : "NULL", a ? "\"" : "",
	    b ? "\"" : "", b ? b : "NULL", b ? "\"" : "");
}

/* Source order, whatever order the constructors ran in. */
static int
harness_by_line(const void *a, const void *b)
{
	const struct harness_test *ta = a, *tb = b;

	return (ta->line > tb->line) - (ta->line < tb->line);
}

static bool
harness_selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

int
main(int argc, char **argv)
{
	size_t passed = 0, failed = 0;

	/* Keeps our lines and the failure messages on stderr in order. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	qsort(harness_tests, harness_ntests, sizeof(harness_tests[0]),
	    harness_by_line);
	for (size_t i = 0; i < harness_ntests; i++) {
		const struct harness_test *t = &harness_tests[i];

		if (!harness_selected(t->name, argc, argv))
			continue;
		harness_failures = 0;
		t->fn();
		printf("%s %s\n", harness_failures ? "FAIL" : "ok", t->name);
		if (harness_failures)
			failed++;
		else
			passed++;
	}
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed ? 1 : 0;
}

#endif
