/*
 * scenario.c: the scenario format's tables, decoding and lookups.
 *
 * Decoding (this file) turns the YAML tree into structs and checks each
 * value on its own; rules.c then checks how the values fit together, run
 * by scenario_load.c once decoding has returned: rules.c and selector.c
 * use this file, never the other way round.
 */
#include "rangectl/scenario.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/schema.h"
#include "rangectl/units.h"
#include "rangectl/util.h"

#define DEFAULT_MEMORY (256ULL << 20)
#define DEFAULT_INTERVAL 60
#define DEFAULT_TIMEOUT 5

static const char *const role_names[] = { "", "red", "blue", "white", NULL };
static const char *const check_names[] = {
	"", "tcp", "http", "exec", "https", "ftp", "smtp", "imap", "pop3",
	"ldap", "dns", "ssh", "icmp", NULL,
};
static const char *const dns_type_names[] = {
	"", "A", "AAAA", "MX", "TXT", "NS", NULL,
};
static const char *const action_names[] = {
	"", "exec", "link_down", "link_up", "shutdown", "reboot", "destroy",
	"start", "revert", "message", NULL,
};
static const char *const indicator_names[] = {
	"", "ipv4", "ipv6", "domain", "url", "email", "md5", "sha1", "sha256",
	"file_name", NULL,
};
static const char *const format_names[] = { "", "qcow2", "raw", NULL };
static const char *const trigger_names[] = { "", "clock", "manual", NULL };
static const char *const firmware_names[] = { "", "bios", "uefi", NULL };
static const char *const machine_names[] = { "", "pc", "q35", NULL };
static const char *const disk_bus_names[] = {
	"", "virtio", "sata", "scsi", NULL,
};
static const char *const nic_model_names[] = {
	"", "virtio", "e1000e", "rtl8139", NULL,
};
static const char *const graphics_names[] = { "", "vnc", "none", NULL };
static const char *const video_names[] = {
	"", "vga", "virtio", "qxl", "bochs", "cirrus", NULL,
};

/* The name of value in names (NULL-terminated), "" when out of range. */
static const char *
enum_name(const char *const *names, int value)
{
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (i == value)
			return names[i];
	return "";
}

const char *
firmware_name(int firmware)
{
	return enum_name(firmware_names, firmware);
}

const char *
machine_name(int machine)
{
	return enum_name(machine_names, machine);
}

const char *
disk_bus_name(int bus)
{
	return enum_name(disk_bus_names, bus);
}

const char *
nic_model_name(int model)
{
	return enum_name(nic_model_names, model);
}

const char *
graphics_name(int graphics)
{
	return enum_name(graphics_names, graphics);
}

const char *
video_name(int video)
{
	return enum_name(video_names, video);
}

const char *
role_name(int role)
{
	return role > ROLE_NONE && role <= ROLE_WHITE ? role_names[role] : "none";
}

int
role_parse(const char *text)
{
	int i;

	for (i = 1; role_names[i] != NULL; i++)
		if (strcmp(role_names[i], text) == 0)
			return i;
	return ROLE_NONE;
}

const char *
check_kind_name(int kind)
{
	return kind > CHECK_NONE && kind <= CHECK_LAST ? check_names[kind] : "none";
}

long
check_kind_port(int kind)
{
	static const long ports[] = {
		[CHECK_HTTP] = 80, [CHECK_HTTPS] = 443, [CHECK_FTP] = 21,
		[CHECK_SMTP] = 25, [CHECK_IMAP] = 143, [CHECK_POP3] = 110,
		[CHECK_LDAP] = 389, [CHECK_DNS] = 53, [CHECK_SSH] = 22,
	};

	return kind >= 0 && (size_t)kind < ARRAY_SIZE(ports) ? ports[kind] : 0;
}

const char *
dns_type_name(int type)
{
	return type > DNS_NONE && type <= DNS_LAST ? dns_type_names[type] : "A";
}

const char *
action_name(int action)
{
	return action > ACTION_NONE && action <= ACTION_MESSAGE ?
	    action_names[action] : "none";
}

const char *
indicator_type_name(int type)
{
	return type > INDICATOR_NONE && type <= INDICATOR_LAST ?
	    indicator_names[type] : "none";
}

int
indicator_type_parse(const char *name)
{
	int type;

	for (type = INDICATOR_NONE + 1; name != NULL && type <= INDICATOR_LAST;
	    type++)
		if (strcmp(indicator_names[type], name) == 0)
			return type;
	return INDICATOR_NONE;
}

#define FIELD(s, key, type, member, req, min, max) \
	{ key, type, offsetof(struct s, member), req, min, max, NULL, NULL }
#define ENUM(s, key, member, req, choices) \
	{ key, SCHEMA_ENUM, offsetof(struct s, member), req, 0, 0, choices, NULL }
