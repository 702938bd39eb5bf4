/*
 * vpn.h: the scenario's vpn:, a WireGuard endpoint for each blue and red
 * team joined to the networks that team may reach, a peer per person.
 *
 * The pure half (vpn.c) says what to make from the plan alone: each
 * team's interface name, port, addresses and reachable networks, a
 * person's wg-quick file, and the nftables ruleset that confines the
 * tunnels. The host half (vpn_host.c) makes it: keys (libsodium), the
 * interfaces (the kernel's WireGuard, else wireguard-go) configured with
 * `wg`, the rules with `nft`, and peers added and removed while the
 * server runs (docs/internals/vpn.md).
 *
 * Addresses: the pool is cut into /24s, the i-th team with a VPN (blue
 * and red, in the scenario's order) taking the i-th; the endpoint is .1,
 * the k-th member of the team .(k + 2). Ports: listen's port + i.
 */
#ifndef RANGECTL_VPN_H
#define RANGECTL_VPN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "rangectl/cidr.h"
#include "rangectl/plan.h"

#define VPN_TEAM_PREFIX 24	/* each team's share of the pool */
#define VPN_PEOPLE_MAX 253	/* .2 to .254 of a team's /24 */
#define VPN_KEY_TEXT 45	/* a key in base64 (44) and its NUL */
#define VPN_IFNAME 16	/* IFNAMSIZ */
#define VPN_KEEPALIVE 25	/* s, for people behind NAT */

/* A network a team's VPN reaches: a veth from its namespace to the bridge. */
struct vpn_leg {
	size_t network;	/* plan index */
	uint32_t address;	/* the leg's: the highest no host nor rangectl holds */
	char outer[VPN_IFNAME];	/* the veth's end on the bridge: "rcvl" + hash */
	char inner[VPN_IFNAME];	/* its end in the team's namespace: "leg0"... */
};

/*
 * A team's endpoint lives in a network namespace of its own (ns), joined
 * to the team's bridges by veths: forwarding happens there, under its own
 * rules, and never in the range's namespace, whose FORWARD chain libvirt
 * closes on isolated networks. The WireGuard interface is made in the
 * range's namespace (its UDP socket stays there, on listen) and moved in.
 */
struct vpn_team {
	const struct scenario_team *team;	/* in plan.teams */
	char ifname[VPN_IFNAME];	/* "rcwg" and 8 hex digits of a hash */
	char ns[VPN_IFNAME + 8];	/* "rcvpn-" and the same digits */
	unsigned port;
	struct cidr subnet;	/* the team's /24 of the pool */
	uint32_t address;	/* the endpoint's own: subnet's .1 */
	struct vpn_leg *legs;	/* owned */
	size_t n_legs;
};

struct vpn {
	const struct plan *plan;	/* borrowed */
	uint32_t listen;	/* the address WireGuard listens on */
	unsigned port;	/* the first team's */
	struct cidr pool;
	const char *endpoint;	/* plan's, or NULL */
	struct vpn_team *teams;	/* owned */
	size_t n_teams;
};

/*
 * What plan's vpn: makes (the rules checked it). Returns 0, 1 when the
 * plan has no vpn: (v is then empty), or -1 with *error set.
 */
int vpn_build(struct vpn *v, const struct plan *plan, char **error);
void vpn_clear(struct vpn *v);

/* The VPN team of a team id, or NULL (white, or no such team). */
const struct vpn_team *vpn_team_of(const struct vpn *v, const char *team);
/* The tunnel address of a member of t, or 0 when name is none of them. */
uint32_t vpn_person_address(const struct vpn_team *t, const char *name);

/*
 * The wg-quick file of person (a member of t), new: its private key,
 * its address, and the team's endpoint as the peer, reaching the team's
 * networks only. host is the endpoint's name when the scenario gives
 * none and listen's address is 0.0.0.0 (the name the person reached the
 * dashboard by).
 */
char *vpn_peer_file(const struct vpn *v, const struct vpn_team *t,
    const char *person, const char *private_key, const char *server_key,
    const char *host);

#define VPN_TABLE "rangectl_vpn"	/* in each team's namespace */

/*
 * The nftables script (for `nft -f -` in t's namespace) that (re)makes
 * its table: from the tunnel only t's networks are forwarded to, never
 * rangectl's own address on them nor the namespace itself; replies come
 * back, nothing else goes in; what leaves by a leg is masqueraded to the
 * leg's address, so that guests answer on their own network whatever
 * their routes. New.
 */
char *vpn_ruleset(const struct vpn *v, const struct vpn_team *t);



/* ---- vpn_host.c: making it on this machine ------------------------------- */

#define VPN_FILE "vpn.json"

/*
 * The VPN of a running server. Keys: each endpoint's key pair and each
 * person's public key are kept in STATE/vpn.json (mode 0600); a person's
 * private key is made at each download, given once and never kept (a new
 * download replaces the key, and the old file stops working).
 */
struct vpn_host {
	struct vpn vpn;	/* owned */
	char *state_dir;	/* owned */
	json_t *doc;	/* vpn.json; owned, under lock */
	pthread_mutex_t lock;
	bool dry;	/* libvirt's test driver: keys and files, no interface */
	bool wireguard_go;	/* the kernel has no WireGuard */
	bool made;	/* interfaces made: vpn_host_stop() removes them */
};

/*
 * Makes every team's endpoint for plan (1: the plan has no vpn:, nothing
 * done), its keys kept in state_dir, with the peers of the people who
 * downloaded a file. dry: make nothing on the machine. 0, 1, or -1 with
 * *error set (what was made is removed again).
 */
int vpn_host_start(struct vpn_host *h, const struct plan *plan,
    const char *state_dir, bool dry, char **error);
/* Removes every interface, namespace and rule made; frees h. NULL-safe. */
void vpn_host_stop(struct vpn_host *h);
/* rangectl down: removes what a run of plan made, by name. 0, or -1. */
int vpn_host_down(const struct plan *plan, char **error);

/*
 * A new key pair for person (of team), whose public half replaces their
 * peer at once: the wg-quick file (new; the caller wipes and frees it),
 * host as vpn_peer_file(). NULL with *error set when the team has no VPN.
 */
char *vpn_host_issue(struct vpn_host *h, const char *person,
    const char *team, const char *host, char **error);
/*
 * Removes the peer of each person for whom allowed(ctx, name) is false,
 * and forgets their key (they download a new file once allowed again).
 */
void vpn_host_sweep(struct vpn_host *h,
    bool (*allowed)(void *ctx, const char *name), void *ctx);
/* person's tunnel, without the key: {team, address, endpoint, has_key}. */
json_t *vpn_host_status(struct vpn_host *h, const char *person,
    const char *team);

#endif
