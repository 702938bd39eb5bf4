/* test_harness.c: the harness checks what it says it checks. */
#include "harness.h"

/* Runs a check that must fail, without counting or printing the failure. */
#define MUST_FAIL(check)						\
	do {								\
		int before_ = harness_failures;				\
		harness_quiet = true;					\
		bool passed_ = (check);					\
		harness_quiet = false;					\
		CHECK(!passed_);					\
		CHECK_INT_EQ(harness_failures, before_ + 1);		\
		harness_failures = before_;				\
	} while (0)

TEST(str_eq_null_safe)
{
	const char *none = NULL;

	CHECK(CHECK_STR_EQ(none, NULL));
	CHECK(CHECK_STR_EQ("range", "range"));
	MUST_FAIL(CHECK_STR_EQ(none, "range"));
	MUST_FAIL(CHECK_STR_EQ("range", none));
	MUST_FAIL(CHECK_STR_EQ("range", "rang"));
}

TEST(int_eq)
{
	size_t n = 3;

	CHECK(CHECK_INT_EQ(n, 3));
	CHECK(CHECK_INT_EQ(-1, -1));
	MUST_FAIL(CHECK_INT_EQ(n, 4));
}

TEST(check)
{
	CHECK(CHECK(1 + 1 == 2));
	MUST_FAIL(CHECK(1 + 1 == 3));
}

TEST(source_order)
{
	/* Sorted by line, so the registered tests come in file order. */
	for (size_t i = 1; i < harness_ntests; i++)
		CHECK(harness_tests[i - 1].line < harness_tests[i].line);
	CHECK_STR_EQ(harness_tests[0].name, "str_eq_null_safe");
}
