/*
 * fairness.c: each team's normalized slice of the plan, and its digests
 * (fairness.h; docs/internals/coalition.md, "Point 5").
 *
 * The text is line-based, one object a line, in the plan's order (which
 * is the scenario's), so that a difference can be read with diff(1). What
 * is the team's own is abstracted: its id and name, its hosts' libvirt
 * names, its addresses; MACs and bridges are left out (they are derived
 * from the names). An address on a network the teams share is left out
 * too: each team's copy necessarily has its own.
 */
#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/fairness.h"
#include "rangectl/scenario.h"
#include "rangectl/util.h"

static const char *const part_names[FAIRNESS_PARTS] = {
	"networks", "hosts", "checks", "injects", "images",
};

const char *
fairness_part_name(int part)
{
	return part >= 0 && part < FAIRNESS_PARTS ? part_names[part] : "?";
}

int
fairness_sha256(const void *data, size_t n, char hex[FAIRNESS_HEX])
{
	unsigned char digest[32];
	size_t i;

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, n, digest) < 0)
		return -1;
	for (i = 0; i < sizeof(digest); i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	return 0;
}

/* What one team's text is written against. */
struct slice {
	const struct plan *plan;
	const struct scenario_team *team;
	const char *const *image_sums;
	struct strbuf *out;
};

static bool
team_network(const struct slice *s, const struct plan_network *net)
{
	return net->team == s->team;
}

/* Whether ip is a NIC of one of the team's hosts. */
static bool
team_nic(const struct slice *s, uint32_t ip)
{
	const struct plan_host *host;
	size_t i, j;

	for (i = 0; i < s->plan->n_hosts; i++) {
		host = &s->plan->hosts[i];
		if (host->team != s->team)
			continue;
		for (j = 0; j < host->n_nics; j++)
			if (host->nics[j].ip == ip)
				return true;
	}
	return false;
}

/*
 * An address as the team sees it: NETWORK+OFFSET in one of its networks;
 * shared:NETWORK for its own hosts' on a shared one (each team's copy has
 * its own there); else as it is (another team's host, the same for all).
 */
static void
put_addr(const struct slice *s, uint32_t ip)
{
	const struct plan_network *net;
	struct in_addr a;
	char text[INET_ADDRSTRLEN];
	size_t i;

	if (ip == 0) {
		strbuf_append(s->out, "-");
		return;
	}
	for (i = 0; i < s->plan->n_networks; i++) {
		net = &s->plan->networks[i];
		if (!cidr_contains(&net->cidr, ip))
			continue;
		if (team_network(s, net)) {
			strbuf_printf(s->out, "%s+%lu", net->id,
			    (unsigned long)(ip - net->cidr.net));
			return;
		}
		if (net->team == NULL && team_nic(s, ip)) {
			strbuf_printf(s->out, "shared:%s", net->id);
			return;
		}
	}
	a.s_addr = htonl(ip);
	inet_ntop(AF_INET, &a, text, sizeof(text));
	strbuf_append(s->out, text);
}

static bool
word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Whether word is at p as a whole word of text. */
static bool
word_at(const char *text, const char *p, const char *word)
{
	size_t n = strlen(word);

	return n > 0 && strncmp(p, word, n) == 0 && (p == text ||
	    !word_char(p[-1])) && !word_char(p[n]);
}

/* The dotted quad at p (not inside a longer number), its length in *len. */
static bool
quad_at(const char *text, const char *p, uint32_t *ip, size_t *len)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr a;
	size_t n = 0;

	if (p > text && (p[-1] == '.' || (p[-1] >= '0' && p[-1] <= '9')))
		return false;
	while (n < sizeof(buf) - 1 && ((p[n] >= '0' && p[n] <= '9') ||
	    p[n] == '.'))
		n++;
	if (n == 0 || (p[n] >= '0' && p[n] <= '9'))
		return false;
	while (n > 0 && p[n - 1] == '.')
		n--;	/* "10.0.0.1." ends a sentence */
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return false;
	*ip = ntohl(a.s_addr);
	*len = n;
	return true;
}

