/*
 * test_cidr.c: IPv4 parsing and network arithmetic.
 */
#include "harness.h"

#include "rangectl/cidr.h"
#include "rangectl/util.h"

static const struct {
	const char *text;
	int ok;
} addresses[] = {
	{ "10.1.2.3", 1 }, { "0.0.0.0", 1 }, { "255.255.255.255", 1 },
	{ "256.1.1.1", 0 }, { "10.1.1", 0 }, { "10.1.1.1.1", 0 },
	{ "010.1.1.1", 0 }, { "10..1.1", 0 }, { "", 0 }, { "a.b.c.d", 0 },
	{ "10.1.1.1 ", 0 }, { "1000.1.1.1", 0 }, { "-1.1.1.1", 0 },
};

TEST(ipv4_parse)
{
	char buf[IPV4_TEXT];
	uint32_t a;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(addresses); i++) {
		int rc = ipv4_parse(addresses[i].text, &a);

		CHECK_INT_EQ(rc, addresses[i].ok ? 0 : -1);
		if (rc == 0) {
			ipv4_format(a, buf);
			CHECK_STR_EQ(buf, addresses[i].text);
		}
	}
}

static const struct {
	const char *text;
	int ok;
} networks[] = {
	{ "10.1.1.0/24", 1 }, { "100.64.0.0/10", 1 }, { "10.0.0.0/8", 1 },
	{ "192.0.2.0/30", 1 }, { "10.1.1.1/24", 0 }, { "10.1.1.0/31", 0 },
	{ "10.1.1.0/32", 0 }, { "0.0.0.0/0", 0 }, { "10.1.1.0", 0 },
	{ "10.1.1.0/", 0 }, { "10.1.1.0/240", 0 }, { "10.1.1.0/24x", 0 },
};

TEST(cidr_parse)
{
	char buf[CIDR_TEXT];
	struct cidr c;
	const char *why;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(networks); i++) {
		int rc = cidr_parse(networks[i].text, &c, &why);

		CHECK_INT_EQ(rc, networks[i].ok ? 0 : -1);
		if (rc == 0) {
			cidr_format(&c, buf);
			CHECK_STR_EQ(buf, networks[i].text);
		}
	}
}

TEST(cidr_arithmetic)
{
	struct cidr a, b, c;
	const char *why;
	uint32_t ip;

	CHECK_INT_EQ(cidr_parse("10.1.1.0/24", &a, &why), 0);
	CHECK_INT_EQ(cidr_parse("10.1.0.0/16", &b, &why), 0);
	CHECK_INT_EQ(cidr_parse("10.2.0.0/24", &c, &why), 0);
	CHECK(cidr_overlaps(&a, &b));
	CHECK(cidr_overlaps(&b, &a));
	CHECK(!cidr_overlaps(&a, &c));
	CHECK(!cidr_overlaps(&b, &c));
	ipv4_parse("10.1.1.255", &ip);
	CHECK(cidr_broadcast(&a) == ip);
	ipv4_parse("10.1.1.254", &ip);
	CHECK(cidr_host_side(&a) == ip);
	CHECK(cidr_contains(&a, ip));
	ipv4_parse("10.1.2.1", &ip);
	CHECK(!cidr_contains(&a, ip));
	CHECK(cidr_contains(&b, ip));
	CHECK(cidr_mask(&a) == 0xffffff00u);
}
