/*
 * rules.c: cross-checks of a decoded scenario.
 *
 * Every check here tolerates what the decoder already refused (a NULL id,
 * a missing list): the point is to report every problem in one run.
 */
#include "rangectl/rules.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/cidr.h"
#include "rangectl/selector.h"
#include "rangectl/strmap.h"
#include "rangectl/template.h"
#include "rangectl/units.h"
#include "rangectl/util.h"
#include "rangectl/vpn.h"

#define TEMPLATE_BAD_MAX 40

/*
 * Whether key was written with a value. A key written with a bad value
 * counts as given: its decoder reported it, and "missing" would be wrong.
 */
static bool
given(const struct ynode *node, const char *key)
{
	const struct ynode *value = ynode_get(node, key);

	return value != NULL && !ynode_is_null(value);
}

/*
 * Whether the teams could be read at all: when not, a reference to a team
 * is not a mistake of its own, and saying so would bury the real one.
 */
static bool
teams_readable(const struct scenario *sc)
{
	const struct ynode *teams = ynode_get(sc->node, "teams");

	return teams != NULL && teams->kind == YNODE_SEQ;
}

/* The description of an element for messages; the caller frees it. */
static char *
describe(const char *kind, const struct ynode *node)
{
	return schema_describe(kind, node, 0, NULL);
}

/* Reports a second definition of the same id. */
static void
check_unique(struct schema_ctx *ctx, struct strmap *seen, const char *kind,
    const char *id, const struct ynode *node)
{
	const struct ynode *first;

	if (id == NULL)
		return;
	first = strmap_add(seen, id, (void *)node);
	if (first != NULL)
		schema_error(ctx, scenario_pos(node, "id"), "duplicate %s id "
		    "'%s' (first defined at line %d)", kind, id, first->pos.line);
}

static void
check_version(const struct scenario *sc, struct schema_ctx *ctx)
{
	if (sc->version >= 0 && sc->version != SCENARIO_VERSION)
		schema_error(ctx, scenario_pos(sc->node, "version"),
		    "unsupported version '%ld': this rangectl reads version %d",
		    sc->version, SCENARIO_VERSION);
	if (sc->exercise.node != NULL && sc->exercise.duration == 0)
		schema_error(ctx, scenario_pos(sc->exercise.node, "duration"),
		    "invalid duration '0' in exercise: an exercise must last "
		    "longer than zero seconds");
}

/*
 * Hardware that QEMU cannot put together: secure boot is OVMF's, and
 * needs SMM, which libvirt offers on q35 only; a video card is a screen's.
 */
static void
check_hardware(const struct scenario_image *img, struct schema_ctx *ctx)
{
	const struct scenario_hardware *hw = &img->hw;

	if (hw->secure_boot && hw->firmware != FIRMWARE_UEFI)
		schema_error(ctx, scenario_pos(img->node, "secure_boot"),
		    "'secure_boot' in image '%s' needs 'firmware: uefi'",
		    img->id);
	else if (hw->secure_boot && hw->machine != MACHINE_Q35)
		schema_error(ctx, scenario_pos(img->node, "secure_boot"),
		    "'secure_boot' in image '%s' needs 'machine: q35' (secure "
		    "boot needs SMM, which libvirt offers on q35 only)", img->id);
	if (hw->video != VIDEO_DEFAULT && (hw->graphics == GRAPHICS_NONE ||
	    (hw->graphics == GRAPHICS_DEFAULT && img->kernel != NULL)))
		schema_error(ctx, scenario_pos(img->node, "video"), "'video' in "
		    "image '%s' needs a screen ('graphics: vnc')", img->id);
}

static void
check_image(const struct scenario_image *img, struct schema_ctx *ctx)
{
	const char *disk_only[] = {
		"format", "cloud_init", "firmware", "secure_boot", "disk_bus",
	};
	const char *kernel_only[] = { "initrd", "cmdline" };
	size_t i;

	if (img->node == NULL)
		return;	/* not a mapping: already reported */
	if (!given(img->node, "kernel") && !given(img->node, "disk"))
		schema_error(ctx, img->node->pos, "image '%s' needs 'kernel' "
		    "(direct kernel boot) or 'disk' (a disk image)", img->id);
	if (img->kernel != NULL && img->disk != NULL)
		schema_error(ctx, scenario_pos(img->node, "disk"), "image '%s' "
		    "has both 'kernel' and 'disk'; give one of them", img->id);
	for (i = 0; i < ARRAY_SIZE(disk_only) && img->disk == NULL; i++)
		if (ynode_get(img->node, disk_only[i]) != NULL)
			schema_error(ctx, scenario_pos(img->node, disk_only[i]),
			    "'%s' in image '%s' applies only to disk images",
			    disk_only[i], img->id);
	for (i = 0; i < ARRAY_SIZE(kernel_only) && img->kernel == NULL; i++)
		if (ynode_get(img->node, kernel_only[i]) != NULL)
			schema_error(ctx, scenario_pos(img->node, kernel_only[i]),
			    "'%s' in image '%s' applies only to kernel images",
			    kernel_only[i], img->id);
	check_hardware(img, ctx);
}

static void
check_images(struct scenario *sc, struct schema_ctx *ctx)
{
	size_t i;

	for (i = 0; i < sc->n_images; i++) {
		check_image(&sc->images[i], ctx);
		if (sc->images[i].disk != NULL &&
		    sc->images[i].format == FORMAT_NONE)
			sc->images[i].format = FORMAT_QCOW2;
	}
}

