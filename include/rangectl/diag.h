/*
 * diag.h: the problems found in one input file, each at a line and column.
 *
 * Loaders and checkers add every problem they find, so a user sees them
 * all at once; the command prints them sorted by position.
 */
#ifndef RANGECTL_DIAG_H
#define RANGECTL_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* A place in an input file, 1-based; line 0 means "the file as a whole". */
struct pos {
	int line;
	int col;
};

struct diag {
	struct pos pos;
	char *message;	/* a whole sentence without the final period */
	size_t seq;	/* order of arrival, to keep the sort stable */
};

struct diag_list {
	struct diag *items;
	size_t count;
	size_t alloc;
	size_t dropped;	/* problems past DIAG_MAX, counted not kept */
};

/* Enough to fix a file by; more only buries the first cause. */
#define DIAG_MAX 200

void diag_list_init(struct diag_list *list);
/* Frees every message; the list can be reused. NULL is fine. */
void diag_list_clear(struct diag_list *list);
void diag_add(struct diag_list *list, struct pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_vadd(struct diag_list *list, struct pos pos, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));
/* Orders the problems by position, then by arrival. */
void diag_sort(struct diag_list *list);
/* Prints "PATH:LINE:COL: message" per problem, sorted by position. */
void diag_print(struct diag_list *list, const char *path, FILE *out);

#endif
