/*
 * xml.c: writing the libvirt XML of a plan, and reading back our tags.
 */
#include "rangectl/xml.h"

#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/util.h"

char *
xml_escape(const char *text)
{
	struct strbuf sb;
	const char *p;

	strbuf_init(&sb);
	for (p = text; *p != '\0'; p++) {
		switch (*p) {
		case '&': strbuf_append(&sb, "&amp;"); break;
		case '<': strbuf_append(&sb, "&lt;"); break;
		case '>': strbuf_append(&sb, "&gt;"); break;
		case '\'': strbuf_append(&sb, "&apos;"); break;
		case '"': strbuf_append(&sb, "&quot;"); break;
		default: strbuf_appendn(&sb, p, 1); break;
		}
	}
	return strbuf_steal(&sb);
}

/* Appends the escaped form of text. */
static void
append_escaped(struct strbuf *sb, const char *text)
{
	char *e = xml_escape(text);

	strbuf_append(sb, e);
	free(e);
}

/* rangectl's namespace of name-based UUIDs, drawn at random once. */
static const unsigned char uuid_namespace[XML_UUID_LEN] = {
	0xac, 0xf6, 0xe3, 0xa5, 0x75, 0x09, 0x44, 0x86,
	0x8e, 0x0c, 0x28, 0x8f, 0x7e, 0xaa, 0xb1, 0x24,
};

int
xml_uuid(const char *kind, const char *range, const char *name,
    unsigned char uuid[XML_UUID_LEN])
{
	unsigned char digest[20];	/* SHA-1 */
	struct strbuf sb;
	int rc;

	/* The name hashed: kind, range and name, a NUL after each. */
	strbuf_init(&sb);
	strbuf_appendn(&sb, (const char *)uuid_namespace, XML_UUID_LEN);
	strbuf_appendn(&sb, kind, strlen(kind) + 1);
	strbuf_appendn(&sb, range, strlen(range) + 1);
	strbuf_appendn(&sb, name, strlen(name) + 1);
	rc = gnutls_hash_fast(GNUTLS_DIG_SHA1, sb.data, sb.len, digest);
	strbuf_free(&sb);
	if (rc < 0)
		return -1;
	memcpy(uuid, digest, XML_UUID_LEN);
	uuid[6] = (unsigned char)((uuid[6] & 0x0f) | 0x50);	/* version 5 */
	uuid[8] = (unsigned char)((uuid[8] & 0x3f) | 0x80);	/* variant */
	return 0;
}

/* Appends "  <uuid>U</uuid>\n" of kind's object name, when it has one. */
static void
append_uuid(struct strbuf *sb, const char *kind, const char *range,
    const char *name)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char u[XML_UUID_LEN];
	char text[XML_UUID_STRING_LEN], *p = text;
	size_t i;

	if (xml_uuid(kind, range, name, u) < 0)
		return;
	for (i = 0; i < XML_UUID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[u[i] >> 4];
		*p++ = hex[u[i] & 0x0f];
	}
	*p = '\0';
	strbuf_append(sb, "  <uuid>");
	strbuf_append(sb, text);
	strbuf_append(sb, "</uuid>\n");
}

/*
 * Puts together "<kind>\n  <name>N</name>\n  <uuid>U</uuid>\n
 * <metadata>...</metadata>\n" and body. The UUID is out of the digest:
 * objects made before it was written keep theirs and stay unchanged. The digest covers the name, attributes and what of the body
 * needs the object made anew when it changes (digested; NULL for all of
 * body); extra goes into the tag as is.
 */