/* Every person has one role: a name in two places would get one token. */
static void
check_people(struct scenario *sc, struct schema_ctx *ctx)
{
	struct strmap seen;
	size_t i, j;

	strmap_init(&seen);
	for (i = 0; i < sc->n_teams; i++) {
		const struct scenario_team *t = &sc->teams[i];

		for (j = 0; j < t->members.count; j++) {
			const struct scenario_team *other =
			    strmap_add(&seen, t->members.items[j], (void *)t);

			if (other != NULL)
				schema_error(ctx, t->members.pos[j], "member "
				    "'%s' of team '%s' is already a member of "
				    "team '%s'", t->members.items[j], t->id,
				    other->id);
		}
	}
	for (j = 0; j < sc->instructors.count; j++) {
		const struct scenario_team *other =
		    strmap_get(&seen, sc->instructors.items[j]);

		if (other != NULL)
			schema_error(ctx, sc->instructors.pos[j], "instructor '%s' is "
			    "already a member of team '%s'",
			    sc->instructors.items[j], other->id);
	}
	strmap_clear(&seen);
}

static size_t
count_role(const struct scenario *sc, int role)
{
	size_t i, n = 0;

	for (i = 0; i < sc->n_teams; i++)
		n += sc->teams[i].role == role;
	return n;
}

static void
check_teams(struct scenario *sc, struct schema_ctx *ctx)
{
	size_t per_role[ROLE_WHITE + 1] = { 0 };
	const struct ynode *list;
	struct strmap seen;
	size_t i;

	strmap_init(&seen);
	for (i = 0; i < sc->n_teams; i++) {
		struct scenario_team *t = &sc->teams[i];

		check_unique(ctx, &seen, "team", t->id, t->node);
		if (t->id != NULL && role_parse(t->id) != ROLE_NONE &&
		    role_parse(t->id) != t->role && t->role != ROLE_NONE)
			schema_error(ctx, scenario_pos(t->node, "id"), "team id "
			    "'%s' names another role than the team's own (%s); "
			    "selectors could not tell them apart", t->id,
			    role_name(t->role));
		if (t->role != ROLE_NONE)
			t->index = ++per_role[t->role];
	}
	strmap_clear(&seen);
	list = ynode_get(sc->node, "teams");
	if (list != NULL && list->kind == YNODE_SEQ && list->count ==
	    sc->n_teams && count_role(sc, ROLE_NONE) == 0 &&
	    count_role(sc, ROLE_BLUE) == 0)
		schema_error(ctx, scenario_pos(sc->node, "teams"), "the "
		    "scenario has no blue team; an exercise needs at least one");
	check_people(sc, ctx);
}

/* A per_team role must have teams to copy for. */
static void
check_role_has_teams(const struct scenario *sc, struct schema_ctx *ctx,
    const struct ynode *node, const char *what, int role)
{
	if (role != ROLE_NONE && count_role(sc, role) == 0)
		schema_error(ctx, scenario_pos(node, "per_team"), "%s is copied "
		    "per_team '%s', but the scenario has no %s team", what,
		    role_name(role), role_name(role));
}

/* Checks placeholders and, with them filled for team 1, the syntax. */
static void
check_cidr(struct schema_ctx *ctx, const struct scenario_network *net,
    const char *what)
{
	struct template_values v = { .team_id = "t", .team_index = 1 };
	char bad[TEMPLATE_BAD_MAX];
	struct cidr c;
	const char *why;
	char *text;

	if (template_check(net->cidr, net->per_team ? TEMPLATE_TEAM : 0, bad,
	    sizeof(bad), &why) < 0) {
		schema_error(ctx, scenario_pos(net->node, "cidr"), "invalid cidr "
		    "'%s' in %s: %s '%s'", net->cidr, what, why, bad);
		return;
	}
	text = template_expand(net->cidr, &v);
	if (cidr_parse(text, &c, &why) < 0)
		schema_error(ctx, scenario_pos(net->node, "cidr"), "invalid cidr "
		    "'%s' in %s: %s", net->cidr, what, why);
	free(text);
}

static void
check_networks(struct scenario *sc, struct schema_ctx *ctx)
{
	struct strmap seen;
	size_t i;

	strmap_init(&seen);
	for (i = 0; i < sc->n_networks; i++) {
		const struct scenario_network *net = &sc->networks[i];
		char *what = describe("network", net->node);

		check_unique(ctx, &seen, "network", net->id, net->node);
		check_role_has_teams(sc, ctx, net->node, what, net->per_team);
		if (net->cidr != NULL)
			check_cidr(ctx, net, what);
		rules_check_dns(ctx, net, what);
		free(what);
	}
	strmap_clear(&seen);
}

/* The role of the teams a host is copied for, or ROLE_NONE if unknown. */
static int
host_role(const struct scenario *sc, const struct scenario_host *h)
{
	const struct scenario_team *t;

	if (h->per_team != ROLE_NONE)
		return h->per_team;
	t = h->team ? scenario_team(sc, h->team) : NULL;
	return t ? t->role : ROLE_NONE;
}

static const struct scenario_nic *
host_nic(const struct scenario_host *h, const char *network)
{
	size_t i;

	for (i = 0; i < h->n_nics; i++)
		if (h->nics[i].network != NULL &&
		    strcmp(h->nics[i].network, network) == 0)
			return &h->nics[i];
	return NULL;
}

