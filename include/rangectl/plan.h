/*
 * plan.h: the expanded range: every network, host, address, MAC, route
 * and inject target, as libvirt and the engine will see them.
 *
 * plan_build() is pure: the same scenario always gives the same plan,
 * byte for byte, so a second `up` finds the same names, MACs and addresses.
 */
#ifndef RANGECTL_PLAN_H
#define RANGECTL_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rangectl/detect.h"
#include "rangectl/cidr.h"
#include "rangectl/diag.h"
#include "rangectl/scenario.h"

#define PLAN_NONE ((size_t)-1)
#define PLAN_BRIDGE_MAX 15	/* the kernel's IFNAMSIZ - 1 */
#define PLAN_MAC_TEXT 18

/*
 * The plan stands alone: range_load() frees the scenario and its YAML tree
 * once the plan is built, so every string and value below is the plan's
 * own (plan_free() frees them), and nothing points back into the scenario.
 * Teams and checks keep the scenario's value types (struct scenario_team,
 * struct scenario_check), as the ledger, auth, selectors and checks take
 * them; the plan's copies have node NULL, as no YAML tree is left to point
 * at. Problems found later are no longer the scenario file's: they name
 * the object (host, inject, network) instead of a line and column.
 */

struct plan_image {
	char *id;
	char *kernel;	/* as written: plan_path() resolves them */
	char *initrd;
	char *cmdline;
	char *disk;
	int format;	/* enum image_format */
	bool cloud_init;
	struct scenario_hardware hw;	/* as written */
};

struct plan_node {
	char *uri;
	unsigned long long memory;	/* 0: no limit */
	long vcpus;	/* 0: no limit */
	char *underlay;	/* or NULL */
};

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
	const char *id;	/* the scenario's id: the tail of name */
	const struct scenario_team *team;	/* in plan.teams; NULL if shared */
	bool isolated;
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
};

struct plan_route {
	struct cidr to;
	uint32_t via;
};

struct plan_host {
	char *name;	/* libvirt name: {exercise}-{team}-{id} */
	const char *id;	/* the scenario's id: the tail of name */
	const struct scenario_team *team;	/* in plan.teams */
	const struct plan_image *image;	/* in plan.images */
	unsigned long long memory;
	long vcpus;
	/* In plan.checks, shared by every copy of one scenario host. */
	const struct scenario_check *services;
	size_t n_services;
	struct plan_nic *nics;
	size_t n_nics;
	struct plan_route *routes;
	size_t n_routes;
	size_t routes_alloc;
	uint32_t gateway;	/* default route, 0 for none */
	bool router;	/* beside gateway, in the padding after it */
	size_t node;	/* index into plan.nodes (place.c); 0 without nodes */
	/* Its image's, with every default made explicit (xml.c reads it). */
	struct scenario_hardware hw;
	struct plan_guest *guest;	/* owned; NULL without cloud-init */
};

struct plan_indicator {
	int type;	/* enum indicator_type */
	char *value;	/* resolved for one target */
};

/*
 * An inject's truth, for controllers only: plan_print.c's --json shows it,
 * and nothing a trainee can read does (docs/internals/coalition.md).
 */
struct plan_truth {
	char *technique;	/* or NULL */
	struct strlist effects;	/* "HOST.SERVICE" or "SERVICE", as written */
	size_t n_indicators;	/* per target */
	/*
	 * n_targets rows of n_indicators: row i resolved for targets[i], its
	 * team and the inject's first from host (the one exec runs in).
	 */
	struct plan_indicator *indicators;
};

