/*
 * ynode.c: libyaml events to a positioned tree, within limits.
 */
#include "rangectl/ynode.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "rangectl/strmap.h"
#include "rangectl/util.h"

/* How libyaml spells the "!!" tags after resolving them. */
#define YAML_CORE_PREFIX "tag:yaml.org,2002:"

struct ynode_builder {
	struct ynode *root;
	struct ynode *stack[YNODE_MAX_DEPTH];
	/*
	 * The keys of each open mapping on the stack, to each one's key node:
	 * a scan of the pairs would make a mapping of n keys cost n * n / 2
	 * comparisons (40,000 keys took seconds). Unused for sequences.
	 */
	struct strmap keys[YNODE_MAX_DEPTH];
	size_t depth;
	size_t nodes;
	struct ynode *pending_key;	/* a map's key waiting for its value */
	struct ynode *pending_owner;	/* the map that key belongs to */
	struct diag_list *diags;
};

static struct pos
mark_pos(yaml_mark_t mark)
{
	struct pos p = { (int)mark.line + 1, (int)mark.column + 1 };

	return p;
}

static struct ynode *
ynode_new(enum ynode_kind kind, struct pos pos)
{
	struct ynode *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->pos = pos;
	return n;
}

void
ynode_free(struct ynode *node)
{
	size_t i;

	if (node == NULL)
		return;
	if (node->kind == YNODE_MAP) {
		for (i = 0; i < node->count; i++) {
			ynode_free(node->pairs[i].key);
			ynode_free(node->pairs[i].value);
		}
	} else if (node->kind == YNODE_SEQ) {
		for (i = 0; i < node->count; i++)
			ynode_free(node->items[i]);
	}
	free(node->pairs);
	free(node->items);
	free(node->scalar);
	free(node);
}

const char *
ynode_kind_name(const struct ynode *node)
{
	if (node == NULL)
		return "nothing";
	switch (node->kind) {
	case YNODE_SCALAR:
		return "a scalar";
	case YNODE_MAP:
		return "a mapping";
	case YNODE_SEQ:
		return "a sequence";
	}
	return "nothing";
}

const struct ynode *
ynode_get(const struct ynode *map, const char *key)
{
	size_t i;

	if (map == NULL || map->kind != YNODE_MAP)
		return NULL;
	for (i = 0; i < map->count; i++)
		if (strcmp(map->pairs[i].key->scalar, key) == 0)
			return map->pairs[i].value;
	return NULL;
}

bool
ynode_is_null(const struct ynode *node)
{
	if (node == NULL || node->kind != YNODE_SCALAR || node->quoted)
		return false;
	return strcmp(node->scalar, "") == 0 || strcmp(node->scalar, "~") == 0 ||
	    strcmp(node->scalar, "null") == 0 || strcmp(node->scalar, "Null") == 0 ||
	    strcmp(node->scalar, "NULL") == 0;
}

/*
 * Up to this many keys, a mapping's keys are compared one by one; beyond
 * it, they go into the strmap of its level. Most mappings of a scenario
 * have a few keys, and a strmap for each (allocated, filled, freed) cost
 * more than the scan; the strmap keeps large mappings linear.
 */
#define YNODE_SCAN_KEYS 8

/* The key node already given in map top for key's text, or NULL. */
static struct ynode *
builder_key_seen(struct ynode_builder *b, struct ynode *top,
    struct ynode *key)
{
	struct strmap *keys = &b->keys[b->depth - 1];
	size_t i;

	if (top->count < YNODE_SCAN_KEYS) {
		for (i = 0; i < top->count; i++)
			if (strcmp(top->pairs[i].key->scalar, key->scalar) == 0)
				return top->pairs[i].key;
		return NULL;
	}
	if (keys->count == 0)	/* the scan's keys go in first */
		for (i = 0; i < top->count; i++)
			strmap_add(keys, top->pairs[i].key->scalar,
			    top->pairs[i].key);
	return strmap_add(keys, key->scalar, key);
}

