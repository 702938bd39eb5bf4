/*
 * test_seed.c: the cloud-init NoCloud seed (seed.c): its three files
 * against tests/seed/ (RANGECTL_REGENERATE=1 rewrites them), the instance
 * id's stability, the password's secrecy, and the ISO 9660 image.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rangectl/range.h"
#include "rangectl/seed.h"
#include "rangectl/util.h"

#define SALT "$6$rangectlgolden$"

static bool
load(struct range *range, const char *path)
{
	struct diag_list diags;
	int rc;

	diag_list_init(&diags);
	rc = range_load(range, path, &diags);
	diag_print(&diags, path, stderr);
	diag_list_clear(&diags);
	return rc == 0;
}

static const struct plan_host *
host_named(const struct plan *plan, const char *name)
{
	size_t i;

	for (i = 0; i < plan->n_hosts; i++)
		if (strcmp(plan->hosts[i].name, name) == 0)
			return &plan->hosts[i];
	return NULL;
}

/* Compares text with the golden file, or rewrites it when asked to. */
static void
check_golden(const char *path, const char *text)
{
	FILE *f;
	char *want;
	long n;

	if (getenv("RANGECTL_REGENERATE") != NULL) {
		f = fopen(path, "w");
		if (CHECK(f != NULL)) {
			fputs(text, f);
			fclose(f);
		}
		return;
	}
	f = fopen(path, "r");
	if (!CHECK(f != NULL))
		return;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	want = xcalloc(1, (size_t)n + 1);
	CHECK_INT_EQ(fread(want, 1, (size_t)n, f), n);
	fclose(f);
	if (strcmp(want, text) != 0)
		fprintf(stderr, "%s differs; got:\n%s", path, text);
	CHECK(strcmp(want, text) == 0);
	free(want);
}

static void
golden_host(const struct plan *plan, const char *name, const char *prefix)
{
	const struct plan_host *host = host_named(plan, name);
	struct seed seed;
	char *error = NULL, *path;

	if (!CHECK(host != NULL) || !CHECK(host->guest != NULL))
		return;
	if (!CHECK(seed_build(plan, host, SALT, &seed, &error) == 0)) {
		fprintf(stderr, "%s\n", error);
		free(error);
		return;
	}
	path = xasprintf("tests/seed/%s.meta-data", prefix);
	check_golden(path, seed.meta_data);
	free(path);
	path = xasprintf("tests/seed/%s.network-config", prefix);
	check_golden(path, seed.network_config);
	free(path);
	path = xasprintf("tests/seed/%s.user-data", prefix);
	check_golden(path, seed.user_data);
	free(path);
	seed_clear(&seed);
}

TEST(seed_golden)
{
	struct range range;

	if (!CHECK(load(&range, "tests/scenarios/ok-cloud-init.yaml")))
		return;
	golden_host(range.plan, "ci-md-web", "web");
	golden_host(range.plan, "ci-ro-gw", "gw");
	/* An image without cloud_init gets no seed. */
	CHECK(host_named(range.plan, "ci-red-kali")->guest == NULL);
	range_clear(&range);
}

/* Random salts: other hashes, the same instance id; never the password. */
TEST(seed_salts_and_secrets)
{
	const struct plan_host *host;
	struct seed a, b;
	struct range range;
	char *error = NULL;

	if (!CHECK(load(&range, "tests/scenarios/ok-cloud-init.yaml")))
		return;
	host = host_named(range.plan, "ci-ro-web");
	CHECK_INT_EQ(seed_build(range.plan, host, NULL, &a, &error), 0);
	CHECK_INT_EQ(seed_build(range.plan, host, NULL, &b, &error), 0);
	if (a.user_data != NULL && b.user_data != NULL) {
		CHECK(strcmp(a.user_data, b.user_data) != 0);
		CHECK_STR_EQ(a.instance_id, b.instance_id);
		CHECK(strstr(a.user_data, "s3cret") == NULL);
		CHECK(strstr(a.user_data, "\"passwd\": \"$6$") != NULL);
	}
	seed_clear(&b);
	/* Another team's copy is another host: another id. */
	host = host_named(range.plan, "ci-md-web");
	CHECK_INT_EQ(seed_build(range.plan, host, NULL, &b, &error), 0);
	CHECK(strcmp(a.instance_id, b.instance_id) != 0);
	seed_clear(&a);
	seed_clear(&b);
	range_clear(&range);
}

TEST(seed_volume_names)
{
	struct range range;
	struct seed seed;
	char *error = NULL, *name;
	const struct plan_host *host;

	if (!CHECK(load(&range, "tests/scenarios/ok-cloud-init.yaml")))
		return;
	host = host_named(range.plan, "ci-ro-web");
	CHECK_INT_EQ(seed_build(range.plan, host, SALT, &seed, &error), 0);
	name = seed_volume_name(host, &seed);
	CHECK(seed_volume_of(host, name));
	CHECK(!seed_volume_of(host, "ci-ro-web.qcow2"));
	CHECK(!seed_volume_of(host_named(range.plan, "ci-ro-gw"), name));
	CHECK(!seed_volume_of(host, "ci-ro-web-cidata-0123.iso"));
	free(name);
	seed_clear(&seed);
	range_clear(&range);
}

/* The image: a primary volume descriptor at sector 16, labelled cidata. */
TEST(seed_iso_image)
{
	struct range range;
	struct seed seed;
	char *error = NULL;
	unsigned char *data = NULL;
	size_t len = 0;
	const struct plan_host *host;

	if (!CHECK(load(&range, "tests/scenarios/ok-cloud-init.yaml")))
		return;
	host = host_named(range.plan, "ci-ro-web");
	CHECK_INT_EQ(seed_build(range.plan, host, SALT, &seed, &error), 0);
	if (!CHECK(seed_iso(&seed, &data, &len, &error) == 0)) {
		fprintf(stderr, "%s\n", error);
		free(error);
	} else {
		CHECK(len % 2048 == 0 && len > 17 * 2048);
		CHECK(data[0x8000] == 1 && memcmp(data + 0x8001, "CD001", 5) == 0);
		CHECK(memcmp(data + 0x8028, "cidata ", 7) == 0 ||
		    memcmp(data + 0x8028, "CIDATA ", 7) == 0);
		CHECK(memmem(data, len, "local-hostname", 14) != NULL);
	}
	free(data);
	seed_clear(&seed);
	range_clear(&range);
}

/* Ten seeds in a row build, each freed: the cost a host is printed. */
TEST(seed_cost)
{
	struct range range;
	struct seed seed;
	struct timespec t0, t1;
	char *error = NULL;
	unsigned char *data;
	size_t len;
	const struct plan_host *host;
	double ms;
	int i;

	if (!CHECK(load(&range, "tests/scenarios/ok-cloud-init.yaml")))
		return;
	host = host_named(range.plan, "ci-ro-web");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 10; i++) {
		if (seed_build(range.plan, host, NULL, &seed, &error) == 0 &&
		    seed_iso(&seed, &data, &len, &error) == 0)
			free(data);
		seed_clear(&seed);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = ((double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6) / 10;
	fprintf(stderr, "seed: %.2f ms a host (build and ISO, mean of 10)\n", ms);
	/*
	 * A figure, not a check: the machine is shared, and speed targets
	 * are shown by benchmarks (bench/real prints the seed's cost a host).
	 */
	range_clear(&range);
}