static void
check_nic_ip(struct schema_ctx *ctx, const struct scenario_nic *nic,
    const char *what, bool per_team)
{
	struct template_values v = { .team_id = "t", .team_index = 1 };
	char bad[TEMPLATE_BAD_MAX];
	const char *why, *p;
	uint32_t addr;
	char *text;

	if (nic->ip == NULL || strcmp(nic->ip, "auto") == 0)
		return;
	if (nic->ip[0] == '.') {
		for (p = nic->ip + 1; *p >= '0' && *p <= '9'; p++)
			;
		if (p == nic->ip + 1 || *p != '\0' || p - nic->ip > 11 ||
		    (nic->ip[1] == '0' && p - nic->ip > 2))
			schema_error(ctx, scenario_pos(nic->node, "ip"), "invalid "
			    "ip '%s' in %s: expected auto, .N (a host number "
			    "without leading zeros) or a full address", nic->ip,
			    what);
		return;
	}
	if (template_check(nic->ip, per_team ? TEMPLATE_TEAM : 0, bad,
	    sizeof(bad), &why) < 0) {
		schema_error(ctx, scenario_pos(nic->node, "ip"), "invalid ip '%s' "
		    "in %s: %s '%s'", nic->ip, what, why, bad);
		return;
	}
	text = template_expand(nic->ip, &v);
	if (ipv4_parse(text, &addr) < 0)
		schema_error(ctx, scenario_pos(nic->node, "ip"), "invalid ip '%s' "
		    "in %s: expected auto, .N (a host number) or a full "
		    "address", nic->ip, what);
	free(text);
}

static void
check_nic(const struct scenario *sc, struct schema_ctx *ctx,
    const struct scenario_host *h, const struct scenario_nic *nic,
    size_t index)
{
	char *host_what = describe("host", h->node);
	char *what = schema_describe("NIC", nic->node, index, host_what);
	const struct scenario_network *net;
	int role = host_role(sc, h);

	check_nic_ip(ctx, nic, what, h->per_team != ROLE_NONE);
	if (nic->network == NULL)
		goto cleanup;
	net = scenario_network(sc, nic->network);
	if (net == NULL) {
		schema_error(ctx, scenario_pos(nic->node, "network"), "%s names "
		    "network '%s', which is not defined", what, nic->network);
	} else if (host_nic(h, nic->network) != nic) {
		schema_error(ctx, scenario_pos(nic->node, "network"), "%s is a "
		    "second NIC on network '%s'", what, nic->network);
	} else if (net->per_team != ROLE_NONE && role != ROLE_NONE &&
	    net->per_team != role) {
		schema_error(ctx, scenario_pos(nic->node, "network"), "%s is on "
		    "network '%s', which is copied per %s team, but %s belongs "
		    "to a %s team", what, nic->network, role_name(net->per_team),
		    host_what, role_name(role));
	}
cleanup:
	free(what);
	free(host_what);
}

#define KIND(k) (1u << (k))
#define CURL_LOGIN (KIND(CHECK_FTP) | KIND(CHECK_SMTP) | KIND(CHECK_IMAP) | \
	KIND(CHECK_POP3) | KIND(CHECK_LDAP))

/* Which kinds each kind-specific key fits, and what to say otherwise. */
static const struct check_key {
	const char *key;
	unsigned kinds;
	const char *why;
} check_keys[] = {
	{ "command", KIND(CHECK_EXEC), "only exec checks run a command" },
	{ "path", KIND(CHECK_HTTP) | KIND(CHECK_HTTPS) | KIND(CHECK_FTP),
	    "it applies only to http, https and ftp checks" },
	{ "expect_status", KIND(CHECK_HTTP) | KIND(CHECK_HTTPS),
	    "it applies only to http and https checks" },
	{ "expect_body", KIND(CHECK_HTTP) | KIND(CHECK_HTTPS) | KIND(CHECK_FTP),
	    "it applies only to http, https and ftp checks" },
	{ "verify", KIND(CHECK_HTTPS), "it applies only to https checks" },
	{ "user", CURL_LOGIN | KIND(CHECK_SSH), "it applies only to ftp, smtp, "
	    "imap, pop3, ldap and ssh checks" },
	{ "password", CURL_LOGIN | KIND(CHECK_SSH), "it applies only to ftp, "
	    "smtp, imap, pop3, ldap and ssh checks" },
	{ "key", KIND(CHECK_SSH), "it applies only to ssh checks" },
	{ "run", KIND(CHECK_SSH), "it applies only to ssh checks" },
	{ "to", KIND(CHECK_SMTP), "it applies only to smtp checks" },
	{ "base", KIND(CHECK_LDAP), "it applies only to ldap checks" },
	{ "filter", KIND(CHECK_LDAP), "it applies only to ldap checks" },
	{ "query", KIND(CHECK_DNS), "it applies only to dns checks" },
	{ "type", KIND(CHECK_DNS), "it applies only to dns checks" },
	{ "expect", KIND(CHECK_DNS) | KIND(CHECK_SSH), "it applies only to dns "
	    "and ssh checks" },
	{ "port", ~KIND(CHECK_EXEC), "exec checks run inside the guest and use "
	    "no port" },
	{ "port", ~KIND(CHECK_ICMP), "an icmp check pings the host and uses no "
	    "port" },
};

static const char *
check_kind_applies(const struct scenario_check *c, const char **key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(check_keys); i++) {
		if (!(check_keys[i].kinds & KIND(c->kind)) &&
		    ynode_get(c->node, check_keys[i].key) != NULL) {
			*key = check_keys[i].key;
			return check_keys[i].why;
		}
	}
	return NULL;
}

/* A text that goes into a protocol line must hold no control character. */
static bool
check_plain(const char *text, bool spaces)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (*p < ' ' || *p == 0x7f || (!spaces && *p == ' '))
			return false;
	return true;
}

/* An ssh login is a user with a password or a key, never both. */
static void
check_ssh_login(struct schema_ctx *ctx, const struct scenario_check *c,
    const char *what)
{
	if (c->kind != CHECK_SSH)
		return;
	if (c->key != NULL && c->password != NULL)
		schema_error(ctx, scenario_pos(c->node, "key"), "%s has both a "
		    "password and a key; give one of them", what);
	else if (c->key != NULL && c->user == NULL)
		schema_error(ctx, scenario_pos(c->node, "key"), "%s has a key "
		    "but no 'user'", what);
	else if (c->run != NULL && c->user == NULL)
		schema_error(ctx, scenario_pos(c->node, "run"), "%s runs a "
		    "command, which needs a login: give 'user' and a "
		    "'password' or a 'key'", what);
	else if (c->user != NULL && c->password == NULL && c->key == NULL)
		schema_error(ctx, scenario_pos(c->node, "user"), "%s has a user "
		    "but neither a 'password' nor a 'key'", what);
	if (c->expect != NULL && c->run == NULL)
		schema_error(ctx, scenario_pos(c->node, "expect"), "%s expects "
		    "an output but runs no command: give 'run'", what);
}

