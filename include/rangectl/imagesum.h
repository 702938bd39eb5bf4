/*
 * imagesum.h: the SHA-256 of a base image's files (kernel, initrd, disk),
 * for fairness.h, with a cache so that a 2 GiB disk is read once, not at
 * every `up`.
 *
 * The cache is one JSON file, $XDG_CACHE_HOME/rangectl/images.json (else
 * ~/.cache/rangectl/images.json): by absolute path, the size, the
 * modification time (nanoseconds) and the SHA-256 seen then. A file whose
 * size or mtime changed is read again. It is only a cache: deleting it
 * costs one read of each image; a cache that cannot be read or written is
 * ignored (and said so with -v), never an error.
 */
#ifndef RANGECTL_IMAGESUM_H
#define RANGECTL_IMAGESUM_H

#include <stddef.h>

#include "rangectl/fairness.h"
#include "rangectl/plan.h"

/* The cache file's path: the caller frees it. NULL without a home. */
char *imagesum_cache_path(void);

/*
 * What each image of plan holds, one text per plan->images entry
 * ("kernel=HEX initrd=- disk=absent": - when not given, absent when the
 * file is missing), through the cache at cache_path (may be NULL: none).
 * *read_bytes (may be NULL) gets how many bytes were hashed, the cache's
 * hits costing none. Returns the array (imagesum_free() frees it).
 */
char **imagesum_plan(const struct plan *plan, const char *cache_path,
    unsigned long long *read_bytes);
void imagesum_free(char **sums, size_t n);

/* The SHA-256 of the file at path, read whole. Returns 0, or -1. */
int imagesum_file(const char *path, char hex[FAIRNESS_HEX]);

#endif
