/*
 * units.h: the scalar types of scenarios: durations, sizes, ids, integers.
 *
 * Each parser returns 0, or -1 with *why set to a static phrase that
 * completes "... is not a valid duration: WHY".
 */
#ifndef RANGECTL_UNITS_H
#define RANGECTL_UNITS_H

#include <stdbool.h>
#include <stddef.h>

/* Longer than any exercise, short enough that sums never overflow. */
#define UNITS_MAX_DURATION (366L * 24 * 3600)
#define UNITS_MAX_SIZE (1ULL << 50)

/* "90s", "15m", "4h", "1h30m", "2h15m10s", "HH:MM:SS" or "0" to seconds. */
int units_parse_duration(const char *text, long *seconds, const char **why);
/* "512K", "128M", "1G", "2T" (binary units) to bytes. */
int units_parse_size(const char *text, unsigned long long *bytes,
    const char **why);
/* A decimal integer in [min, max]. */
int units_parse_int(const char *text, long min, long max, long *value,
    const char **why);
/* ^[a-z][a-z0-9-]*$ and at most max characters. */
int units_check_id(const char *text, size_t max, const char **why);
/* "4h", "1h30m", "90s", "0s": the shortest form that reads back the same. */
void units_format_duration(long seconds, char *buf, size_t size);
/*
 * Exercise seconds as a clock, H:MM:SS, the fraction dropped and a
 * negative time as 0:00:00. Returns buf, of UNITS_CLOCK_SIZE bytes.
 */
#define UNITS_CLOCK_SIZE 32
const char *units_format_clock(double seconds, char *buf);
/*
 * Thousandths as a decimal without trailing zeros: 1500 is "1.5", 1000
 * "1", 250 "0.25" (scoring.outage's weights). Returns buf, of
 * UNITS_THOUSANDTHS_SIZE bytes.
 */
#define UNITS_THOUSANDTHS_SIZE 32
const char *units_format_thousandths(long v, char *buf);

#endif
