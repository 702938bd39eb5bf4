/*
 * vpn_host.c: the VPN made on this machine, by the commands that know how
 * (`ip`, `wg`, `nft`, `wireguard-go`), each run without a shell and its
 * words kept for the error. Why commands and not libnftables or netlink:
 * docs/internals/vpn.md.
 *
 * Keys are X25519 pairs from libsodium (crypto_scalarmult_base on 32
 * random bytes, which WireGuard clamps as it uses them), in base64.
 */
#include "rangectl/vpn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "rangectl/auth.h"
#include "rangectl/util.h"

extern char **environ;

/* ---- commands ------------------------------------------------------------ */

/*
 * Runs argv (argv[0] looked up in PATH) with input (or nothing) on its
 * standard input; 0 when it exits 0, else -1 with *error set to what it
 * said (error may be NULL: a failure expected and ignored).
 */
static int
run(const char *const *argv, const char *input, char **error)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int in[2], out[2], status = 0, spawned;
	char said[4096];
	const char *tail;
	ssize_t n = 0, got = 0;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0)
		goto cannot;
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		goto cannot;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, out[1], 2);
	/* The engine's thread blocks INT and TERM: the child must not. */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	spawned = posix_spawnp(&pid, argv[0], &fa, &attr, (char *const *)argv,
	    environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	if (spawned == 0 && input != NULL)
		(void)write_all(in[1], input, strlen(input));
	close(in[1]);
	/* Keeps the end of what it says: the reason comes last. */
	while (spawned == 0 && (n = read(out[0], said + got, sizeof(said) -
	    1 - (size_t)got)) > 0) {
		got += n;
		if (got > (ssize_t)sizeof(said) / 2) {
			memmove(said, said + got - 1024, 1024);
			got = 1024;
		}
	}
	close(out[0]);
	said[got > 0 ? got : 0] = '\0';
	if (spawned != 0) {
		errno = spawned;
		goto cannot;
	}
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0)
		return 0;
	while (got > 0 && (said[got - 1] == '\n' || said[got - 1] == ' '))
		said[--got] = '\0';
	tail = strrchr(said, '\n') ? strrchr(said, '\n') + 1 : said;
	if (error != NULL)
		*error = xasprintf("'%s %s' failed: %s", argv[0], argv[1] ?
		    argv[1] : "", tail[0] ? tail : "no word why");
	return -1;
cannot:
	if (error != NULL)
		*error = xasprintf("cannot run '%s': %s", argv[0],
		    strerror(errno));
	return -1;
}

#define RUN(error, ...) run((const char *const[]){ __VA_ARGS__, NULL }, \
	NULL, error)

/* ---- keys and vpn.json ------------------------------------------------- */