/*
 * The texts of a check may hold the checked host's {team.*} and {host.*},
 * filled in each round (round.c): a check always has a team, as only
 * teams' hosts are checked.
 */
static void
check_placeholders(struct schema_ctx *ctx, const struct scenario_check *c,
    const char *what)
{
	static const struct { const char *key; size_t off; } texts[] = {
		{ "path", offsetof(struct scenario_check, path) },
		{ "expect_body", offsetof(struct scenario_check, expect_body) },
		{ "user", offsetof(struct scenario_check, user) },
		{ "password", offsetof(struct scenario_check, password) },
		{ "to", offsetof(struct scenario_check, to) },
		{ "base", offsetof(struct scenario_check, base) },
		{ "filter", offsetof(struct scenario_check, filter) },
		{ "query", offsetof(struct scenario_check, query) },
		{ "expect", offsetof(struct scenario_check, expect) },
		{ "run", offsetof(struct scenario_check, run) },
		{ "key", offsetof(struct scenario_check, key) },
	};
	char bad[TEMPLATE_BAD_MAX];
	const char *why;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(texts); i++) {
		const char *v = *(char *const *)((const char *)c + texts[i].off);

		if (v == NULL || template_check(v, TEMPLATE_TEAM | TEMPLATE_HOST,
		    bad, sizeof(bad), &why) == 0)
			continue;
		/* Not even a password's placeholder is quoted back. */
		if (texts[i].off == offsetof(struct scenario_check, password))
			schema_error(ctx, scenario_pos(c->node, texts[i].key),
			    "invalid password in %s: %s", what, why);
		else
			schema_error(ctx, scenario_pos(c->node, texts[i].key),
			    "invalid %s in %s: %s '%s'", texts[i].key, what,
			    why, bad);
	}
}

/* The fields that go into a protocol's commands. */
static void
check_texts(struct schema_ctx *ctx, const struct scenario_check *c,
    const char *what)
{
	static const struct { const char *key; size_t off; bool spaces; } texts[] = {
		{ "user", offsetof(struct scenario_check, user), true },
		{ "password", offsetof(struct scenario_check, password), true },
		{ "to", offsetof(struct scenario_check, to), false },
		{ "base", offsetof(struct scenario_check, base), true },
		{ "filter", offsetof(struct scenario_check, filter), true },
		{ "query", offsetof(struct scenario_check, query), false },
		{ "expect", offsetof(struct scenario_check, expect), true },
		{ "key", offsetof(struct scenario_check, key), true },
	};
	size_t i;

	check_placeholders(ctx, c, what);
	for (i = 0; i < ARRAY_SIZE(texts); i++) {
		const char *v = *(char *const *)((const char *)c + texts[i].off);

		/* A password is never quoted back: the error names its key. */
		if (v != NULL && !check_plain(v, texts[i].spaces))
			schema_error(ctx, scenario_pos(c->node, texts[i].key),
			    "invalid %s in %s: it must be one line of printable "
			    "characters%s", texts[i].key, what, texts[i].spaces ?
			    "" : " without spaces");
	}
	if (c->to != NULL && (strchr(c->to, '@') == NULL ||
	    strpbrk(c->to, "<>") != NULL))
		schema_error(ctx, scenario_pos(c->node, "to"), "invalid to "
		    "'%s' in %s: expected a mail address such as "
		    "ops@example.org", c->to, what);
	if (c->password != NULL && c->user == NULL)
		schema_error(ctx, scenario_pos(c->node, "password"), "%s has a "
		    "password but no 'user'", what);
	check_ssh_login(ctx, c, what);
}

/* "an http", "an smtp", "a tcp": as the name is read out. */
static const char *
check_kind_article(int kind)
{
	return kind == CHECK_TCP || kind == CHECK_POP3 || kind == CHECK_DNS ?
	    "a" : "an";	/* "an ssh", "an icmp" */
}

/* The rules of one check, a service's or a compromise's. */
static void
check_check(struct schema_ctx *ctx, struct scenario_check *c, const char *what)
{
	const char *key = NULL, *why;

	if (c->kind == CHECK_NONE)
		return;
	why = check_kind_applies(c, &key);
	if (why != NULL)
		schema_error(ctx, scenario_pos(c->node, key), "'%s' in %s does "
		    "not fit %s %s check: %s", key, what, check_kind_article(c->kind),
		    check_kind_name(c->kind), why);
	if (c->kind == CHECK_TCP && !given(c->node, "port"))
		schema_error(ctx, c->node->pos, "%s is a tcp check and needs "
		    "'port'", what);
	if (c->kind == CHECK_DNS && !given(c->node, "query"))
		schema_error(ctx, c->node->pos, "%s is a dns check and needs "
		    "'query', the name to ask for", what);
	if (c->kind == CHECK_EXEC && !given(c->node, "command"))
		schema_error(ctx, c->node->pos, "%s is an exec check and needs "
		    "'command'", what);
	if (c->port < 0 && check_kind_port(c->kind) > 0)
		c->port = check_kind_port(c->kind);
	if ((c->kind == CHECK_HTTP || c->kind == CHECK_HTTPS ||
	    c->kind == CHECK_FTP) && c->path == NULL)
		c->path = xstrdup("/");
	check_texts(ctx, c, what);
	if (c->path != NULL && c->path[0] != '/')
		schema_error(ctx, scenario_pos(c->node, "path"), "invalid path "
		    "'%s' in %s: an HTTP path starts with '/'", c->path, what);
}

