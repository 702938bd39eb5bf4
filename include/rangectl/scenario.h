/*
 * scenario.h: an exercise scenario (format version 1) as plain C data.
 *
 * scenario_load_*() reads and checks a scenario, reporting every problem
 * with its line and column. A loaded scenario owns its YAML tree, so the
 * rules and the planner can still point at the value behind a problem; it
 * lives no longer than that, since the plan copies what later stages read
 * (plan.h) and range_load() frees the scenario once the plan is built.
 */
#ifndef RANGECTL_SCENARIO_H
#define RANGECTL_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#include "rangectl/diag.h"
#include "rangectl/strlist.h"
#include "rangectl/ynode.h"

#define SCENARIO_VERSION 1
#define SCENARIO_EXERCISE_ID_MAX 24
#define SCENARIO_ID_MAX 12	/* teams, networks, hosts */
/* A message's recipient that names one person: person:NAME. */
#define SCENARIO_PERSON "person:"
#define SCENARIO_NAME_MAX 32	/* members, instructors, injects, images */

enum team_role {
	ROLE_NONE = 0,
	ROLE_RED,
	ROLE_BLUE,
	ROLE_WHITE,
};

enum check_kind {
	CHECK_NONE = 0,
	CHECK_TCP,
	CHECK_HTTP,
	CHECK_EXEC,
	/* through libcurl, like http (check_curl.c) */
	CHECK_HTTPS,
	CHECK_FTP,
	CHECK_SMTP,
	CHECK_IMAP,
	CHECK_POP3,
	CHECK_LDAP,
	CHECK_DNS,	/* through c-ares (check_dns.c) */
	CHECK_SSH,	/* through libssh (check_ssh.c) */
	CHECK_ICMP,	/* echo request and reply (check_icmp.c) */
	CHECK_LAST = CHECK_ICMP,
};

/* The record types a dns check asks for. */
enum dns_type {
	DNS_NONE = 0,	/* not given: A */
	DNS_A,
	DNS_AAAA,
	DNS_MX,
	DNS_TXT,
	DNS_NS,
	DNS_LAST = DNS_NS,
};

enum inject_action {
	ACTION_NONE = 0,
	ACTION_EXEC,
	ACTION_LINK_DOWN,
	ACTION_LINK_UP,
	ACTION_SHUTDOWN,
	ACTION_REBOOT,
	ACTION_DESTROY,
	ACTION_START,
	ACTION_REVERT,
	ACTION_MESSAGE,
};

/*
 * The kinds of indicator an inject's truth names (truth.c checks each
 * value's form). Later stages match what trainees observe against them.
 */
enum indicator_type {
	INDICATOR_NONE = 0,
	INDICATOR_IPV4,
	INDICATOR_IPV6,
	INDICATOR_DOMAIN,
	INDICATOR_URL,
	INDICATOR_EMAIL,
	INDICATOR_MD5,
	INDICATOR_SHA1,
	INDICATOR_SHA256,
	INDICATOR_FILE_NAME,
	INDICATOR_LAST = INDICATOR_FILE_NAME,
};

enum image_format {
	FORMAT_NONE = 0,
	FORMAT_QCOW2,
	FORMAT_RAW,
};

enum inject_trigger {
	TRIGGER_NONE = 0,
	TRIGGER_CLOCK,
	TRIGGER_MANUAL,
};

/*
 * The virtual hardware of an image's hosts (0 in each: not given, the
 * planner's default). For Windows and older systems, which want SATA
 * disks, Intel NICs, UEFI with a TPM, or a screen.
 */
enum firmware {
	FIRMWARE_DEFAULT = 0,	/* bios */
	FIRMWARE_BIOS,
	FIRMWARE_UEFI,	/* OVMF, chosen by libvirt from the node's descriptors */
};

enum machine {
	MACHINE_DEFAULT = 0,	/* libvirt's (pc) */
	MACHINE_PC,
	MACHINE_Q35,
};

enum disk_bus {
	DISK_BUS_DEFAULT = 0,	/* virtio */
	DISK_BUS_VIRTIO,
	DISK_BUS_SATA,
	DISK_BUS_SCSI,	/* on a virtio-scsi controller */
};

enum nic_model {
	NIC_MODEL_DEFAULT = 0,	/* virtio */
	NIC_MODEL_VIRTIO,
	NIC_MODEL_E1000E,
	NIC_MODEL_RTL8139,
};

