/*
 * util.c: allocation that never fails, growable strings, string distance,
 * hashing, and the system helpers several modules share.
 */
#include "rangectl/util.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/* Strings we build are names, messages and documents: far below this. */
#define STRBUF_MAX (64u * 1024 * 1024)

static void
out_of_memory(size_t size)
{
	fprintf(stderr, "rangectl: out of memory (allocating %zu bytes)\n", size);
	abort();
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		out_of_memory(size);
	return p;
}

void *
xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);

	if (p == NULL)
		out_of_memory(count * size);
	return p;
}

void *
xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		out_of_memory(size);
	return p;
}

void
xgrow(void *ptrp, size_t *alloc, size_t need, size_t size)
{
	void **ptr = ptrp;
	size_t n = *alloc ? *alloc : 4;

	if (need <= *alloc)
		return;
	while (n < need)
		n *= 2;
	if (n > ((size_t)-1) / size)
		out_of_memory((size_t)-1);
	*ptr = xrealloc(*ptr, n * size);
	*alloc = n;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char small[256];
	va_list copy;
	int n;
	char *p;

	/* Most messages fit: one formatting pass, one copy. */
	va_copy(copy, ap);
	n = vsnprintf(small, sizeof(small), fmt, copy);
	va_end(copy);
	if (n < 0)
		out_of_memory(0);
	if ((size_t)n < sizeof(small))
		return xstrndup(small, (size_t)n);
	p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void
strbuf_init(struct strbuf *sb)
{
	sb->data = NULL;
	sb->len = 0;
	sb->alloc = 0;
}

void
strbuf_appendn(struct strbuf *sb, const char *s, size_t n)
{
	if (sb->len + n + 1 > STRBUF_MAX)
		out_of_memory(sb->len + n + 1);
	xgrow(&sb->data, &sb->alloc, sb->len + n + 1, 1);
	memcpy(sb->data + sb->len, s, n);
	sb->len += n;
	sb->data[sb->len] = '\0';
}

void
strbuf_append(struct strbuf *sb, const char *s)
{
	strbuf_appendn(sb, s, strlen(s));
}

void
strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	strbuf_append(sb, p);
	free(p);
}

char *
strbuf_steal(struct strbuf *sb)
{
	char *p = sb->data ? sb->data : xstrdup("");

	strbuf_init(sb);
	return p;
}

void
strbuf_free(struct strbuf *sb)
{
	if (sb == NULL)
		return;
	free(sb->data);
	strbuf_init(sb);
}

/* The longest escape of one character: two bytes as octal. */
#define VISIBLE_ESCAPE 9

/*
 * The escape of the character at s into buf (NUL-terminated), and the
 * bytes of s it stands for; 0 when s[0] stands for itself.
 */
static size_t
visible_escape(const char *s, char buf[VISIBLE_ESCAPE])
{
	unsigned char c = (unsigned char)s[0], d = (unsigned char)s[1];
	const char *named = c == '\t' ? "t" : c == '\n' ? "n" : c == '\r' ?
	    "r" : c == '\\' ? "\\" : NULL;

	if (named != NULL) {
		snprintf(buf, VISIBLE_ESCAPE, "\\%s", named);
		return 1;
	}
	if (c < 0x20 || c == 0x7f) {
		snprintf(buf, VISIBLE_ESCAPE, "\\%03o", c);
		return 1;
	}
	if (c == 0xc2 && d >= 0x80 && d <= 0x9f) {
		snprintf(buf, VISIBLE_ESCAPE, "\\%03o\\%03o", c, d);
		return 2;
	}
	return 0;
}

void
str_put_visible(FILE *out, const char *s)
{
	char esc[VISIBLE_ESCAPE];
	size_t i = 0, plain, n;

	while (s != NULL && s[i] != '\0') {
		/* Runs of plain text go out at once. */
		for (plain = i; s[i] != '\0' && visible_escape(s + i, esc) == 0;
		    i++)
			;
		fwrite(s + plain, 1, i - plain, out);
		if (s[i] == '\0')
			break;
		n = visible_escape(s + i, esc);
		fputs(esc, out);
		i += n;
	}
}

size_t
str_visible_len(const char *s)
{
	char esc[VISIBLE_ESCAPE];
	size_t i = 0, len = 0, n;

	while (s != NULL && s[i] != '\0') {
		n = visible_escape(s + i, esc);
		if (n == 0) {
			len++;
			i++;
		} else {
			len += strlen(esc);
			i += n;
		}
	}
	return len;
}

size_t
str_distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row, i, j, result;

	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	row = xmalloc((lb + 1) * sizeof(*row));
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	result = row[lb];
	free(row);
	return result > cap ? cap + 1 : result;
}

unsigned long long
hash_bytes(unsigned long long seed, const void *data, size_t n)
{
	const unsigned char *p = data;
	unsigned long long h = seed;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

unsigned long long
hash_str(unsigned long long seed, const char *s)
{
	return hash_bytes(seed, s, strlen(s) + 1);
}

int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EIO;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The first write to each new page of memory is a page fault, and on the
 * virtual machines rangectl runs on one costs about 12 us of CPU, against
 * 0.6 us a page when MADV_POPULATE_WRITE maps many at once (measured: see
 * docs/BENCHMARKS.md). A command that is about to allocate most of a
 * megabyte in small pieces grows the heap by that much first and maps it
 * in one call; then its mallocs reuse those pages. Only the main heap
 * (brk) is touched: allocations up to bytes stay in it rather than in
 * mmaps of their own, and freeing does not give them back before exit.
 * Best effort: on a kernel without MADV_POPULATE_WRITE (before 5.14)
 * the pages fault in one by one, as without this.
 */
void
heap_prefault(size_t bytes)
{
	long page = sysconf(_SC_PAGESIZE);
	void *volatile grown;
	uintptr_t lo, hi;

	if (page <= 0 || bytes > INT32_MAX / 4 ||
	    mallopt(M_MMAP_THRESHOLD, 2 * (int)bytes) == 0 ||
	    mallopt(M_TRIM_THRESHOLD, 2 * (int)bytes) == 0)
		return;
	lo = (uintptr_t)sbrk(0);
	/* The heap grows and its top keeps the pages; volatile, or the
	 * compiler drops the pair. */
	grown = malloc(bytes);
	free(grown);
	hi = (uintptr_t)sbrk(0);
	lo &= ~(uintptr_t)(page - 1);
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
}

void
thread_background(const char *name, int nice)
{
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), nice);
	(void)pthread_setname_np(pthread_self(), name);
}
