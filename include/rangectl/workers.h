/*
 * workers.h: running independent jobs on a few threads.
 *
 * libvirt calls spend their time waiting on the daemon, so a handful of
 * threads working through one list keeps it busy without flooding it.
 */
#ifndef RANGECTL_WORKERS_H
#define RANGECTL_WORKERS_H

#include <stddef.h>

#define WORKERS_DEFAULT 8

/*
 * Calls job(ctx, i) for every i below count, on at most threads threads,
 * and returns when all are done. Jobs must be independent.
 */
void workers_run(size_t count, unsigned threads,
    void (*job)(void *ctx, size_t i), void *ctx);

#endif
