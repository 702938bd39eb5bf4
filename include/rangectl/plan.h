/*
 * plan.h: the expanded range: every network, host, address, MAC, route
 * and inject target, as libvirt and the engine will see them.
 *
 * plan_build() is pure: the same scenario always gives the same plan,
 * byte for byte, so a second `up` finds the same names, MACs and addresses.
 */
#ifndef RANGECTL_PLAN_H
#define RANGECTL_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "rangectl/cidr.h"
#include "rangectl/diag.h"
#include "rangectl/scenario.h"

#define PLAN_NONE ((size_t)-1)
#define PLAN_BRIDGE_MAX 15	/* the kernel's IFNAMSIZ - 1 */
#define PLAN_MAC_TEXT 18

/* A cloud-init account, its {team.*} filled in (plan_guest.c). */
struct plan_user {
	char *name;
	struct strlist groups;
	bool sudo;
	char *password;	/* a secret: never printed; seed.c hashes it */
	char *password_hash;
	struct strlist ssh_authorized_keys;
};

struct plan_file {
	char *path;
	char *content;	/* "" when not given */
	char *mode;	/* or NULL */
	char *owner;	/* or NULL */
};

/* What cloud-init hands a host whose image has cloud_init: true. */
struct plan_guest {
	struct plan_user *users;
	size_t n_users;
	struct plan_file *files;
	size_t n_files;
	struct strlist run;
	bool forward;	/* a router: IP forwarding on from the first boot */
};

struct plan_network {
	char *name;	/* libvirt name: {exercise}-{team}-{id} or {exercise}-{id} */
	const struct scenario_network *src;
	const struct scenario_team *team;	/* NULL for a shared network */
	struct cidr cidr;
	char bridge[PLAN_BRIDGE_MAX + 1];
	uint32_t host_side;	/* rangectl's own address on it */
	size_t gateway;	/* index of the gateway host, or PLAN_NONE */
	uint32_t dns;	/* the resolver its hosts are given, 0 for none */
};

struct plan_nic {
	size_t network;	/* index in plan.networks */
	uint32_t ip;
	char ip_text[IPV4_TEXT];
	unsigned char mac[6];
	char mac_text[PLAN_MAC_TEXT];
	const struct scenario_nic *src;
};

struct plan_route {
	struct cidr to;
	uint32_t via;
};

struct plan_host {
	char *name;	/* libvirt name: {exercise}-{team}-{id} */
	const struct scenario_host *src;
	const struct scenario_team *team;
	struct plan_nic *nics;
	size_t n_nics;
	struct plan_route *routes;
	size_t n_routes;
	size_t routes_alloc;
	uint32_t gateway;	/* default route, 0 for none */
	size_t node;	/* index into sc->nodes (place.c); 0 without nodes */
	/* Its image's, with every default made explicit (xml.c reads it). */
	struct scenario_hardware hw;
	struct plan_guest *guest;	/* owned; NULL without cloud-init */
};

struct plan_inject {
	const struct scenario_inject *src;
	size_t *targets;	/* host indexes */
	size_t n_targets;
	size_t *from;
	size_t n_from;
	const struct scenario_team **to;	/* message recipients */
	size_t n_to;
};

struct plan {
	const struct scenario *sc;	/* borrowed: must outlive the plan */
	struct plan_network *networks;
	size_t n_networks;
	struct plan_host *hosts;
	size_t n_hosts;
	struct plan_inject *injects;
	size_t n_injects;
};

/*
 * Expands sc. Returns the plan (the caller frees it with plan_free()), or
 * NULL with every problem in diags.
 */
struct plan *plan_build(const struct scenario *sc, struct diag_list *diags);
void plan_free(struct plan *plan);

/*
 * plan_guest.c: the cloud-init part of a host of team (may be NULL), or
 * NULL when its image has none; plan_guest_free() frees it, taking NULL.
 */
struct plan_guest *plan_guest_expand(const struct scenario *sc,
    const struct scenario_host *src, const struct scenario_team *team);
void plan_guest_free(struct plan_guest *guest);
/* A network's dns for team (may be NULL): 0 for none, -1 if not valid. */
int plan_guest_dns(const struct scenario_network *src,
    const struct scenario_team *team, uint32_t *dns);

struct place_node;
/*
 * Gives every host of plan a node of nodes (place.c's rules). Returns 0,
 * or -1 with *error set (the caller frees it) when the range does not fit.
 */
int plan_place(struct plan *plan, const struct place_node *nodes,
    size_t n_nodes, char **error);

/* The MAC of a NIC: derived from its names, never random. */
void plan_derive_mac(const char *exercise, const char *team, const char *host,
    const char *network, unsigned attempt, unsigned char mac[6]);
/* The bridge of a network: "rc-" and a hash of its libvirt name. */
void plan_derive_bridge(const char *network_name, unsigned attempt,
    char bridge[PLAN_BRIDGE_MAX + 1]);

#endif
