/*
 * seed.c: a host's cloud-init NoCloud seed, and its ISO 9660 image.
 *
 * The three files are written as JSON (jansson), which is YAML too: no
 * hand-made quoting of scenario text, whatever it holds. The image is
 * made by libisofs (docs/internals/seed.md says why not genisoimage).
 */
#include "rangectl/seed.h"

#include <crypt.h>
#include <errno.h>
#include <jansson.h>
/* the burn_source struct, which libisofs shares with libburn (not used) */
#define LIBISOFS_WITHOUT_LIBBURN 1
#include <libisofs.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/util.h"

/*
 * The salt of the passwords in the instance id's digest only: a fixed one,
 * so that the id does not change with the random salts of the seed.
 */
#define SEED_DIGEST_SALT "$6$rangectl.iid$"

/* Dumps a JSON value as text ending with a newline; takes the value. */
static char *
dump(json_t *value, const char *header)
{
	char *text = json_dumps(value, JSON_INDENT(2));
	char *out = xasprintf("%s%s\n", header, text ? text : "null");

	free(text);
	json_decref(value);
	return out;
}

static json_t *
strings(const struct strlist *list)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < list->count; i++)
		json_array_append_new(a, json_string(list->items[i]));
	return a;
}

/* The NIC whose network holds addr: where a route through addr goes. */
static size_t
nic_for(const struct plan *plan, const struct plan_host *host, uint32_t addr)
{
	size_t i;

	for (i = 0; i < host->n_nics; i++)
		if (cidr_contains(&plan->networks[host->nics[i].network].cidr,
		    addr))
			return i;
	return 0;
}

static json_t *
route(const char *to, uint32_t via)
{
	char text[IPV4_TEXT];

	ipv4_format(via, text);
	return json_pack("{s:s, s:s}", "to", to, "via", text);
}

/* One NIC of network-config: matched by MAC, named ethN in plan order. */
static json_t *
ethernet(const struct plan *plan, const struct plan_host *host, size_t i)
{
	const struct plan_nic *nic = &host->nics[i];
	const struct plan_network *net = &plan->networks[nic->network];
	json_t *eth, *routes = json_array();
	char name[24], address[CIDR_TEXT + 4], to[CIDR_TEXT], dns[IPV4_TEXT];
	size_t r;

	snprintf(name, sizeof(name), "eth%zu", i);
	snprintf(address, sizeof(address), "%s/%d", nic->ip_text,
	    net->cidr.prefix);
	eth = json_pack("{s:{s:s}, s:s, s:[s]}", "match", "macaddress",
	    nic->mac_text, "set-name", name, "addresses", address);
	if (host->gateway != 0 && nic_for(plan, host, host->gateway) == i)
		json_array_append_new(routes, route("0.0.0.0/0", host->gateway));
	for (r = 0; r < host->n_routes; r++) {
		if (nic_for(plan, host, host->routes[r].via) != i)
			continue;
		cidr_format(&host->routes[r].to, to);
		json_array_append_new(routes, route(to, host->routes[r].via));
	}
	if (json_array_size(routes) > 0)
		json_object_set_new(eth, "routes", routes);
	else
		json_decref(routes);
	if (net->dns != 0) {
		ipv4_format(net->dns, dns);
		json_object_set_new(eth, "nameservers", json_pack("{s:[s]}",
		    "addresses", dns));
	}
	return eth;
}

static char *
network_config(const struct plan *plan, const struct plan_host *host)
{
	json_t *eths = json_object();
	char name[24];	/* "eth" and a size_t */
	size_t i;

	for (i = 0; i < host->n_nics; i++) {
		snprintf(name, sizeof(name), "eth%zu", i);
		json_object_set_new(eths, name, ethernet(plan, host, i));
	}
	return dump(json_pack("{s:i, s:o}", "version", 2, "ethernets", eths),
	    "");
}

/*
 * A password hashed with SHA-512 crypt, with salt or a random one.
 * Returns 0 with *hash set (the caller frees it), or -1 with *error.
 */
static int
hash_password(const char *password, const char *salt, char **hash,
    char **error)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = xcalloc(1, sizeof(*cd));
	const char *out;

	*hash = NULL;
	if (salt == NULL && crypt_gensalt_rn("$6$", 0, NULL, 0, setting,
	    sizeof(setting)) == NULL) {
		*error = xasprintf("cannot make a salt for a password: %s",
		    strerror(errno));
		free(cd);
		return -1;
	}
	out = crypt_r(password, salt ? salt : setting, cd);
	if (out == NULL || out[0] == '*')
		*error = xstrdup("cannot hash a password with SHA-512 crypt");
	else
		*hash = xstrdup(out);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return *hash ? 0 : -1;
}