static char *
tagged_with(const char *kind, const char *attrs, const char *name,
    const struct plan *plan, const struct scenario_team *team,
    const char *host, const char *body, const char *digested,
    const char *extra)
{
	unsigned long long h = hash_str(hash_str(hash_str(HASH_SEED, name),
	    attrs), digested ? digested : body);
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_printf(&sb, "<%s%s>\n  <name>", kind, attrs);
	append_escaped(&sb, name);
	strbuf_append(&sb, "</name>\n");
	append_uuid(&sb, kind, plan->exercise, name);
	strbuf_printf(&sb, "  <metadata>\n    <%s:range xmlns:%s='%s' "
	    "name='%s'", XML_NS_PREFIX, XML_NS_PREFIX, XML_NS_URI,
	    plan->exercise);
	if (team != NULL)
		strbuf_printf(&sb, " team='%s'", team->id);
	if (host != NULL)
		strbuf_printf(&sb, " host='%s'", host);
	strbuf_printf(&sb, " digest='%016llx'%s/>\n  </metadata>\n%s</%s>\n", h,
	    extra, body, kind);
	return strbuf_steal(&sb);
}

static char *
tagged(const char *kind, const char *attrs, const char *name,
    const struct plan *plan, const struct scenario_team *team,
    const char *host, const char *body)
{
	return tagged_with(kind, attrs, name, plan, team, host, body, NULL, "");
}

char *
xml_network_leases(const struct plan *plan, const struct plan_network *net)
{
	struct strbuf sb;
	size_t i, j;

	strbuf_init(&sb);
	for (i = 0; i < plan->n_hosts; i++) {
		const struct plan_host *host = &plan->hosts[i];

		for (j = 0; j < host->n_nics; j++)
			if (&plan->networks[host->nics[j].network] == net)
				strbuf_printf(&sb, "<host mac='%s' name='%s' "
				    "ip='%s'/>\n", host->nics[j].mac_text,
				    host->name, host->nics[j].ip_text);
	}
	return strbuf_steal(&sb);
}

/*
 * Static leases only: every address of the range is planned. They are out
 * of the digest: hosts come and go without the network being made anew
 * (which would cut every guest on it); the leases attribute tells `up`
 * when to update them in place.
 */
void
xml_vxlan_device(unsigned long vni, char dev[XML_VXLAN_DEVICE_MAX])
{
	snprintf(dev, XML_VXLAN_DEVICE_MAX, "rcx-%06lx", vni & 0xffffff);
}

/*
 * The tag's VXLAN attributes, as the hook reads them: the VNI, the
 * interface, this node's underlay address and its peers', comma-separated.
 */
static void
append_vxlan(struct strbuf *sb, const struct xml_vxlan *vx)
{
	char dev[XML_VXLAN_DEVICE_MAX];
	size_t i;

	xml_vxlan_device(vx->vni, dev);
	strbuf_printf(sb, " vxlan-vni='%lu' vxlan-dev='%s' vxlan-local='%s' "
	    "vxlan-peers='", vx->vni, dev, vx->local);
	for (i = 0; i < vx->n_peers; i++)
		strbuf_printf(sb, "%s%s", i ? "," : "", vx->peers[i]);
	strbuf_append(sb, "'");
}

char *
xml_network(const struct plan *plan, const struct plan_network *net)
{
	return xml_network_on(plan, net, NULL);
}

/*
 * The network's <ip>: rangectl's own address on it, with a static DHCP
 * lease per planned address into body (out of core, the digested part).
 * Returns the leases (the caller frees them).
 */
static char *
append_ip(struct strbuf *core, struct strbuf *body, const struct plan *plan,
    const struct plan_network *net)
{
	char ip[IPV4_TEXT], *leases, *line, *end;

	ipv4_format(net->host_side, ip);
	strbuf_printf(core, "  <ip address='%s' prefix='%d'>\n    <dhcp>\n",
	    ip, net->cidr.prefix);
	strbuf_append(body, core->data);
	leases = xml_network_leases(plan, net);
	for (line = leases; *line != '\0'; line = end + 1) {
		end = strchr(line, '\n');
		strbuf_append(body, "      ");
		strbuf_appendn(body, line, (size_t)(end - line + 1));
	}
	strbuf_append(core, "    </dhcp>\n  </ip>\n");
	strbuf_append(body, "    </dhcp>\n  </ip>\n");
	return leases;
}

