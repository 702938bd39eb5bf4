/*
 * cmd_report.c: rangectl report DIR [--json | --html FILE]
 */
#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rangectl/cmd.h"
#include "rangectl/report.h"
#include "rangectl/util.h"

/* The HTML on standard output; 0, or -1 having said why. */
static int
html_to_stdout(const struct report *report)
{
	if (report_print_html(report, stdout) < 0 || fflush(stdout) == EOF) {
		fprintf(stderr, "rangectl report: cannot write the HTML report "
		    "to standard output: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Writes the HTML to a temporary file beside path, then renames it into
 * place, so that path holds either what it held or the whole report.
 * The file gets the usual permissions (0666 less the umask), not mkstemp's
 * 0600. Returns 0, or -1 having said why, once.
 */
static int
html_to_file(const struct report *report, const char *path)
{
	char *copy = xstrdup(path), *dir = dirname(copy), *tmp;
	mode_t mask = umask(0);
	FILE *f = NULL;
	int fd, rc = -1;

	umask(mask);
	tmp = xasprintf("%s/.rangectl-report-XXXXXX", dir);
	fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "rangectl report: cannot make a temporary file "
		    "in '%s' for the HTML report '%s': %s\n", dir, path,
		    strerror(errno));
		goto cleanup;
	}
	f = fdopen(fd, "w");
	if (f == NULL || fchmod(fd, 0666 & ~mask) < 0 ||
	    report_print_html(report, f) < 0 || fflush(f) == EOF ||
	    fsync(fd) < 0) {
		fprintf(stderr, "rangectl report: cannot write the HTML report "
		    "'%s' (as '%s' until it is whole): %s\n", path, tmp,
		    strerror(errno));
		goto cleanup;
	}
	if (rename(tmp, path) < 0) {
		fprintf(stderr, "rangectl report: cannot put the HTML report "
		    "in place as '%s': %s\n", path, strerror(errno));
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (f != NULL)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	if (rc < 0 && fd >= 0)
		unlink(tmp);
	free(tmp);
	free(copy);
	return rc;
}

struct report_args {
	bool json;
	const char *html;	/* --html's FILE, or NULL */
};

static int
report_option(const struct cmd_ctx *ctx, int key, const char *value,
    void *arg)
{
	struct report_args *a = arg;

	switch (key) {
	case 'j': a->json = true; break;
	case 'H': a->html = value; break;
	default: return cmd_usage_error(ctx, "unknown option");
	}
	return CMD_GO_ON;
}

int
cmd_report(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct report_args a = { false, NULL };
	struct report report;
	char *error = NULL;
	int rc;

	rc = cmd_parse_options(ctx, argc, argv, report_option, &a);
	if (rc != CMD_GO_ON)
		return rc;
	rc = EXIT_OK;
	if (argc - optind != 1)
		return cmd_usage_error(ctx, "give exactly one state folder");
	if (a.json && a.html != NULL)
		return cmd_usage_error(ctx, "give --json or --html, not both");
	if (a.html != NULL && a.html[0] == '\0')
		return cmd_usage_error(ctx, "--html needs a file name, or - "
		    "for standard output");
	if (report_load(&report, argv[optind], &error) < 0) {
		fprintf(stderr, "rangectl report: %s\n", error);
		free(error);
		return EXIT_FAILED;
	}
	if (a.html != NULL && strcmp(a.html, "-") == 0)
		rc = html_to_stdout(&report) == 0 ? EXIT_OK : EXIT_FAILED;
	else if (a.html != NULL)
		rc = html_to_file(&report, a.html) == 0 ? EXIT_OK : EXIT_FAILED;
	else if (a.json)
		rc = report_print_json(&report, stdout) == 0 ? EXIT_OK :
		    EXIT_FAILED;
	else
		report_print(&report, stdout);
	report_clear(&report);
	return rc;
}
