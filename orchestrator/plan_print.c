/*
 * plan_print.c: rendering a plan. Pure: data in, text out.
 */
#include "rangectl/plan_print.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/units.h"
#include "rangectl/util.h"
#include "rangectl/vpn.h"

/*
 * plan --json is written as it is walked, with no JSON tree in between:
 * for 10,000 hosts, building, dumping and freeing a jansson tree was four
 * fifths of the command's time and most of its memory. The bytes are
 * those jansson wrote with JSON_INDENT(2) | JSON_PRESERVE_ORDER (the
 * golden files and tests/unit/test_plan_print.c hold it to them): two
 * spaces a level, ", " as ",\n", UTF-8 written as it is, only '"', '\\'
 * and the control characters escaped.
 */
struct json_out {
	FILE *out;
	int depth;	/* containers open */
	bool has_items;	/* the innermost open container has a value */
	bool failed;	/* a write failed, or a string was not UTF-8 */
	size_t len;
	char buf[64 * 1024];
};

#define JSON_OUT_MAX_DEPTH 8

static void
json_out_flush(struct json_out *o)
{
	if (o->len > 0 && fwrite(o->buf, 1, o->len, o->out) != o->len)
		o->failed = true;
	o->len = 0;
}

/*
 * json_out_raw and json_out_char run for every few bytes of output (a
 * quarter of plan --json's instructions at 1,000 hosts): their common case,
 * a copy into buf, is inlined, and the flush is kept out of line.
 */
static void __attribute__((noinline))
json_out_raw_full(struct json_out *o, const char *data, size_t n)
{
	json_out_flush(o);
	if (n > sizeof(o->buf)) {
		if (fwrite(data, 1, n, o->out) != n)
			o->failed = true;
		return;
	}
	memcpy(o->buf + o->len, data, n);
	o->len += n;
}

static inline void
json_out_raw(struct json_out *o, const char *data, size_t n)
{
	if (__builtin_expect(o->len + n > sizeof(o->buf), 0)) {
		json_out_raw_full(o, data, n);
		return;
	}
	memcpy(o->buf + o->len, data, n);
	o->len += n;
}

static inline void
json_out_char(struct json_out *o, char c)
{
	if (__builtin_expect(o->len == sizeof(o->buf), 0))
		json_out_flush(o);
	o->buf[o->len++] = c;
}

/*
 * The length of the UTF-8 sequence at s (1 to 4), or 0 when it is not one:
 * a stray continuation byte, an overlong form, a surrogate, past U+10FFFF
 * or cut short. jansson refuses exactly these.
 */