char *
xml_network_on(const struct plan *plan, const struct plan_network *net,
    const struct xml_vxlan *vxlan)
{
	/* Over nodes, one copy holds the address: one gateway, one DHCP. */
	bool primary = vxlan == NULL || vxlan->primary;
	struct strbuf core, body, extra;
	char *leases, *xml;

	strbuf_init(&core);
	strbuf_init(&body);
	if (primary && !net->isolated)
		strbuf_append(&core, "  <forward mode='nat'/>\n");
	strbuf_printf(&core, "  <bridge name='%s' stp='off' delay='0'/>\n",
	    net->bridge);
	if (primary) {
		leases = append_ip(&core, &body, plan, net);
	} else {
		strbuf_append(&body, core.data);
		leases = xstrdup("");
	}
	strbuf_init(&extra);
	strbuf_printf(&extra, " leases='%016llx'", hash_str(HASH_SEED, leases));
	if (vxlan != NULL) {
		struct strbuf vx;

		strbuf_init(&vx);
		append_vxlan(&vx, vxlan);
		strbuf_append(&extra, vx.data);
		/* New peers make the network anew: the hook reads them at start. */
		strbuf_append(&core, vx.data);
		strbuf_free(&vx);
	}
	xml = tagged_with("network", "", net->name, plan, net->team, NULL,
	    body.data, core.data, extra.data);
	free(leases);
	strbuf_free(&core);
	strbuf_free(&body);
	strbuf_free(&extra);
	return xml;
}

char *
xml_pool_name(const struct plan *plan)
{
	return xasprintf("%s-volumes", plan->exercise);
}

/* Pools and volumes take no <metadata> in libvirt 9.0: the pool's name,
 * derived from the exercise, is what marks it as the range's. */
char *
xml_pool(const struct plan *plan, const struct xml_options *opt)
{
	char *name = xml_pool_name(plan), *path = xml_escape(opt->pool_path);
	char *xml;

	xml = xasprintf("<pool type='dir'>\n  <name>%s</name>\n  <target>\n"
	    "    <path>%s</path>\n  </target>\n</pool>\n", name, path);
	free(path);
	free(name);
	return xml;
}

char *
xml_volume_name(const struct plan_host *host)
{
	return xasprintf("%s.qcow2", host->name);
}

/* A thin overlay: the host's writes go to it, reads fall through to the
 * base image, whose format is always given (qemu refuses to guess). */
char *
xml_volume(const struct plan *plan, const struct plan_host *host,
    unsigned long long capacity)
{
	const struct plan_image *img = host->image;
	char *name = xml_volume_name(host), *base, *path, *xml;

	base = plan_path(plan, img->disk);
	path = xml_escape(base);
	xml = xasprintf("<volume>\n  <name>%s</name>\n  <capacity unit='bytes'>"
	    "%llu</capacity>\n  <target>\n    <format type='qcow2'/>\n"
	    "  </target>\n  <backingStore>\n    <path>%s</path>\n"
	    "    <format type='%s'/>\n  </backingStore>\n</volume>\n", name,
	    capacity, path, img->format == FORMAT_RAW ? "raw" : "qcow2");
	free(path);
	free(base);
	free(name);
	return xml;
}

char *
xml_kernel_cmdline(const struct plan *plan, const struct plan_host *host)
{
	const struct plan_image *img = host->image;
	char via[IPV4_TEXT], to[CIDR_TEXT];
	struct strbuf sb;
	size_t i;

	strbuf_init(&sb);
	if (img->cmdline != NULL)
		strbuf_printf(&sb, "%s ", img->cmdline);
	strbuf_printf(&sb, "rangectl.hostname=%s", host->name);
	for (i = 0; i < host->n_nics; i++)
		strbuf_printf(&sb, " rangectl.addr=%s,%s/%d",
		    host->nics[i].mac_text, host->nics[i].ip_text,
		    plan->networks[host->nics[i].network].cidr.prefix);
	if (host->gateway != 0) {
		ipv4_format(host->gateway, via);
		strbuf_printf(&sb, " rangectl.gw=%s", via);
	}
	for (i = 0; i < host->n_routes; i++) {
		cidr_format(&host->routes[i].to, to);
		ipv4_format(host->routes[i].via, via);
		strbuf_printf(&sb, " rangectl.route=%s,%s", to, via);
	}
	if (host->router)
		strbuf_append(&sb, " rangectl.forward=1");
	return strbuf_steal(&sb);
}

