/*
 * strmap.h: a map from strings to pointers, for finding by name in large
 * ranges (thousands of hosts) without quadratic scans.
 *
 * The map does not own its keys or values: they must outlive it.
 */
#ifndef RANGECTL_STRMAP_H
#define RANGECTL_STRMAP_H

#include <stddef.h>

struct strmap_slot {
	const char *key;
	void *value;
};

struct strmap {
	struct strmap_slot *slots;
	size_t size;	/* a power of two, or 0 */
	size_t count;
};

void strmap_init(struct strmap *map);
void strmap_clear(struct strmap *map);
/*
 * Adds key unless present. Returns NULL when added, else the value already
 * there (which is kept).
 */
void *strmap_add(struct strmap *map, const char *key, void *value);
void *strmap_get(const struct strmap *map, const char *key);
/*
 * Makes room for count keys in all, so that adding them allocates once:
 * growing by doubling touched twice the memory, which a large plan paid
 * for in page faults (docs/BENCHMARKS.md).
 */
void strmap_reserve(struct strmap *map, size_t count);

#endif