static void
key_pair(char private_key[VPN_KEY_TEXT], char public_key[VPN_KEY_TEXT])
{
	unsigned char sk[crypto_scalarmult_SCALARBYTES];
	unsigned char pk[crypto_scalarmult_BYTES];

	randombytes_buf(sk, sizeof(sk));
	crypto_scalarmult_base(pk, sk);
	sodium_bin2base64(private_key, VPN_KEY_TEXT, sk, sizeof(sk),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(public_key, VPN_KEY_TEXT, pk, sizeof(pk),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(sk, sizeof(sk));
}

static char *
doc_path(const struct vpn_host *h)
{
	return xasprintf("%s/%s", h->state_dir, VPN_FILE);
}

/* Reads vpn.json, or starts an empty one. Refuses a file others may read. */
static int
load_doc(struct vpn_host *h, char **error)
{
	char *path = doc_path(h);
	json_error_t jerr;
	struct stat st;
	int rc = 0;

	if (lstat(path, &st) < 0) {
		h->doc = json_pack("{s:i, s:{}, s:{}}", "format", 1, "servers",
		    "people");
	} else if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		*error = xasprintf("'%s' must be a regular file only its owner "
		    "may read (mode 0600)", path);
		rc = -1;
	} else if ((h->doc = json_load_file(path, 0, &jerr)) == NULL ||
	    !json_is_object(json_object_get(h->doc, "servers")) ||
	    !json_is_object(json_object_get(h->doc, "people"))) {
		*error = xasprintf("'%s' is not a VPN file of rangectl's: %s",
		    path, h->doc ? "no servers or people" : jerr.text);
		rc = -1;
	}
	free(path);
	return rc;
}

static int
save_doc(struct vpn_host *h, char **error)
{
	char *path = doc_path(h), *text = json_dumps(h->doc, JSON_INDENT(2) |
	    JSON_SORT_KEYS);
	int rc = auth_write_file(path, h->state_dir, text, error);

	if (text != NULL)
		sodium_memzero(text, strlen(text));
	free(text);
	free(path);
	return rc;
}

/* The endpoint's key pair of team t, made and kept on first use. */
static json_t *
server_keys(struct vpn_host *h, const struct vpn_team *t)
{
	json_t *servers = json_object_get(h->doc, "servers");
	json_t *keys = json_object_get(servers, t->team->id);
	char sk[VPN_KEY_TEXT], pk[VPN_KEY_TEXT];

	if (json_is_string(json_object_get(keys, "private")) &&
	    json_is_string(json_object_get(keys, "public")))
		return keys;
	key_pair(sk, pk);
	keys = json_pack("{s:s, s:s}", "private", sk, "public", pk);
	sodium_memzero(sk, sizeof(sk));
	json_object_set_new(servers, t->team->id, keys);
	return keys;
}

/* ---- peers ------------------------------------------------------------- */

static void
peer_remove(const struct vpn_host *h, const struct vpn_team *t,
    const char *public_key)
{
	char *error = NULL;

	if (h->dry || !h->made || t == NULL || public_key == NULL)
		return;
	if (RUN(&error, "wg", "set", t->ifname, "peer", public_key,
	    "remove") < 0) {
		fprintf(stderr, "rangectl: vpn: %s\n", error);
		free(error);
	}
}

static int
peer_add(const struct vpn_host *h, const struct vpn_team *t,
    const char *person, const char *public_key, char **error)
{
	char addr[IPV4_TEXT], *allowed;
	int rc;

	if (h->dry || !h->made)
		return 0;
	ipv4_format(vpn_person_address(t, person), addr);
	allowed = xasprintf("%s/32", addr);
	rc = RUN(error, "wg", "set", t->ifname, "peer", public_key,
	    "allowed-ips", allowed);
	free(allowed);
	return rc;
}

/* ---- the endpoints ----------------------------------------------------- */

/* Removes t's namespace (its interface and legs with it) and leftovers. */
static void
team_remove(const struct vpn_team *t)
{
	size_t i;

	(void)RUN(NULL, "ip", "netns", "delete", t->ns);
	(void)RUN(NULL, "ip", "link", "delete", t->ifname);
	for (i = 0; i < t->n_legs; i++)
		(void)RUN(NULL, "ip", "link", "delete", t->legs[i].outer);
}

/* The WireGuard interface: the kernel's, else wireguard-go's. */
static int
make_interface(struct vpn_host *h, const struct vpn_team *t, char **error)
{
	if (!h->wireguard_go && RUN(NULL, "ip", "link", "add", t->ifname, "type",
	    "wireguard") == 0)
		return 0;
	h->wireguard_go = true;
	/* It goes to the background once the interface is there. */
	return RUN(error, "wireguard-go", t->ifname);
}

static int
make_leg(const struct vpn *v, const struct vpn_team *t,
    const struct vpn_leg *leg, char **error)
{
	const struct plan_network *n = &v->plan->networks[leg->network];
	char addr[IPV4_TEXT], *cidr;
	int rc;

	ipv4_format(leg->address, addr);
	cidr = xasprintf("%s/%d", addr, n->cidr.prefix);
	rc = RUN(error, "ip", "link", "add", leg->outer, "type", "veth", "peer",
	    "name", leg->inner, "netns", t->ns);
	if (rc == 0)
		rc = RUN(error, "ip", "link", "set", leg->outer, "master", n->bridge,
		    "up");
	if (rc == 0)
		rc = RUN(error, "ip", "-n", t->ns, "addr", "add", cidr, "dev",
		    leg->inner);
	if (rc == 0)
		rc = RUN(error, "ip", "-n", t->ns, "link", "set", leg->inner, "up");
	free(cidr);
	return rc;
}

static int
make_team(struct vpn_host *h, const struct vpn_team *t, char **error)
{
	json_t *keys = server_keys(h, t);
	char port[16], addr[IPV4_TEXT], *cidr, *rules;
	size_t i;
	int rc;

	team_remove(t);
	snprintf(port, sizeof(port), "%u", t->port);
	ipv4_format(t->address, addr);
	cidr = xasprintf("%s/%d", addr, t->subnet.prefix);
	rc = RUN(error, "ip", "netns", "add", t->ns);
	if (rc == 0)
		rc = RUN(error, "ip", "-n", t->ns, "link", "set", "lo", "up");
	if (rc == 0)
		rc = make_interface(h, t, error);
	/* The key through a pipe: never in a file or an argument. */
	if (rc == 0)
		rc = run((const char *const[]){ "wg", "set", t->ifname,
		    "listen-port", port, "private-key", "/dev/stdin", NULL },
		    json_string_value(json_object_get(keys, "private")), error);
	/* Made here, its socket stays here; it works from the team's. */
	if (rc == 0)
		rc = RUN(error, "ip", "link", "set", t->ifname, "netns", t->ns);
	if (rc == 0)
		rc = RUN(error, "ip", "-n", t->ns, "addr", "add", cidr, "dev",
		    t->ifname);
	if (rc == 0)
		rc = RUN(error, "ip", "-n", t->ns, "link", "set", t->ifname, "up");
	for (i = 0; rc == 0 && i < t->n_legs; i++)
		rc = make_leg(&h->vpn, t, &t->legs[i], error);
	if (rc == 0)
		rc = RUN(error, "ip", "netns", "exec", t->ns, "sysctl", "-qw",
		    "net.ipv4.ip_forward=1");
	if (rc == 0) {
		rules = vpn_ruleset(&h->vpn, t);
		rc = run((const char *const[]){ "ip", "netns", "exec", t->ns,
		    "nft", "-f", "-", NULL }, rules, error);
		free(rules);
	}
	free(cidr);
	return rc;
}

/* The peers of every person who downloaded a file. */
static int
add_known_peers(struct vpn_host *h, char **error)
{
	json_t *people = json_object_get(h->doc, "people"), *p;
	const struct vpn_team *t;
	const char *name;

	json_object_foreach(people, name, p) {
		t = vpn_team_of(&h->vpn, json_string_value(json_object_get(p,
		    "team")));
		if (t != NULL && vpn_person_address(t, name) != 0 &&
		    peer_add(h, t, name, json_string_value(json_object_get(p,
		    "public")), error) < 0)
			return -1;
	}
	return 0;
}

int
vpn_host_start(struct vpn_host *h, const struct plan *plan,
    const char *state_dir, bool dry, char **error)
{
	size_t i;
	int rc;

	memset(h, 0, sizeof(*h));
	pthread_mutex_init(&h->lock, NULL);
	h->dry = dry;
	h->state_dir = xstrdup(state_dir);
	if (sodium_init() < 0) {
		*error = xstrdup("libsodium cannot start");
		return -1;
	}
	rc = vpn_build(&h->vpn, plan, error);
	if (rc != 0)
		return rc;
	if (load_doc(h, error) < 0)
		return -1;
	for (i = 0; i < h->vpn.n_teams; i++)
		server_keys(h, &h->vpn.teams[i]);
	if (save_doc(h, error) < 0)
		return -1;
	if (dry)
		return 0;
	h->made = true;
	for (i = 0; i < h->vpn.n_teams; i++)
		if (make_team(h, &h->vpn.teams[i], error) < 0) {
			char *why = *error;

			*error = xasprintf("cannot make team %s's VPN: %s",
			    h->vpn.teams[i].team->id, why);
			free(why);
			return -1;
		}
	return add_known_peers(h, error);
}

void
vpn_host_stop(struct vpn_host *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; h->made && i < h->vpn.n_teams; i++)
		team_remove(&h->vpn.teams[i]);
	vpn_clear(&h->vpn);
	json_decref(h->doc);
	free(h->state_dir);
	pthread_mutex_destroy(&h->lock);
	memset(h, 0, sizeof(*h));
}