static size_t
utf8_sequence(const unsigned char *s)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80 || (c == 0xf0 && s[1] < 0x90) ||
		    (c == 0xf4 && s[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

static bool
utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	for (; *p != '\0'; p += n)
		if ((n = utf8_sequence(p)) == 0)
			return false;
	return true;
}

/* The escape of a character below 0x20, '"' or '\\', as jansson writes it. */
static void
json_out_escape(struct json_out *o, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

	switch (c) {
	case '"': json_out_raw(o, "\\\"", 2); break;
	case '\\': json_out_raw(o, "\\\\", 2); break;
	case '\b': json_out_raw(o, "\\b", 2); break;
	case '\f': json_out_raw(o, "\\f", 2); break;
	case '\n': json_out_raw(o, "\\n", 2); break;
	case '\r': json_out_raw(o, "\\r", 2); break;
	case '\t': json_out_raw(o, "\\t", 2); break;
	default: json_out_raw(o, u, sizeof(u)); break;
	}
}

/*
 * s quoted, in runs copied whole between the bytes to escape. A string
 * that is not UTF-8 fails the whole output, as it failed jansson's.
 */
static void
json_out_quoted(struct json_out *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	size_t n;

	json_out_char(o, '"');
	for (;;) {
		while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
			p++;
		json_out_raw(o, (const char *)run, (size_t)(p - run));
		if (*p == '\0')
			break;
		if (*p >= 0x80) {
			if ((n = utf8_sequence(p)) == 0) {
				o->failed = true;
				return;
			}
			run = p;
			p += n;
			continue;
		}
		json_out_escape(o, *p++);
		run = p;
	}
	json_out_char(o, '"');
}

/* What comes before a value: the comma, a new line, the indent, the key. */
static void
json_out_begin(struct json_out *o, const char *key)
{
	static const char spaces[2 * JSON_OUT_MAX_DEPTH + 1] = "                ";

	if (o->depth == 0)
		return;
	if (o->has_items)
		json_out_char(o, ',');
	json_out_char(o, '\n');
	json_out_raw(o, spaces, 2 * (size_t)o->depth);
	o->has_items = true;
	if (key != NULL) {	/* our own keys: nothing to escape */
		json_out_char(o, '"');
		json_out_raw(o, key, strlen(key));
		json_out_raw(o, "\": ", 3);
	}
}

/* Opens an object ('{') or an array ('['); key is NULL in an array. */
static void
json_out_open(struct json_out *o, const char *key, char bracket)
{
	json_out_begin(o, key);
	json_out_char(o, bracket);
	o->depth++;
	o->has_items = false;
}

/* Closes the innermost container; empty, it is "{}" or "[]". */
static void
json_out_close(struct json_out *o, char bracket)
{
	static const char spaces[2 * JSON_OUT_MAX_DEPTH + 1] = "                ";

	o->depth--;
	if (o->has_items) {
		json_out_char(o, '\n');
		json_out_raw(o, spaces, 2 * (size_t)o->depth);
	}
	json_out_char(o, bracket);
	o->has_items = true;
}

/* s, or null when there is none. */
static void
json_out_string(struct json_out *o, const char *key, const char *s)
{
	json_out_begin(o, key);
	if (s != NULL)
		json_out_quoted(o, s);
	else
		json_out_raw(o, "null", 4);
}

/* Only when there is one: an absent key means "not given". */
static void
json_out_string_if(struct json_out *o, const char *key, const char *s)
{
	if (s != NULL)
		json_out_string(o, key, s);
}

static void
json_out_int(struct json_out *o, const char *key, long long v)
{
	char text[24], *p = text + sizeof(text);
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v :
	    (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	json_out_begin(o, key);
	json_out_raw(o, p, (size_t)(text + sizeof(text) - p));
}

static void
json_out_bool(struct json_out *o, const char *key, bool v)
{
	json_out_begin(o, key);
	json_out_raw(o, v ? "true" : "false", v ? 4 : 5);
}

static void
json_out_null(struct json_out *o, const char *key)
{
	json_out_begin(o, key);
	json_out_raw(o, "null", 4);
}

/* An address, null for none (0). */
static void
json_out_ip(struct json_out *o, const char *key, uint32_t addr)
{
	char text[IPV4_TEXT];

	if (addr == 0) {
		json_out_null(o, key);
		return;
	}
	ipv4_format(addr, text);
	json_out_begin(o, key);
	json_out_char(o, '"');
	json_out_raw(o, text, strlen(text));
	json_out_char(o, '"');
}

static void
json_out_cidr(struct json_out *o, const char *key, const struct cidr *c)
{
	char text[CIDR_TEXT];

	cidr_format(c, text);
	json_out_begin(o, key);
	json_out_char(o, '"');
	json_out_raw(o, text, strlen(text));
	json_out_char(o, '"');
}

static void
team_to_json(struct json_out *o, const struct scenario_team *t)
{
	size_t i;

	json_out_open(o, NULL, '{');
	json_out_string(o, "id", t->id);
	json_out_string(o, "role", role_name(t->role));
	json_out_int(o, "index", (long long)t->index);
	json_out_string(o, "name", t->name);
	json_out_open(o, "members", '[');
	for (i = 0; i < t->members.count; i++)
		json_out_string(o, NULL, t->members.items[i]);
	json_out_close(o, ']');
	json_out_close(o, '}');
}

/*
 * A file of the image, joined to the scenario's folder. A path that is
 * not UTF-8 (a folder so named) is left out, as jansson left it out.
 */
static void
image_path_to_json(struct json_out *o, const struct plan *plan,
    const char *key, const char *file)
{
	char *path;

	if (file == NULL)
		return;
	path = plan_path(plan, file);
	if (utf8_valid(path))
		json_out_string(o, key, path);
	free(path);
}

static void
image_to_json(struct json_out *o, const struct plan *plan,
    const struct plan_image *img)
{
	json_out_open(o, NULL, '{');
	json_out_string(o, "id", img->id);
	image_path_to_json(o, plan, "kernel", img->kernel);
	image_path_to_json(o, plan, "initrd", img->initrd);
	json_out_string_if(o, "cmdline", img->cmdline);
	if (img->disk != NULL) {
		image_path_to_json(o, plan, "disk", img->disk);
		json_out_string(o, "format", img->format == FORMAT_RAW ? "raw" :
		    "qcow2");
		json_out_bool(o, "cloud_init", img->cloud_init);
	}
	json_out_close(o, '}');
}

static void
network_to_json(struct json_out *o, const struct plan *plan,
    const struct plan_network *net)
{
	json_out_open(o, NULL, '{');
	json_out_string(o, "name", net->name);
	json_out_string(o, "id", net->id);
	json_out_string(o, "team", net->team ? net->team->id : NULL);
	json_out_cidr(o, "cidr", &net->cidr);
	json_out_string(o, "bridge", net->bridge);
	json_out_bool(o, "isolated", net->isolated);
	json_out_string(o, "gateway", net->gateway == PLAN_NONE ? NULL :
	    plan->hosts[net->gateway].name);
	json_out_ip(o, "rangectl_address", net->host_side);
	json_out_close(o, '}');
}

static void
nics_to_json(struct json_out *o, const struct plan *plan,
    const struct plan_host *host)
{
	size_t i;

	json_out_open(o, "nics", '[');
	for (i = 0; i < host->n_nics; i++) {
		const struct plan_nic *nic = &host->nics[i];
		const struct plan_network *net = &plan->networks[nic->network];

		json_out_open(o, NULL, '{');
		json_out_string(o, "network", net->name);
		json_out_string(o, "ip", nic->ip_text);
		json_out_int(o, "prefix", net->cidr.prefix);
		json_out_string(o, "mac", nic->mac_text);
		json_out_close(o, '}');
	}
	json_out_close(o, ']');
}

static void
routes_to_json(struct json_out *o, const struct plan_host *host)
{
	size_t i;

	json_out_open(o, "routes", '[');
	for (i = 0; i < host->n_routes; i++) {
		json_out_open(o, NULL, '{');
		json_out_cidr(o, "to", &host->routes[i].to);
		json_out_ip(o, "via", host->routes[i].via);
		json_out_close(o, '}');
	}
	json_out_close(o, ']');
}

static void
services_to_json(struct json_out *o, const struct plan_host *src)
{
	size_t i;

	json_out_open(o, "services", '[');
	for (i = 0; i < src->n_services; i++) {
		const struct scenario_check *c = &src->services[i];

		json_out_open(o, NULL, '{');
		json_out_string(o, "id", c->id);
		json_out_string(o, "check", check_kind_name(c->kind));
		if (c->port > 0)
			json_out_int(o, "port", c->port);
		else
			json_out_null(o, "port");
		json_out_int(o, "points", c->points);
		json_out_close(o, '}');
	}
	json_out_close(o, ']');
}

static void
host_to_json(struct json_out *o, const struct plan *plan,
    const struct plan_host *host)
{
	json_out_open(o, NULL, '{');
	json_out_string(o, "name", host->name);
	json_out_string(o, "id", host->id);
	json_out_string(o, "team", host->team ? host->team->id : NULL);
	json_out_string(o, "image", host->image ? host->image->id : NULL);
	json_out_int(o, "memory", (long long)host->memory);
	json_out_int(o, "vcpus", host->vcpus);
	json_out_bool(o, "router", host->router);
	json_out_ip(o, "gateway", host->gateway);
	nics_to_json(o, plan, host);
	routes_to_json(o, host);
	services_to_json(o, host);
	/* Only a range spread over nodes says where each host goes. */
	if (plan->n_nodes > 0)
		json_out_string(o, "node", plan->nodes[host->node].uri);
	json_out_close(o, '}');
}

static void
host_names(struct json_out *o, const char *key, const struct plan *plan,
    const size_t *indexes, size_t n)
{
	size_t i;

	json_out_open(o, key, '[');
	for (i = 0; i < n; i++)
		json_out_string(o, NULL, plan->hosts[indexes[i]].name);
	json_out_close(o, ']');
}

static void
check_to_json(struct json_out *o, const struct scenario_check *c)
{
	json_out_open(o, "compromise", '{');
	json_out_string(o, "check", check_kind_name(c->kind));
	if (c->port > 0)
		json_out_int(o, "port", c->port);
	json_out_string_if(o, "path", c->path);
	if (c->kind == CHECK_HTTP)
		json_out_int(o, "expect_status", c->expect_status);
	json_out_string_if(o, "expect_body", c->expect_body);
	json_out_string_if(o, "command", c->command);
	json_out_int(o, "penalty", c->penalty);
	json_out_close(o, '}');
}

/*
 * An inject's truth: for the controllers who read the plan, never for a
 * trainee (nothing of it reaches an event or the API).
 */
static void
truth_to_json(struct json_out *o, const struct plan *plan,
    const struct plan_inject *inj)
{
	const struct plan_truth *t = inj->truth;
	size_t i, j;

	json_out_open(o, "truth", '{');
	json_out_string(o, "technique", t->technique);
	json_out_open(o, "effects", '[');
	for (i = 0; i < t->effects.count; i++)
		json_out_string(o, NULL, t->effects.items[i]);
	json_out_close(o, ']');
	/* Filled in for each target, in the order of "targets". */
	json_out_open(o, "resolved", '[');
	for (i = 0; i < inj->n_targets; i++) {
		const struct plan_host *host = &plan->hosts[inj->targets[i]];

		json_out_open(o, NULL, '{');
		json_out_string(o, "target", host->name);
		json_out_string(o, "team", host->team ? host->team->id : NULL);
		json_out_open(o, "indicators", '[');
		for (j = 0; j < t->n_indicators; j++) {
			const struct plan_indicator *ind =
			    &t->indicators[i * t->n_indicators + j];

			json_out_open(o, NULL, '{');
			json_out_string(o, "type", indicator_type_name(ind->type));
			json_out_string(o, "value", ind->value);
			json_out_close(o, '}');
		}
		json_out_close(o, ']');
		json_out_close(o, '}');
	}
	json_out_close(o, ']');
	json_out_close(o, '}');
}

static void
inject_to_json(struct json_out *o, const struct plan *plan,
    const struct plan_inject *inj)
{
	const struct plan_inject *src = inj;
	size_t i;

	json_out_open(o, NULL, '{');
	json_out_string(o, "id", src->id);
	json_out_string(o, "title", src->title);
	if (src->manual)
		json_out_null(o, "at");
	else
		json_out_int(o, "at", src->at);
	json_out_bool(o, "manual", src->manual);
	json_out_string(o, "action", action_name(src->action));
	host_names(o, "targets", plan, inj->targets, inj->n_targets);
	if (src->has_from)
		host_names(o, "from", plan, inj->from, inj->n_from);
	if (src->has_to) {
		json_out_open(o, "to", '[');
		for (i = 0; i < inj->n_to; i++)
			json_out_string(o, NULL, inj->to[i]->id);
		json_out_close(o, ']');
	}
	if (inj->n_people > 0) {
		json_out_open(o, "people", '[');
		for (i = 0; i < inj->n_people; i++)
			json_out_string(o, NULL, inj->people[i]);
		json_out_close(o, ']');
	}
	json_out_string_if(o, "from", inj->sender);
	/* What the action does, beyond whom it targets. */
	json_out_string_if(o, "command", src->command);
	json_out_string_if(o, "nic", src->nic);
	if (src->action == ACTION_LINK_DOWN)
		json_out_int(o, "duration", src->duration);
	json_out_string_if(o, "text", src->text);
	if (src->compromise != NULL)
		check_to_json(o, src->compromise);
	if (src->truth != NULL)
		truth_to_json(o, plan, inj);
	json_out_close(o, '}');
}

static void
exercise_to_json(struct json_out *o, const struct plan *plan)
{
	json_out_open(o, "exercise", '{');
	json_out_string(o, "name", plan->exercise);
	json_out_string(o, "title", plan->title);
	json_out_int(o, "duration", (long long)plan->duration);
	json_out_string(o, "connect", plan->connect);
	json_out_close(o, '}');
}

static void
flags_to_json(struct json_out *o, const struct plan *plan)
{
	size_t i;

	json_out_open(o, "flags", '[');
	for (i = 0; i < plan->n_flags; i++) {
		const struct plan_flag *f = &plan->flags[i];

		json_out_open(o, NULL, '{');
		json_out_string(o, "id", f->id);
		json_out_string(o, "host", plan->hosts[f->host].name);
		json_out_string(o, "team", f->team->id);
		json_out_string(o, "path", f->path);
		json_out_int(o, "points", f->points);
		json_out_int(o, "penalty", f->penalty);
		json_out_int(o, "rotate", f->rotate);
		json_out_close(o, '}');
	}
	json_out_close(o, ']');
}

/* A team's tunnel: interface, port, addresses, people, what it reaches. */
static void
vpn_team_to_json(struct json_out *o, const struct vpn *v,
    const struct vpn_team *t)
{
	size_t k;

	json_out_open(o, NULL, '{');
	json_out_string(o, "team", t->team->id);
	json_out_string(o, "interface", t->ifname);
	json_out_string(o, "namespace", t->ns);
	json_out_int(o, "port", (long long)t->port);
	json_out_cidr(o, "subnet", &t->subnet);
	json_out_ip(o, "address", t->address);
	json_out_open(o, "people", '[');
	for (k = 0; k < t->team->members.count; k++) {
		const char *name = t->team->members.items[k];

		json_out_open(o, NULL, '{');
		json_out_string(o, "name", name);
		json_out_ip(o, "address", vpn_person_address(t, name));
		json_out_close(o, '}');
	}
	json_out_close(o, ']');
	json_out_open(o, "reaches", '[');
	for (k = 0; k < t->n_legs; k++) {
		const struct plan_network *net = &v->plan->networks[t->legs[k].network];

		json_out_open(o, NULL, '{');
		json_out_string(o, "network", net->name);
		json_out_cidr(o, "cidr", &net->cidr);
		json_out_ip(o, "leg", t->legs[k].address);
		json_out_close(o, '}');
	}
	json_out_close(o, ']');
	json_out_close(o, '}');
}

/*
 * The VPN as vpn_build() makes it from the plan, the one source run uses;
 * where it cannot (a network with no address left for a leg) the reason.
 */
static void
vpn_to_json(struct json_out *o, const struct plan *plan)
{
	struct vpn v;
	char *error = NULL;
	size_t i;

	json_out_open(o, "vpn", '{');
	json_out_string(o, "listen", plan->vpn.listen);
	json_out_string(o, "pool", plan->vpn.pool);
	json_out_string(o, "endpoint", plan->vpn.endpoint);
	if (vpn_build(&v, plan, &error) < 0) {
		json_out_string(o, "error", error);
		free(error);
	} else {
		json_out_open(o, "teams", '[');
		for (i = 0; i < v.n_teams; i++)
			vpn_team_to_json(o, &v, &v.teams[i]);
		json_out_close(o, ']');
		vpn_clear(&v);
	}
	json_out_close(o, '}');
}

static void
coalition_to_json(struct json_out *o, const struct plan *plan)
{
	size_t i, j;

	json_out_open(o, "coalition", '{');
	json_out_open(o, "circles", '[');
	for (i = 0; i < plan->n_circles; i++) {
		json_out_open(o, NULL, '{');
		json_out_string(o, "id", plan->circles[i].id);
		json_out_open(o, "teams", '[');
		for (j = 0; j < plan->circles[i].n_teams; j++)
			json_out_string(o, NULL, plan->circles[i].teams[j]);
		json_out_close(o, ']');
		json_out_close(o, '}');
	}
	json_out_close(o, ']');
	json_out_close(o, '}');
}

static void
plan_to_json(struct json_out *o, const struct plan *plan)
{
	size_t i;

	json_out_open(o, NULL, '{');
	exercise_to_json(o, plan);
	json_out_open(o, "teams", '[');
	for (i = 0; i < plan->n_teams; i++)
		team_to_json(o, &plan->teams[i]);
	json_out_close(o, ']');
	json_out_open(o, "instructors", '[');
	for (i = 0; i < plan->instructors.count; i++)
		json_out_string(o, NULL, plan->instructors.items[i]);
	json_out_close(o, ']');
	json_out_open(o, "images", '[');
	for (i = 0; i < plan->n_images; i++)
		image_to_json(o, plan, &plan->images[i]);
	json_out_close(o, ']');
	json_out_open(o, "networks", '[');
	for (i = 0; i < plan->n_networks; i++)
		network_to_json(o, plan, &plan->networks[i]);
	json_out_close(o, ']');
	json_out_open(o, "hosts", '[');
	for (i = 0; i < plan->n_hosts && !o->failed; i++)
		host_to_json(o, plan, &plan->hosts[i]);
	json_out_close(o, ']');
	json_out_open(o, "injects", '[');
	for (i = 0; i < plan->n_injects && !o->failed; i++)
		inject_to_json(o, plan, &plan->injects[i]);
	json_out_close(o, ']');
	/* Only when there are flags, so that older plans print as they did. */
	if (plan->n_flags > 0)
		flags_to_json(o, plan);
	if (plan->vpn.on)
		vpn_to_json(o, plan);
	/* Only when given, so that older plans print as they did. */
	if (plan->n_circles > 0)
		coalition_to_json(o, plan);
	json_out_open(o, "scoring", '{');
	json_out_int(o, "interval", (long long)plan->interval);
	json_out_int(o, "timeout", (long long)plan->timeout);
	/* Only when set, so that older plans print as they did. */
	if (plan->sla_after > 0) {
		json_out_open(o, "sla", '{');
		json_out_int(o, "after", (long long)plan->sla_after);
		json_out_int(o, "penalty", (long long)plan->sla_penalty);
		json_out_close(o, '}');
	}
	/* Only when not the default (1, 1), for the same reason. */
	if (plan->outage_attack != 1000 || plan->outage_self != 1000) {
		char buf[UNITS_THOUSANDTHS_SIZE];

		json_out_open(o, "outage", '{');
		json_out_begin(o, "attack");
		units_format_thousandths(plan->outage_attack, buf);
		json_out_raw(o, buf, strlen(buf));
		json_out_begin(o, "self");
		units_format_thousandths(plan->outage_self, buf);
		json_out_raw(o, buf, strlen(buf));
		json_out_close(o, '}');
	}
	if (plan->has_detection) {
		const struct detect_rules *d = &plan->detection;

		json_out_open(o, "detection", '{');
		json_out_int(o, "points", (long long)d->points);
		json_out_int(o, "half_life", (long long)d->half_life);
		json_out_int(o, "sharing", (long long)d->sharing);
		json_out_int(o, "early_warning", (long long)d->early_warning);
		json_out_int(o, "false_indicator", (long long)d->false_indicator);
		json_out_close(o, '}');
	}
	json_out_close(o, '}');
	json_out_close(o, '}');
}

int
plan_print_json(const struct plan *plan, FILE *out)
{
	struct json_out *o = xcalloc(1, sizeof(*o));
	int rc;

	o->out = out;
	plan_to_json(o, plan);
	json_out_char(o, '\n');
	json_out_flush(o);
	rc = o->failed ? -1 : 0;
	free(o);
	return rc;
}

/* Column widths fitted to the longest value, so tables stay aligned. */
static int
widest_network_name(const struct plan *plan)
{
	size_t i, w = strlen("NETWORK");

	for (i = 0; i < plan->n_networks; i++)
		if (strlen(plan->networks[i].name) > w)
			w = strlen(plan->networks[i].name);
	return (int)w;
}

static int
widest_host_name(const struct plan *plan)
{
	size_t i, w = strlen("HOST");

	for (i = 0; i < plan->n_hosts; i++)
		if (strlen(plan->hosts[i].name) > w)
			w = strlen(plan->hosts[i].name);
	return (int)w;
}

static void
print_networks(const struct plan *plan, FILE *out)
{
	int w = widest_network_name(plan);
	char cidr[CIDR_TEXT];
	size_t i;

	fprintf(out, "%-*s  %-12s  %-18s  %-15s  %s\n", w, "NETWORK", "TEAM",
	    "CIDR", "BRIDGE", "GATEWAY");
	for (i = 0; i < plan->n_networks; i++) {
		const struct plan_network *net = &plan->networks[i];

		cidr_format(&net->cidr, cidr);
		fprintf(out, "%-*s  %-12s  %-18s  %-15s  %s\n", w, net->name,
		    net->team ? net->team->id : "-", cidr, net->bridge,
		    net->gateway == PLAN_NONE ? "-" :
		    plan->hosts[net->gateway].name);
	}
}

static void
print_hosts(const struct plan *plan, FILE *out)
{
	int w = widest_host_name(plan), nw = widest_network_name(plan);
	char via[IPV4_TEXT], to[CIDR_TEXT];
	size_t i, j;

	fprintf(out, "%-*s  %-12s  %-*s  %-15s  %s\n", w, "HOST", "TEAM", nw,
	    "NETWORK", "ADDRESS", "MAC");
	for (i = 0; i < plan->n_hosts; i++) {
		const struct plan_host *host = &plan->hosts[i];

		for (j = 0; j < host->n_nics; j++)
			fprintf(out, "%-*s  %-12s  %-*s  %-15s  %s\n", w,
			    j == 0 ? host->name : "", j == 0 ? host->team->id : "",
			    nw, plan->networks[host->nics[j].network].name,
			    host->nics[j].ip_text, host->nics[j].mac_text);
		if (host->gateway != 0) {
			ipv4_format(host->gateway, via);
			fprintf(out, "%-*s  %-12s  default via %s\n", w, "", "", via);
		}
		for (j = 0; j < host->n_routes; j++) {
			cidr_format(&host->routes[j].to, to);
			ipv4_format(host->routes[j].via, via);
			fprintf(out, "%-*s  %-12s  route %s via %s\n", w, "", "", to,
			    via);
		}
	}
}

/* Each node with what placement put on it: hosts, memory, vCPUs, teams. */
static void
print_nodes(const struct plan *plan, FILE *out)
{
	size_t i, j, k, hosts;
	unsigned long long memory;
	long vcpus;

	fprintf(out, "%-4s  %-40s  %5s  %8s  %5s  %s\n", "NODE", "URI", "HOSTS",
	    "MEMORY", "VCPUS", "TEAMS");
	for (i = 0; i < plan->n_nodes; i++) {
		hosts = 0;
		memory = 0;
		vcpus = 0;
		for (j = 0; j < plan->n_hosts; j++)
			if (plan->hosts[j].node == i) {
				hosts++;
				memory += plan->hosts[j].memory;
				vcpus += plan->hosts[j].vcpus;
			}
		fprintf(out, "%-4zu  %-40s  %5zu  %7lluM  %5ld ", i + 1,
		    plan->nodes[i].uri, hosts, memory >> 20, vcpus);
		for (k = 0; k < plan->n_teams; k++)
			for (j = 0; j < plan->n_hosts; j++)
				if (plan->hosts[j].node == i &&
				    plan->hosts[j].team == &plan->teams[k]) {
					fprintf(out, " %s", plan->teams[k].id);
					break;
				}
		fputc('\n', out);
	}
}

static void
print_injects(const struct plan *plan, FILE *out)
{
	char at[32];
	size_t i, j;

	fprintf(out, "%-24s  %-9s  %-9s  %s\n", "INJECT", "AT", "ACTION",
	    "TARGETS");
	for (i = 0; i < plan->n_injects; i++) {
		const struct plan_inject *inj = &plan->injects[i];

		if (inj->manual)
			snprintf(at, sizeof(at), "manual");
		else
			units_format_duration(inj->at, at, sizeof(at));
		fprintf(out, "%-24s  %-9s  %-9s ", inj->id, at,
		    action_name(inj->action));
		for (j = 0; j < inj->n_targets; j++)
			fprintf(out, " %s", plan->hosts[inj->targets[j]].name);
		for (j = 0; j < inj->n_to; j++)
			fprintf(out, " %s%s", j == 0 ? "to " : "", inj->to[j]->id);
		for (j = 0; j < inj->n_people; j++)
			fprintf(out, " %s%s%s", j == 0 && inj->n_to == 0 ? "to " :
			    "", SCENARIO_PERSON, inj->people[j]);
		fputc('\n', out);
	}
}

static void
print_flags(const struct plan *plan, FILE *out)
{
	char rotate[32];
	size_t i;

	fprintf(out, "%-24s  %-9s  %-6s  %-7s  %s\n", "FLAG", "ROTATE",
	    "POINTS", "PENALTY", "HOST:PATH");
	for (i = 0; i < plan->n_flags; i++) {
		const struct plan_flag *f = &plan->flags[i];

		if (f->rotate > 0)
			units_format_duration(f->rotate, rotate, sizeof(rotate));
		else
			snprintf(rotate, sizeof(rotate), "never");
		fprintf(out, "%-24s  %-9s  %-6ld  %-7ld  %s:%s\n", f->id, rotate,
		    f->points, f->penalty, plan->hosts[f->host].name, f->path);
	}
}

/* One line per team: its endpoint, its people's addresses, its networks. */
static void
print_vpn_team(const struct vpn *v, const struct vpn_team *t, FILE *out)
{
	char subnet[CIDR_TEXT], addr[IPV4_TEXT], last[IPV4_TEXT], net[CIDR_TEXT];
	char people[2 * IPV4_TEXT + 1] = "-";
	size_t k, n = t->team->members.count;

	if (n > 0) {
		ipv4_format(t->subnet.net + 2, addr);
		ipv4_format(t->subnet.net + 1 + (uint32_t)n, last);
		snprintf(people, sizeof(people), n == 1 ? "%s" : "%s-%s", addr,
		    last);
	}
	cidr_format(&t->subnet, subnet);
	ipv4_format(t->address, addr);
	fprintf(out, "%-12s  %-12s  %5u  %-18s  %-15s  %-31s ", t->team->id,
	    t->ifname, t->port, subnet, addr, people);
	for (k = 0; k < t->n_legs; k++) {
		const struct plan_network *pn = &v->plan->networks[t->legs[k].network];

		cidr_format(&pn->cidr, net);
		fprintf(out, " %s (%s)", pn->name, net);
	}
	fputc('\n', out);
}

/* What people's files name as the server: as vpn_peer_file() picks it. */
static void
print_vpn(const struct plan *plan, FILE *out)
{
	char listen[IPV4_TEXT];
	struct vpn v;
	char *error = NULL;
	size_t i;

	if (vpn_build(&v, plan, &error) < 0) {
		fprintf(out, "vpn: listen %s, pool %s: cannot be made: %s\n",
		    plan->vpn.listen, plan->vpn.pool, error);
		free(error);
		return;
	}
	ipv4_format(v.listen, listen);
	fprintf(out, "vpn: listen %s, pool %s, people connect to %s\n",
	    plan->vpn.listen, plan->vpn.pool, v.endpoint ? v.endpoint :
	    v.listen != 0 ? listen : "the name they reach the dashboard by");
	fprintf(out, "%-12s  %-12s  %5s  %-18s  %-15s  %-31s  %s\n", "VPN TEAM",
	    "INTERFACE", "PORT", "TUNNEL", "ENDPOINT", "PEOPLE", "REACHES");
	for (i = 0; i < v.n_teams; i++)
		print_vpn_team(&v, &v.teams[i], out);
	vpn_clear(&v);
}

void
plan_print_table(const struct plan *plan, FILE *out)
{
	char duration[32];

	units_format_duration(plan->duration, duration, sizeof(duration));
	fprintf(out, "exercise %s%s%s%s: %s, %zu teams, %zu networks, "
	    "%zu hosts, %zu injects\n\n", plan->exercise,
	    plan->title ? " (" : "", plan->title ? plan->title : "",
	    plan->title ? ")" : "", duration, plan->n_teams,
	    plan->n_networks, plan->n_hosts, plan->n_injects);
	print_networks(plan, out);
	fputc('\n', out);
	print_hosts(plan, out);
	fputc('\n', out);
	if (plan->n_nodes > 0) {
		print_nodes(plan, out);
		fputc('\n', out);
	}
	print_injects(plan, out);
	if (plan->n_flags > 0) {
		fputc('\n', out);
		print_flags(plan, out);
	}
	if (plan->vpn.on) {
		fputc('\n', out);
		print_vpn(plan, out);
	}
}