static void
check_services(struct schema_ctx *ctx, struct scenario_host *h)
{
	char *host_what = describe("host", h->node);
	struct strmap seen;
	size_t i;

	strmap_init(&seen);
	for (i = 0; i < h->n_services; i++) {
		struct scenario_check *c = &h->services[i];
		char *what = schema_describe("service", c->node, i, host_what);

		check_unique(ctx, &seen, "service", c->id, c->node);
		check_check(ctx, c, what);
		free(what);
	}
	strmap_clear(&seen);
	free(host_what);
}

static void
check_host_owner(const struct scenario *sc, struct schema_ctx *ctx,
    const struct scenario_host *h, const char *what)
{
	if (h->per_team != ROLE_NONE && h->team != NULL)
		schema_error(ctx, scenario_pos(h->node, "team"), "%s has both "
		    "'per_team' and 'team'; give one of them", what);
	else if (h->per_team == ROLE_NONE && h->team == NULL &&
	    !given(h->node, "per_team") && !given(h->node, "team"))
		schema_error(ctx, h->node->pos, "%s needs 'per_team' (a role, "
		    "for one copy per team) or 'team' (a team id)", what);
	else if (h->team != NULL && scenario_team(sc, h->team) == NULL &&
	    teams_readable(sc))
		schema_error(ctx, scenario_pos(h->node, "team"), "%s belongs to "
		    "team '%s', which is not defined", what, h->team);
	check_role_has_teams(sc, ctx, h->node, what, h->per_team);
}

static void
check_host(struct scenario *sc, struct schema_ctx *ctx,
    struct scenario_host *h)
{
	char *what = describe("host", h->node);
	size_t i;

	check_host_owner(sc, ctx, h, what);
	if (h->image != NULL && scenario_image(sc, h->image) == NULL)
		schema_error(ctx, scenario_pos(h->node, "image"), "%s uses image "
		    "'%s', which is not defined under 'images'", what, h->image);
	if (h->memory < (16ULL << 20) && given(h->node, "memory"))
		schema_error(ctx, scenario_pos(h->node, "memory"), "invalid "
		    "memory '%s' in %s: a guest needs at least 16M",
		    ynode_get(h->node, "memory")->scalar, what);
	if (given(h->node, "nics") && ynode_get(h->node, "nics")->kind ==
	    YNODE_SEQ && h->n_nics == 0)
		schema_error(ctx, scenario_pos(h->node, "nics"), "%s has no NIC; "
		    "a host needs at least one", what);
	for (i = 0; i < h->n_nics; i++)
		check_nic(sc, ctx, h, &h->nics[i], i);
	check_services(ctx, h);
	rules_check_guest(sc, ctx, h, what);
	free(what);
}

/* A gateway routes for its network: it must be on it, and of its team. */
static void
check_gateway(const struct scenario *sc, struct schema_ctx *ctx,
    const struct scenario_network *net)
{
	const struct scenario_host *gw;
	struct pos pos = scenario_pos(net->node, "gateway");

	if (net->gateway == NULL || net->id == NULL)
		return;
	gw = scenario_host(sc, net->gateway);
	if (gw == NULL)
		schema_error(ctx, pos, "gateway '%s' of network '%s' is not a "
		    "defined host", net->gateway, net->id);
	else if (host_nic(gw, net->id) == NULL)
		schema_error(ctx, pos, "gateway '%s' of network '%s' has no NIC "
		    "on that network", net->gateway, net->id);
	else if (net->per_team != ROLE_NONE && gw->per_team != net->per_team)
		schema_error(ctx, pos, "gateway '%s' of network '%s' must be "
		    "copied per %s team like the network, so that each team's "
		    "copy has its own gateway", net->gateway, net->id,
		    role_name(net->per_team));
	else if (net->per_team == ROLE_NONE && gw->per_team != ROLE_NONE)
		schema_error(ctx, pos, "gateway '%s' of shared network '%s' is "
		    "copied per team; a shared network needs one host as its "
		    "gateway", net->gateway, net->id);
}

static void
check_hosts(struct scenario *sc, struct schema_ctx *ctx)
{
	struct strmap seen;
	size_t i;

	strmap_init(&seen);
	for (i = 0; i < sc->n_hosts; i++) {
		check_unique(ctx, &seen, "host", sc->hosts[i].id,
		    sc->hosts[i].node);
		check_host(sc, ctx, &sc->hosts[i]);
	}
	strmap_clear(&seen);
	for (i = 0; i < sc->n_networks; i++)
		check_gateway(sc, ctx, &sc->networks[i]);
}

/* Which keys each action takes, beyond id, at, trigger, title, action. */
static const struct {
	int action;
	const char *keys;	/* space-separated */
} action_keys[] = {
	{ ACTION_EXEC, "target from command compromise" },
	{ ACTION_LINK_DOWN, "target nic duration compromise" },
	{ ACTION_LINK_UP, "target nic compromise" },
	{ ACTION_SHUTDOWN, "target compromise" },
	{ ACTION_REBOOT, "target compromise" },
	{ ACTION_DESTROY, "target compromise" },
	{ ACTION_START, "target compromise" },
	{ ACTION_REVERT, "target compromise" },
	{ ACTION_MESSAGE, "to text from" },
};

static const char *const action_specific[] = {
	"target", "from", "command", "compromise", "nic", "duration", "to",
	"text",
};