#define CUSTOM(key, req, fn) \
	{ key, SCHEMA_CUSTOM, 0, req, 0, 0, NULL, fn }

static void decode_exercise(struct schema_ctx *, const struct ynode *, void *,
    const char *);
static void decode_images(struct schema_ctx *, const struct ynode *, void *,
    const char *);
static void decode_teams(struct schema_ctx *, const struct ynode *, void *,
    const char *);
static void decode_networks(struct schema_ctx *, const struct ynode *, void *,
    const char *);
static void decode_hosts(struct schema_ctx *, const struct ynode *, void *,
    const char *);
static void decode_nics(struct schema_ctx *, const struct ynode *, void *,
    const char *);
static void decode_services(struct schema_ctx *, const struct ynode *, void *,
    const char *);
static void decode_users(struct schema_ctx *, const struct ynode *, void *,
    const char *);
static void decode_files(struct schema_ctx *, const struct ynode *, void *,
    const char *);
static void decode_injects(struct schema_ctx *, const struct ynode *, void *,
    const char *);
static void decode_compromise(struct schema_ctx *, const struct ynode *, void *,
    const char *);
static void decode_truth(struct schema_ctx *, const struct ynode *, void *,
    const char *);
static void decode_recipients(struct schema_ctx *, const struct ynode *,
    void *, const char *);
static void decode_indicators(struct schema_ctx *, const struct ynode *,
    void *, const char *);
static void decode_scoring(struct schema_ctx *, const struct ynode *, void *,
    const char *);
static void decode_outage(struct schema_ctx *, const struct ynode *, void *,
    const char *);
static void decode_detection(struct schema_ctx *, const struct ynode *,
    void *, const char *);
static void decode_sla(struct schema_ctx *, const struct ynode *, void *,
    const char *);
static void decode_nodes(struct schema_ctx *, const struct ynode *, void *,
    const char *);
static void decode_coalition(struct schema_ctx *, const struct ynode *,
    void *, const char *);
static void decode_circles(struct schema_ctx *, const struct ynode *,
    void *, const char *);
static void decode_vpn(struct schema_ctx *, const struct ynode *, void *,
    const char *);

static const struct schema_field top_fields[] = {
	FIELD(scenario, "version", SCHEMA_INT, version, true, 0, 1000000),
	CUSTOM("exercise", true, decode_exercise),
	CUSTOM("images", false, decode_images),
	CUSTOM("teams", true, decode_teams),
	FIELD(scenario, "instructors", SCHEMA_IDLIST, instructors, false, 0,
	    SCENARIO_NAME_MAX),
	CUSTOM("networks", false, decode_networks),
	CUSTOM("hosts", false, decode_hosts),
	CUSTOM("injects", false, decode_injects),
	CUSTOM("scoring", false, decode_scoring),
	CUSTOM("nodes", false, decode_nodes),
	CUSTOM("flags", false, scenario_decode_flags),
	CUSTOM("vpn", false, decode_vpn),
	CUSTOM("coalition", false, decode_coalition),
};

static const struct schema_field exercise_fields[] = {
	FIELD(scenario_exercise, "name", SCHEMA_ID, name, true, 0,
	    SCENARIO_EXERCISE_ID_MAX),
	FIELD(scenario_exercise, "title", SCHEMA_STRING, title, false, 0, 0),
	FIELD(scenario_exercise, "duration", SCHEMA_DURATION, duration, true, 0,
	    0),
	FIELD(scenario_exercise, "connect", SCHEMA_STRING, connect, false, 0, 0),
};

static const struct schema_field image_fields[] = {
	FIELD(scenario_image, "kernel", SCHEMA_STRING, kernel, false, 0, 0),
	FIELD(scenario_image, "initrd", SCHEMA_STRING, initrd, false, 0, 0),
	FIELD(scenario_image, "cmdline", SCHEMA_STRING, cmdline, false, 0, 0),
	FIELD(scenario_image, "disk", SCHEMA_STRING, disk, false, 0, 0),
	ENUM(scenario_image, "format", format, false, format_names),
	FIELD(scenario_image, "cloud_init", SCHEMA_BOOL, cloud_init, false, 0, 0),
	ENUM(scenario_image, "firmware", hw.firmware, false, firmware_names),
	FIELD(scenario_image, "secure_boot", SCHEMA_BOOL, hw.secure_boot, false,
	    0, 0),
	ENUM(scenario_image, "machine", hw.machine, false, machine_names),
	ENUM(scenario_image, "disk_bus", hw.disk_bus, false, disk_bus_names),
	ENUM(scenario_image, "nic_model", hw.nic_model, false, nic_model_names),
	ENUM(scenario_image, "graphics", hw.graphics, false, graphics_names),
	ENUM(scenario_image, "video", hw.video, false, video_names),
	FIELD(scenario_image, "tpm", SCHEMA_BOOL, hw.tpm, false, 0, 0),
};

