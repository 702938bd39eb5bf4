/*
 * fairness_live.c: each team's digest of what libvirt holds for it
 * (fairness_live.h). At the libvirt edge (tools/symgraph.sh), beside
 * inventory.c, whose tags it reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/cluster.h"
#include "rangectl/fairness_live.h"
#include "rangectl/inventory.h"
#include "rangectl/util.h"

bool
fairness_live_lasts(const struct cluster *cl)
{
	size_t i;

	for (i = 0; i < cl->n; i++)
		if (cl->nodes[i].test_driver)
			return false;
	return true;
}

static int
by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Line "KIND NAME TAG DEFINITION" into lines[t] for the team t the tag
 * names: the digest rangectl tagged it with, and that of the persistent
 * definition libvirt holds now (xml, NULL if it could not be read), so
 * that an object redefined by hand shows, whatever its tag says.
 */
static void
add_line(const struct plan *plan, char ***lines, size_t *n,
    const char *kind, const char *name, const struct xml_tag *tag, char *xml)
{
	char hex[FAIRNESS_HEX] = "-";
	size_t t;

	for (t = 0; tag->team != NULL && t < plan->n_teams; t++)
		if (strcmp(plan->teams[t].id, tag->team) == 0)
			break;
	if (tag->team != NULL && t < plan->n_teams) {
		if (xml != NULL && fairness_sha256(xml, strlen(xml), hex) < 0)
			snprintf(hex, sizeof(hex), "-");
		lines[t] = xrealloc(lines[t], (n[t] + 1) * sizeof(*lines[t]));
		lines[t][n[t]++] = xasprintf("%s %s %s %s\n", kind, name,
		    tag->digest ? tag->digest : "-", hex);
	}
	free(xml);
}

static void
gather(const struct plan *plan, const struct inventory *inv, char ***lines,
    size_t *n)
{
	size_t i;

	for (i = 0; i < inv->n_domains; i++)
		if (inv->domains[i].owner == OWNER_OURS)
			add_line(plan, lines, n, "domain", inv->domains[i].name,
			    &inv->domains[i].tag, virDomainGetXMLDesc(
			    inv->domains[i].dom, VIR_DOMAIN_XML_INACTIVE));
	for (i = 0; i < inv->n_networks; i++)
		if (inv->networks[i].owner == OWNER_OURS)
			add_line(plan, lines, n, "network", inv->networks[i].name,
			    &inv->networks[i].tag, virNetworkGetXMLDesc(
			    inv->networks[i].net, VIR_NETWORK_XML_INACTIVE));
}

/* The digest of one team's lines, sorted (nodes answer in any order). */
static int
digest_lines(char **lines, size_t n, char hex[FAIRNESS_HEX])
{
	struct strbuf sb;
	size_t i;
	int rc;

	if (n > 1)	/* qsort() of no array is undefined */
		qsort(lines, n, sizeof(*lines), by_text);
	strbuf_init(&sb);
	strbuf_append(&sb, "");
	for (i = 0; i < n; i++)
		strbuf_append(&sb, lines[i]);
	rc = fairness_sha256(sb.data, sb.len, hex);
	strbuf_free(&sb);
	return rc;
}

int
fairness_live(const struct plan *plan, struct cluster *cl,
    char (*out)[FAIRNESS_HEX], char **error)
{
	char ***lines = xcalloc(plan->n_teams + 1, sizeof(*lines));
	size_t *n = xcalloc(plan->n_teams + 1, sizeof(*n));
	struct inventory inv;
	size_t node, t, i;
	int rc = 0;

	for (node = 0; node < cl->n && rc == 0; node++) {
		if (inventory_load(&inv, cl->nodes[node].conn, plan->exercise,
		    error) < 0) {
			rc = -1;
			break;
		}
		gather(plan, &inv, lines, n);
		inventory_clear(&inv);
	}
	for (t = 0; t < plan->n_teams; t++) {
		if (rc == 0 && digest_lines(lines[t], n[t], out[t]) < 0) {
			*error = xstrdup("cannot hash the live range: GnuTLS's "
			    "SHA-256 failed");
			rc = -1;
		}
		for (i = 0; i < n[t]; i++)
			free(lines[t][i]);
		free(lines[t]);
	}
	free(lines);
	free(n);
	return rc;
}