/* Trainees' NICs may not spoof: libvirt's clean-traffic filter pins
 * their MAC and IP. Red hosts and routers keep their freedom. */
static bool
needs_filter(const struct plan_host *host)
{
	return host->team != NULL && host->team->role == ROLE_BLUE &&
	    !host->router;
}

static void
domain_nics(struct strbuf *body, const struct plan *plan,
    const struct plan_host *host, const struct xml_options *opt)
{
	size_t i;

	for (i = 0; i < host->n_nics; i++) {
		const struct plan_nic *nic = &host->nics[i];

		strbuf_printf(body, "    <interface type='network'>\n      "
		    "<source network='%s'/>\n      <mac address='%s'/>\n      "
		    "<model type='%s'/>\n",
		    plan->networks[nic->network].name, nic->mac_text,
		    nic_model_name(host->hw.nic_model));
		if (opt->nwfilter && needs_filter(host))
			strbuf_printf(body, "      <filterref filter='clean-"
			    "traffic'>\n        <parameter name='IP' value='%s'/>"
			    "\n      </filterref>\n", nic->ip_text);
		strbuf_append(body, "    </interface>\n");
	}
}

/*
 * <os> up to <type>: the machine, and UEFI through libvirt's firmware
 * autoselection, which picks OVMF from the node's own firmware descriptors
 * (Debian's ovmf package) and gives each domain its own variables store.
 */
static void
domain_os_type(struct strbuf *body, const struct scenario_hardware *hw)
{
	const char *yes = hw->secure_boot ? "yes" : "no";

	strbuf_printf(body, "  <os%s>\n    <type arch='x86_64'",
	    hw->firmware == FIRMWARE_UEFI ? " firmware='efi'" : "");
	if (hw->machine != MACHINE_DEFAULT)
		strbuf_printf(body, " machine='%s'", machine_name(hw->machine));
	strbuf_append(body, ">hvm</type>\n");
	if (hw->firmware == FIRMWARE_UEFI)
		strbuf_printf(body, "    <firmware>\n      <feature enabled='%s' "
		    "name='enrolled-keys'/>\n      <feature enabled='%s' "
		    "name='secure-boot'/>\n    </firmware>\n", yes, yes);
}

/* <os>: direct kernel boot, or the disk. 0, or -1 with *why. */
static int
domain_os(struct strbuf *body, const struct plan *plan,
    const struct plan_host *host, const char **why)
{
	const struct plan_image *img = host->image;
	char *path, *cmdline;

	domain_os_type(body, &host->hw);
	if (img->kernel == NULL) {
		strbuf_append(body, "    <boot dev='hd'/>\n  </os>\n");
		return 0;
	}
	cmdline = xml_kernel_cmdline(plan, host);
	if (strlen(cmdline) >= XML_CMDLINE_MAX) {
		free(cmdline);
		*why = "its kernel command line (addresses and routes) is longer "
		    "than the kernel's limit of 2048 bytes";
		return -1;
	}
	path = plan_path(plan, img->kernel);
	strbuf_append(body, "    <kernel>");
	append_escaped(body, path);
	free(path);
	strbuf_append(body, "</kernel>\n");
	if (img->initrd != NULL) {
		path = plan_path(plan, img->initrd);
		strbuf_append(body, "    <initrd>");
		append_escaped(body, path);
		free(path);
		strbuf_append(body, "</initrd>\n");
	}
	strbuf_append(body, "    <cmdline>");
	append_escaped(body, cmdline);
	free(cmdline);
	strbuf_append(body, "</cmdline>\n  </os>\n");
	return 0;
}

