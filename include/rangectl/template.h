/*
 * template.h: the placeholders of scenario text.
 *
 * {team.index} and {team.id} in the addresses of per_team networks and
 * hosts; {target.ip}, {target.name} and {target.team} in inject commands;
 * {team.*}, {host.ip} and {host.name} in a check's texts, filled for each
 * checked host.
 * Other braces are left alone: shell commands have their own.
 */
#ifndef RANGECTL_TEMPLATE_H
#define RANGECTL_TEMPLATE_H

#include <stddef.h>

#define TEMPLATE_TEAM 1u	/* {team.*} allowed */
#define TEMPLATE_TARGET 2u	/* {target.*} allowed */
#define TEMPLATE_HOST 4u	/* {host.*} allowed */

struct template_values {
	const char *team_id;
	size_t team_index;
	const char *target_ip;
	const char *target_name;
	const char *target_team;
	const char *host_ip;
	const char *host_name;
};

/*
 * Checks the placeholders of text against the allowed families. Returns 0,
 * or -1 with the offending placeholder in bad (NUL-terminated, cut short
 * if long) and *why saying what is wrong with it.
 */
int template_check(const char *text, unsigned allowed, char *bad,
    size_t bad_size, const char **why);
/* text with every known placeholder replaced; the caller frees it. */
char *template_expand(const char *text, const struct template_values *values);
/* True when text holds a {team.*} placeholder. */
int template_uses_team(const char *text);

#endif
