/*
 * units.c: parsing the small value types of the scenario format.
 */
#include "rangectl/units.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Reads up to max_digits digits; -1 when there are none or too many. */
static int
read_number(const char **p, int max_digits, long *value)
{
	const char *s = *p;
	long v = 0;
	int n = 0;

	while (isdigit((unsigned char)*s)) {
		if (++n > max_digits)
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	if (n == 0)
		return -1;
	*p = s;
	*value = v;
	return 0;
}

static int
parse_clock_form(const char *text, long *seconds, const char **why)
{
	const char *p = text;
	long h, m, s;

	if (read_number(&p, 4, &h) < 0 || *p++ != ':' ||
	    read_number(&p, 2, &m) < 0 || *p++ != ':' ||
	    read_number(&p, 2, &s) < 0 || *p != '\0') {
		*why = "expected HH:MM:SS";
		return -1;
	}
	if (m > 59 || s > 59) {
		*why = "minutes and seconds must be below 60";
		return -1;
	}
	*seconds = h * 3600 + m * 60 + s;
	if (*seconds > UNITS_MAX_DURATION) {
		*why = "longer than a year";
		return -1;
	}
	return 0;
}

/* "1h30m10s": each unit at most once, in the order h, m, s. */
static int
parse_unit_form(const char *text, long *seconds, const char **why)
{
	static const struct { char unit; long scale; } units[] = {
		{ 'h', 3600 }, { 'm', 60 }, { 's', 1 },
	};
	const char *p = text;
	size_t next = 0, i;
	long total = 0, v;

	while (*p != '\0') {
		if (read_number(&p, 9, &v) < 0) {
			*why = "expected a number followed by h, m or s, "
			    "as in 90s, 15m, 1h30m";
			return -1;
		}
		for (i = next; i < 3 && units[i].unit != *p; i++)
			;
		if (i == 3) {
			if (*p == '\0')
				*why = "a unit (h, m or s) must follow the number";
			else if (strchr("hms", *p) == NULL)
				*why = "the units are h, m and s";
			else
				*why = "units go h, m, s, each at most once";
			return -1;
		}
		total += v * units[i].scale;
		if (total > UNITS_MAX_DURATION) {
			*why = "longer than a year";
			return -1;
		}
		next = i + 1;
		p++;
	}
	*seconds = total;
	return 0;
}

int
units_parse_duration(const char *text, long *seconds, const char **why)
{
	if (strcmp(text, "0") == 0) {
		*seconds = 0;
		return 0;
	}
	if (*text == '\0') {
		*why = "it is empty";
		return -1;
	}
	if (strchr(text, ':') != NULL)
		return parse_clock_form(text, seconds, why);
	return parse_unit_form(text, seconds, why);
}

int
units_parse_size(const char *text, unsigned long long *bytes, const char **why)
{
	static const char suffixes[] = "KMGT";
	const char *p = text, *s;
	long v;

	if (read_number(&p, 9, &v) < 0) {
		*why = "expected a number and a unit, as in 512K, 128M, 1G";
		return -1;
	}
	s = *p ? strchr(suffixes, *p) : NULL;
	if (s == NULL || p[1] != '\0') {
		*why = "the unit must be one of K, M, G, T (binary units)";
		return -1;
	}
	*bytes = (unsigned long long)v << (10 * (s - suffixes + 1));
	if (*bytes > UNITS_MAX_SIZE) {
		*why = "too large";
		return -1;
	}
	return 0;
}

int
units_parse_int(const char *text, long min, long max, long *value,
    const char **why)
{
	const char *p = text;
	int negative = 0;
	long v;

	if (*p == '-' || *p == '+')
		negative = *p++ == '-';
	if (read_number(&p, 12, &v) < 0 || *p != '\0') {
		*why = "expected a whole number";
		return -1;
	}
	if (negative)
		v = -v;
	if (v < min || v > max) {
		*why = "out of range";
		return -1;
	}
	*value = v;
	return 0;
}

int
units_check_id(const char *text, size_t max, const char **why)
{
	const char *p;

	if (!islower((unsigned char)text[0]) || !isascii((unsigned char)text[0])) {
		*why = "an id starts with a lowercase letter (a-z)";
		return -1;
	}
	for (p = text; *p != '\0'; p++) {
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9') &&
		    *p != '-') {
			*why = "an id holds only a-z, 0-9 and '-'";
			return -1;
		}
	}
	if ((size_t)(p - text) > max) {
		*why = "too long";
		return -1;
	}
	return 0;
}

void
units_format_duration(long seconds, char *buf, size_t size)
{
	long h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
	int n = 0;

	buf[0] = '\0';
	if (h)
		n += snprintf(buf + n, size - (size_t)n, "%ldh", h);
	if (m && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "%ldm", m);
	if ((s || seconds == 0) && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, "%lds", s);
}

const char *
units_format_clock(double seconds, char *buf)
{
	long s = 0;

	/* A hostile journal's time is capped: casting past LONG_MAX is UB. */
	if (seconds >= 1e15)
		s = 999999999999999L;
	else if (seconds > 0)
		s = (long)seconds;

	snprintf(buf, UNITS_CLOCK_SIZE, "%ld:%02ld:%02ld", s / 3600,
	    s / 60 % 60, s % 60);
	return buf;
}

const char *
units_format_thousandths(long v, char *buf)
{
	unsigned long u = v < 0 ? 0 - (unsigned long)v : (unsigned long)v;
	size_t n;

	n = (size_t)snprintf(buf, UNITS_THOUSANDTHS_SIZE, "%s%lu.%03lu",
	    v < 0 ? "-" : "", u / 1000, u % 1000);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	return buf;
}