static const struct schema_field team_fields[] = {
	FIELD(scenario_team, "id", SCHEMA_ID, id, true, 0, SCENARIO_ID_MAX),
	ENUM(scenario_team, "role", role, true, role_names),
	FIELD(scenario_team, "name", SCHEMA_STRING, name, false, 0, 0),
	FIELD(scenario_team, "members", SCHEMA_IDLIST, members, false, 0,
	    SCENARIO_NAME_MAX),
};

static const struct schema_field network_fields[] = {
	FIELD(scenario_network, "id", SCHEMA_ID, id, true, 0, SCENARIO_ID_MAX),
	FIELD(scenario_network, "cidr", SCHEMA_STRING, cidr, true, 0, 0),
	ENUM(scenario_network, "per_team", per_team, false, role_names),
	FIELD(scenario_network, "isolated", SCHEMA_BOOL, isolated, false, 0, 0),
	FIELD(scenario_network, "gateway", SCHEMA_ID, gateway, false, 0,
	    SCENARIO_ID_MAX),
	FIELD(scenario_network, "dns", SCHEMA_STRING, dns, false, 0, 0),
};

static const struct schema_field host_fields[] = {
	FIELD(scenario_host, "id", SCHEMA_ID, id, true, 0, SCENARIO_ID_MAX),
	ENUM(scenario_host, "per_team", per_team, false, role_names),
	FIELD(scenario_host, "team", SCHEMA_ID, team, false, 0, SCENARIO_ID_MAX),
	FIELD(scenario_host, "image", SCHEMA_ID, image, true, 0,
	    SCENARIO_NAME_MAX),
	FIELD(scenario_host, "memory", SCHEMA_SIZE, memory, false, 0, 0),
	FIELD(scenario_host, "vcpus", SCHEMA_INT, vcpus, false, 1, 64),
	FIELD(scenario_host, "router", SCHEMA_BOOL, router, false, 0, 0),
	CUSTOM("nics", true, decode_nics),
	CUSTOM("services", false, decode_services),
	CUSTOM("users", false, decode_users),
	CUSTOM("files", false, decode_files),
	FIELD(scenario_host, "run", SCHEMA_STRLIST, run, false, 0, 0),
};

static const struct schema_field user_fields[] = {
	FIELD(scenario_user, "name", SCHEMA_STRING, name, true, 0, 0),
	FIELD(scenario_user, "groups", SCHEMA_STRLIST, groups, false, 0, 0),
	FIELD(scenario_user, "sudo", SCHEMA_BOOL, sudo, false, 0, 0),
	FIELD(scenario_user, "password", SCHEMA_STRING, password, false, 0, 0),
	FIELD(scenario_user, "password_hash", SCHEMA_STRING, password_hash,
	    false, 0, 0),
	FIELD(scenario_user, "ssh_authorized_keys", SCHEMA_STRLIST,
	    ssh_authorized_keys, false, 0, 0),
};

static const struct schema_field file_fields[] = {
	FIELD(scenario_file, "path", SCHEMA_STRING, path, true, 0, 0),
	FIELD(scenario_file, "content", SCHEMA_STRING, content, false, 0, 0),
	FIELD(scenario_file, "mode", SCHEMA_STRING, mode, false, 0, 0),
	FIELD(scenario_file, "owner", SCHEMA_STRING, owner, false, 0, 0),
};

static const struct schema_field nic_fields[] = {
	FIELD(scenario_nic, "network", SCHEMA_ID, network, true, 0,
	    SCENARIO_ID_MAX),
	FIELD(scenario_nic, "ip", SCHEMA_STRING, ip, false, 0, 0),
};

#define CHECK_FIELDS \
	ENUM(scenario_check, "check", kind, true, check_names), \
	FIELD(scenario_check, "port", SCHEMA_INT, port, false, 1, 65535), \
	FIELD(scenario_check, "path", SCHEMA_STRING, path, false, 0, 0), \
	FIELD(scenario_check, "expect_status", SCHEMA_INT, expect_status, \
	    false, 100, 599), \
	FIELD(scenario_check, "expect_body", SCHEMA_STRING, expect_body, \
	    false, 0, 0), \
	FIELD(scenario_check, "command", SCHEMA_STRING, command, false, 0, 0), \
	FIELD(scenario_check, "verify", SCHEMA_BOOL, verify, false, 0, 0), \
	FIELD(scenario_check, "user", SCHEMA_STRING, user, false, 0, 0), \
	FIELD(scenario_check, "password", SCHEMA_STRING, password, false, 0, 0), \
	FIELD(scenario_check, "to", SCHEMA_STRING, to, false, 0, 0), \
	FIELD(scenario_check, "base", SCHEMA_STRING, base, false, 0, 0), \
	FIELD(scenario_check, "filter", SCHEMA_STRING, filter, false, 0, 0), \
	FIELD(scenario_check, "query", SCHEMA_STRING, query, false, 0, 0), \
	ENUM(scenario_check, "type", dns_type, false, dns_type_names), \
	FIELD(scenario_check, "expect", SCHEMA_STRING, expect, false, 0, 0), \
	FIELD(scenario_check, "run", SCHEMA_STRING, run, false, 0, 0), \
	FIELD(scenario_check, "key", SCHEMA_STRING, key, false, 0, 0)