/*
 * Free text (a command, a value, a file's content) with the team's id,
 * name and addresses abstracted, as one quoted token: "\n" and "\\"
 * escaped so the line stays one line.
 */
static void
put_text(const struct slice *s, const char *text)
{
	const char *p;
	uint32_t ip;
	size_t len;

	if (text == NULL) {
		strbuf_append(s->out, "-");
		return;
	}
	strbuf_append(s->out, "\"");
	for (p = text; *p != '\0';) {
		if (word_at(text, p, s->team->id)) {
			strbuf_append(s->out, "{team.id}");
			p += strlen(s->team->id);
		} else if (s->team->name != NULL &&
		    word_at(text, p, s->team->name)) {
			strbuf_append(s->out, "{team.name}");
			p += strlen(s->team->name);
		} else if (quad_at(text, p, &ip, &len)) {
			put_addr(s, ip);
			p += len;
		} else {
			if (*p == '\n')
				strbuf_append(s->out, "\\n");
			else if (*p == '"' || *p == '\\')
				strbuf_printf(s->out, "\\%c", *p);
			else
				strbuf_appendn(s->out, p, 1);
			p++;
		}
	}
	strbuf_append(s->out, "\"");
}

/* A host: ~/ID when the team's, else TEAM/ID (another team's, or none). */
static void
put_host(const struct slice *s, size_t h)
{
	const struct plan_host *host = &s->plan->hosts[h];

	if (host->team == s->team)
		strbuf_printf(s->out, "~/%s", host->id);
	else
		strbuf_printf(s->out, "%s/%s", host->team ? host->team->id :
		    "-", host->id);
}

static void
put_network_ref(const struct slice *s, const struct plan_network *net)
{
	if (team_network(s, net))
		strbuf_printf(s->out, "%s", net->id);
	else if (net->team == NULL)
		strbuf_printf(s->out, "shared:%s", net->id);
	else
		strbuf_printf(s->out, "%s/%s", net->team->id, net->id);
}

/* ---- networks ---------------------------------------------------------- */

static void
write_networks(const struct slice *s)
{
	const struct plan_network *net;
	size_t i;

	for (i = 0; i < s->plan->n_networks; i++) {
		net = &s->plan->networks[i];
		if (!team_network(s, net))
			continue;
		strbuf_printf(s->out, "network %s /%d isolated=%d host_side=",
		    net->id, net->cidr.prefix, net->isolated);
		put_addr(s, net->host_side);
		strbuf_append(s->out, " gateway=");
		if (net->gateway == PLAN_NONE)
			strbuf_append(s->out, "-");
		else
			put_host(s, net->gateway);
		strbuf_append(s->out, " dns=");
		put_addr(s, net->dns);
		strbuf_append(s->out, "\n");
	}
}

/* ---- hosts ------------------------------------------------------------- */

static void
write_hw(const struct slice *s, const struct scenario_hardware *hw)
{
	strbuf_printf(s->out, " firmware=%s secure_boot=%d machine=%s "
	    "disk_bus=%s nic=%s graphics=%s video=%s tpm=%d",
	    firmware_name(hw->firmware), hw->secure_boot,
	    machine_name(hw->machine), disk_bus_name(hw->disk_bus),
	    nic_model_name(hw->nic_model), graphics_name(hw->graphics),
	    video_name(hw->video), hw->tpm);
}

static void
write_strlist(const struct slice *s, const struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->count; i++) {
		strbuf_append(s->out, " ");
		put_text(s, l->items[i]);
	}
}

