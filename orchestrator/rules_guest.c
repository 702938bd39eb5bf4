/*
 * rules_guest.c: the rules of what cloud-init hands a disk image host:
 * its users, files and first-boot commands, and its networks' resolver.
 *
 * Apart from rules.c, which calls it, as these keys are read by seed.c
 * alone and have rules of their own (Linux account names, crypt(3)
 * hashes, octal modes).
 */
#include "rangectl/rules.h"

#include <stdlib.h>
#include <string.h>

#include "rangectl/cidr.h"
#include "rangectl/strmap.h"
#include "rangectl/template.h"
#include "rangectl/util.h"

/* What useradd accepts by default, and what cloud-init passes it. */
static bool
account_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > 32 || !((name[0] >= 'a' && name[0] <= 'z') ||
	    name[0] == '_'))
		return false;
	for (i = 1; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9') || name[i] == '_' ||
		    name[i] == '-'))
			return false;
	return true;
}

/* {team.*} and nothing else in a cloud-init text. */
static bool
placeholders_ok(struct schema_ctx *ctx, struct pos pos, const char *text,
    const char *key, const char *what)
{
	char bad[40];	/* as rules.c: enough of a placeholder to name it */
	const char *why;

	if (text == NULL || template_check(text, TEMPLATE_TEAM, bad,
	    sizeof(bad), &why) == 0)
		return true;
	schema_error(ctx, pos, "invalid %s in %s: %s '%s'", key, what, why, bad);
	return false;
}

static void
list_placeholders_ok(struct schema_ctx *ctx, const struct strlist *list,
    const char *key, const char *what)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		placeholders_ok(ctx, list->pos[i], list->items[i], key, what);
}

static void
check_user(struct schema_ctx *ctx, const struct scenario_user *u,
    struct strmap *seen, const char *host)
{
	char *what = xasprintf("user '%s' of %s", u->name ? u->name : "?",
	    host);
	const struct ynode *first;

	if (u->name != NULL && placeholders_ok(ctx, scenario_pos(u->node,
	    "name"), u->name, "name", what) && strchr(u->name, '{') == NULL &&
	    !account_name_ok(u->name))
		schema_error(ctx, scenario_pos(u->node, "name"), "invalid name "
		    "'%s' in %s: an account name is a lowercase letter or '_', "
		    "then up to 31 lowercase letters, digits, '_' or '-'",
		    u->name, host);
	if (u->name != NULL && (first = strmap_add(seen, u->name,
	    (void *)u->node)) != NULL)
		schema_error(ctx, scenario_pos(u->node, "name"), "duplicate user "
		    "'%s' in %s (first defined at line %d)", u->name, host,
		    first->pos.line);
	if (u->password != NULL && u->password_hash != NULL)
		schema_error(ctx, scenario_pos(u->node, "password_hash"), "%s has "
		    "both 'password' and 'password_hash'; give one of them",
		    what);
	if (u->password_hash != NULL && u->password_hash[0] != '$')
		schema_error(ctx, scenario_pos(u->node, "password_hash"),
		    "invalid password_hash in %s: expected a crypt(3) hash, "
		    "such as '$6$...' from mkpasswd -m sha-512", what);
	placeholders_ok(ctx, scenario_pos(u->node, "password"), u->password,
	    "password", what);
	list_placeholders_ok(ctx, &u->groups, "group", what);
	list_placeholders_ok(ctx, &u->ssh_authorized_keys,
	    "ssh_authorized_key", what);
	free(what);
}

static bool
mode_ok(const char *mode)
{
	size_t i, n = strlen(mode);

	if (n < 3 || n > 4)
		return false;
	for (i = 0; i < n; i++)
		if (mode[i] < '0' || mode[i] > '7')
			return false;
	return true;
}

static void
check_file(struct schema_ctx *ctx, const struct scenario_file *f,
    const char *host)
{
	char *what = xasprintf("file '%s' of %s", f->path ? f->path : "?",
	    host);

	if (f->path != NULL && placeholders_ok(ctx, scenario_pos(f->node,
	    "path"), f->path, "path", what) && f->path[0] != '/')
		schema_error(ctx, scenario_pos(f->node, "path"), "invalid path "
		    "'%s' in %s: it must be absolute", f->path, host);
	if (f->mode != NULL && !mode_ok(f->mode))
		schema_error(ctx, scenario_pos(f->node, "mode"), "invalid mode "
		    "'%s' in %s: expected 3 or 4 octal digits, such as '0644' "
		    "(quoted, or YAML reads it as a number)", f->mode, what);
	placeholders_ok(ctx, scenario_pos(f->node, "content"), f->content,
	    "content", what);
	placeholders_ok(ctx, scenario_pos(f->node, "owner"), f->owner,
	    "owner", what);
	free(what);
}

void
rules_check_guest(const struct scenario *sc, struct schema_ctx *ctx,
    const struct scenario_host *h, const char *what)
{
	const struct scenario_image *img = h->image ?
	    scenario_image(sc, h->image) : NULL;
	static const char *const keys[] = { "users", "files", "run" };
	struct strmap seen;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (img != NULL && !img->cloud_init &&
		    ynode_get(h->node, keys[i]) != NULL)
			schema_error(ctx, scenario_pos(h->node, keys[i]), "'%s' in "
			    "%s needs an image with 'cloud_init: true' (image "
			    "'%s' has none), which hands them to the guest",
			    keys[i], what, img->id);
	strmap_init(&seen);
	for (i = 0; i < h->n_users; i++)
		check_user(ctx, &h->users[i], &seen, what);
	strmap_clear(&seen);
	for (i = 0; i < h->n_files; i++)
		check_file(ctx, &h->files[i], what);
	list_placeholders_ok(ctx, &h->run, "run command", what);
}

void
rules_check_dns(struct schema_ctx *ctx, const struct scenario_network *net,
    const char *what)
{
	struct template_values v = { .team_id = "t", .team_index = 1 };
	char *text;
	uint32_t addr;

	if (net->dns == NULL || !placeholders_ok(ctx, scenario_pos(net->node,
	    "dns"), net->dns, "dns", what))
		return;
	if (net->per_team == ROLE_NONE && template_uses_team(net->dns)) {
		schema_error(ctx, scenario_pos(net->node, "dns"), "invalid dns "
		    "'%s' in %s: {team.*} needs a per_team network", net->dns,
		    what);
		return;
	}
	text = template_expand(net->dns, &v);
	if (ipv4_parse(text, &addr) < 0)
		schema_error(ctx, scenario_pos(net->node, "dns"), "invalid dns "
		    "'%s' in %s: expected an IPv4 address", net->dns, what);
	free(text);
}
