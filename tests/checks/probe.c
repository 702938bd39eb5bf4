/*
 * probe.c: runs service checks given on the command line, all at once
 * through check_run(), and prints one line per check: "up" or "down:"
 * with its reason. The driver of tests/checks/run.sh.
 *
 *	probe [-t MS] kind=K addr=A [port=N] [key=value...] [kind=K ...]
 *
 * Each kind= starts a new check; the keys are those of struct
 * check_probe (path, expect_status, expect_body, verify, user, password,
 * to, base, filter, query, type, expect, run, key).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "rangectl/check.h"
#include "rangectl/cidr.h"
#include "rangectl/scenario.h"
#include "rangectl/util.h"

static int
kind_parse(const char *name)
{
	for (int k = CHECK_NONE + 1; k <= CHECK_LAST; k++)
		if (strcmp(check_kind_name(k), name) == 0)
			return k;
	return CHECK_NONE;
}

static int
dns_type_parse(const char *name)
{
	for (int t = DNS_NONE + 1; t <= DNS_LAST; t++)
		if (strcasecmp(dns_type_name(t), name) == 0)
			return t;
	return DNS_NONE;
}

/* Sets one key of p; -1 if the key is unknown or its value wrong. */
static int
probe_set(struct check_probe *p, const char *key, const char *v)
{
	if (strcmp(key, "addr") == 0)
		return ipv4_parse(v, &p->addr);
	if (strcmp(key, "port") == 0)
		p->port = atoi(v);
	else if (strcmp(key, "path") == 0)
		p->path = v;
	else if (strcmp(key, "expect_status") == 0)
		p->expect_status = atol(v);
	else if (strcmp(key, "expect_body") == 0)
		p->expect_body = v;
	else if (strcmp(key, "verify") == 0)
		p->insecure = strcmp(v, "false") == 0;
	else if (strcmp(key, "user") == 0)
		p->user = v;
	else if (strcmp(key, "password") == 0)
		p->password = v;
	else if (strcmp(key, "to") == 0)
		p->to = v;
	else if (strcmp(key, "base") == 0)
		p->base = v;
	else if (strcmp(key, "filter") == 0)
		p->filter = v;
	else if (strcmp(key, "query") == 0)
		p->query = v;
	else if (strcmp(key, "type") == 0)
		p->dns_type = dns_type_parse(v);
	else if (strcmp(key, "expect") == 0)
		p->expect = v;
	else if (strcmp(key, "run") == 0)
		p->run = v;
	else if (strcmp(key, "key") == 0)
		p->key = v;
	else
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct check_probe *probes = xcalloc((size_t)argc, sizeof(*probes));
	size_t n = 0;
	int timeout_ms = 2000, opt;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't')
			return 2;
		timeout_ms = atoi(optarg);
	}
	for (int i = optind; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (eq == NULL) {
			fprintf(stderr, "probe: '%s' is not key=value\n", argv[i]);
			return 2;
		}
		*eq = '\0';
		if (strcmp(argv[i], "kind") == 0) {
			probes[n].kind = kind_parse(eq + 1);
			probes[n].port = (int)check_kind_port(probes[n].kind);
			if (probes[n++].kind == CHECK_NONE) {
				fprintf(stderr, "probe: no kind '%s'\n", eq + 1);
				return 2;
			}
		} else if (n == 0 || probe_set(&probes[n - 1], argv[i],
		    eq + 1) < 0) {
			fprintf(stderr, "probe: '%s' is not a key of a check\n",
			    argv[i]);
			return 2;
		}
	}
	check_run(probes, n, timeout_ms);
	for (size_t i = 0; i < n; i++)
		printf("%s %s%s\n", check_kind_name(probes[i].kind),
		    probes[i].up ? "up" : "down: ", probes[i].up ? "" :
		    probes[i].reason);
	free(probes);
	return 0;
}