static const struct schema_field service_fields[] = {
	FIELD(scenario_check, "id", SCHEMA_ID, id, true, 0, SCENARIO_NAME_MAX),
	CHECK_FIELDS,
	FIELD(scenario_check, "points", SCHEMA_INT, points, false, 0, 1000000),
};

static const struct schema_field compromise_fields[] = {
	CHECK_FIELDS,
	FIELD(scenario_check, "penalty", SCHEMA_INT, penalty, true, 1, 1000000),
};

static const struct schema_field inject_fields[] = {
	FIELD(scenario_inject, "id", SCHEMA_ID, id, true, 0, SCENARIO_NAME_MAX),
	FIELD(scenario_inject, "at", SCHEMA_DURATION, at, false, 0, 0),
	ENUM(scenario_inject, "trigger", trigger, false, trigger_names),
	FIELD(scenario_inject, "title", SCHEMA_STRING, title, false, 0, 0),
	FIELD(scenario_inject, "from", SCHEMA_STRING, from, false, 0, 0),
	FIELD(scenario_inject, "target", SCHEMA_STRING, target, false, 0, 0),
	ENUM(scenario_inject, "action", action, true, action_names),
	FIELD(scenario_inject, "command", SCHEMA_STRING, command, false, 0, 0),
	CUSTOM("compromise", false, decode_compromise),
	FIELD(scenario_inject, "nic", SCHEMA_ID, nic, false, 0, SCENARIO_ID_MAX),
	FIELD(scenario_inject, "duration", SCHEMA_DURATION, duration, false, 0, 0),
	CUSTOM("to", false, decode_recipients),
	FIELD(scenario_inject, "text", SCHEMA_STRING, text, false, 0, 0),
	FIELD(scenario_inject, "breaks", SCHEMA_IDLIST, breaks, false, 0,
	    SCENARIO_NAME_MAX),
	CUSTOM("truth", false, decode_truth),
};

static const struct schema_field truth_fields[] = {
	FIELD(scenario_truth, "technique", SCHEMA_STRING, technique, false, 0,
	    0),
	CUSTOM("indicators", false, decode_indicators),
	FIELD(scenario_truth, "effects", SCHEMA_STRLIST, effects, false, 0, 0),
};

static const struct schema_field indicator_fields[] = {
	ENUM(scenario_indicator, "type", type, true, indicator_names),
	FIELD(scenario_indicator, "value", SCHEMA_STRING, value, true, 0, 0),
};

static const struct schema_field scoring_fields[] = {
	FIELD(scenario_scoring, "interval", SCHEMA_DURATION, interval, false, 0,
	    0),
	FIELD(scenario_scoring, "timeout", SCHEMA_DURATION, timeout, false, 0, 0),
	CUSTOM("sla", false, decode_sla),
	CUSTOM("outage", false, decode_outage),
	CUSTOM("detection", false, decode_detection),
};

static const struct schema_field detection_fields[] = {
	FIELD(scenario_detection, "points", SCHEMA_INT, points, false, 0,
	    1000000),
	FIELD(scenario_detection, "half_life", SCHEMA_DURATION, half_life, false,
	    0, 0),
	FIELD(scenario_detection, "sharing", SCHEMA_INT, sharing, false, 0,
	    1000000),
	FIELD(scenario_detection, "early_warning", SCHEMA_INT, early_warning,
	    false, 0, 1000000),
	FIELD(scenario_detection, "false_indicator", SCHEMA_INT, false_indicator,
	    false, 0, 1000000),
};

static const struct schema_field sla_fields[] = {
	FIELD(scenario_sla, "after", SCHEMA_INT, after, true, 1, 1000000),
	FIELD(scenario_sla, "penalty", SCHEMA_INT, penalty, true, 0, 1000000),
};