static bool
action_takes(int action, const char *key)
{
	size_t i, n = strlen(key);
	const char *p;

	for (i = 0; i < ARRAY_SIZE(action_keys); i++) {
		if (action_keys[i].action != action)
			continue;
		for (p = action_keys[i].keys; (p = strstr(p, key)) != NULL; p += n)
			if ((p[n] == ' ' || p[n] == '\0') &&
			    (p == action_keys[i].keys || p[-1] == ' '))
				return true;
	}
	return false;
}

static void
check_action_keys(struct schema_ctx *ctx, const struct scenario_inject *inj,
    const char *what)
{
	static const char *const needed[] = { "target", "command", "nic", "to",
	    "text" };
	size_t i;

	if (inj->action == ACTION_NONE)
		return;
	for (i = 0; i < ARRAY_SIZE(action_specific); i++)
		if (ynode_get(inj->node, action_specific[i]) != NULL &&
		    !action_takes(inj->action, action_specific[i]))
			schema_error(ctx, scenario_pos(inj->node,
			    action_specific[i]), "'%s' in %s does not apply to "
			    "action '%s'", action_specific[i], what,
			    action_name(inj->action));
	for (i = 0; i < ARRAY_SIZE(needed); i++)
		if (action_takes(inj->action, needed[i]) &&
		    !given(inj->node, needed[i]))
			schema_error(ctx, inj->node->pos, "%s needs '%s' for "
			    "action '%s'", what, needed[i],
			    action_name(inj->action));
}

/* Checks a selector's syntax and that its team and host exist. */
static void
check_selector(const struct scenario *sc, struct schema_ctx *ctx,
    const struct scenario_inject *inj, const char *key, const char *text,
    const char *what)
{
	struct pos pos = scenario_pos(inj->node, key);
	struct selector sel;
	const char *why;

	if (selector_parse(text, sc, &sel, &why) < 0) {
		schema_error(ctx, pos, "invalid %s '%s' in %s: %s", key, text,
		    what, why);
		return;
	}
	if (sel.team != NULL && scenario_team(sc, sel.team) == NULL &&
	    teams_readable(sc))
		schema_error(ctx, pos, "%s '%s' of %s names team '%s', which is "
		    "not defined", key, text, what, sel.team);
	else if (sel.role != ROLE_NONE && count_role(sc, sel.role) == 0)
		schema_error(ctx, pos, "%s '%s' of %s names role '%s', but the "
		    "scenario has no %s team", key, text, what,
		    role_name(sel.role), role_name(sel.role));
	else if (sel.host != NULL && scenario_host(sc, sel.host) == NULL)
		schema_error(ctx, pos, "%s '%s' of %s names host '%s', which is "
		    "not defined", key, text, what, sel.host);
	else if (inj->nic != NULL && strcmp(key, "target") == 0 &&
	    scenario_network(sc, inj->nic) == NULL)
		schema_error(ctx, scenario_pos(inj->node, "nic"), "nic '%s' of %s "
		    "names network '%s', which is not defined", inj->nic, what,
		    inj->nic);
	else if (sel.host != NULL && inj->nic != NULL && strcmp(key, "target") ==
	    0 && host_nic(scenario_host(sc, sel.host), inj->nic) == NULL)
		schema_error(ctx, scenario_pos(inj->node, "nic"), "nic '%s' of %s "
		    "is not a network of its target host '%s'", inj->nic, what,
		    sel.host);
	selector_clear(&sel);
}

/* Whether name is a member of a team or an instructor: a person. */
static bool
person_known(const struct scenario *sc, const char *name)
{
	size_t i, j;

	for (i = 0; i < sc->n_teams; i++)
		for (j = 0; j < sc->teams[i].members.count; j++)
			if (strcmp(sc->teams[i].members.items[j], name) == 0)
				return true;
	for (i = 0; i < sc->instructors.count; i++)
		if (strcmp(sc->instructors.items[i], name) == 0)
			return true;
	return false;
}

/* One recipient of a message: a team id, a role, person:NAME or *. */
static void
check_one_recipient(const struct scenario *sc, struct schema_ctx *ctx,
    const char *to, struct pos pos, const char *what)
{
	size_t plen = strlen(SCENARIO_PERSON);
	int role;

	if (strcmp(to, "*") == 0)
		return;
	if (strncmp(to, SCENARIO_PERSON, plen) == 0) {
		if (!person_known(sc, to + plen) && teams_readable(sc))
			schema_error(ctx, pos, "%s is sent to person '%s', who is "
			    "neither a member of a team nor an instructor", what,
			    to + plen);
		return;
	}
	role = scenario_team(sc, to) ? ROLE_NONE : role_parse(to);
	if (role != ROLE_NONE && count_role(sc, role) == 0)
		schema_error(ctx, pos, "%s is sent to role '%s', but the scenario "
		    "has no %s team", what, to, to);
	else if (role == ROLE_NONE && scenario_team(sc, to) == NULL &&
	    teams_readable(sc))
		schema_error(ctx, pos, "%s is sent to '%s', which is neither a "
		    "team id, a role, person:NAME nor *", what, to);
}

static void
check_recipient(const struct scenario *sc, struct schema_ctx *ctx,
    const struct scenario_inject *inj, const char *what)
{
	const struct ynode *list = ynode_get(inj->node, "to");

	if (list != NULL && list->kind == YNODE_SEQ && list->count == 0)
		schema_error(ctx, scenario_pos(inj->node, "to"), "%s is sent to "
		    "an empty list: name a team, a role, person:NAME or *",
		    what);
	for (size_t i = 0, j; i < inj->to.count; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(inj->to.items[j], inj->to.items[i]) == 0)
				break;
		if (j < i)
			schema_error(ctx, inj->to.pos[i], "%s names recipient "
			    "'%s' twice in 'to'", what, inj->to.items[i]);
		else
			check_one_recipient(sc, ctx, inj->to.items[i],
			    inj->to.pos[i], what);
	}
}

