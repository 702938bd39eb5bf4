/*
 * plan_guest.c: the cloud-init part of the plan: a host's users, files
 * and first-boot commands with {team.*} filled in for its team, and each
 * network's resolver. Copies, so that seed.c reads the plan alone.
 */
#include "rangectl/plan.h"

#include <stdlib.h>
#include <string.h>

#include "rangectl/template.h"
#include "rangectl/util.h"

static struct template_values
team_values(const struct scenario_team *team)
{
	struct template_values v = { 0 };

	if (team != NULL) {
		v.team_id = team->id;
		v.team_index = team->index;
	}
	return v;
}

static char *
expand(const char *text, const struct template_values *v)
{
	return text != NULL ? template_expand(text, v) : NULL;
}

static void
expand_list(struct strlist *to, const struct strlist *from,
    const struct template_values *v)
{
	size_t i;

	to->items = xcalloc(from->count + 1, sizeof(*to->items));
	to->pos = NULL;
	for (i = 0; i < from->count; i++)
		to->items[i] = template_expand(from->items[i], v);
	to->count = from->count;
}

static void
expand_user(struct plan_user *to, const struct scenario_user *from,
    const struct template_values *v)
{
	to->name = expand(from->name, v);
	expand_list(&to->groups, &from->groups, v);
	to->sudo = from->sudo;
	to->password = expand(from->password, v);
	to->password_hash = from->password_hash ?
	    xstrdup(from->password_hash) : NULL;	/* '$' is not ours */
	expand_list(&to->ssh_authorized_keys, &from->ssh_authorized_keys, v);
}

struct plan_guest *
plan_guest_expand(const struct scenario *sc, const struct scenario_host *src,
    const struct scenario_team *team)
{
	const struct scenario_image *img = scenario_image(sc, src->image);
	struct template_values v = team_values(team);
	struct plan_guest *g;
	size_t i;

	if (img == NULL || img->disk == NULL || !img->cloud_init)
		return NULL;
	g = xcalloc(1, sizeof(*g));
	g->users = xcalloc(src->n_users + 1, sizeof(*g->users));
	for (i = 0; i < src->n_users; i++)
		expand_user(&g->users[i], &src->users[i], &v);
	g->n_users = src->n_users;
	g->files = xcalloc(src->n_files + 1, sizeof(*g->files));
	for (i = 0; i < src->n_files; i++) {
		g->files[i].path = expand(src->files[i].path, &v);
		g->files[i].content = src->files[i].content ?
		    template_expand(src->files[i].content, &v) : xstrdup("");
		g->files[i].mode = src->files[i].mode ?
		    xstrdup(src->files[i].mode) : NULL;
		g->files[i].owner = expand(src->files[i].owner, &v);
	}
	g->n_files = src->n_files;
	expand_list(&g->run, &src->run, &v);
	g->forward = src->router;
	return g;
}

void
plan_guest_free(struct plan_guest *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n_users; i++) {
		free(g->users[i].name);
		strlist_clear(&g->users[i].groups);
		if (g->users[i].password != NULL)	/* a secret: not left behind */
			explicit_bzero(g->users[i].password,
			    strlen(g->users[i].password));
		free(g->users[i].password);
		free(g->users[i].password_hash);
		strlist_clear(&g->users[i].ssh_authorized_keys);
	}
	free(g->users);
	for (i = 0; i < g->n_files; i++) {
		free(g->files[i].path);
		free(g->files[i].content);
		free(g->files[i].mode);
		free(g->files[i].owner);
	}
	free(g->files);
	strlist_clear(&g->run);
	free(g);
}

int
plan_guest_dns(const struct scenario_network *src,
    const struct scenario_team *team, uint32_t *dns)
{
	struct template_values v = team_values(team);
	char *text;
	int rc;

	*dns = 0;
	if (src->dns == NULL)
		return 0;
	text = template_expand(src->dns, &v);
	rc = ipv4_parse(text, dns) < 0 ? -1 : 0;
	free(text);
	return rc;
}
