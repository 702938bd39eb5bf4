/*
 * event_scan.c: a round event decoded straight from its journal line.
 *
 * Why hand-written: a replay of a week's journal (100,000 events, 98% of
 * the bytes rounds) spent two thirds of its time building and freeing
 * jansson trees that event_decode() read once and dropped. No JSON
 * library reads into our own structs without a tree; so this reads the
 * one shape rangectl writes for a round, and nothing else: anything it
 * does not expect (whitespace, an escape, a byte outside printable ASCII,
 * an unknown or repeated key, a kind of value the tables refuse, a number
 * out of range, "parts") makes it give up, untouched, and the line goes
 * through jansson and event_decode() as before, which then decodes it or
 * names the fault. So it never accepts what the general path refuses, and
 * what it accepts it decodes the same (tests/unit/test_event_scan.c, and
 * tests/fuzz/fuzz_journal.c compares the two on every input).
 */
#include "rangectl/event_scan.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/util.h"

/* The closing quotes of a round's values noted as it is read, to end its
 * strings there once the whole line is accepted (more: found again). */
#define SCAN_ENDS 512

/* A line being read: where, and its end. */
struct scan {
	const char *p;
	const char *end;
	const char *ends[SCAN_ENDS];	/* the values' closing quotes */
	size_t n_ends;	/* noted; past SCAN_ENDS, not all of them */
};

static bool
eat(struct scan *s, char c)
{
	if (s->p < s->end && *s->p == c) {
		s->p++;
		return true;
	}
	return false;
}

/*
 * A string of printable ASCII without escapes: its first byte in *out
 * (its closing quote is terminated later, event_scan_round()).
 */
static bool
string(struct scan *s, const char **out)
{
	/* The bytes a plain string holds: printable ASCII but '"' and '\\'. */
	static const bool plain[256] = {
		[0x20 ... 0x21] = true, [0x23 ... 0x5b] = true, [0x5d ... 0x7e] = true,
	};
	const unsigned char *p;

	if (!eat(s, '"'))
		return false;
	p = (const unsigned char *)s->p;
	/* The line's end is a '\n' or past it: plain[] stops there too. */
	while (p < (const unsigned char *)s->end && plain[*p])
		p++;
	*out = s->p;
	s->p = (const char *)p;
	return eat(s, '"');
}

/* A string that is a value of the round: its closing quote noted. */
static bool
value(struct scan *s, const char **out)
{
	if (!string(s, out))
		return false;
	if (s->n_ends < SCAN_ENDS)
		s->ends[s->n_ends] = s->p - 1;
	s->n_ends++;
	return true;
}

/* Whether key (len bytes) is the literal word: a length and a memcmp the
 * compiler inlines. */
#define KEY_IS(key, len, word) \
	((len) == sizeof(word) - 1 && memcmp((key), (word), sizeof(word) - 1) == 0)

static size_t
digits(struct scan *s)
{
	const char *start = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return (size_t)(s->p - start);
}