/* True when some host has a service of that id. */
static bool
service_exists(const struct scenario *sc, const char *id)
{
	for (size_t i = 0; i < sc->n_hosts; i++)
		for (size_t j = 0; j < sc->hosts[i].n_services; j++)
			if (sc->hosts[i].services[j].id != NULL &&
			    strcmp(sc->hosts[i].services[j].id, id) == 0)
				return true;
	return false;
}

/* breaks: services, on the hosts an inject acts on. */
static void
check_breaks(const struct scenario *sc, struct schema_ctx *ctx,
    const struct scenario_inject *inj, const char *what)
{
	size_t i;

	if (inj->breaks.count > 0 && inj->target == NULL)
		schema_error(ctx, scenario_pos(inj->node, "breaks"), "%s breaks "
		    "services but has no 'target' to break them on", what);
	for (i = 0; i < inj->breaks.count; i++)
		if (!service_exists(sc, inj->breaks.items[i]))
			schema_error(ctx, inj->breaks.pos[i], "%s breaks service "
			    "'%s', which no host has", what,
			    inj->breaks.items[i]);
}

static void
check_timing(const struct scenario *sc, struct schema_ctx *ctx,
    struct scenario_inject *inj, const char *what)
{
	char at[32], end[32];

	inj->manual = inj->trigger == TRIGGER_MANUAL;
	if (inj->manual && given(inj->node, "at"))
		schema_error(ctx, scenario_pos(inj->node, "at"), "%s is fired by "
		    "a controller (trigger: manual) and so takes no 'at'", what);
	else if (!inj->manual && !given(inj->node, "at"))
		schema_error(ctx, inj->node->pos, "%s needs 'at' (its time on the "
		    "exercise clock) or 'trigger: manual'", what);
	if (inj->at > sc->exercise.duration && sc->exercise.duration > 0) {
		units_format_duration(inj->at, at, sizeof(at));
		units_format_duration(sc->exercise.duration, end, sizeof(end));
		schema_error(ctx, scenario_pos(inj->node, "at"), "%s is at %s, "
		    "after the end of the exercise (duration %s)", what, at, end);
	}
}

static void
check_inject(const struct scenario *sc, struct schema_ctx *ctx,
    struct scenario_inject *inj)
{
	char *what = describe("inject", inj->node);
	char bad[TEMPLATE_BAD_MAX];
	const char *why;

	check_timing(sc, ctx, inj, what);
	check_action_keys(ctx, inj, what);
	if (inj->target != NULL)
		check_selector(sc, ctx, inj, "target", inj->target, what);
	/* A message's from is its sender's name, not a selector. */
	if (inj->from != NULL && inj->action != ACTION_MESSAGE)
		check_selector(sc, ctx, inj, "from", inj->from, what);
	check_recipient(sc, ctx, inj, what);
	check_breaks(sc, ctx, inj, what);
	rules_check_truth(sc, ctx, inj, what);
	if (inj->command != NULL && template_check(inj->command,
	    TEMPLATE_TARGET, bad, sizeof(bad), &why) < 0)
		schema_error(ctx, scenario_pos(inj->node, "command"), "invalid "
		    "command in %s: %s '%s'", what, why, bad);
	if (inj->compromise != NULL && inj->compromise->node != NULL) {
		char *cwhat = xasprintf("the compromise of %s", what);

		check_check(ctx, inj->compromise, cwhat);
		free(cwhat);
	}
	free(what);
}

static void
check_injects(struct scenario *sc, struct schema_ctx *ctx)
{
	struct strmap seen;
	size_t i;

	strmap_init(&seen);
	for (i = 0; i < sc->n_injects; i++) {
		check_unique(ctx, &seen, "inject", sc->injects[i].id,
		    sc->injects[i].node);
		check_inject(sc, ctx, &sc->injects[i]);
	}
	strmap_clear(&seen);
}

static void
check_scoring(const struct scenario *sc, struct schema_ctx *ctx)
{
	const struct scenario_scoring *s = &sc->scoring;
	char a[32], b[32];

	if (s->node == NULL)
		return;
	if (s->interval == 0)
		schema_error(ctx, scenario_pos(s->node, "interval"), "invalid "
		    "interval in scoring: a round must last longer than zero "
		    "seconds");
	else if (s->timeout == 0 || s->timeout >= s->interval) {
		units_format_duration(s->timeout, a, sizeof(a));
		units_format_duration(s->interval, b, sizeof(b));
		schema_error(ctx, scenario_pos(s->node, "timeout"), "invalid "
		    "timeout '%s' in scoring: it must be above zero and "
		    "shorter than the interval '%s'", a, b);
	}
}

static void
check_nodes(const struct scenario *sc, struct schema_ctx *ctx)
{
	struct strmap seen;
	const struct ynode *first;
	uint32_t addr;
	size_t i;

	strmap_init(&seen);
	for (i = 0; i < sc->n_nodes; i++) {
		const struct scenario_node *n = &sc->nodes[i];

		if (n->uri != NULL && (first = strmap_add(&seen, n->uri,
		    (void *)n->node)) != NULL)
			schema_error(ctx, scenario_pos(n->node, "uri"), "duplicate "
			    "node uri '%s' (first given at line %d)", n->uri,
			    first->pos.line);
		if (n->underlay != NULL && ipv4_parse(n->underlay, &addr) < 0)
			schema_error(ctx, scenario_pos(n->node, "underlay"),
			    "invalid underlay '%s' in node #%zu: expected an "
			    "IPv4 address", n->underlay, i + 1);
	}
	strmap_clear(&seen);
}

