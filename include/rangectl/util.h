/*
 * util.h: memory helpers that abort on exhaustion, small string tools, and
 * the few system helpers several modules share.
 *
 * Out of memory is not an error rangectl can recover from in any useful
 * way, so every allocation goes through these and never returns NULL.
 */
#ifndef RANGECTL_UTIL_H
#define RANGECTL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
/* Grows the heap by about bytes and maps its pages at once (util.c). */
void heap_prefault(size_t bytes);
/*
 * Lowers the calling thread to nice (Linux keeps a nice value per thread,
 * set through its id) and names it name (at most 15 bytes), so that ps
 * and top tell it from the others. A failure of either leaves the thread
 * as it was, which costs only time.
 */
void thread_background(const char *name, int nice);
void *xrealloc(void *ptr, size_t size);
/* Grows *ptr to hold at least need elements of size each, doubling. */
void xgrow(void *ptrp, size_t *alloc, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A new string formatted as by printf; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/*
 * A growable string with a hard cap: appending past the cap aborts, since
 * every caller knows the bound of what it builds.
 */
struct strbuf {
	char *data;
	size_t len;
	size_t alloc;
};

void strbuf_init(struct strbuf *sb);
void strbuf_append(struct strbuf *sb, const char *s);
void strbuf_appendn(struct strbuf *sb, const char *s, size_t n);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Returns the string and leaves sb empty; the caller frees it. */
char *strbuf_steal(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);

/*
 * Writes s to out so that it cannot drive a terminal: each control
 * character is written as its escape in C, so that the text still says
 * what it held: \t, \n and \r, others as octal bytes (ESC as \033, DEL
 * as \177, and the C1 controls U+0080..U+009F, which terminals may also
 * obey, as the octal of their two UTF-8 bytes, \302\233 for CSI), and
 * the backslash itself as \\, so that no text can pass for an escape.
 * Everything else is written as it is. NULL writes nothing.
 */
void str_put_visible(FILE *out, const char *s);
/* The bytes str_put_visible() writes for s: to pad columns with. */
size_t str_visible_len(const char *s);

/* Levenshtein distance, capped at cap + 1 for speed. */
size_t str_distance(const char *a, const char *b, size_t cap);
/* 64-bit FNV-1a over n bytes, continuing from seed (use HASH_SEED to start). */
#define HASH_SEED 0xcbf29ce484222325ULL
unsigned long long hash_bytes(unsigned long long seed, const void *data, size_t n);
/* The same over a string and its terminating NUL, so "a","bc" != "ab","c". */
unsigned long long hash_str(unsigned long long seed, const char *s);

/*
 * Writes all of buf to fd, going on after short writes and signals:
 * 0, or -1 with errno set.
 */
int write_all(int fd, const char *buf, size_t len);
/* Seconds on the monotonic clock: for intervals and deadlines, never dates. */
double mono_now(void);

#endif