/* Cloud-init: accounts (never their passwords), files, commands. */
static void
write_guest(const struct slice *s, const struct plan_guest *g)
{
	size_t i;

	strbuf_printf(s->out, "  guest forward=%d\n", g->forward);
	for (i = 0; i < g->n_users; i++) {
		strbuf_printf(s->out, "  user %s sudo=%d password=%d groups",
		    g->users[i].name, g->users[i].sudo,
		    g->users[i].password != NULL ||
		    g->users[i].password_hash != NULL);
		write_strlist(s, &g->users[i].groups);
		strbuf_append(s->out, " keys");
		write_strlist(s, &g->users[i].ssh_authorized_keys);
		strbuf_append(s->out, "\n");
	}
	for (i = 0; i < g->n_files; i++) {
		strbuf_printf(s->out, "  file %s mode=%s owner=%s content=",
		    g->files[i].path, g->files[i].mode ? g->files[i].mode : "-",
		    g->files[i].owner ? g->files[i].owner : "-");
		put_text(s, g->files[i].content);
		strbuf_append(s->out, "\n");
	}
	for (i = 0; i < g->run.count; i++) {
		strbuf_append(s->out, "  run ");
		put_text(s, g->run.items[i]);
		strbuf_append(s->out, "\n");
	}
}

static void
write_host(const struct slice *s, const struct plan_host *host)
{
	size_t i;

	strbuf_printf(s->out, "host %s image=%s memory=%llu vcpus=%ld "
	    "router=%d gateway=", host->id, host->image ? host->image->id : "-",
	    host->memory, host->vcpus, host->router);
	put_addr(s, host->gateway);
	write_hw(s, &host->hw);
	strbuf_append(s->out, "\n");
	for (i = 0; i < host->n_nics; i++) {
		strbuf_append(s->out, "  nic ");
		put_network_ref(s, &s->plan->networks[host->nics[i].network]);
		strbuf_append(s->out, " ip=");
		put_addr(s, host->nics[i].ip);
		strbuf_append(s->out, "\n");
	}
	for (i = 0; i < host->n_routes; i++) {
		strbuf_append(s->out, "  route ");
		put_addr(s, host->routes[i].to.net);
		strbuf_printf(s->out, "/%d via ", host->routes[i].to.prefix);
		put_addr(s, host->routes[i].via);
		strbuf_append(s->out, "\n");
	}
	if (host->guest != NULL)
		write_guest(s, host->guest);
}

static void
write_hosts(const struct slice *s)
{
	size_t i;

	for (i = 0; i < s->plan->n_hosts; i++)
		if (s->plan->hosts[i].team == s->team)
			write_host(s, &s->plan->hosts[i]);
}

/* ---- checks ------------------------------------------------------------ */

/* A check's settings; its password only as whether it has one. */
static void
write_check(const struct slice *s, const struct scenario_check *c)
{
	strbuf_printf(s->out, " kind=%s port=%ld status=%ld verify=%d "
	    "points=%ld penalty=%ld dns=%s password=%d", check_kind_name(c->kind),
	    c->port, c->expect_status, c->verify, c->points, c->penalty,
	    dns_type_name(c->dns_type), c->password != NULL);
	strbuf_append(s->out, " path=");
	put_text(s, c->path);
	strbuf_append(s->out, " body=");
	put_text(s, c->expect_body);
	strbuf_append(s->out, " command=");
	put_text(s, c->command);
	strbuf_append(s->out, " user=");
	put_text(s, c->user);
	strbuf_append(s->out, " to=");
	put_text(s, c->to);
	strbuf_append(s->out, " base=");
	put_text(s, c->base);
	strbuf_append(s->out, " filter=");
	put_text(s, c->filter);
	strbuf_append(s->out, " query=");
	put_text(s, c->query);
	strbuf_append(s->out, " expect=");
	put_text(s, c->expect);
	strbuf_append(s->out, " run=");
	put_text(s, c->run);
	strbuf_append(s->out, " key=");
	put_text(s, c->key);
	strbuf_append(s->out, "\n");
}