static const struct schema_field node_fields[] = {
	FIELD(scenario_node, "uri", SCHEMA_STRING, uri, true, 0, 0),
	FIELD(scenario_node, "memory", SCHEMA_SIZE, memory, false, 0, 0),
	FIELD(scenario_node, "vcpus", SCHEMA_INT, vcpus, false, 1, 1000000),
	FIELD(scenario_node, "underlay", SCHEMA_STRING, underlay, false, 0, 0),
};

static void
decode_exercise(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario *sc = obj;

	(void)what;
	schema_decode(ctx, value, "exercise", exercise_fields,
	    ARRAY_SIZE(exercise_fields), &sc->exercise);
}

static void
decode_scoring(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario *sc = obj;

	(void)what;
	schema_decode(ctx, value, "scoring", scoring_fields,
	    ARRAY_SIZE(scoring_fields), &sc->scoring);
}

/* images is a mapping from id to definition, unlike the lists. */
static void
decode_images(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario *sc = obj;
	const char *why;
	char quoted[SCHEMA_QUOTE_MAX];
	size_t i;

	(void)what;
	if (value->kind != YNODE_MAP) {
		schema_error(ctx, value->pos, "'images' must be a mapping from "
		    "image id to its definition, not %s", ynode_kind_name(value));
		return;
	}
	sc->images = xcalloc(value->count, sizeof(*sc->images));
	for (i = 0; i < value->count; i++) {
		const struct ynode *key = value->pairs[i].key;
		struct scenario_image *img = &sc->images[sc->n_images];
		char *desc;

		schema_quote(key->scalar, quoted);
		if (units_check_id(key->scalar, SCENARIO_NAME_MAX, &why) < 0) {
			schema_error(ctx, key->pos, "invalid image id '%s': %s%s",
			    quoted, why, strcmp(why, "too long") == 0 ?
			    " (at most 32 characters)" : "");
			continue;
		}
		/* Kept even when broken, so hosts using it get no knock-on. */
		desc = xasprintf("image '%s'", quoted);
		schema_decode(ctx, value->pairs[i].value, desc, image_fields,
		    ARRAY_SIZE(image_fields), img);
		img->id = xstrdup(key->scalar);
		sc->n_images++;
		free(desc);
	}
}

static void
init_network(void *obj)
{
	struct scenario_network *net = obj;

	net->isolated = true;
}

static void
init_host(void *obj)
{
	struct scenario_host *host = obj;

	host->memory = DEFAULT_MEMORY;
	host->vcpus = 1;
}

static void
init_check(void *obj)
{
	struct scenario_check *check = obj;

	check->port = -1;
	check->expect_status = 200;
	check->verify = true;
	check->points = 1;
}

static void
init_inject(void *obj)
{
	struct scenario_inject *inj = obj;

	inj->at = -1;
}

static void
decode_teams(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario *sc = obj;

	(void)what;
	schema_decode_list(ctx, value, "team", NULL, team_fields,
	    ARRAY_SIZE(team_fields), sizeof(*sc->teams), NULL,
	    (void **)&sc->teams, &sc->n_teams);
}

static void
decode_networks(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario *sc = obj;

	(void)what;
	schema_decode_list(ctx, value, "network", NULL, network_fields,
	    ARRAY_SIZE(network_fields), sizeof(*sc->networks), init_network,
	    (void **)&sc->networks, &sc->n_networks);
}

static void
decode_hosts(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario *sc = obj;

	(void)what;
	schema_decode_list(ctx, value, "host", NULL, host_fields,
	    ARRAY_SIZE(host_fields), sizeof(*sc->hosts), init_host,
	    (void **)&sc->hosts, &sc->n_hosts);
}

static void
decode_nics(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario_host *host = obj;
	schema_decode_list(ctx, value, "NIC", what, nic_fields,
	    ARRAY_SIZE(nic_fields), sizeof(*host->nics), NULL,
	    (void **)&host->nics, &host->n_nics);
}

static void
decode_services(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario_host *host = obj;
	schema_decode_list(ctx, value, "service", what, service_fields,
	    ARRAY_SIZE(service_fields), sizeof(*host->services), init_check,
	    (void **)&host->services, &host->n_services);
}

static void
decode_users(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario_host *host = obj;
	schema_decode_list(ctx, value, "user", what, user_fields,
	    ARRAY_SIZE(user_fields), sizeof(*host->users), NULL,
	    (void **)&host->users, &host->n_users);
}

static void
decode_files(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario_host *host = obj;
	schema_decode_list(ctx, value, "file", what, file_fields,
	    ARRAY_SIZE(file_fields), sizeof(*host->files), NULL,
	    (void **)&host->files, &host->n_files);
}

static void
decode_injects(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario *sc = obj;

	(void)what;
	schema_decode_list(ctx, value, "inject", NULL, inject_fields,
	    ARRAY_SIZE(inject_fields), sizeof(*sc->injects), init_inject,
	    (void **)&sc->injects, &sc->n_injects);
}

