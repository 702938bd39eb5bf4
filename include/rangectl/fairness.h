/*
 * fairness.h: proof that every team got the same range (issue 14, point
 * 5). Each team's slice of the plan (its networks, hosts and NICs, checks
 * and flags, the injects aimed at it, its base images) is written as a
 * normalized text, with what is the team's own abstracted away (its id and
 * name become {team.id} and {team.name}, its hosts ~/ID, an address in one
 * of its networks NETWORK+OFFSET), and each part is hashed with SHA-256.
 * Teams built from one template therefore get one digest.
 *
 * Pure: the images enter as texts the caller made from their content
 * (imagesum.h), so that golden tests need no file.
 * docs/internals/coalition.md, "Point 5", says what each part holds.
 */
#ifndef RANGECTL_FAIRNESS_H
#define RANGECTL_FAIRNESS_H

#include <stddef.h>

#include "rangectl/plan.h"

enum fairness_part {
	FAIRNESS_NETWORKS,
	FAIRNESS_HOSTS,
	FAIRNESS_CHECKS,
	FAIRNESS_INJECTS,
	FAIRNESS_IMAGES,
	FAIRNESS_PARTS	/* the count, not a part */
};

#define FAIRNESS_HEX 65	/* a SHA-256 in hex, and its NUL */

struct fairness_team {
	const char *team;	/* borrowed from the plan */
	int role;	/* enum team_role */
	char digest[FAIRNESS_HEX];	/* of the parts' digests, in order */
	char parts[FAIRNESS_PARTS][FAIRNESS_HEX];
};

/* "networks", "hosts", "checks", "injects", "images"; "?" out of range. */
const char *fairness_part_name(int part);

/*
 * The normalized text of one part of team t's slice (an index in
 * plan->teams). image_sums holds plan->n_images texts saying what each
 * image's files hold (imagesum_plan()), or is NULL: "unknown". The caller
 * frees the text.
 */
char *fairness_text(const struct plan *plan, size_t t, int part,
    const char *const *image_sums);

/*
 * Every team's digests, in plan->teams order, into out (plan->n_teams
 * entries). Returns 0, or -1 when the hash fails (GnuTLS).
 */
int fairness_compute(const struct plan *plan, const char *const *image_sums,
    struct fairness_team *out);

/*
 * Whether team i of teams (n of them) differs from the others of its
 * role: the reference is the digest most of them share (the first such
 * team on a tie). Returns a mask of parts (1 << FAIRNESS_*) that differ
 * from the reference team's, 0 when i agrees or has no peer; *ref gets the
 * reference team's index.
 */
unsigned fairness_differs(const struct fairness_team *teams, size_t n,
    size_t i, size_t *ref);

/*
 * "team 'md' differs from 'ro' (blue) in checks, injects": one sentence
 * per differing team, newline-terminated, or NULL when all agree. The
 * caller frees it.
 */
char *fairness_warnings(const struct fairness_team *teams, size_t n);

/* SHA-256 of n bytes as lowercase hex. Returns 0, or -1. */
int fairness_sha256(const void *data, size_t n, char hex[FAIRNESS_HEX]);

#endif