static void
write_checks(const struct slice *s)
{
	const struct plan_host *host;
	const struct plan_flag *f;
	size_t i, j;

	for (i = 0; i < s->plan->n_hosts; i++) {
		host = &s->plan->hosts[i];
		if (host->team != s->team)
			continue;
		for (j = 0; j < host->n_services; j++) {
			strbuf_printf(s->out, "check ~/%s.%s", host->id,
			    host->services[j].id);
			write_check(s, &host->services[j]);
		}
	}
	for (i = 0; i < s->plan->n_flags; i++) {
		f = &s->plan->flags[i];
		if (f->team != s->team)
			continue;
		strbuf_printf(s->out, "flag %s on ", f->id);
		put_host(s, f->host);
		strbuf_printf(s->out, " points=%ld penalty=%ld rotate=%ld path=",
		    f->points, f->penalty, f->rotate);
		put_text(s, f->path);
		strbuf_append(s->out, "\n");
	}
}

/* ---- injects ----------------------------------------------------------- */

static bool
aimed_at(const struct slice *s, const struct plan_inject *in)
{
	size_t i;

	for (i = 0; i < in->n_targets; i++)
		if (s->plan->hosts[in->targets[i]].team == s->team)
			return true;
	for (i = 0; i < in->n_to; i++)
		if (in->to[i] == s->team)
			return true;
	return false;
}

static void
write_truth(const struct slice *s, const struct plan_inject *in)
{
	const struct plan_truth *tr = in->truth;
	const struct plan_indicator *ind;
	size_t i, j;

	strbuf_printf(s->out, "  truth technique=%s effects",
	    tr->technique ? tr->technique : "-");
	write_strlist(s, &tr->effects);
	strbuf_append(s->out, "\n");
	for (i = 0; i < in->n_targets; i++) {
		if (s->plan->hosts[in->targets[i]].team != s->team)
			continue;
		for (j = 0; j < tr->n_indicators; j++) {
			ind = &tr->indicators[i * tr->n_indicators + j];
			strbuf_append(s->out, "  indicator ");
			put_host(s, in->targets[i]);
			strbuf_printf(s->out, " %s ",
			    indicator_type_name(ind->type));
			put_text(s, ind->value);
			strbuf_append(s->out, "\n");
		}
	}
}

static void
write_inject(const struct slice *s, const struct plan_inject *in)
{
	size_t i;

	strbuf_printf(s->out, "inject %s action=%s at=%ld manual=%d "
	    "duration=%ld nic=%s compromise=%d", in->id,
	    action_name(in->action), in->at, in->manual, in->duration,
	    in->nic ? in->nic : "-", in->compromise != NULL);
	strbuf_append(s->out, " command=");
	put_text(s, in->command);
	strbuf_append(s->out, " text=");
	put_text(s, in->text);
	strbuf_append(s->out, " breaks");
	write_strlist(s, &in->breaks);
	strbuf_append(s->out, "\n");
	if (in->compromise != NULL) {
		strbuf_append(s->out, "  compromise");
		write_check(s, in->compromise);
	}
	for (i = 0; i < in->n_from; i++) {
		strbuf_append(s->out, "  from ");
		put_host(s, in->from[i]);
		strbuf_append(s->out, "\n");
	}
	for (i = 0; i < in->n_targets; i++) {
		if (s->plan->hosts[in->targets[i]].team != s->team)
			continue;
		strbuf_append(s->out, "  target ");
		put_host(s, in->targets[i]);
		strbuf_append(s->out, "\n");
	}
	if (in->truth != NULL)
		write_truth(s, in);
}

static void
write_injects(const struct slice *s)
{
	size_t i;

	for (i = 0; i < s->plan->n_injects; i++)
		if (aimed_at(s, &s->plan->injects[i]))
			write_inject(s, &s->plan->injects[i]);
}

/* ---- images ------------------------------------------------------------ */

/* The images the team's hosts boot, each once, in the plan's order. */
static void
write_images(const struct slice *s)
{
	const struct plan_image *img;
	size_t i, j;

	for (i = 0; i < s->plan->n_images; i++) {
		img = &s->plan->images[i];
		for (j = 0; j < s->plan->n_hosts; j++)
			if (s->plan->hosts[j].team == s->team &&
			    s->plan->hosts[j].image == img)
				break;
		if (j == s->plan->n_hosts)
			continue;
		strbuf_printf(s->out, "image %s format=%d cloud_init=%d "
		    "cmdline=", img->id, img->format, img->cloud_init);
		put_text(s, img->cmdline);
		strbuf_printf(s->out, " %s\n", s->image_sums != NULL &&
		    s->image_sums[i] != NULL ? s->image_sums[i] : "unknown");
	}
}