static void
decode_compromise(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario_inject *inj = obj;
	char *desc = xasprintf("the compromise of %s", what);

	inj->compromise = xcalloc(1, sizeof(*inj->compromise));
	init_check(inj->compromise);
	inj->compromise->points = 0;
	schema_decode(ctx, value, desc, compromise_fields,
	    ARRAY_SIZE(compromise_fields), inj->compromise);
	free(desc);
}

/*
 * A message's to: one recipient as a string (as before issue 13) or a
 * list of them; each a team id, a role, person:NAME or *. The rules
 * check what each names (rules.c).
 */
static void
decode_recipients(struct schema_ctx *ctx, const struct ynode *value,
    void *obj, const char *what)
{
	struct scenario_inject *inj = obj;
	const struct ynode *const *items = &value;
	size_t n = 1, i;

	if (ynode_is_null(value))
		return;	/* "to:" alone: none, as a missing one */
	if (value->kind == YNODE_SEQ) {
		items = (const struct ynode *const *)value->items;
		n = value->count;
	}
	inj->to.items = xcalloc(n + 1, sizeof(*inj->to.items));
	inj->to.pos = xcalloc(n + 1, sizeof(*inj->to.pos));
	for (i = 0; i < n; i++) {
		const char *text = schema_scalar(ctx, items[i], "recipient",
		    what);

		if (text == NULL)
			continue;
		inj->to.pos[inj->to.count] = items[i]->pos;
		inj->to.items[inj->to.count++] = xstrdup(text);
	}
	inj->has_to = true;
}

static void
decode_truth(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario_inject *inj = obj;
	char *desc;

	if (ynode_is_null(value))
		return;	/* "truth:" alone: none */
	desc = xasprintf("the truth of %s", what);
	inj->truth = xcalloc(1, sizeof(*inj->truth));
	schema_decode(ctx, value, desc, truth_fields, ARRAY_SIZE(truth_fields),
	    inj->truth);
	free(desc);
}

static void
decode_indicators(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario_truth *truth = obj;

	schema_decode_list(ctx, value, "indicator", what, indicator_fields,
	    ARRAY_SIZE(indicator_fields), sizeof(*truth->indicators), NULL,
	    (void **)&truth->indicators, &truth->n_indicators);
}

static void
decode_sla(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario_scoring *scoring = obj;

	(void)what;
	schema_decode(ctx, value, "scoring.sla", sla_fields,
	    ARRAY_SIZE(sla_fields), &scoring->sla);
}

/*
 * A weight of scoring.outage: a decimal from 0 to 10 with at most three
 * decimals ("1", "1.5", "0.25"), into thousandths, so that scores stay
 * integers and the same on every machine. A scalar of YAML's is text;
 * strtod would take "1e1", "inf" and a locale's comma, so it is read here.
 */
static void
decode_weight(struct schema_ctx *ctx, const struct ynode *value,
    const char *key, long *out)
{
	const char *text = schema_scalar(ctx, value, key, "scoring.outage");
	char quoted[SCHEMA_QUOTE_MAX];
	const char *p = text;
	long whole = 0, frac = 0, scale = 100;

	if (text == NULL)
		return;
	while (*p >= '0' && *p <= '9' && whole <= 10)
		whole = whole * 10 + (*p++ - '0');
	if (p > text && *p == '.' && p[1] != '\0')
		for (p++; *p >= '0' && *p <= '9' && scale > 0; p++, scale /= 10)
			frac += (*p - '0') * scale;
	if (p == text || *p != '\0' ||
	    whole * 1000 + frac > 10000) {
		schema_quote(text, quoted);
		schema_error(ctx, value->pos, "invalid %s '%s' in scoring.outage: "
		    "expected a number from 0 to 10 with at most 3 decimals", key,
		    quoted);
		return;
	}
	*out = whole * 1000 + frac;
}

static void
decode_weight_attack(struct schema_ctx *ctx, const struct ynode *value,
    void *obj, const char *what)
{
	(void)what;
	decode_weight(ctx, value, "attack", &((struct scenario_outage *)obj)->attack);
}

static void
decode_weight_self(struct schema_ctx *ctx, const struct ynode *value,
    void *obj, const char *what)
{
	(void)what;
	decode_weight(ctx, value, "self", &((struct scenario_outage *)obj)->self);
}

static const struct schema_field outage_fields[] = {
	CUSTOM("attack", false, decode_weight_attack),
	CUSTOM("self", false, decode_weight_self),
};

