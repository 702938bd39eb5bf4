/*
 * test_event_scan.c: event_scan_round() against the general path
 * (json_loadb() and event_decode()): every round line of the golden
 * journals is read by the scanner and decodes the same; every line made
 * from those by a one-byte change is either left to the general path
 * untouched, or decodes the same as it does there.
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "rangectl/event_scan.h"
#include "rangectl/util.h"

static bool
same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Whether two decoded rounds are the same, field by field. */
static bool
same_round(const struct event *a, const struct event *b)
{
	const struct event_round *x = &a->u.round, *y = &b->u.round;
	size_t i;

	if (a->type != b->type || a->seq != b->seq || a->has_t != b->has_t ||
	    a->t != b->t || a->wall != b->wall || x->n != y->n ||
	    x->at != y->at || x->has_late != y->has_late ||
	    (x->has_late && x->late != y->late) ||
	    x->simulated != y->simulated || x->n_checks != y->n_checks ||
	    x->n_compromises != y->n_compromises)
		return false;
	for (i = 0; i < x->n_checks; i++) {
		const struct event_check *c = &x->checks[i], *d = &y->checks[i];

		if (!same_str(c->team, d->team) || !same_str(c->host, d->host) ||
		    !same_str(c->service, d->service) ||
		    !same_str(c->kind, d->kind) || c->up != d->up ||
		    c->points != d->points || !same_str(c->reason, d->reason))
			return false;
	}
	for (i = 0; i < x->n_compromises; i++) {
		const struct event_compromise *c = &x->compromises[i];
		const struct event_compromise *d = &y->compromises[i];

		if (!same_str(c->team, d->team) || !same_str(c->host, d->host) ||
		    !same_str(c->inject, d->inject) ||
		    !same_str(c->kind, d->kind) || c->active != d->active ||
		    c->penalty != d->penalty || !same_str(c->reason, d->reason))
			return false;
	}
	return true;
}

/*
 * line (len bytes) through both paths: 1 when the scanner read it (and
 * then the general path must decode it the same), 0 when it left it
 * (and then the line must be as it was), -1 on a difference.
 */
static int
both_ways(const char *line, size_t len)
{
	char *copy = xmalloc(len + 1);
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	struct event fast, slow;
	char *error = NULL;
	int rc, general;

	memcpy(copy, line, len);
	copy[len] = '\0';
	general = json_is_object(o) && event_decode(o, 0, &slow, &error) == 0;
	rc = event_scan_round(copy, len, &fast);
	if (rc == 1) {
		if (!general || !same_round(&fast, &slow))
			rc = -1;
		event_clear(&fast);
	} else if (memcmp(copy, line, len) != 0) {
		rc = -1;
	}
	if (rc < 0)
		fprintf(stderr, "differs: %.*s\n", (int)len, line);
	if (general)
		event_clear(&slow);
	free(error);
	json_decref(o);
	free(copy);
	return rc;
}

/* The round lines of the golden journals, each through both_ways(). */
static size_t
golden_rounds(char ***lines)
{
	static const char *const files[] = { "complete", "edge", "escapes",
		"interrupted", "resumed", "engine-rehearsal", "engine-api" };
	char *line = NULL, *path;
	size_t size = 0, n = 0, alloc = 0, i;
	ssize_t len;
	FILE *f;

	*lines = NULL;
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		path = xasprintf("tests/journals/%s.jsonl", files[i]);
		f = fopen(path, "r");
		CHECK(f != NULL);
		while (f != NULL && (len = getline(&line, &size, f)) > 0)
			if (strstr(line, "\"type\":\"round\"") != NULL) {
				xgrow(lines, &alloc, n + 1, sizeof(**lines));
				(*lines)[n++] = xstrdup(line);
			}
		if (f != NULL)
			fclose(f);
		free(path);
	}
	free(line);
	return n;
}

TEST(golden_rounds_scan_as_they_decode)
{
	char **lines;
	size_t n = golden_rounds(&lines), i, scanned = 0;

	CHECK(n > 10);
	for (i = 0; i < n; i++) {
		int rc = both_ways(lines[i], strlen(lines[i]));

		CHECK(rc >= 0);
		scanned += rc == 1;
		free(lines[i]);
	}
	free(lines);
	/* The plain ones: all but those with escapes in their strings. */
	CHECK(scanned * 10 >= n * 8);
}

TEST(one_byte_changed_never_decodes_otherwise)
{
	static const char subst[] = "\"{}[],:0-9.eE+tfn \\a\x01\x80";
	char **lines, *m;
	size_t n = golden_rounds(&lines), i, at, k, len, bad = 0, scanned = 0;
	int rc;

	for (i = 0; i < n && i < 3; i++) {
		len = strlen(lines[i]);
		m = xmalloc(len + 2);
		for (at = 0; at < len; at++) {
			/* each byte dropped */
			memcpy(m, lines[i], at);
			memcpy(m + at, lines[i] + at + 1, len - at - 1);
			bad += both_ways(m, len - 1) < 0;
			/* each byte replaced */
			for (k = 0; k < sizeof(subst) - 1; k++) {
				memcpy(m, lines[i], len);
				m[at] = subst[k];
				rc = both_ways(m, len);
				bad += rc < 0;
				scanned += rc == 1 && m[at] != lines[i][at];
			}
		}
		free(m);
	}
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	CHECK_INT_EQ(bad, 0);
	/* Some changes keep a round readable (another digit, another name). */
	CHECK(scanned > 0);
}