static void (*const writers[FAIRNESS_PARTS])(const struct slice *) = {
	write_networks, write_hosts, write_checks, write_injects, write_images,
};

char *
fairness_text(const struct plan *plan, size_t t, int part,
    const char *const *image_sums)
{
	struct strbuf sb;
	struct slice s = { plan, &plan->teams[t], image_sums, &sb };

	strbuf_init(&sb);
	if (part >= 0 && part < FAIRNESS_PARTS)
		writers[part](&s);
	return strbuf_steal(&sb);
}

int
fairness_compute(const struct plan *plan, const char *const *image_sums,
    struct fairness_team *out)
{
	struct strbuf all;
	char *text;
	size_t t;
	int part, rc = 0;

	for (t = 0; t < plan->n_teams && rc == 0; t++) {
		out[t].team = plan->teams[t].id;
		out[t].role = plan->teams[t].role;
		strbuf_init(&all);
		for (part = 0; part < FAIRNESS_PARTS && rc == 0; part++) {
			text = fairness_text(plan, t, part, image_sums);
			rc = fairness_sha256(text, strlen(text),
			    out[t].parts[part]);
			free(text);
			strbuf_printf(&all, "%s %s\n", part_names[part],
			    out[t].parts[part]);
		}
		if (rc == 0)
			rc = fairness_sha256(all.data, all.len, out[t].digest);
		strbuf_free(&all);
	}
	return rc;
}

/* How many teams of i's role share i's digest. */
static size_t
peers_agreeing(const struct fairness_team *teams, size_t n, size_t i)
{
	size_t j, count = 0;

	for (j = 0; j < n; j++)
		count += teams[j].role == teams[i].role &&
		    strcmp(teams[j].digest, teams[i].digest) == 0;
	return count;
}

unsigned
fairness_differs(const struct fairness_team *teams, size_t n, size_t i,
    size_t *ref)
{
	size_t j, best = i, best_count = 0, count;
	unsigned mask = 0;
	int part;

	for (j = 0; j < n; j++) {
		if (teams[j].role != teams[i].role)
			continue;
		count = peers_agreeing(teams, n, j);
		if (count > best_count) {
			best = j;
			best_count = count;
		}
	}
	*ref = best;
	if (strcmp(teams[best].digest, teams[i].digest) == 0)
		return 0;
	for (part = 0; part < FAIRNESS_PARTS; part++)
		if (strcmp(teams[best].parts[part], teams[i].parts[part]) != 0)
			mask |= 1u << part;
	return mask;
}

char *
fairness_warnings(const struct fairness_team *teams, size_t n)
{
	struct strbuf sb;
	unsigned mask;
	size_t i, ref;
	int part;
	const char *sep;

	strbuf_init(&sb);
	for (i = 0; i < n; i++) {
		mask = fairness_differs(teams, n, i, &ref);
		if (mask == 0)
			continue;
		if (peers_agreeing(teams, n, i) == peers_agreeing(teams, n, ref))
			strbuf_printf(&sb, "team '%s' did not get the range of team "
			    "'%s', and no range is most %s teams': its ",
			    teams[i].team, teams[ref].team,
			    role_name(teams[i].role));
		else
			strbuf_printf(&sb, "team '%s' did not get the range of the "
			    "other %s teams (as '%s'): its ", teams[i].team,
			    role_name(teams[i].role), teams[ref].team);
		sep = "";
		for (part = 0; part < FAIRNESS_PARTS; part++)
			if (mask & (1u << part)) {
				strbuf_printf(&sb, "%s%s", sep, part_names[part]);
				sep = ", ";
			}
		strbuf_append(&sb, " differ\n");
	}
	if (sb.len == 0) {
		strbuf_free(&sb);
		return NULL;
	}
	return strbuf_steal(&sb);
}