/* The overlay, on the bus the guest has drivers for. */
static void
domain_disk(struct strbuf *body, const struct scenario_hardware *hw,
    const char *disk_path)
{
	bool virtio = hw->disk_bus == DISK_BUS_VIRTIO;

	strbuf_append(body, "    <disk type='file' device='disk'>\n"
	    "      <driver name='qemu' type='qcow2'/>\n      <source file='");
	append_escaped(body, disk_path);
	strbuf_printf(body, "'/>\n      <target dev='%s' bus='%s'/>\n"
	    "    </disk>\n", virtio ? "vda" : "sda", disk_bus_name(hw->disk_bus));
	if (hw->disk_bus == DISK_BUS_SCSI)
		strbuf_append(body, "    <controller type='scsi' "
		    "model='virtio-scsi'/>\n");
}

/*
 * The screen: VNC on a UNIX socket of the hypervisor that libvirt names,
 * never on a network (rangectl proxies it to those allowed to see it),
 * with a tablet so that the pointer follows the browser's. And the TPM,
 * emulated by swtpm, which libvirt starts beside the guest.
 */
static void
domain_screen(struct strbuf *body, const struct scenario_hardware *hw)
{
	if (hw->graphics == GRAPHICS_VNC)
		strbuf_printf(body, "    <input type='tablet' bus='usb'/>\n"
		    "    <graphics type='vnc'>\n      <listen type='socket'/>\n"
		    "    </graphics>\n    <video>\n      <model type='%s'/>\n"
		    "    </video>\n", video_name(hw->video));
	if (hw->tpm)
		strbuf_printf(body, "    <tpm model='%s'>\n      <backend "
		    "type='emulator' version='2.0'/>\n    </tpm>\n",
		    hw->machine == MACHINE_Q35 ? "tpm-crb" : "tpm-tis");
}

/*
 * The seed's CD-ROM: SATA, since CD-ROMs cannot be virtio and q35 has no
 * IDE; after a SATA or SCSI disk's sda. Its path carries the seed's
 * instance id, so a changed seed is a changed domain.
 */
static void
domain_seed(struct strbuf *body, const struct scenario_hardware *hw,
    const char *seed_path)
{
	strbuf_append(body, "    <disk type='file' device='cdrom'>\n"
	    "      <driver name='qemu' type='raw'/>\n      <source file='");
	append_escaped(body, seed_path);
	strbuf_printf(body, "'/>\n      <target dev='%s' bus='sata'/>\n"
	    "      <readonly/>\n    </disk>\n",
	    hw->disk_bus == DISK_BUS_VIRTIO ? "sda" : "sdb");
}

static void
domain_devices(struct strbuf *body, const struct plan *plan,
    const struct plan_host *host, const struct xml_options *opt,
    const char *disk_path, const char *seed_path)
{
	strbuf_append(body, "  <devices>\n");
	if (disk_path != NULL)
		domain_disk(body, &host->hw, disk_path);
	if (seed_path != NULL)
		domain_seed(body, &host->hw, seed_path);
	domain_nics(body, plan, host, opt);
	/* The serial console: for the kernel's messages and for trainees. */
	strbuf_append(body, "    <serial type='pty'>\n      <target port='0'/>\n"
	    "    </serial>\n    <console type='pty'>\n      <target "
	    "type='serial' port='0'/>\n    </console>\n");
	strbuf_append(body, "    <channel type='unix'>\n      <target "
	    "type='virtio' name='org.qemu.guest_agent.0'/>\n    </channel>\n");
	domain_screen(body, &host->hw);
	strbuf_append(body, "    <rng model='virtio'>\n      <backend "
	    "model='random'>/dev/urandom</backend>\n    </rng>\n"
	    "    <memballoon model='none'/>\n  </devices>\n");
}

char *
xml_domain(const struct plan *plan, const struct plan_host *host,
    const struct xml_options *opt, const char *disk_path, const char **why)
{
	return xml_domain_seeded(plan, host, opt, disk_path, NULL, why);
}