static json_t *
user(const struct plan_user *u, const char *salt, char **error)
{
	json_t *o = json_pack("{s:s, s:s}", "name", u->name, "shell",
	    "/bin/bash");
	char *hash = NULL, *groups;
	struct strbuf sb;
	size_t i;

	if (u->groups.count > 0) {
		strbuf_init(&sb);
		for (i = 0; i < u->groups.count; i++)
			strbuf_printf(&sb, "%s%s", i ? "," : "",
			    u->groups.items[i]);
		groups = strbuf_steal(&sb);
		json_object_set_new(o, "groups", json_string(groups));
		free(groups);
	}
	if (u->sudo)
		json_object_set_new(o, "sudo", json_string("ALL=(ALL) NOPASSWD:"
		    "ALL"));
	if (u->password != NULL &&
	    hash_password(u->password, salt, &hash, error) < 0) {
		json_decref(o);
		return NULL;
	}
	if (hash != NULL || u->password_hash != NULL) {
		json_object_set_new(o, "lock_passwd", json_false());
		json_object_set_new(o, "passwd", json_string(hash ? hash :
		    u->password_hash));
	}
	free(hash);
	if (u->ssh_authorized_keys.count > 0)
		json_object_set_new(o, "ssh_authorized_keys",
		    strings(&u->ssh_authorized_keys));
	return o;
}

/*
 * A file written at the first boot; one owned by a user waits for the
 * users to be made (defer), as write_files runs before them.
 */
static json_t *
file(const struct plan_file *f)
{
	json_t *o = json_pack("{s:s, s:s}", "path", f->path, "content",
	    f->content);

	if (f->mode != NULL)
		json_object_set_new(o, "permissions", json_string(f->mode));
	if (f->owner != NULL) {
		json_object_set_new(o, "owner", json_string(f->owner));
		json_object_set_new(o, "defer", json_true());
	}
	return o;
}

/* A router forwards from its first boot, as the appliance does. */
#define SEED_FORWARD_PATH "/etc/sysctl.d/90-rangectl-forward.conf"

static char *
user_data(const struct plan_host *host, const char *salt, char **error)
{
	const struct plan_guest *g = host->guest;
	json_t *root = json_object(), *users = json_array(), *files, *run;
	size_t i;

	for (i = 0; i < g->n_users; i++) {
		json_t *u = user(&g->users[i], salt, error);

		if (u == NULL) {
			json_decref(users);
			json_decref(root);
			return NULL;
		}
		json_array_append_new(users, u);
	}
	/* None given: the image's own default user, not none at all. */
	if (json_array_size(users) > 0)
		json_object_set_new(root, "users", users);
	else
		json_decref(users);
	files = json_array();
	for (i = 0; i < g->n_files; i++)
		json_array_append_new(files, file(&g->files[i]));
	run = strings(&g->run);
	if (g->forward) {
		json_array_append_new(files, json_pack("{s:s, s:s}", "path",
		    SEED_FORWARD_PATH, "content", "net.ipv4.ip_forward = 1\n"));
		json_array_insert_new(run, 0, json_string("sysctl -p "
		    SEED_FORWARD_PATH));
	}
	if (json_array_size(files) > 0)
		json_object_set_new(root, "write_files", files);
	else
		json_decref(files);
	if (json_array_size(run) > 0)
		json_object_set_new(root, "runcmd", run);
	else
		json_decref(run);
	return dump(root, "#cloud-config\n");
}

int
seed_build(const struct plan *plan, const struct plan_host *host,
    const char *salt, struct seed *seed, char **error)
{
	unsigned long long h;
	char *digested;

	memset(seed, 0, sizeof(*seed));
	*error = NULL;
	seed->network_config = network_config(plan, host);
	digested = user_data(host, SEED_DIGEST_SALT, error);
	if (digested == NULL)
		return -1;
	h = hash_str(hash_str(hash_str(HASH_SEED, host->name),
	    seed->network_config), digested);
	free(digested);
	snprintf(seed->instance_id, sizeof(seed->instance_id),
	    "rangectl-%016llx", h);
	seed->user_data = user_data(host, salt, error);
	if (seed->user_data == NULL)
		return -1;
	seed->meta_data = dump(json_pack("{s:s, s:s}", "instance-id",
	    seed->instance_id, "local-hostname", host->name), "");
	return 0;
}

