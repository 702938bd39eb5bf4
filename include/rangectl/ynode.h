/*
 * ynode.h: a YAML document as a small tree that remembers where every
 * value came from.
 *
 * Built from libyaml's event API with hard limits, because scenarios can
 * come from anyone: at most YNODE_MAX_INPUT bytes, YNODE_MAX_DEPTH levels
 * and YNODE_MAX_NODES nodes. Anchors, aliases and tags are refused: aliases
 * are how "billion laughs" documents are made, and a scenario needs none.
 */
#ifndef RANGECTL_YNODE_H
#define RANGECTL_YNODE_H

#include <stdbool.h>
#include <stddef.h>

#include "rangectl/diag.h"

#define YNODE_MAX_INPUT (4u * 1024 * 1024)
#define YNODE_MAX_DEPTH 64
#define YNODE_MAX_NODES 100000

enum ynode_kind {
	YNODE_SCALAR,
	YNODE_MAP,
	YNODE_SEQ,
};

struct ynode_pair;

struct ynode {
	enum ynode_kind kind;
	struct pos pos;
	char *scalar;		/* YNODE_SCALAR: its text, NUL-terminated */
	size_t scalar_len;	/* may hold NULs that end the C string early */
	bool quoted;		/* YNODE_SCALAR: written in quotes */
	size_t count;		/* pairs of a map, items of a sequence */
	size_t alloc;
	struct ynode_pair *pairs;	/* YNODE_MAP */
	struct ynode **items;		/* YNODE_SEQ */
};

struct ynode_pair {
	struct ynode *key;	/* always a scalar */
	struct ynode *value;
};

/*
 * Parses one YAML document. Returns the root, which the caller frees with
 * ynode_free(), or NULL after adding the reason to diags.
 */
struct ynode *ynode_parse(const char *data, size_t len, struct diag_list *diags);
void ynode_free(struct ynode *node);

/* The value of key in a map, or NULL when absent or node is not a map. */
const struct ynode *ynode_get(const struct ynode *map, const char *key);
/* True for a plain scalar that YAML reads as null: ~, null, or empty. */
bool ynode_is_null(const struct ynode *node);
const char *ynode_kind_name(const struct ynode *node);

#endif