static void
decode_outage(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario_scoring *scoring = obj;

	(void)what;
	scoring->outage.attack = scoring->outage.self = 1000;
	schema_decode(ctx, value, "scoring.outage", outage_fields,
	    ARRAY_SIZE(outage_fields), &scoring->outage);
}

static void
decode_detection(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario_scoring *scoring = obj;

	(void)what;
	schema_decode(ctx, value, "scoring.detection", detection_fields,
	    ARRAY_SIZE(detection_fields), &scoring->detection);
}

static const struct schema_field vpn_fields[] = {
	FIELD(scenario_vpn, "listen", SCHEMA_STRING, listen, true, 0, 0),
	FIELD(scenario_vpn, "pool", SCHEMA_STRING, pool, true, 0, 0),
	FIELD(scenario_vpn, "endpoint", SCHEMA_STRING, endpoint, false, 0, 0),
};

static void
decode_vpn(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario *sc = obj;

	(void)what;
	schema_decode(ctx, value, "vpn", vpn_fields, ARRAY_SIZE(vpn_fields),
	    &sc->vpn);
}

static const struct schema_field coalition_fields[] = {
	CUSTOM("circles", true, decode_circles),
};
static const struct schema_field circle_fields[] = {
	FIELD(scenario_circle, "id", SCHEMA_ID, id, true, 0, SCENARIO_ID_MAX),
	FIELD(scenario_circle, "teams", SCHEMA_IDLIST, teams, true, 0,
	    SCENARIO_ID_MAX),
};

static void
decode_coalition(struct schema_ctx *ctx, const struct ynode *value,
    void *obj, const char *what)
{
	struct scenario *sc = obj;

	(void)what;
	schema_decode(ctx, value, "coalition", coalition_fields,
	    ARRAY_SIZE(coalition_fields), &sc->coalition);
}

static void
decode_circles(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario_coalition *c = obj;

	(void)what;
	schema_decode_list(ctx, value, "circle", "coalition", circle_fields,
	    ARRAY_SIZE(circle_fields), sizeof(*c->circles), NULL,
	    (void **)&c->circles, &c->n_circles);
}

static void
decode_nodes(struct schema_ctx *ctx, const struct ynode *value, void *obj,
    const char *what)
{
	struct scenario *sc = obj;

	(void)what;
	schema_decode_list(ctx, value, "node", NULL, node_fields,
	    ARRAY_SIZE(node_fields), sizeof(*sc->nodes), NULL,
	    (void **)&sc->nodes, &sc->n_nodes);
}

void
scenario_check_clear(struct scenario_check *c)
{
	if (c == NULL)
		return;
	free(c->id);
	free(c->path);
	free(c->expect_body);
	free(c->command);
	free(c->user);
	free(c->password);
	free(c->to);
	free(c->base);
	free(c->filter);
	free(c->query);
	free(c->run);
	free(c->key);
	free(c->expect);
}

