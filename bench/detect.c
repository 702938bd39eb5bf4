/*
 * bench/detect.c: the cost of matching one observation against the
 * truth (detect.c), at issue 14's size: 1,000 injects' truth aimed at
 * three nations (3,000 attacks) and 10,000 observations.
 *
 *	build/bench/detect
 *
 * The truth is that of a real MSEL: ten red hosts, so each attacker's
 * address is an indicator of a hundred injects per nation (the worst
 * case for a posting list), plus a URL and a hash of each inject's own.
 * Observations name three indicators each: a red address (matching a
 * hundred attacks), the URL of one inject against one nation, and a value
 * matching nothing. It prints the median, 99th percentile and largest
 * time per observation, and the figures' sums as a check that the work
 * was done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rangectl/detect.h"
#include "rangectl/scenario.h"
#include "rangectl/util.h"

#define N_INJECTS 1000
#define N_OBSERVATIONS 10000
#define N_RED 10

static const char *const nations[] = { "ro", "md", "ua" };

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
declare_truth(struct detect_ledger *l)
{
	char ip[32], url[96], hash[65];
	struct detect_indicator row[3];
	size_t i, n;

	for (i = 0; i < N_INJECTS; i++) {
		char inject[16];

		snprintf(inject, sizeof(inject), "i%zu", i);
		for (n = 0; n < 3; n++) {
			snprintf(ip, sizeof(ip), "10.99.0.%zu", 10 + i % N_RED);
			snprintf(url, sizeof(url), "http://10.%zu.1.10/p%zu", n + 1,
			    i);
			snprintf(hash, sizeof(hash), "%064zx", i * 7919 + 1);
			row[0] = (struct detect_indicator){ INDICATOR_IPV4, ip };
			row[1] = (struct detect_indicator){ INDICATOR_URL, url };
			row[2] = (struct detect_indicator){ INDICATOR_SHA256, hash };
			detect_attack(l, inject, nations[n], "T1059", row, 3);
			detect_fired(l, inject, nations[n], (double)i);
		}
	}
}

int
main(void)
{
	static double times[N_OBSERVATIONS];
	const char *allies[] = { "ro", "md" };
	struct detect_rules rules = { .points = 100, .half_life = 1800,
	    .sharing = 20, .early_warning = 30, .false_indicator = 1 };
	struct detect_ledger l;
	size_t i, matched = 0;
	double start, total;

	detect_init(&l, &rules);
	start = now();
	declare_truth(&l);
	printf("truth of %d injects at 3 nations declared in %.1f ms\n",
	    N_INJECTS, (now() - start) * 1e3);
	for (i = 0; i < N_OBSERVATIONS; i++) {
		char ip[32], url[96], id[16], junk[32];
		struct detect_indicator ind[3];
		struct detect_sighting s = { .id = id, .team = "ua",
		    .t = 1000.0 + (double)i, .indicators = ind, .n_indicators = 3,
		    .to = allies, .n_to = 2 };
		double t0;

		snprintf(id, sizeof(id), "o%zu", i + 1);
		snprintf(ip, sizeof(ip), "10.99.0.%zu", 10 + i % N_RED);
		snprintf(url, sizeof(url), "http://10.3.1.10/p%zu", i % N_INJECTS);
		snprintf(junk, sizeof(junk), "198.51.100.%zu", i % 250);
		ind[0] = (struct detect_indicator){ INDICATOR_IPV4, ip };
		ind[1] = (struct detect_indicator){ INDICATOR_URL, url };
		ind[2] = (struct detect_indicator){ INDICATOR_IPV4, junk };
		t0 = now();
		matched += detect_sighting(&l, &s);
		times[i] = now() - t0;
	}
	total = 0;
	for (i = 0; i < N_OBSERVATIONS; i++)
		total += times[i];
	qsort(times, N_OBSERVATIONS, sizeof(times[0]), compare);
	printf("%d observations against %zu attacks: median %.1f us, "
	    "p99 %.1f us, max %.1f us per observation (target: under 1 ms); "
	    "%.1f ms in all\n", N_OBSERVATIONS, l.n_attacks,
	    times[N_OBSERVATIONS / 2] * 1e6,
	    times[N_OBSERVATIONS * 99 / 100] * 1e6,
	    times[N_OBSERVATIONS - 1] * 1e6, total * 1e3);
	printf("matches %zu, ua's points %lld, false indicators %ld\n", matched,
	    detect_team_of(&l, "ua")->points,
	    detect_team_of(&l, "ua")->false_indicators);
	detect_clear(&l);
	return 0;
}
