/*
 * test_units.c: durations, sizes, integers and ids, table-driven.
 */
#include "harness.h"

#include "rangectl/units.h"
#include "rangectl/util.h"

static const struct {
	const char *text;
	long seconds;	/* -1: must be refused */
} durations[] = {
	{ "90s", 90 }, { "15m", 900 }, { "4h", 14400 }, { "1h30m", 5400 },
	{ "2h15m10s", 8110 }, { "00:00:00", 0 }, { "01:02:03", 3723 },
	{ "100:00:00", 360000 }, { "0", 0 }, { "0s", 0 }, { "1h0m", 3600 },
	{ "", -1 }, { "90", -1 }, { "4x", -1 }, { "1m1h", -1 }, { "1h1h", -1 },
	{ "h", -1 }, { "-5s", -1 }, { "1:2:3", 3723 }, { "01:60:00", -1 },
	{ "01:00", -1 }, { "01:00:00:00", -1 }, { "9999h", -1 },
	{ "99999999999999999999s", -1 }, { "1h 30m", -1 }, { "5S", -1 },
};

TEST(durations)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(durations); i++) {
		const char *why = NULL;
		long s = -1;
		int rc = units_parse_duration(durations[i].text, &s, &why);

		if (durations[i].seconds < 0) {
			CHECK_INT_EQ(rc, -1);
			CHECK(why != NULL);
		} else {
			CHECK_INT_EQ(rc, 0);
			CHECK_INT_EQ(s, durations[i].seconds);
		}
	}
}

TEST(duration_format_reads_back)
{
	static const long values[] = { 0, 1, 59, 60, 90, 3600, 5400, 8110,
	    14400, 86399 };
	char buf[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(values); i++) {
		const char *why;
		long s = -1;

		units_format_duration(values[i], buf, sizeof(buf));
		CHECK_INT_EQ(units_parse_duration(buf, &s, &why), 0);
		CHECK_INT_EQ(s, values[i]);
	}
	units_format_duration(5400, buf, sizeof(buf));
	CHECK_STR_EQ(buf, "1h30m");
	units_format_duration(0, buf, sizeof(buf));
	CHECK_STR_EQ(buf, "0s");
}

TEST(clock_format)
{
	static const struct {
		double seconds;
		const char *text;
	} cases[] = {
		{ 0, "0:00:00" }, { 59.999, "0:00:59" }, { 60, "0:01:00" },
		{ 3599.5, "0:59:59" }, { 3600, "1:00:00" },
		{ 90061, "25:01:01" }, { -5, "0:00:00" },
		{ 1e300, "277777777777:46:39" },
	};
	char buf[UNITS_CLOCK_SIZE];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_STR_EQ(units_format_clock(cases[i].seconds, buf),
		    cases[i].text);
}

static const struct {
	const char *text;
	unsigned long long bytes;	/* 0: must be refused */
} sizes[] = {
	{ "512K", 512ULL << 10 }, { "128M", 128ULL << 20 }, { "1G", 1ULL << 30 },
	{ "2T", 2ULL << 40 }, { "0M", 0 }, { "128", 0 }, { "128MB", 0 },
	{ "12X", 0 }, { "M", 0 }, { "", 0 }, { "-1G", 0 }, { "1.5G", 0 },
	{ "999999999T", 0 }, { "128m", 0 },
};

TEST(sizes)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned long long b = 1;
		const char *why = NULL;
		int rc = units_parse_size(sizes[i].text, &b, &why);

		if (sizes[i].bytes == 0 && strcmp(sizes[i].text, "0M") != 0) {
			CHECK_INT_EQ(rc, -1);
			CHECK(why != NULL);
		} else {
			CHECK_INT_EQ(rc, 0);
			CHECK(b == sizes[i].bytes);
		}
	}
}

TEST(integers)
{
	const char *why;
	long v;

	CHECK_INT_EQ(units_parse_int("42", 0, 100, &v, &why), 0);
	CHECK_INT_EQ(v, 42);
	CHECK_INT_EQ(units_parse_int("-3", -5, 5, &v, &why), 0);
	CHECK_INT_EQ(v, -3);
	CHECK_INT_EQ(units_parse_int("101", 0, 100, &v, &why), -1);
	CHECK_STR_EQ(why, "out of range");
	CHECK_INT_EQ(units_parse_int("4 2", 0, 100, &v, &why), -1);
	CHECK_INT_EQ(units_parse_int("", 0, 100, &v, &why), -1);
	CHECK_INT_EQ(units_parse_int("0x10", 0, 100, &v, &why), -1);
	CHECK_INT_EQ(units_parse_int("9999999999999", 0, 100, &v, &why), -1);
}

TEST(ids)
{
	const char *why;

	CHECK_INT_EQ(units_check_id("web", 12, &why), 0);
	CHECK_INT_EQ(units_check_id("a-1", 12, &why), 0);
	CHECK_INT_EQ(units_check_id("abcdefghijkl", 12, &why), 0);
	CHECK_INT_EQ(units_check_id("abcdefghijklm", 12, &why), -1);
	CHECK_STR_EQ(why, "too long");
	CHECK_INT_EQ(units_check_id("Web", 12, &why), -1);
	CHECK_INT_EQ(units_check_id("1web", 12, &why), -1);
	CHECK_INT_EQ(units_check_id("-web", 12, &why), -1);
	CHECK_INT_EQ(units_check_id("we_b", 12, &why), -1);
	CHECK_INT_EQ(units_check_id("", 12, &why), -1);
	CHECK_INT_EQ(units_check_id("w\xc3\xa9", 12, &why), -1);
}

/* scoring.outage's weights: thousandths, without trailing zeros. */
TEST(thousandths_format)
{
	static const struct {
		long v;
		const char *text;
	} cases[] = {
		{ 0, "0" }, { 1000, "1" }, { 1500, "1.5" }, { 250, "0.25" },
		{ 1, "0.001" }, { 10000, "10" }, { -500, "-0.5" },
	};
	char buf[UNITS_THOUSANDTHS_SIZE];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_STR_EQ(units_format_thousandths(cases[i].v, buf),
		    cases[i].text);
}