/* A copy of s, or NULL for NULL. */
static char *
copy_text(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
scenario_check_copy(struct scenario_check *to, const struct scenario_check *from)
{
	*to = *from;
	to->node = NULL;
	to->id = copy_text(from->id);
	to->path = copy_text(from->path);
	to->expect_body = copy_text(from->expect_body);
	to->command = copy_text(from->command);
	to->user = copy_text(from->user);
	to->password = copy_text(from->password);
	to->to = copy_text(from->to);
	to->base = copy_text(from->base);
	to->filter = copy_text(from->filter);
	to->query = copy_text(from->query);
	to->run = copy_text(from->run);
	to->key = copy_text(from->key);
	to->expect = copy_text(from->expect);
}

static void
host_clear(struct scenario_host *h)
{
	size_t i;

	free(h->id);
	free(h->team);
	free(h->image);
	for (i = 0; i < h->n_nics; i++) {
		free(h->nics[i].network);
		free(h->nics[i].ip);
	}
	free(h->nics);
	for (i = 0; i < h->n_services; i++)
		scenario_check_clear(&h->services[i]);
	free(h->services);
	for (i = 0; i < h->n_users; i++) {
		free(h->users[i].name);
		strlist_clear(&h->users[i].groups);
		free(h->users[i].password);
		free(h->users[i].password_hash);
		strlist_clear(&h->users[i].ssh_authorized_keys);
	}
	free(h->users);
	for (i = 0; i < h->n_files; i++) {
		free(h->files[i].path);
		free(h->files[i].content);
		free(h->files[i].mode);
		free(h->files[i].owner);
	}
	free(h->files);
	strlist_clear(&h->run);
}

static void
truth_free(struct scenario_truth *truth)
{
	size_t i;

	if (truth == NULL)
		return;
	free(truth->technique);
	for (i = 0; i < truth->n_indicators; i++)
		free(truth->indicators[i].value);
	free(truth->indicators);
	strlist_clear(&truth->effects);
	free(truth);
}

static void
inject_clear(struct scenario_inject *inj)
{
	free(inj->id);
	free(inj->title);
	free(inj->from);
	free(inj->target);
	free(inj->command);
	scenario_check_clear(inj->compromise);
	free(inj->compromise);
	free(inj->nic);
	strlist_clear(&inj->to);
	free(inj->text);
	strlist_clear(&inj->breaks);
	truth_free(inj->truth);
}

static void
scenario_free_lists(struct scenario *sc)
{
	size_t i;

	for (i = 0; i < sc->n_images; i++) {
		free(sc->images[i].id);
		free(sc->images[i].kernel);
		free(sc->images[i].initrd);
		free(sc->images[i].cmdline);
		free(sc->images[i].disk);
	}
	for (i = 0; i < sc->n_teams; i++) {
		free(sc->teams[i].id);
		free(sc->teams[i].name);
		strlist_clear(&sc->teams[i].members);
	}
	for (i = 0; i < sc->n_networks; i++) {
		free(sc->networks[i].id);
		free(sc->networks[i].cidr);
		free(sc->networks[i].gateway);
		free(sc->networks[i].dns);
	}
	for (i = 0; i < sc->n_hosts; i++)
		host_clear(&sc->hosts[i]);
	for (i = 0; i < sc->n_injects; i++)
		inject_clear(&sc->injects[i]);
	for (i = 0; i < sc->n_nodes; i++) {
		free(sc->nodes[i].uri);
		free(sc->nodes[i].underlay);
	}
}

void
scenario_free(struct scenario *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	scenario_free_lists(sc);
	free(sc->images);
	free(sc->teams);
	free(sc->networks);
	free(sc->hosts);
	free(sc->injects);
	free(sc->nodes);
	scenario_flags_free(sc);
	strlist_clear(&sc->instructors);
	free(sc->exercise.name);
	free(sc->exercise.title);
	free(sc->exercise.connect);
	free(sc->vpn.listen);
	free(sc->vpn.pool);
	free(sc->vpn.endpoint);
	for (i = 0; i < sc->coalition.n_circles; i++) {
		free(sc->coalition.circles[i].id);
		strlist_clear(&sc->coalition.circles[i].teams);
	}
	free(sc->coalition.circles);
	ynode_free(sc->root);
	free(sc->path);
	free(sc->dir);
	free(sc);
}

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

struct scenario *
scenario_decode(const char *data, size_t len, const char *path,
    struct schema_ctx *ctx)
{
	struct scenario *sc = xcalloc(1, sizeof(*sc));

	ctx->user = sc;
	sc->path = xstrdup(path);
	sc->dir = dir_of(path);
	sc->exercise.duration = -1;
	sc->scoring.interval = DEFAULT_INTERVAL;
	sc->scoring.timeout = DEFAULT_TIMEOUT;
	sc->version = -1;
	sc->root = ynode_parse(data, len, ctx->diags);
	if (sc->root == NULL)
		goto fail;
	if (schema_decode(ctx, sc->root, "the scenario", top_fields,
	    ARRAY_SIZE(top_fields), sc) < 0 && sc->root->kind != YNODE_MAP)
		goto fail;
	return sc;
fail:
	ctx->user = NULL;
	scenario_free(sc);
	return NULL;
}

struct pos
scenario_pos(const struct ynode *node, const char *key)
{
	const struct ynode *value = ynode_get(node, key);
	static const struct pos none = { 0, 0 };

	if (value != NULL)
		return value->pos;
	return node != NULL ? node->pos : none;
}

char *
scenario_path(const struct scenario *sc, const char *path)
{
	if (path[0] == '/' || strcmp(sc->dir, ".") == 0)
		return xstrdup(path);
	return xasprintf("%s/%s", sc->dir, path);
}

#define FIND_BY_ID(array, count, id) do { \
	size_t i_; \
	for (i_ = 0; i_ < (count); i_++) \
		if ((array)[i_].id != NULL && strcmp((array)[i_].id, id) == 0) \
			return &(array)[i_]; \
	return NULL; \
} while (0)

const struct scenario_team *
scenario_team(const struct scenario *sc, const char *id)
{
	FIND_BY_ID(sc->teams, sc->n_teams, id);
}

const struct scenario_host *
scenario_host(const struct scenario *sc, const char *id)
{
	FIND_BY_ID(sc->hosts, sc->n_hosts, id);
}

const struct scenario_network *
scenario_network(const struct scenario *sc, const char *id)
{
	FIND_BY_ID(sc->networks, sc->n_networks, id);
}

const struct scenario_image *
scenario_image(const struct scenario *sc, const char *id)
{
	FIND_BY_ID(sc->images, sc->n_images, id);
}