enum graphics {
	GRAPHICS_DEFAULT = 0,	/* vnc for disk images, none for kernel images */
	GRAPHICS_VNC,
	GRAPHICS_NONE,
};

enum video {
	VIDEO_DEFAULT = 0,	/* vga when there is a screen */
	VIDEO_VGA,
	VIDEO_VIRTIO,
	VIDEO_QXL,
	VIDEO_BOCHS,
	VIDEO_CIRRUS,
};

struct scenario_hardware {
	int firmware;	/* enum firmware */
	bool secure_boot;
	int machine;	/* enum machine */
	int disk_bus;	/* enum disk_bus */
	int nic_model;	/* enum nic_model */
	int graphics;	/* enum graphics */
	int video;	/* enum video */
	bool tpm;	/* a TPM 2.0, emulated by swtpm */
};

struct scenario_image {
	const struct ynode *node;
	char *id;
	char *kernel;	/* as written; resolve with scenario_path() */
	char *initrd;
	char *cmdline;
	char *disk;
	int format;	/* enum image_format */
	bool cloud_init;
	struct scenario_hardware hw;
};

struct scenario_team {
	const struct ynode *node;
	char *id;
	int role;	/* enum team_role */
	char *name;	/* display name; NULL when not given */
	struct strlist members;
	size_t index;	/* 1-based position among the teams of its role */
};

struct scenario_network {
	const struct ynode *node;
	char *id;
	char *cidr;	/* may hold {team.index} and {team.id} */
	int per_team;	/* enum team_role, ROLE_NONE for a shared network */
	bool isolated;
	char *gateway;	/* host id, or NULL */
	char *dns;	/* the resolver its hosts use, an address ({team.*}) */
};

struct scenario_nic {
	const struct ynode *node;
	char *network;
	char *ip;	/* "auto", ".N" or a full address (templates allowed) */
};

/*
 * A check of a service, or of a compromise (then penalty is set). The plan
 * keeps copies (scenario_check_copy()): a string added here is added to
 * scenario_check_copy() and scenario_check_clear() too.
 */
struct scenario_check {
	const struct ynode *node;
	char *id;	/* services only */
	int kind;	/* enum check_kind */
	long port;
	char *path;
	long expect_status;
	char *expect_body;
	char *command;
	bool verify;	/* https: the certificate must be trusted */
	char *user;	/* ftp, imap, pop3, smtp, ssh: login; ldap: bind DN */
	char *password;	/* a secret: never in an event, a reason or the API */
	char *to;	/* smtp: a recipient, for MAIL and RCPT */
	char *base;	/* ldap: the search base */
	char *filter;	/* ldap: the search filter */
	char *query;	/* dns: the name asked for */
	int dns_type;	/* dns: enum dns_type */
	char *expect;	/* dns: a record in the answer; ssh: in the output */
	char *run;	/* ssh: a command to run after the login */
	char *key;	/* ssh: a private key file, as written (scenario_path) */
	long points;	/* services: earned per round passed */
	long penalty;	/* compromises: lost per round passing */
};

/* An account cloud-init makes on a disk image host. */
struct scenario_user {
	const struct ynode *node;
	char *name;
	struct strlist groups;
	bool sudo;	/* may run anything as root, without a password */
	char *password;	/* a secret: plain, hashed by rangectl; never shown */
	char *password_hash;	/* crypt(3) form, as given */
	struct strlist ssh_authorized_keys;
};

/* A file cloud-init writes on a disk image host at its first boot. */
struct scenario_file {
	const struct ynode *node;
	char *path;
	char *content;
	char *mode;	/* octal text, such as "0644"; NULL: cloud-init's */
	char *owner;	/* "user" or "user:group"; NULL: root */
};

struct scenario_host {
	const struct ynode *node;
	char *id;
	int per_team;	/* enum team_role, or ROLE_NONE when team is set */
	char *team;
	char *image;
	unsigned long long memory;
	long vcpus;
	bool router;
	struct scenario_nic *nics;
	size_t n_nics;
	struct scenario_check *services;
	size_t n_services;
	/* cloud-init's (images with cloud_init); {team.*} allowed in each */
	struct scenario_user *users;
	size_t n_users;
	struct scenario_file *files;
	size_t n_files;
	struct strlist run;	/* commands run once, at the first boot */
};

