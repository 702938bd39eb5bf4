/*
 * event_scan.h: a round event read straight from its journal line, without
 * building a JSON tree, for replays (journal_read_from()). Rounds are 98%
 * of a long journal's bytes; every other event, and any round line not of
 * the plain shape below, goes through jansson and event_decode().
 */
#ifndef RANGECTL_EVENT_SCAN_H
#define RANGECTL_EVENT_SCAN_H

#include <stddef.h>

#include "rangectl/event.h"

/*
 * Decodes line (len bytes, its newline included or not) as a round event
 * when it is one in the plain shape rangectl writes: one compact JSON
 * object, no whitespace, every string printable ASCII without escapes,
 * no key twice and no key the round's tables do not name, an integer
 * "seq", "type" "round", numbers "t" and "wall", the round's fields of
 * the right kinds (event.c's round_fields, check_fields,
 * compromise_fields), and no "parts". Returns 1 with *ev decoded exactly
 * as json_loadb() and event_decode() would (its seq the line's; its
 * strings point into line, whose closing quotes it overwrites with NULs;
 * event_clear() frees its lists), or 0, line and *ev untouched, for
 * anything else: the caller decodes that the general way, which gives
 * the same result or the error.
 */
int event_scan_round(char *line, size_t len, struct event *ev);

#endif