TEST(what_it_leaves_to_the_general_path)
{
	static const char *const lines[] = {
		/* whitespace, an escape, an unknown key, a key twice, parts */
		"{\"at\": 60.0,\"checks\":[],\"compromises\":[],\"n\":1,\"seq\":1,"
		    "\"t\":60.0,\"type\":\"round\",\"wall\":1.0}\n",
		"{\"at\":60.0,\"checks\":[{\"host\":\"a\\u0062\",\"points\":1,"
		    "\"service\":\"s\",\"team\":\"t\",\"up\":true}],\"compromises\":"
		    "[],\"n\":1,\"seq\":1,\"t\":60.0,\"type\":\"round\",\"wall\":1.0}",
		"{\"at\":60.0,\"checks\":[],\"compromises\":[],\"n\":1,\"seq\":1,"
		    "\"t\":60.0,\"truth\":1,\"type\":\"round\",\"wall\":1.0}",
		"{\"at\":60.0,\"checks\":[],\"compromises\":[],\"n\":1,\"n\":2,"
		    "\"seq\":1,\"t\":60.0,\"type\":\"round\",\"wall\":1.0}",
		"{\"at\":60.0,\"checks\":[],\"compromises\":[],\"n\":1,\"parts\":2,"
		    "\"seq\":1,\"t\":60.0,\"type\":\"round\",\"wall\":1.0}",
		/* a real where an integer must be, an integer too long */
		"{\"at\":60.0,\"checks\":[],\"compromises\":[],\"n\":1.0,\"seq\":1,"
		    "\"t\":60.0,\"type\":\"round\",\"wall\":1.0}",
		"{\"at\":60.0,\"checks\":[],\"compromises\":[],\"n\":"
		    "99999999999999999999,\"seq\":1,\"t\":60.0,\"type\":\"round\","
		    "\"wall\":1.0}",
		/* another type, and something after the object */
		"{\"at\":60.0,\"checks\":[],\"compromises\":[],\"n\":1,\"seq\":1,"
		    "\"t\":60.0,\"type\":\"rounds\",\"wall\":1.0}",
		"{\"at\":60.0,\"checks\":[],\"compromises\":[],\"n\":1,\"seq\":1,"
		    "\"t\":60.0,\"type\":\"round\",\"wall\":1.0}x",
	};
	static const char plain[] = "{\"at\":60,\"checks\":[],\"compromises\":"
	    "[],\"n\":1,\"seq\":1,\"t\":6e1,\"type\":\"round\",\"wall\":-0.5}\n";
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lines); i++)
		CHECK_INT_EQ(both_ways(lines[i], strlen(lines[i])), 0);
	/* ...and the plain one it reads. */
	CHECK_INT_EQ(both_ways(plain, strlen(plain)), 1);
}

/*
 * Numbers of every length read to the same bits as strtod() reads them
 * (the scanner's exact_decimal() path for up to 15 digits, strtod() past
 * that): random decimals, negative, with leading zeros, and the edges.
 */
TEST(numbers_read_as_strtod_reads_them)
{
	static const char *const edges[] = { "0.0", "-0.0", "0.1", "0.3",
	    "-0.000001", "999999999999999.0", "99999999999999.9",
	    "1733456789.12345", "1733456789.123456", "0.00000000000001",
	    "123456789012345678.5", "1e-5", "2.5E3", "0.1e1",
	    "9007.199254740992", "9007.199254740993", "-900719925474099.3",
	    "9999999999999999.0", "0.9999999999999999" };
	unsigned long long x = 88172645463325252ULL;
	char num[64], line[256];
	size_t i, k, len;

	for (i = 0; i < ARRAY_SIZE(edges) + 4000; i++) {
		struct event ev;
		double want;

		if (i < ARRAY_SIZE(edges)) {
			snprintf(num, sizeof(num), "%s", edges[i]);
		} else {
			int ints, fracs, n = 0;

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			ints = 1 + (int)(x % 13);
			fracs = 1 + (int)((x >> 8) % 10);
			if ((x >> 16) & 1)
				num[n++] = '-';
			for (k = 0; k < (size_t)ints + (size_t)fracs; k++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				if (k == (size_t)ints)
					num[n++] = '.';
				num[n++] = (char)('0' + (k == 0 && ints > 1 ?
				    1 + x % 9 : x % 10));
			}
			num[n] = '\0';
		}
		len = (size_t)snprintf(line, sizeof(line), "{\"at\":%s,\"checks\""
		    ":[],\"compromises\":[],\"n\":1,\"seq\":1,\"t\":%s,\"type\":"
		    "\"round\",\"wall\":%s}\n", num, num, num);
		CHECK_INT_EQ(both_ways(line, len), 1);
		want = strtod(num, NULL);
		CHECK_INT_EQ(event_scan_round(line, len, &ev), 1);
		CHECK(memcmp(&ev.t, &want, sizeof(want)) == 0);
		CHECK(memcmp(&ev.wall, &want, sizeof(want)) == 0);
		CHECK(memcmp(&ev.u.round.at, &want, sizeof(want)) == 0);
		event_clear(&ev);
	}
}