struct scenario_indicator {
	const struct ynode *node;
	int type;	/* enum indicator_type */
	char *value;	/* as written: {target.*}, {from.*}, {team.*} allowed */
};

/*
 * What an inject really is, for the controllers only: never shown to a
 * trainee (docs/internals/coalition.md).
 */
struct scenario_truth {
	const struct ynode *node;
	char *technique;	/* a MITRE ATT&CK id, Tnnnn or Tnnnn.nnn, or NULL */
	struct scenario_indicator *indicators;
	size_t n_indicators;
	struct strlist effects;	/* "HOST.SERVICE" or "SERVICE" of its targets */
};

struct scenario_inject {
	const struct ynode *node;
	char *id;
	long at;	/* seconds from the start, -1 for manual injects */
	int trigger;	/* enum inject_trigger as written */
	bool manual;	/* fired by a controller, never by the clock */
	char *title;
	/*
	 * exec: a host selector; message: the sender the trainees see (the
	 * story's: "CEO", "CERT-EU"), NULL for exercise control. Or NULL.
	 */
	char *from;
	char *target;	/* selector or NULL (message) */
	int action;	/* enum inject_action */
	char *command;
	struct scenario_check *compromise;	/* or NULL */
	char *nic;
	long duration;	/* link_down: seconds until link_up, 0 for never */
	/*
	 * message: its recipients as written, each a team id, a role,
	 * person:NAME or *; one string in the scenario is a list of one.
	 */
	struct strlist to;
	bool has_to;	/* to was given (it may be an empty list) */
	char *text;
	/*
	 * Service ids this inject stops on its targets: what a rehearsal's
	 * simulated checks fail from its firing on (real checks ignore it).
	 */
	struct strlist breaks;
	struct scenario_truth *truth;	/* owned, or NULL */
};

/*
 * A flag red captures (scenario_flag.c, rules_flag.c): one definition
 * plants one flag on every blue team's host that `on` names.
 */
struct scenario_flag {
	const struct ynode *node;
	char *id;
	char *on;	/* selector: the hosts it is planted on */
	char *path;	/* absolute, in the guest */
	long points;	/* earned by the red team that submits it */
	long penalty;	/* lost by the owning blue team; -1: points */
	long rotate;	/* seconds between fresh values; 0: never */
};

struct scenario_node {
	const struct ynode *node;
	char *uri;
	unsigned long long memory;
	long vcpus;
	char *underlay;
};

struct scenario_exercise {
	const struct ynode *node;
	char *name;
	char *title;
	long duration;
	char *connect;
};

/* scoring.sla: after N consecutive failed rounds of one check, a penalty. */
struct scenario_sla {
	const struct ynode *node;	/* NULL: no SLA rule */
	long after;	/* rounds, at least 1 */
	long penalty;	/* points, once per breach */
};

/*
 * scoring.outage (issue 14): what a failed round of a service check costs,
 * by its cause, as weights of the points the round did not earn, in
 * thousandths (1000 is 1.0, the cost without the rule).
 */
struct scenario_outage {
	const struct ynode *node;	/* NULL: no rule, both weights 1 */
	long attack;	/* an inject's effect; 1000 when not given */
	long self;	/* the team's own */
};

/*
 * scoring.detection (issue 14): points for detecting an attack (halved
 * every half_life seconds it took), for sharing it with an ally, for
 * warning an ally before the attack hit it, and lost per indicator that
 * matches nothing (detect.h).
 */
struct scenario_detection {
	const struct ynode *node;	/* NULL: figures only, no points */
	long points;
	long half_life;	/* seconds; 0: no decay */
	long sharing;
	long early_warning;
	long false_indicator;
};

struct scenario_scoring {
	const struct ynode *node;
	long interval;
	long timeout;
	struct scenario_sla sla;
	struct scenario_outage outage;
	struct scenario_detection detection;
};

/*
 * vpn: a WireGuard endpoint per blue and red team (vpn.h). listen is
 * "ADDR:PORT", the first team's; each next team listens on the next port.
 * pool is the CIDR the people's addresses come from, a /24 per team.
 */
struct scenario_vpn {
	const struct ynode *node;	/* NULL: no VPN */
	char *listen;
	char *pool;
	char *endpoint;	/* the name or address in people's files; or NULL */
};

/*
 * coalition: the sharing circles of issue 14: an observation a blue team
 * marks TLP:AMBER or TLP:GREEN reaches the other blue teams of every
 * circle it is in (intel.h). Without coalition:, every blue team is in
 * one circle.
 */