int
vpn_host_down(const struct plan *plan, char **error)
{
	struct vpn v;
	size_t i;
	int rc = vpn_build(&v, plan, error);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	for (i = 0; i < v.n_teams; i++)
		team_remove(&v.teams[i]);
	vpn_clear(&v);
	return 0;
}

/* ---- people ------------------------------------------------------------ */

char *
vpn_host_issue(struct vpn_host *h, const char *person, const char *team,
    const char *host, char **error)
{
	const struct vpn_team *t = vpn_team_of(&h->vpn, team);
	char sk[VPN_KEY_TEXT], pk[VPN_KEY_TEXT], *file = NULL;
	json_t *people, *old;
	const char *old_key;

	if (t == NULL || vpn_person_address(t, person) == 0) {
		*error = xstrdup("your team has no VPN");
		return NULL;
	}
	key_pair(sk, pk);
	pthread_mutex_lock(&h->lock);
	people = json_object_get(h->doc, "people");
	old = json_object_get(people, person);
	old_key = json_string_value(json_object_get(old, "public"));
	if (peer_add(h, t, person, pk, error) == 0) {
		peer_remove(h, t, old_key);
		json_object_set_new(people, person, json_pack("{s:s, s:s}",
		    "team", team, "public", pk));
		if (save_doc(h, error) == 0)
			file = vpn_peer_file(&h->vpn, t, person, sk,
			    json_string_value(json_object_get(server_keys(h, t),
			    "public")), host);
	}
	pthread_mutex_unlock(&h->lock);
	sodium_memzero(sk, sizeof(sk));
	return file;
}