/* "ADDR:PORT", an IPv4 address and a port from 1 to 65535. */
static bool
vpn_listen_ok(const char *text, uint32_t *addr, long *port)
{
	char host[IPV4_TEXT + 1];
	const char *colon = strrchr(text, ':');
	char *end;

	if (colon == NULL || (size_t)(colon - text) >= sizeof(host))
		return false;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	if (ipv4_parse(host, addr) < 0 || colon[1] < '1' || colon[1] > '9')
		return false;
	*port = strtol(colon + 1, &end, 10);
	return *end == '\0' && *port >= 1 && *port <= 65535;
}

/* A host name or an IPv4 address: letters, digits, dots and hyphens. */
static bool
vpn_endpoint_ok(const char *text)
{
	size_t n = strlen(text);

	return n > 0 && n <= 253 && strspn(text, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == n && text[0] != '-' &&
	    text[0] != '.';
}

static void
check_vpn(const struct scenario *sc, struct schema_ctx *ctx)
{
	const struct scenario_vpn *v = &sc->vpn;
	size_t i, teams = 0;
	struct cidr pool;
	const char *why;
	uint32_t addr;
	long port;

	if (v->node == NULL)
		return;
	for (i = 0; i < sc->n_teams; i++) {
		if (sc->teams[i].role != ROLE_BLUE && sc->teams[i].role != ROLE_RED)
			continue;
		teams++;
		if (sc->teams[i].members.count > VPN_PEOPLE_MAX)
			schema_error(ctx, scenario_pos(sc->teams[i].node, "members"),
			    "team '%s' has %zu members, and a team's VPN holds at "
			    "most %d", sc->teams[i].id, sc->teams[i].members.count,
			    VPN_PEOPLE_MAX);
	}
	if (v->listen != NULL && (!vpn_listen_ok(v->listen, &addr, &port) ||
	    port + (long)teams - 1 > 65535))
		schema_error(ctx, scenario_pos(v->node, "listen"), "invalid listen "
		    "'%s' in vpn: expected an IPv4 address and a port, such as "
		    "0.0.0.0:51820, and room after the port for the %zu blue "
		    "and red team(s), one port each", v->listen, teams);
	if (v->pool != NULL && cidr_parse(v->pool, &pool, &why) < 0)
		schema_error(ctx, scenario_pos(v->node, "pool"), "invalid pool "
		    "'%s' in vpn: %s", v->pool, why);
	else if (v->pool != NULL && (pool.prefix > VPN_TEAM_PREFIX ||
	    teams > (size_t)1 << (VPN_TEAM_PREFIX - pool.prefix)))
		schema_error(ctx, scenario_pos(v->node, "pool"), "pool '%s' in "
		    "vpn is too small: it needs a /%d for each of the %zu blue and "
		    "red teams", v->pool, VPN_TEAM_PREFIX, teams);
	if (v->endpoint != NULL && !vpn_endpoint_ok(v->endpoint))
		schema_error(ctx, scenario_pos(v->node, "endpoint"), "invalid "
		    "endpoint '%s' in vpn: expected a host name or an IPv4 "
		    "address, without a port", v->endpoint);
}

/* One circle of coalition: two or more blue teams, each once. */
static void
check_circle(const struct scenario *sc, const struct scenario_circle *c,
    struct schema_ctx *ctx)
{
	const struct scenario_team *t;
	size_t i, j;

	if (c->id != NULL && c->teams.count < 2 && c->node != NULL &&
	    ynode_get(c->node, "teams") != NULL)
		schema_error(ctx, scenario_pos(c->node, "teams"), "circle '%s' of "
		    "coalition names %zu team(s); a circle shares between two or "
		    "more blue teams", c->id, c->teams.count);
	for (i = 0; i < c->teams.count; i++) {
		t = scenario_team(sc, c->teams.items[i]);
		if (t == NULL)
			schema_error(ctx, c->teams.pos[i], "circle '%s' of coalition "
			    "names team '%s', and there is no such team", c->id,
			    c->teams.items[i]);
		else if (t->role != ROLE_BLUE)
			schema_error(ctx, c->teams.pos[i], "circle '%s' of coalition "
			    "names team '%s', a %s team; circles share between "
			    "blue teams (TLP:CLEAR reaches every team)", c->id,
			    c->teams.items[i], role_name(t->role));
		for (j = 0; j < i; j++)
			if (strcmp(c->teams.items[j], c->teams.items[i]) == 0)
				schema_error(ctx, c->teams.pos[i], "circle '%s' of "
				    "coalition names team '%s' twice", c->id,
				    c->teams.items[i]);
	}
}

static void
check_coalition(const struct scenario *sc, struct schema_ctx *ctx)
{
	const struct scenario_coalition *co = &sc->coalition;
	struct strmap seen;
	size_t i;

	if (co->node == NULL)
		return;
	if (co->n_circles == 0 && ynode_get(co->node, "circles") != NULL &&
	    ynode_get(co->node, "circles")->kind == YNODE_SEQ)
		schema_error(ctx, scenario_pos(co->node, "circles"), "coalition "
		    "has no circle: list one or more, or leave coalition: out "
		    "for one circle of every blue team");
	strmap_init(&seen);
	for (i = 0; i < co->n_circles; i++) {
		check_unique(ctx, &seen, "circle", co->circles[i].id,
		    co->circles[i].node);
		check_circle(sc, &co->circles[i], ctx);
	}
	strmap_clear(&seen);
}

void
rules_check(struct scenario *sc, struct schema_ctx *ctx)
{
	check_version(sc, ctx);
	check_images(sc, ctx);
	check_teams(sc, ctx);
	check_networks(sc, ctx);
	check_hosts(sc, ctx);
	check_injects(sc, ctx);
	check_scoring(sc, ctx);
	check_nodes(sc, ctx);
	rules_check_flags(sc, ctx);
	check_vpn(sc, ctx);
	check_coalition(sc, ctx);
}