struct scenario_circle {
	const struct ynode *node;
	char *id;
	struct strlist teams;	/* blue team ids */
};

struct scenario_coalition {
	const struct ynode *node;	/* NULL: no coalition: */
	struct scenario_circle *circles;
	size_t n_circles;
};

struct scenario {
	const struct ynode *node;	/* the top mapping, within root */
	struct ynode *root;	/* owned: every node pointer points into it */
	char *path;	/* as given to the loader */
	char *dir;	/* the folder relative paths resolve against */
	long version;
	struct scenario_exercise exercise;
	struct scenario_image *images;
	size_t n_images;
	struct scenario_team *teams;
	size_t n_teams;
	struct strlist instructors;
	struct scenario_network *networks;
	size_t n_networks;
	struct scenario_host *hosts;
	size_t n_hosts;
	struct scenario_inject *injects;
	size_t n_injects;
	struct scenario_scoring scoring;
	struct scenario_node *nodes;
	size_t n_nodes;
	struct scenario_flag *flags;
	size_t n_flags;
	struct scenario_vpn vpn;
	struct scenario_coalition coalition;
};

struct schema_ctx;

/*
 * Reads and checks the scenario at path (scenario_load.c): decodes it,
 * then runs the rules (rules.c) on what was decoded. Returns it (the
 * caller frees it with scenario_free()) or NULL with every problem in
 * diags.
 */
struct scenario *scenario_load_file(const char *path, struct diag_list *diags);
/* The same from memory; path only names the file in messages and paths. */
struct scenario *scenario_load_buffer(const char *data, size_t len,
    const char *path, struct diag_list *diags);
/*
 * Only the first half of loading: parses the YAML and decodes each value
 * on its own, counting problems in ctx->errors. Returns the scenario even
 * when some values were refused (the caller runs the rules on it, which
 * tolerate the holes, so that every problem is reported in one run and
 * then frees it if ctx->errors is not 0), or NULL when there is nothing
 * to check (no YAML, or not a mapping). Call scenario_load_*() instead.
 */
struct scenario *scenario_decode(const char *data, size_t len,
    const char *path, struct schema_ctx *ctx);
void scenario_free(struct scenario *sc);

struct schema_ctx;
/*
 * scenario_flag.c: decodes the top-level flags list into sc (obj), as a
 * custom field of the top mapping; scenario_flags_free() frees sc's flags.
 */
void scenario_decode_flags(struct schema_ctx *ctx, const struct ynode *value,
    void *obj, const char *what);
void scenario_flags_free(struct scenario *sc);

/*
 * Makes to a copy of from that owns its strings and points into no YAML
 * tree (node is NULL): the plan's checks outlive the scenario.
 */
void scenario_check_copy(struct scenario_check *to,
    const struct scenario_check *from);

/* Frees the strings of c (not c itself); takes NULL. */
void scenario_check_clear(struct scenario_check *c);

/* The position of the value of key in node, or of node itself if absent. */
struct pos scenario_pos(const struct ynode *node, const char *key);
/* A path of the scenario made absolute or relative to the working folder. */
char *scenario_path(const struct scenario *sc, const char *path);

const struct scenario_team *scenario_team(const struct scenario *sc,
    const char *id);
const struct scenario_host *scenario_host(const struct scenario *sc,
    const char *id);
const struct scenario_network *scenario_network(const struct scenario *sc,
    const char *id);
const struct scenario_image *scenario_image(const struct scenario *sc,
    const char *id);

const char *role_name(int role);
const char *check_kind_name(int kind);
/* The port a kind uses when the scenario names none; 0: it must name one. */
long check_kind_port(int kind);
const char *dns_type_name(int type);	/* "A" for DNS_NONE */
const char *action_name(int action);
const char *indicator_type_name(int type);	/* "none" out of range */
/* The type named name (NULL is none), or INDICATOR_NONE. */
int indicator_type_parse(const char *name);
/* The names of the hardware values, as the scenario writes them. */
const char *firmware_name(int firmware);
const char *machine_name(int machine);
const char *disk_bus_name(int bus);
const char *nic_model_name(int model);
const char *graphics_name(int graphics);
const char *video_name(int video);
/* ROLE_NONE when text names no role. */
int role_parse(const char *text);

#endif