void
vpn_host_sweep(struct vpn_host *h,
    bool (*allowed)(void *ctx, const char *name), void *ctx)
{
	json_t *people, *p, *tmp;
	const char *name;
	char *error = NULL;
	bool changed = false;

	pthread_mutex_lock(&h->lock);
	people = json_object_get(h->doc, "people");
	json_object_foreach_safe(people, tmp, name, p) {
		if (allowed(ctx, name))
			continue;
		peer_remove(h, vpn_team_of(&h->vpn, json_string_value(
		    json_object_get(p, "team"))), json_string_value(
		    json_object_get(p, "public")));
		json_object_del(people, name);
		changed = true;
	}
	if (changed && save_doc(h, &error) < 0) {
		fprintf(stderr, "rangectl: vpn: %s\n", error);
		free(error);
	}
	pthread_mutex_unlock(&h->lock);
}

json_t *
vpn_host_status(struct vpn_host *h, const char *person, const char *team)
{
	const struct vpn_team *t = vpn_team_of(&h->vpn, team);
	char addr[IPV4_TEXT];
	bool has;

	if (t == NULL || vpn_person_address(t, person) == 0)
		return NULL;
	ipv4_format(vpn_person_address(t, person), addr);
	pthread_mutex_lock(&h->lock);
	has = json_object_get(json_object_get(h->doc, "people"), person) != NULL;
	pthread_mutex_unlock(&h->lock);
	return json_pack("{s:s, s:s, s:s, s:i, s:b}", "team", team, "address",
	    addr, "interface", t->ifname, "port", (int)t->port, "has_key", has);
}