char *
xml_seed_volume(const char *name, unsigned long long capacity)
{
	char *e = xml_escape(name), *xml;

	xml = xasprintf("<volume>\n  <name>%s</name>\n  <capacity unit='bytes'>"
	    "%llu</capacity>\n  <target>\n    <format type='raw'/>\n"
	    "  </target>\n</volume>\n", e, capacity);
	free(e);
	return xml;
}

char *
xml_domain_seeded(const struct plan *plan, const struct plan_host *host,
    const struct xml_options *opt, const char *disk_path,
    const char *seed_path, const char **why)
{
	struct strbuf body;
	char *xml = NULL;

	strbuf_init(&body);
	strbuf_printf(&body, "  <memory unit='KiB'>%llu</memory>\n  <vcpu>%ld"
	    "</vcpu>\n", host->memory >> 10, host->vcpus);
	if (domain_os(&body, plan, host, why) < 0)
		goto cleanup;
	/* Secure boot keeps OVMF's variables from the guest with SMM. */
	strbuf_printf(&body, "  <features>\n    <acpi/>\n%s  </features>\n",
	    host->hw.secure_boot ? "    <smm state='on'/>\n" : "");
	strbuf_append(&body, "  <clock offset='utc'/>\n  <on_poweroff>destroy</on_poweroff>\n"
	    "  <on_reboot>restart</on_reboot>\n  <on_crash>destroy</on_crash>\n");
	domain_devices(&body, plan, host, opt, disk_path, seed_path);
	xml = tagged("domain", opt->kvm ? " type='kvm'" : " type='qemu'",
	    host->name, plan, host->team, host->id, body.data);
cleanup:
	strbuf_free(&body);
	return xml;
}

/* The value of attribute name within the element text [start, end). */
static char *
attribute(const char *start, const char *end, const char *name)
{
	size_t n = strlen(name);
	const char *p, *q;
	char quote;

	for (p = start; p + n + 2 < end; p++) {
		if ((p[-1] != ' ' && p[-1] != '\n' && p[-1] != '\t') ||
		    strncmp(p, name, n) != 0 || p[n] != '=')
			continue;
		quote = p[n + 1];
		if (quote != '\'' && quote != '"')
			return NULL;
		q = memchr(p + n + 2, quote, (size_t)(end - (p + n + 2)));
		return q ? xstrndup(p + n + 2, (size_t)(q - (p + n + 2))) : NULL;
	}
	return NULL;
}

/* Reads the attributes of the element from start ('<') to end ('>'). */
static int
read_tag(const char *start, const char *end, struct xml_tag *tag)
{
	/* Our values are ids and hex digits: nothing to unescape. */
	tag->range = attribute(start + 1, end, "name");
	tag->team = attribute(start + 1, end, "team");
	tag->host = attribute(start + 1, end, "host");
	tag->digest = attribute(start + 1, end, "digest");
	tag->leases = attribute(start + 1, end, "leases");
	if (tag->range == NULL) {
		xml_tag_clear(tag);
		return -1;
	}
	return 0;
}

int
xml_find_tag(const char *xml, struct xml_tag *tag)
{
	const char *uri = strstr(xml, XML_NS_URI), *start, *end;

	memset(tag, 0, sizeof(*tag));
	if (uri == NULL)
		return -1;
	for (start = uri; start > xml && *start != '<'; start--)
		;
	end = strchr(uri, '>');
	if (*start != '<' || end == NULL)
		return -1;
	return read_tag(start, end, tag);
}

int
xml_parse_tag(const char *element, struct xml_tag *tag)
{
	const char *start = strchr(element, '<');
	const char *end = start ? strchr(start, '>') : NULL;

	memset(tag, 0, sizeof(*tag));
	if (end == NULL)
		return -1;
	return read_tag(start, end, tag);
}

void
xml_tag_clear(struct xml_tag *tag)
{
	if (tag == NULL)
		return;
	free(tag->range);
	free(tag->team);
	free(tag->host);
	free(tag->digest);
	free(tag->leases);
	memset(tag, 0, sizeof(*tag));
}