struct plan_inject {
	char *id;
	char *title;	/* or NULL */
	long at;	/* seconds from the start, -1 for manual injects */
	bool manual;
	int action;	/* enum inject_action */
	char *command;	/* or NULL, as the rest */
	char *nic;
	long duration;	/* link_down: seconds until link_up, 0 for never */
	char *text;
	const struct scenario_check *compromise;	/* in plan.checks, or NULL */
	bool has_from;	/* the scenario gave a from selector (not a message) */
	bool has_to;	/* and a to */
	struct strlist breaks;	/* service ids a rehearsal's checks fail from */
	size_t *targets;	/* host indexes */
	size_t n_targets;
	size_t *from;
	size_t n_from;
	const struct scenario_team **to;	/* message recipients, in plan.teams */
	size_t n_to;
	/*
	 * message: the people addressed one by one (person:NAME) whose team
	 * is not in to, each once, in the scenario's order; owned.
	 */
	char **people;
	size_t n_people;
	char *sender;	/* message: the scenario's from, NULL for control */
	struct plan_truth *truth;	/* owned, or NULL */
};

/*
 * One flag on one host (plan_flag.c): a scenario flag gives one per blue
 * team's host its `on` matches, in the order of the flags, then hosts.
 */
struct plan_flag {
	char *id;	/* the scenario's */
	size_t host;	/* index in plan.hosts */
	const struct scenario_team *team;	/* the host's (blue), in plan.teams */
	char *path;
	long points;	/* to the red team that submits its value */
	long penalty;	/* from the host's team */
	long rotate;	/* seconds between fresh values; 0: never */
};

/* The scenario's vpn: (vpn.h reads it), its strings checked by the rules. */
struct plan_vpn {
	bool on;
	char *listen;	/* "ADDR:PORT" */
	char *pool;	/* a CIDR */
	char *endpoint;	/* or NULL */
};

/*
 * A sharing circle of the scenario's coalition: (intel.h): blue team ids,
 * copied. A plan without circles has one of every blue team.
 */
struct plan_circle {
	char *id;
	char **teams;
	size_t n_teams;
};

struct plan {
	char *exercise;	/* the exercise's name, first part of every libvirt name */
	char *title;	/* or NULL */
	long duration;
	char *connect;	/* exercise.connect, or NULL */
	char *path;	/* the scenario file, as given to the loader */
	char *dir;	/* the folder image paths resolve against */
	long interval;	/* scoring: seconds between rounds */
	long sla_after;	/* scoring.sla: failed rounds in a row; 0: none */
	long sla_penalty;	/* points a breach costs */
	/* scoring.outage: weights in thousandths, 1000 (1.0) when not given */
	long outage_attack, outage_self;
	bool has_detection;	/* scoring.detection given */
	struct detect_rules detection;	/* its points; zero without it */
	long timeout;	/* scoring: of a round's checks */
	struct scenario_team *teams;	/* in scenario order */
	size_t n_teams;
	struct strlist instructors;
	struct plan_image *images;
	size_t n_images;
	struct plan_node *nodes;
	size_t n_nodes;
	struct scenario_check *checks;	/* services, then compromises */
	size_t n_checks;
	struct plan_network *networks;
	size_t n_networks;
	struct plan_host *hosts;
	size_t n_hosts;
	struct plan_inject *injects;
	size_t n_injects;
	struct plan_flag *flags;
	size_t n_flags;
	struct plan_vpn vpn;
	struct plan_circle *circles;	/* none: coalition: was not given */
	size_t n_circles;
};

/*
 * Expands sc. Returns the plan (the caller frees it with plan_free()), or
 * NULL with every problem in diags. The plan copies what it needs: sc may
 * be freed as soon as this returns.
 */
struct plan *plan_build(const struct scenario *sc, struct diag_list *diags);
void plan_free(struct plan *plan);

/* The team of plan with that id, or NULL. */
const struct scenario_team *plan_team(const struct plan *plan, const char *id);
/* A file an image names, made absolute or relative to the working folder. */
char *plan_path(const struct plan *plan, const char *file);

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

/*
 * plan_flag.c: the flags of sc on plan's hosts (which must be expanded);
 * returns how many problems it added to diags (a flag on no host).
 * plan_flags_free() frees plan's flags.
 */
size_t plan_flags_expand(struct plan *plan, const struct scenario *sc,
    struct diag_list *diags);
void plan_flags_free(struct plan *plan);

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
