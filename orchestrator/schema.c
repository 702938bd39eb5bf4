/*
 * schema.c: table-driven decoding of YAML mappings with positioned errors.
 */
#include "rangectl/schema.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/strlist.h"
#include "rangectl/units.h"
#include "rangectl/util.h"

/* A suggestion further than this many edits away is noise. */
#define SUGGEST_MAX_DISTANCE 2

void
schema_error(struct schema_ctx *ctx, struct pos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(ctx->diags, pos, fmt, ap);
	va_end(ap);
	ctx->errors++;
}

void
schema_quote(const char *text, char buf[SCHEMA_QUOTE_MAX])
{
	size_t i = 0;
	const char *p;

	for (p = text; *p != '\0' && i < SCHEMA_QUOTE_MAX - 4; p++) {
		unsigned char c = (unsigned char)*p;

		buf[i++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (*p != '\0') {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
}

char *
schema_describe(const char *kind, const struct ynode *map, size_t index,
    const char *parent)
{
	const struct ynode *id = ynode_get(map, "id");
	char quoted[SCHEMA_QUOTE_MAX];
	const char *of = parent ? " of " : "";

	if (parent == NULL)
		parent = "";
	if (id != NULL && id->kind == YNODE_SCALAR && id->scalar[0] != '\0') {
		schema_quote(id->scalar, quoted);
		return xasprintf("%s '%s'%s%s", kind, quoted, of, parent);
	}
	return xasprintf("%s #%zu%s%s", kind, index + 1, of, parent);
}

const char *
schema_scalar(struct schema_ctx *ctx, const struct ynode *value,
    const char *key, const char *what)
{
	if (value->kind != YNODE_SCALAR) {
		schema_error(ctx, value->pos, "'%s' in %s must be a single "
		    "value, not %s", key, what, ynode_kind_name(value));
		return NULL;
	}
	if (strlen(value->scalar) != value->scalar_len) {
		schema_error(ctx, value->pos, "'%s' in %s holds a NUL "
		    "character", key, what);
		return NULL;
	}
	return value->scalar;
}

static const struct schema_field *
find_field(const struct schema_field *fields, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(fields[i].key, key) == 0)
			return &fields[i];
	return NULL;
}

/* The word of the NULL-terminated list closest to text, if close enough. */
static const char *
closest(const char *text, const char *const *words)
{
	const char *best = NULL;
	size_t best_distance = SUGGEST_MAX_DISTANCE + 1, i, d;

	for (i = 0; words[i] != NULL; i++) {
		d = str_distance(text, words[i], SUGGEST_MAX_DISTANCE);
		if (d < best_distance && d < strlen(words[i])) {
			best = words[i];
			best_distance = d;
		}
	}
	return best;
}

static void
report_unknown_key(struct schema_ctx *ctx, const struct ynode *key,
    const char *what, const struct schema_field *fields, size_t n)
{
	const char *keys[64];
	const char *best;
	char quoted[SCHEMA_QUOTE_MAX];
	size_t i;

	for (i = 0; i < n && i < ARRAY_SIZE(keys) - 1; i++)
		keys[i] = fields[i].key;
	keys[i] = NULL;
	best = closest(key->scalar, keys);
	schema_quote(key->scalar, quoted);
	if (best != NULL)
		schema_error(ctx, key->pos, "unknown key '%s' in %s; did you "
		    "mean '%s'?", quoted, what, best);
	else
		schema_error(ctx, key->pos, "unknown key '%s' in %s", quoted,
		    what);
}

static void
decode_bool(struct schema_ctx *ctx, const struct schema_field *f,
    const struct ynode *value, const char *text, const char *what, void *slot)
{
	char quoted[SCHEMA_QUOTE_MAX];

	if (!value->quoted && (strcmp(text, "true") == 0 ||
	    strcmp(text, "True") == 0)) {
		*(bool *)slot = true;
	} else if (!value->quoted && (strcmp(text, "false") == 0 ||
	    strcmp(text, "False") == 0)) {
		*(bool *)slot = false;
	} else {
		schema_quote(text, quoted);
		schema_error(ctx, value->pos, "invalid %s '%s' in %s: expected "
		    "true or false", f->key, quoted, what);
	}
}

static void
decode_enum(struct schema_ctx *ctx, const struct schema_field *f,
    const struct ynode *value, const char *text, const char *what, int *slot)
{
	struct strbuf list;
	char quoted[SCHEMA_QUOTE_MAX];
	const char *best;
	int i;

	for (i = 1; f->choices[i] != NULL; i++) {
		if (strcmp(f->choices[i], text) == 0) {
			*slot = i;
			return;
		}
	}
	strbuf_init(&list);
	for (i = 1; f->choices[i] != NULL; i++)
		strbuf_printf(&list, "%s%s", i > 1 ? ", " : "", f->choices[i]);
	schema_quote(text, quoted);
	best = closest(text, f->choices + 1);
	if (best != NULL)
		schema_error(ctx, value->pos, "invalid %s '%s' in %s; did you "
		    "mean '%s'?", f->key, quoted, what, best);
	else
		schema_error(ctx, value->pos, "invalid %s '%s' in %s: expected "
		    "one of %s", f->key, quoted, what, list.data);
	strbuf_free(&list);
}

/* Checks an id; 0 or -1 after reporting it. */
static int
check_id(struct schema_ctx *ctx, const char *key, const struct ynode *value,
    const char *text, const char *what, long max)
{
	char quoted[SCHEMA_QUOTE_MAX];
	const char *why;

	if (units_check_id(text, (size_t)max, &why) == 0)
		return 0;
	schema_quote(text, quoted);
	if (strcmp(why, "too long") == 0)
		schema_error(ctx, value->pos, "invalid %s '%s' in %s: longer "
		    "than %ld characters", key, quoted, what, max);
	else
		schema_error(ctx, value->pos, "invalid %s '%s' in %s: %s", key,
		    quoted, what, why);
	return -1;
}

static void
decode_idlist(struct schema_ctx *ctx, const struct schema_field *f,
    const struct ynode *value, const char *what, struct strlist *list)
{
	char *one;
	size_t i;

	if (value->kind != YNODE_SEQ) {
		schema_error(ctx, value->pos, "'%s' in %s must be a list, not %s",
		    f->key, what, ynode_kind_name(value));
		return;
	}
	/* "members" holds members: messages speak of one of them. */
	one = xstrndup(f->key, strlen(f->key) - (f->key[strlen(f->key) - 1] == 's'));
	list->items = xcalloc(value->count, sizeof(*list->items));
	list->pos = xcalloc(value->count, sizeof(*list->pos));
	for (i = 0; i < value->count; i++) {
		const char *text = schema_scalar(ctx, value->items[i], one, what);

		if (text == NULL || (f->type == SCHEMA_IDLIST &&
		    check_id(ctx, one, value->items[i], text, what, f->max) < 0))
			continue;
		list->pos[list->count] = value->items[i]->pos;
		list->items[list->count++] = xstrdup(text);
	}
	free(one);
}

/* Decodes a scalar of a typed field into slot. */
static void
decode_scalar(struct schema_ctx *ctx, const struct schema_field *f,
    const struct ynode *value, const char *text, const char *what, void *slot)
{
	char quoted[SCHEMA_QUOTE_MAX];
	const char *why = NULL;
	const char *type = NULL;
	int rc = 0;

	switch (f->type) {
	case SCHEMA_ID:
		if (check_id(ctx, f->key, value, text, what, f->max) == 0)
			*(char **)slot = xstrdup(text);
		return;
	case SCHEMA_STRING:
		*(char **)slot = xstrdup(text);
		return;
	case SCHEMA_BOOL:
		decode_bool(ctx, f, value, text, what, slot);
		return;
	case SCHEMA_ENUM:
		decode_enum(ctx, f, value, text, what, slot);
		return;
	case SCHEMA_DURATION:
		type = "duration";
		rc = units_parse_duration(text, slot, &why);
		break;
	case SCHEMA_SIZE:
		type = "size";
		rc = units_parse_size(text, slot, &why);
		break;
	case SCHEMA_INT:
		type = "number";
		rc = units_parse_int(text, f->min, f->max, slot, &why);
		if (rc < 0 && strcmp(why, "out of range") == 0) {
			schema_quote(text, quoted);
			schema_error(ctx, value->pos, "invalid %s '%s' in %s: "
			    "expected a number from %ld to %ld", f->key, quoted,
			    what, f->min, f->max);
			return;
		}
		break;
	case SCHEMA_IDLIST:
	case SCHEMA_STRLIST:
	case SCHEMA_CUSTOM:
		return;
	}
	if (rc < 0) {
		schema_quote(text, quoted);
		schema_error(ctx, value->pos, "invalid %s '%s' in %s: not a "
		    "valid %s: %s", f->key, quoted, what, type, why);
	}
}

static void
decode_field(struct schema_ctx *ctx, const struct schema_field *f,
    const struct ynode *value, const char *what, void *obj)
{
	void *slot = (char *)obj + f->offset;
	const char *text;

	if (f->type == SCHEMA_CUSTOM) {
		f->custom(ctx, value, obj, what);
		return;
	}
	if (f->type == SCHEMA_IDLIST || f->type == SCHEMA_STRLIST) {
		decode_idlist(ctx, f, value, what, slot);
		return;
	}
	text = schema_scalar(ctx, value, f->key, what);
	if (text != NULL)
		decode_scalar(ctx, f, value, text, what, slot);
}

int
schema_decode(struct schema_ctx *ctx, const struct ynode *map,
    const char *what, const struct schema_field *fields, size_t n_fields,
    void *obj)
{
	size_t before = ctx->errors, i;

	if (map->kind != YNODE_MAP) {
		schema_error(ctx, map->pos, "%s must be a mapping of keys to "
		    "values, not %s", what, ynode_kind_name(map));
		return -1;
	}
	*(const struct ynode **)obj = map;
	for (i = 0; i < map->count; i++) {
		const struct ynode *key = map->pairs[i].key;
		const struct ynode *value = map->pairs[i].value;
		const struct schema_field *f;

		f = find_field(fields, n_fields, key->scalar);
		if (f == NULL)
			report_unknown_key(ctx, key, what, fields, n_fields);
		else if (!ynode_is_null(value))
			decode_field(ctx, f, value, what, obj);
	}
	for (i = 0; i < n_fields; i++) {
		const struct ynode *value = ynode_get(map, fields[i].key);

		if (fields[i].required && (value == NULL || ynode_is_null(value)))
			schema_error(ctx, value ? value->pos : map->pos,
			    "missing '%s' in %s", fields[i].key, what);
	}
	return ctx->errors == before ? 0 : -1;
}

void
schema_decode_list(struct schema_ctx *ctx, const struct ynode *seq,
    const char *kind, const char *parent,
    const struct schema_field *fields, size_t n_fields,
    size_t size, void (*init)(void *obj), void **array, size_t *count)
{
	char *base;
	size_t i;

	*array = NULL;
	*count = 0;
	if (seq->kind != YNODE_SEQ) {
		schema_error(ctx, seq->pos, "the %ss%s%s must be a list, not %s",
		    kind, parent ? " of " : "", parent ? parent : "",
		    ynode_kind_name(seq));
		return;
	}
	base = xcalloc(seq->count, size);
	for (i = 0; i < seq->count; i++) {
		void *obj = base + size * (*count);
		char *what = schema_describe(kind, seq->items[i], i, parent);

		if (init != NULL)
			init(obj);
		schema_decode(ctx, seq->items[i], what, fields, n_fields, obj);
		free(what);
		if (seq->items[i]->kind == YNODE_MAP)
			(*count)++;
	}
	*array = base;
}
