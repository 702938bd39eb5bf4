/*
 * test_truth.c: the forms of ATT&CK technique ids and indicators,
 * table-driven.
 */
#include "harness.h"

#include "rangectl/scenario.h"
#include "rangectl/truth.h"
#include "rangectl/util.h"

static const struct {
	const char *text;
	int ok;
} techniques[] = {
	{ "T1059", 1 }, { "T1491.002", 1 }, { "T0001", 1 }, { "T1059.1", 0 },
	{ "t1059", 0 }, { "T105", 0 }, { "T10599", 0 }, { "T1059.0001", 0 },
	{ "T1059-001", 0 }, { "TA0001", 0 }, { "", 0 }, { "T1059.", 0 },
	{ "T1491.00x", 0 }, { " T1059", 0 },
};

static const struct {
	int type;
	const char *value;
	int ok;
} indicators[] = {
	{ INDICATOR_IPV4, "10.1.1.10", 1 },
	{ INDICATOR_IPV4, "10.1.1", 0 },
	{ INDICATOR_IPV4, "10.1.1.256", 0 },
	{ INDICATOR_IPV4, "2001:db8::1", 0 },
	{ INDICATOR_IPV6, "2001:db8::1", 1 },
	{ INDICATOR_IPV6, "::ffff:10.0.0.1", 1 },
	{ INDICATOR_IPV6, "2001:db8:::1", 0 },
	{ INDICATOR_DOMAIN, "www.ro.example", 1 },
	{ INDICATOR_DOMAIN, "web", 1 },
	{ INDICATOR_DOMAIN, "xn--80ak6aa92e.com", 1 },
	{ INDICATOR_DOMAIN, "a..b", 0 },
	{ INDICATOR_DOMAIN, "-a.b", 0 },
	{ INDICATOR_DOMAIN, "a-.b", 0 },
	{ INDICATOR_DOMAIN, "a.b.", 0 },
	{ INDICATOR_DOMAIN, "a_b.c", 0 },
	{ INDICATOR_DOMAIN, "", 0 },
	{ INDICATOR_URL, "http://10.1.1.10/index.html", 1 },
	{ INDICATOR_URL, "https://www.ro.example:8443/a?b=c#d", 1 },
	{ INDICATOR_URL, "http://[2001:db8::1]/", 1 },
	{ INDICATOR_URL, "http://[2001:db8::1/", 0 },
	{ INDICATOR_URL, "http//x/", 0 },
	{ INDICATOR_URL, "http:///x", 0 },
	{ INDICATOR_URL, "http://a b/", 0 },
	{ INDICATOR_URL, "://x", 0 },
	{ INDICATOR_EMAIL, "admin@ro.example", 1 },
	{ INDICATOR_EMAIL, "@ro.example", 0 },
	{ INDICATOR_EMAIL, "a@b@c", 0 },
	{ INDICATOR_EMAIL, "a b@c", 0 },
	{ INDICATOR_MD5, "098f6bcd4621d373cade4e832627b4f6", 1 },
	{ INDICATOR_MD5, "098F6BCD4621D373CADE4E832627B4F6", 1 },
	{ INDICATOR_MD5, "098f6bcd4621d373cade4e832627b4f", 0 },
	{ INDICATOR_SHA1, "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", 1 },
	{ INDICATOR_SHA1, "a94a8fe5ccb19ba61c4c0873d391e987982fbbdg", 0 },
	{ INDICATOR_SHA256, "9f86d081884c7d659a2feaa0c55ad015"
	    "a3bf4f1b2b0b822cd15d6c15b0f00a08", 1 },
	{ INDICATOR_SHA256, "9f86d0", 0 },
	{ INDICATOR_FILE_NAME, "index.html.bak", 1 },
	{ INDICATOR_FILE_NAME, "payload v2.exe", 1 },
	{ INDICATOR_FILE_NAME, "/etc/passwd", 0 },
	{ INDICATOR_FILE_NAME, "C:\\x.exe", 0 },
	{ INDICATOR_FILE_NAME, "..", 0 },
	{ INDICATOR_FILE_NAME, "", 0 },
	{ INDICATOR_NONE, "x", 0 },
	{ INDICATOR_LAST + 1, "x", 0 },
};

TEST(techniques)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(techniques); i++) {
		const char *why = NULL;
		int rc = truth_technique_check(techniques[i].text, &why);

		if (!CHECK_INT_EQ(rc, techniques[i].ok ? 0 : -1))
			fprintf(stderr, "  technique '%s'\n", techniques[i].text);
		CHECK(techniques[i].ok || why != NULL);
	}
}

TEST(indicators)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(indicators); i++) {
		const char *why = NULL;
		int rc = truth_indicator_check(indicators[i].type,
		    indicators[i].value, &why);

		if (!CHECK_INT_EQ(rc, indicators[i].ok ? 0 : -1))
			fprintf(stderr, "  %s '%s'\n",
			    indicator_type_name(indicators[i].type),
			    indicators[i].value);
		CHECK(indicators[i].ok || why != NULL);
	}
}

TEST(indicator_type_names)
{
	CHECK_STR_EQ(indicator_type_name(INDICATOR_IPV4), "ipv4");
	CHECK_STR_EQ(indicator_type_name(INDICATOR_FILE_NAME), "file_name");
	CHECK_STR_EQ(indicator_type_name(INDICATOR_NONE), "none");
	CHECK_STR_EQ(indicator_type_name(INDICATOR_LAST + 1), "none");
}