/* Adds child to the open collection on top of the stack. 0 or -1. */
static int
builder_attach(struct ynode_builder *b, struct ynode *child)
{
	struct ynode *top, *first;

	if (b->depth == 0) {
		b->root = child;
		return 0;
	}
	top = b->stack[b->depth - 1];
	if (top->kind == YNODE_SEQ) {
		xgrow(&top->items, &top->alloc, top->count + 1, sizeof(*top->items));
		top->items[top->count++] = child;
		return 0;
	}
	if (b->pending_owner != top) {
		if (child->kind != YNODE_SCALAR) {
			diag_add(b->diags, child->pos, "a mapping key must be a "
			    "plain scalar, not %s", ynode_kind_name(child));
			ynode_free(child);
			return -1;
		}
		first = builder_key_seen(b, top, child);
		if (first != NULL) {
			diag_add(b->diags, child->pos, "duplicate key '%s' "
			    "(first given at line %d)", child->scalar,
			    first->pos.line);
			ynode_free(child);
			return -1;
		}
		b->pending_key = child;
		b->pending_owner = top;
		return 0;
	}
	xgrow(&top->pairs, &top->alloc, top->count + 1, sizeof(*top->pairs));
	top->pairs[top->count].key = b->pending_key;
	top->pairs[top->count].value = child;
	top->count++;
	b->pending_key = NULL;
	b->pending_owner = NULL;
	return 0;
}

/* Refuses what a scenario never needs and what makes YAML dangerous. */
static int
builder_refuse_extras(struct ynode_builder *b, const yaml_char_t *anchor,
    const yaml_char_t *tag, int implicit, struct pos pos)
{
	if (anchor != NULL) {
		diag_add(b->diags, pos, "YAML anchor '&%s' is not allowed: "
		    "scenarios use no anchors or aliases", (const char *)anchor);
		return -1;
	}
	if (tag != NULL && !implicit) {
		const char *t = (const char *)tag;
		bool core = strncmp(t, YAML_CORE_PREFIX, strlen(YAML_CORE_PREFIX)) == 0;

		diag_add(b->diags, pos, "YAML tag '%s%s' is not allowed: "
		    "scenarios use plain values", core ? "!!" : "",
		    core ? t + strlen(YAML_CORE_PREFIX) : t);
		return -1;
	}
	return 0;
}

static int
builder_count(struct ynode_builder *b, struct pos pos)
{
	if (++b->nodes > YNODE_MAX_NODES) {
		diag_add(b->diags, pos, "the document has more than %d YAML "
		    "nodes, the limit for a scenario", YNODE_MAX_NODES);
		return -1;
	}
	return 0;
}

static int
builder_scalar(struct ynode_builder *b, const yaml_event_t *ev)
{
	struct pos pos = mark_pos(ev->start_mark);
	struct ynode *n;

	if (builder_count(b, pos) < 0 ||
	    builder_refuse_extras(b, ev->data.scalar.anchor, ev->data.scalar.tag,
	    ev->data.scalar.plain_implicit || ev->data.scalar.quoted_implicit,
	    pos) < 0)
		return -1;
	n = ynode_new(YNODE_SCALAR, pos);
	n->scalar = xstrndup((const char *)ev->data.scalar.value,
	    ev->data.scalar.length);
	n->scalar_len = ev->data.scalar.length;
	n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE &&
	    ev->data.scalar.style != YAML_ANY_SCALAR_STYLE;
	return builder_attach(b, n);
}

static int
builder_open(struct ynode_builder *b, const yaml_event_t *ev,
    enum ynode_kind kind)
{
	struct pos pos = mark_pos(ev->start_mark);
	const yaml_char_t *anchor, *tag;
	int implicit;
	struct ynode *n;

	if (kind == YNODE_MAP) {
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		implicit = ev->data.mapping_start.implicit;
	} else {
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		implicit = ev->data.sequence_start.implicit;
	}
	if (builder_count(b, pos) < 0 ||
	    builder_refuse_extras(b, anchor, tag, implicit, pos) < 0)
		return -1;
	if (b->depth >= YNODE_MAX_DEPTH) {
		diag_add(b->diags, pos, "the document nests deeper than %d "
		    "levels, the limit for a scenario", YNODE_MAX_DEPTH);
		return -1;
	}
	n = ynode_new(kind, pos);
	if (builder_attach(b, n) < 0)
		return -1;
	b->stack[b->depth++] = n;
	return 0;
}

