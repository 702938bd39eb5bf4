/*
 * schema.h: decoding YAML mappings into C structs from field tables.
 *
 * One table per kind of mapping says which keys exist, their types and
 * where they go; the decoder reports unknown keys (with a "did you mean"),
 * missing keys and bad values, each once, at its line and column, and goes
 * on so that every problem of a file is reported in one run.
 *
 * Every struct decoded this way starts with a `const struct ynode *node`
 * member, which the decoder points at the mapping it came from.
 */
#ifndef RANGECTL_SCHEMA_H
#define RANGECTL_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "rangectl/diag.h"
#include "rangectl/ynode.h"

enum schema_type {
	SCHEMA_ID,	/* char *, an id of at most max characters */
	SCHEMA_STRING,	/* char *, any text */
	SCHEMA_DURATION,	/* long seconds */
	SCHEMA_SIZE,	/* unsigned long long bytes */
	SCHEMA_INT,	/* long in [min, max] */
	SCHEMA_BOOL,	/* bool */
	SCHEMA_ENUM,	/* int, the index of the value in choices */
	SCHEMA_IDLIST,	/* struct strlist of ids of at most max characters */
	SCHEMA_STRLIST,	/* struct strlist of any text */
	SCHEMA_CUSTOM,	/* decoded by the field's own function */
};

struct schema_ctx {
	struct diag_list *diags;
	size_t errors;	/* problems added through this context */
	void *user;	/* for custom decoders */
};

struct schema_field {
	const char *key;
	enum schema_type type;
	size_t offset;
	bool required;
	long min;
	long max;
	/* SCHEMA_ENUM: the names, index 0 unused (the "not given" value). */
	const char *const *choices;
	void (*custom)(struct schema_ctx *ctx, const struct ynode *value,
	    void *obj, const char *what);
};

/* How much of a value a message quotes. */
#define SCHEMA_QUOTE_MAX 64

/*
 * Decodes map into obj by fields. what names the mapping in messages
 * ("host 'web'"). Returns 0, or -1 if anything was wrong.
 */
int schema_decode(struct schema_ctx *ctx, const struct ynode *map,
    const char *what, const struct schema_field *fields, size_t n_fields,
    void *obj);

/*
 * Decodes a sequence of mappings into a new array of elements of size
 * bytes, each first set up by init (may be NULL). kind names one element
 * ("host"), parent what holds the list (NULL at the top). The caller frees the array.
 */
void schema_decode_list(struct schema_ctx *ctx, const struct ynode *seq,
    const char *kind, const char *parent,
    const struct schema_field *fields, size_t n_fields,
    size_t size, void (*init)(void *obj), void **array, size_t *count);

/*
 * "kind 'id'" from the mapping's id key, else "kind #N" (1-based), then
 * " of parent" when parent is not NULL. The caller frees it.
 */
char *schema_describe(const char *kind, const struct ynode *map, size_t index,
    const char *parent);
/* A scalar's text made printable and short, for quoting in a message. */
void schema_quote(const char *text, char buf[SCHEMA_QUOTE_MAX]);
/* Adds a problem and counts it. */
void schema_error(struct schema_ctx *ctx, struct pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The scalar's text, or NULL after an error saying key must be a scalar. */
const char *schema_scalar(struct schema_ctx *ctx, const struct ynode *value,
    const char *key, const char *what);

#endif