/* The powers of ten a double holds exactly. */
static const double exact_ten[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
	1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * The value of the number's digits (int_len of them at in, then frac_len
 * after the point) without strtod(), when that is exact: at most 16
 * digits in all making a whole number of at most 2^53, which a double
 * holds, divided by a power of ten that it holds too (at most 10^15), is
 * one correctly rounded division: the double nearest the decimal, which
 * is what strtod() returns (Clinger's fast path). false, *d untouched,
 * for any other number.
 */
static bool
exact_decimal(const char *in, size_t int_len, size_t frac_len, bool minus,
    double *d)
{
	unsigned long long m = 0;
	const char *p;
	size_t i;

	if (int_len + frac_len > 16)
		return false;
	for (i = 0, p = in; i < int_len; i++, p++)
		m = m * 10 + (unsigned long long)(*p - '0');
	for (i = 0, p++; i < frac_len; i++, p++)
		m = m * 10 + (unsigned long long)(*p - '0');
	if (m > (1ULL << 53))
		return false;
	*d = (double)m / exact_ten[frac_len];
	if (minus)
		*d = -*d;
	return true;
}

/*
 * A JSON number, as jansson reads it: an integer (no fraction, no
 * exponent; *is_int, *i) or a real (*d); both set *d. An integer of more
 * than 18 digits or a real that overflows is left to jansson. Reals of
 * up to 16 digits are read by exact_decimal(), the rest by strtod().
 */
static bool
number(struct scan *s, bool *is_int, long long *i, double *d)
{
	const char *start = s->p, *int_at;
	char *stop;
	size_t n, frac = 0;
	bool minus, exp = false;

	minus = eat(s, '-');
	int_at = s->p;
	if (s->p < s->end && *s->p == '0') {
		s->p++;
		n = 1;
	} else if ((n = digits(s)) == 0) {
		return false;
	}
	*is_int = true;
	if (eat(s, '.')) {
		*is_int = false;
		if ((frac = digits(s)) == 0)
			return false;
	}
	if (eat(s, 'e') || eat(s, 'E')) {
		*is_int = false;
		exp = true;
		if (!eat(s, '+'))
			eat(s, '-');
		if (digits(s) == 0)
			return false;
	}
	if (s->p >= s->end || (*s->p != ',' && *s->p != '}' && *s->p != ']'))
		return false;	/* the token must end where JSON says */
	if (*is_int) {
		if (n > 18)
			return false;
		*i = 0;
		for (stop = (char *)int_at; stop < s->p; stop++)
			*i = *i * 10 + (*stop - '0');
		if (minus)
			*i = -*i;
		*d = (double)*i;
		return true;
	}
	if (!exp && exact_decimal(int_at, n, frac, minus, d))
		return true;
	errno = 0;
	*d = strtod(start, &stop);
	if (isinf(*d) || isnan(*d))
		return false;
	return stop == s->p && errno != ERANGE;
}

static bool
integer(struct scan *s, long long *out)
{
	bool is_int;
	double d;

	return number(s, &is_int, out, &d) && is_int;
}

static bool
real(struct scan *s, double *out)
{
	bool is_int;
	long long i;

	return number(s, &is_int, &i, out);
}

static bool
boolean(struct scan *s, bool *out)
{
	size_t left = (size_t)(s->end - s->p);

	if (left >= 4 && memcmp(s->p, "true", 4) == 0) {
		s->p += 4;
		*out = true;
	} else if (left >= 5 && memcmp(s->p, "false", 5) == 0) {
		s->p += 5;
		*out = false;
	} else {
		return false;
	}
	return true;
}

/* A string or null (*out NULL). */
static bool
string_or_null(struct scan *s, const char **out)
{
	if ((size_t)(s->end - s->p) >= 4 && memcmp(s->p, "null", 4) == 0) {
		s->p += 4;
		*out = NULL;
		return true;
	}
	return value(s, out);
}

/*
 * The next key of an object (after '{' or ','): its bytes, then past its
 * colon. Returns false at the object's end ('}' eaten, *done set) or on
 * anything unexpected (*done clear).
 */
static bool
next_key(struct scan *s, bool first, const char **key, size_t *len,
    bool *done)
{
	*done = false;
	if (eat(s, '}')) {
		*done = true;
		return false;
	}
	if (!first && !eat(s, ','))
		return false;
	if (!string(s, key))
		return false;
	*len = (size_t)(s->p - *key - 1);
	return eat(s, ':');
}

/* Bits of the keys an object had: a key twice is refused, as jansson does. */
static bool
once(unsigned *seen, unsigned bit)
{
	if (*seen & bit)
		return false;
	*seen |= bit;
	return true;
}

enum { C_TEAM = 1, C_HOST = 2, C_SERVICE = 4, C_KIND = 8, C_UP = 16,
	C_POINTS = 32, C_REASON = 64, C_INJECT = 128 };

/* One entry of "checks" (check_fields). */
static bool
check_entry(struct scan *s, struct event_check *c)
{
	unsigned seen = 0, need = C_TEAM | C_HOST | C_SERVICE | C_UP | C_POINTS;
	const char *k;
	size_t n;
	bool done, ok;

	if (!eat(s, '{'))
		return false;
	while (next_key(s, seen == 0, &k, &n, &done)) {
		if (KEY_IS(k, n, "team"))
			ok = once(&seen, C_TEAM) && value(s, &c->team);
		else if (KEY_IS(k, n, "host"))
			ok = once(&seen, C_HOST) && value(s, &c->host);
		else if (KEY_IS(k, n, "service"))
			ok = once(&seen, C_SERVICE) && value(s, &c->service);
		else if (KEY_IS(k, n, "kind"))
			ok = once(&seen, C_KIND) && value(s, &c->kind);
		else if (KEY_IS(k, n, "up"))
			ok = once(&seen, C_UP) && boolean(s, &c->up);
		else if (KEY_IS(k, n, "points"))
			ok = once(&seen, C_POINTS) && integer(s, &c->points);
		else if (KEY_IS(k, n, "reason"))
			ok = once(&seen, C_REASON) && string_or_null(s, &c->reason);
		else
			ok = false;
		if (!ok)
			return false;
	}
	return done && (seen & need) == need;
}

/* One entry of "compromises" (compromise_fields). */
static bool
compromise_entry(struct scan *s, struct event_compromise *c)
{
	unsigned seen = 0, need = C_TEAM | C_HOST | C_INJECT | C_UP | C_POINTS;
	const char *k;
	size_t n;
	bool done, ok;

	if (!eat(s, '{'))
		return false;
	while (next_key(s, seen == 0, &k, &n, &done)) {
		if (KEY_IS(k, n, "team"))
			ok = once(&seen, C_TEAM) && value(s, &c->team);
		else if (KEY_IS(k, n, "host"))
			ok = once(&seen, C_HOST) && value(s, &c->host);
		else if (KEY_IS(k, n, "inject"))
			ok = once(&seen, C_INJECT) && value(s, &c->inject);
		else if (KEY_IS(k, n, "kind"))
			ok = once(&seen, C_KIND) && value(s, &c->kind);
		else if (KEY_IS(k, n, "active"))
			ok = once(&seen, C_UP) && boolean(s, &c->active);
		else if (KEY_IS(k, n, "penalty"))
			ok = once(&seen, C_POINTS) && integer(s, &c->penalty);
		else if (KEY_IS(k, n, "reason"))
			ok = once(&seen, C_REASON) && string_or_null(s, &c->reason);
		else
			ok = false;
		if (!ok)
			return false;
	}
	return done && (seen & need) == need;
}

/* A list of checks (compromises when !checks) into the round. */
static bool
entries(struct scan *s, struct event_round *r, bool checks)
{
	size_t alloc = 0, *n = checks ? &r->n_checks : &r->n_compromises;

	if (!eat(s, '['))
		return false;
	if (eat(s, ']'))
		return true;
	/* Room for a round's usual checks at once, not grown four times. */
	if (checks)
		xgrow(&r->checks, &alloc, 16, sizeof(*r->checks));
	do {
		if (checks) {
			xgrow(&r->checks, &alloc, *n + 1, sizeof(*r->checks));
			memset(&r->checks[*n], 0, sizeof(*r->checks));
			if (!check_entry(s, &r->checks[(*n)++]))
				return false;
		} else {
			xgrow(&r->compromises, &alloc, *n + 1,
			    sizeof(*r->compromises));
			memset(&r->compromises[*n], 0, sizeof(*r->compromises));
			if (!compromise_entry(s, &r->compromises[(*n)++]))
				return false;
		}
	} while (eat(s, ','));
	return eat(s, ']');
}

enum { R_AT = 1, R_CHECKS = 2, R_COMPROMISES = 4, R_LATE = 8, R_N = 16,
	R_SEQ = 32, R_SIMULATED = 64, R_T = 128, R_TYPE = 256, R_WALL = 512 };

/* One top-level member of a round, its key k (n bytes). */
static bool
round_member(struct scan *s, const char *k, size_t n, unsigned *seen,
    struct event *ev)
{
	struct event_round *r = &ev->u.round;
	const char *type;
	long long seq;

	if (KEY_IS(k, n, "at"))
		return once(seen, R_AT) && real(s, &r->at);
	if (KEY_IS(k, n, "checks"))
		return once(seen, R_CHECKS) && entries(s, r, true);
	if (KEY_IS(k, n, "compromises"))
		return once(seen, R_COMPROMISES) && entries(s, r, false);
	if (KEY_IS(k, n, "late"))
		return once(seen, R_LATE) && real(s, &r->late) &&
		    (r->has_late = true);
	if (KEY_IS(k, n, "n"))
		return once(seen, R_N) && integer(s, &r->n);
	if (KEY_IS(k, n, "seq"))
		return once(seen, R_SEQ) && integer(s, &seq) && seq > 0 &&
		    ((ev->seq = (unsigned long long)seq), true);
	if (KEY_IS(k, n, "simulated"))
		return once(seen, R_SIMULATED) && boolean(s, &r->simulated);
	if (KEY_IS(k, n, "t"))
		return once(seen, R_T) && real(s, &ev->t);
	if (KEY_IS(k, n, "type"))
		return once(seen, R_TYPE) && string(s, &type) &&
		    strncmp(type, "round\"", 6) == 0;
	if (KEY_IS(k, n, "wall"))
		return once(seen, R_WALL) && real(s, &ev->wall);
	return false;
}

/* Ends each string the round points to where its closing quote was. */
static void
terminate(const char *str)
{
	if (str != NULL)
		*strchr((char *)str, '"') = '\0';	/* none inside: string() */
}

/* Ends every string of round r: at the quotes noted, or found again. */
static void
terminate_all(const struct scan *s, struct event_round *r)
{
	size_t i;

	if (s->n_ends <= SCAN_ENDS) {
		for (i = 0; i < s->n_ends; i++)
			*(char *)s->ends[i] = '\0';
		return;
	}
	for (i = 0; i < r->n_checks; i++) {
		terminate(r->checks[i].team);
		terminate(r->checks[i].host);
		terminate(r->checks[i].service);
		terminate(r->checks[i].kind);
		terminate(r->checks[i].reason);
	}
	for (i = 0; i < r->n_compromises; i++) {
		terminate(r->compromises[i].team);
		terminate(r->compromises[i].host);
		terminate(r->compromises[i].inject);
		terminate(r->compromises[i].kind);
		terminate(r->compromises[i].reason);
	}
}

int
event_scan_round(char *line, size_t len, struct event *ev)
{
	struct scan s;	/* its ends[] not cleared: 4 KiB a line */
	unsigned seen = 0, need = R_AT | R_CHECKS | R_COMPROMISES | R_N |
	    R_SEQ | R_T | R_TYPE | R_WALL;
	struct event_round *r = &ev->u.round;
	const char *k;
	size_t n;
	bool done = false;

	s.p = line;
	s.end = line + len;
	s.n_ends = 0;
	if (len > 0 && line[len - 1] == '\n')
		s.end--;
	memset(ev, 0, sizeof(*ev));
	ev->type = EVENT_ROUND;
	if (eat(&s, '{'))
		while (next_key(&s, seen == 0, &k, &n, &done) &&
		    round_member(&s, k, n, &seen, ev))
			;
	if (!done || s.p != s.end || (seen & need) != need) {
		event_clear(ev);
		memset(ev, 0, sizeof(*ev));
		return 0;
	}
	ev->has_t = true;
	terminate_all(&s, r);
	return 1;
}