/* Handles one event; 1 at the end of the document, 0 to go on, -1 on error. */
static int
builder_event(struct ynode_builder *b, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_STREAM_START_EVENT:
	case YAML_DOCUMENT_START_EVENT:
		return 0;
	case YAML_DOCUMENT_END_EVENT:
	case YAML_STREAM_END_EVENT:
		return 1;
	case YAML_ALIAS_EVENT:
		diag_add(b->diags, mark_pos(ev->start_mark), "YAML alias '*%s' "
		    "is not allowed: scenarios use no anchors or aliases (to "
		    "write a value that starts with '*', such as a selector, "
		    "quote it: \"*%s\")", (const char *)ev->data.alias.anchor,
		    (const char *)ev->data.alias.anchor);
		return -1;
	case YAML_SCALAR_EVENT:
		return builder_scalar(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return builder_open(b, ev, YNODE_SEQ);
	case YAML_MAPPING_START_EVENT:
		return builder_open(b, ev, YNODE_MAP);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		strmap_clear(&b->keys[--b->depth]);
		return 0;
	case YAML_NO_EVENT:
		break;
	}
	return 0;
}

static void
report_syntax(const yaml_parser_t *parser, struct diag_list *diags)
{
	struct pos pos = mark_pos(parser->problem_mark);
	const char *problem = parser->problem ? parser->problem :
	    "unreadable input";
	const char *hint = "";

	/* Met mostly through a selector left unquoted: a star, a slash, a host. */
	if (parser->context != NULL && strstr(parser->context, "alias") != NULL)
		hint = " (to write a value that starts with '*', such as a "
		    "selector, quote it: \"*/web\")";
	if (parser->context != NULL)
		diag_add(diags, pos, "YAML syntax error %s (from line %d, column "
		    "%d): %s%s", parser->context,
		    (int)parser->context_mark.line + 1,
		    (int)parser->context_mark.column + 1, problem, hint);
	else
		diag_add(diags, pos, "YAML syntax error: %s", problem);
}

/* The key sets of mappings left open by an error; those closed are empty. */
static void
builder_clear_keys(struct ynode_builder *b)
{
	size_t i;

	for (i = 0; i < b->depth; i++)
		strmap_clear(&b->keys[i]);
}

/* After the first document only the end of the stream may come. */
static int
expect_stream_end(yaml_parser_t *parser, struct diag_list *diags)
{
	yaml_event_t ev;
	int rc = 0;

	if (!yaml_parser_parse(parser, &ev)) {
		report_syntax(parser, diags);
		return -1;
	}
	if (ev.type != YAML_STREAM_END_EVENT) {
		diag_add(diags, mark_pos(ev.start_mark), "a second YAML document "
		    "starts here: a scenario is a single document");
		rc = -1;
	}
	yaml_event_delete(&ev);
	return rc;
}

/* The whole-file position, for problems of the file rather than a value. */
static const struct pos file_pos = { 0, 0 };

struct ynode *
ynode_parse(const char *data, size_t len, struct diag_list *diags)
{
	struct ynode_builder b = { .diags = diags };
	yaml_parser_t parser;
	yaml_event_t ev;
	int rc = 0;

	if (len > YNODE_MAX_INPUT) {
		diag_add(diags, file_pos, "the file is %zu bytes, more than the "
		    "limit of %u bytes for a scenario", len, YNODE_MAX_INPUT);
		return NULL;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	while (rc == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			report_syntax(&parser, diags);
			rc = -1;
			break;
		}
		rc = builder_event(&b, &ev);
		yaml_event_delete(&ev);
	}
	if (rc > 0 && b.root != NULL)
		rc = expect_stream_end(&parser, diags);
	yaml_parser_delete(&parser);
	builder_clear_keys(&b);
	ynode_free(b.pending_key);
	if (rc < 0) {
		ynode_free(b.root);
		return NULL;
	}
	if (b.root == NULL)
		diag_add(diags, file_pos, "the file holds no YAML document");
	return b.root;
}
