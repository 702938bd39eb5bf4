/*
 * template.c: finding, checking and filling placeholders.
 */
#include "rangectl/template.h"

#include <stdio.h>
#include <string.h>

#include "rangectl/util.h"

static const struct {
	const char *name;
	unsigned family;
} known[] = {
	{ "{team.index}", TEMPLATE_TEAM },
	{ "{team.id}", TEMPLATE_TEAM },
	{ "{target.ip}", TEMPLATE_TARGET },
	{ "{target.name}", TEMPLATE_TARGET },
	{ "{target.team}", TEMPLATE_TARGET },
	{ "{host.ip}", TEMPLATE_HOST },
	{ "{host.name}", TEMPLATE_HOST },
};

/* The family a "{team." or "{target." at p belongs to, or 0. */
static unsigned
family_at(const char *p)
{
	if (strncmp(p, "{team.", 6) == 0)
		return TEMPLATE_TEAM;
	if (strncmp(p, "{target.", 8) == 0)
		return TEMPLATE_TARGET;
	if (strncmp(p, "{host.", 6) == 0)
		return TEMPLATE_HOST;
	return 0;
}

/* The index in known[] of the placeholder at p, or -1. */
static int
known_at(const char *p)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(known); i++)
		if (strncmp(p, known[i].name, strlen(known[i].name)) == 0)
			return (int)i;
	return -1;
}

static void
copy_bad(const char *p, char *bad, size_t bad_size)
{
	size_t n = strcspn(p, "} \t");

	if (p[n] == '}')
		n++;
	snprintf(bad, bad_size, "%.*s", (int)n, p);
}

int
template_check(const char *text, unsigned allowed, char *bad, size_t bad_size,
    const char **why)
{
	const char *p;

	for (p = strchr(text, '{'); p != NULL; p = strchr(p + 1, '{')) {
		unsigned family = family_at(p);
		int k;

		if (family == 0)
			continue;
		k = known_at(p);
		if (k < 0) {
			copy_bad(p, bad, bad_size);
			*why = "unknown placeholder";
			return -1;
		}
		if ((allowed & family) == 0) {
			copy_bad(p, bad, bad_size);
			*why = family == TEMPLATE_TEAM ? "only per_team networks "
			    "and hosts have a team to fill in" :
			    family == TEMPLATE_TARGET ? "only inject commands have "
			    "a target to fill in" : "only checks have a host to "
			    "fill in";
			return -1;
		}
	}
	return 0;
}

int
template_uses_team(const char *text)
{
	const char *p;

	for (p = strchr(text, '{'); p != NULL; p = strchr(p + 1, '{'))
		if (family_at(p) == TEMPLATE_TEAM)
			return 1;
	return 0;
}

static const char *
value_of(int k, const struct template_values *v, char num[24])
{
	switch (k) {
	case 0:
		snprintf(num, 24, "%zu", v->team_index);
		return num;
	case 1:
		return v->team_id;
	case 2:
		return v->target_ip;
	case 3:
		return v->target_name;
	case 4:
		return v->target_team;
	case 5:
		return v->host_ip;
	default:
		return v->host_name;
	}
}

char *
template_expand(const char *text, const struct template_values *values)
{
	struct strbuf out;
	const char *p = text, *brace, *value;
	char num[24];
	int k;

	strbuf_init(&out);
	while ((brace = strchr(p, '{')) != NULL) {
		strbuf_appendn(&out, p, (size_t)(brace - p));
		k = known_at(brace);
		value = k >= 0 ? value_of(k, values, num) : NULL;
		if (value != NULL) {
			strbuf_append(&out, value);
			p = brace + strlen(known[k].name);
		} else {
			strbuf_appendn(&out, brace, 1);
			p = brace + 1;
		}
	}
	strbuf_append(&out, p);
	return strbuf_steal(&out);
}