void
seed_clear(struct seed *seed)
{
	if (seed == NULL)
		return;
	free(seed->meta_data);
	free(seed->network_config);
	if (seed->user_data != NULL)
		explicit_bzero(seed->user_data, strlen(seed->user_data));
	free(seed->user_data);
	memset(seed, 0, sizeof(*seed));
}

char *
seed_volume_name(const struct plan_host *host, const struct seed *seed)
{
	return xasprintf("%s-cidata-%s.iso", host->name,
	    seed->instance_id + strlen("rangectl-"));
}

int
seed_volume_of(const struct plan_host *host, const char *name)
{
	size_t n = strlen(host->name);

	return strncmp(name, host->name, n) == 0 &&
	    strncmp(name + n, "-cidata-", 8) == 0 &&
	    strlen(name + n + 8) == 16 + 4 &&
	    strcmp(name + strlen(name) - 4, ".iso") == 0;
}

/* libisofs is set up once for the process; iso_init() is not reentrant. */
static pthread_once_t iso_once = PTHREAD_ONCE_INIT;
static int iso_ready;

static void
iso_setup(void)
{
	/* bit 0: leave the locale alone, names are ASCII */
	iso_ready = iso_init_with_flag(1) == 1;
	if (iso_ready)	/* ours to report, not libisofs's to print */
		iso_set_msgs_severities("NEVER", "NEVER", "rangectl");
}

/* Adds a file of text to dir; libisofs takes the copy. */
static int
add_file(IsoDir *dir, const char *name, const char *text)
{
	size_t n = strlen(text);
	unsigned char *copy = xcalloc(1, n + 1);
	IsoStream *stream;
	IsoFile *f;
	int rc;

	memcpy(copy, text, n);
	rc = iso_memory_stream_new(copy, n, &stream);
	if (rc < 0) {
		free(copy);
		return rc;
	}
	/* The file takes our reference to the stream, but on failure. */
	rc = iso_tree_add_new_file(dir, name, stream, &f);
	if (rc < 0) {
		iso_stream_unref(stream);
		return rc;
	}
	iso_node_set_permissions((IsoNode *)f, 0444);
	return 0;
}

/* Reads the image libisofs writes on its own thread, to its end. */
static int
read_image(struct burn_source *src, unsigned char **data, size_t *len)
{
	size_t cap = 64 * 2048;
	int n;

	*data = xcalloc(1, cap);
	*len = 0;
	for (;;) {
		if (*len + 2048 > cap) {
			cap *= 2;
			*data = xrealloc(*data, cap);
		}
		n = src->read_xt(src, *data + *len, 2048);
		if (n <= 0)
			return n;
		*len += (size_t)n;
	}
}

int
seed_iso(const struct seed *seed, unsigned char **data, size_t *len,
    char **error)
{
	struct burn_source *src = NULL;
	IsoWriteOpts *opts = NULL;
	IsoImage *image = NULL;
	IsoDir *root;
	int rc;

	*data = NULL;
	*len = 0;
	pthread_once(&iso_once, iso_setup);
	if (!iso_ready) {
		*error = xstrdup("cannot start libisofs to make the cloud-init "
		    "seed");
		return -1;
	}
	rc = iso_image_new("cidata", &image);
	if (rc >= 0) {
		root = iso_image_get_root(image);
		rc = add_file(root, "meta-data", seed->meta_data);
	}
	if (rc >= 0)
		rc = add_file(root, "network-config", seed->network_config);
	if (rc >= 0)
		rc = add_file(root, "user-data", seed->user_data);
	if (rc >= 0)
		rc = iso_write_opts_new(&opts, 1);	/* 1: Rock Ridge */
	if (rc >= 0)
		rc = iso_write_opts_set_joliet(opts, 1);
	if (rc >= 0)
		rc = iso_image_create_burn_source(image, opts, &src);
	if (rc >= 0)
		rc = read_image(src, data, len);
	if (rc < 0) {
		*error = xasprintf("cannot make the cloud-init seed's ISO 9660 "
		    "image: %s", iso_error_to_msg(rc));
		free(*data);
		*data = NULL;
		*len = 0;
	}
	if (src != NULL) {
		src->free_data(src);
		free(src);
	}
	iso_write_opts_free(opts);
	if (image != NULL)
		iso_image_unref(image);
	return rc < 0 ? -1 : 0;
}
