/*
 * scenario_load.c: loading a scenario, in two steps that call one way:
 * decode it (scenario.c), then check how its values fit together
 * (rules.c, which reads the decoded scenario). Neither calls back here,
 * and scenario.c does not call rules.c: that was a cycle between units,
 * which tools/symgraph.sh now refuses.
 */
#include "rangectl/scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rangectl/rules.h"
#include "rangectl/schema.h"
#include "rangectl/util.h"

struct scenario *
scenario_load_buffer(const char *data, size_t len, const char *path,
    struct diag_list *diags)
{
	struct schema_ctx ctx = { .diags = diags };
	struct scenario *sc = scenario_decode(data, len, path, &ctx);

	if (sc == NULL)
		return NULL;
	rules_check(sc, &ctx);
	if (ctx.errors > 0) {
		scenario_free(sc);
		return NULL;
	}
	return sc;
}

/* What a file that is not a regular one is, for the message refusing it. */
static const char *
file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a named pipe (FIFO)";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	return "not a regular file";
}

/*
 * Opens path for reading if it is a regular file; -1 otherwise, said in
 * diags. O_NONBLOCK, so that opening a FIFO with no writer returns at once
 * instead of blocking validate (or up) for good; a regular file ignores it.
 */
static int
open_regular(const char *path, struct diag_list *diags)
{
	static const struct pos whole = { 0, 0 };
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		diag_add(diags, whole, "cannot open the scenario: %s",
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		diag_add(diags, whole, "cannot read the scenario: %s",
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_add(diags, whole, "cannot read the scenario: '%s' is %s, "
		    "not a regular file", path, file_kind(st.st_mode));
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads at most one byte past the limit, so the size check can tell. */
static char *
read_capped(const char *path, size_t *len, struct diag_list *diags)
{
	static const struct pos whole = { 0, 0 };
	int fd = open_regular(path, diags);
	char *buf;
	ssize_t n = 1;

	if (fd < 0)
		return NULL;
	buf = xmalloc(YNODE_MAX_INPUT + 2);
	*len = 0;
	while (*len < YNODE_MAX_INPUT + 1 && n > 0) {
		n = read(fd, buf + *len, YNODE_MAX_INPUT + 1 - *len);
		if (n > 0)
			*len += (size_t)n;
		else if (n < 0 && errno == EINTR)
			n = 1;
	}
	if (n < 0) {
		diag_add(diags, whole, "cannot read the scenario: %s",
		    strerror(errno));
		free(buf);
		buf = NULL;
	} else {
		buf[*len] = '\0';
	}
	close(fd);
	return buf;
}

struct scenario *
scenario_load_file(const char *path, struct diag_list *diags)
{
	struct scenario *sc;
	size_t len;
	char *data = read_capped(path, &len, diags);

	if (data == NULL)
		return NULL;
	sc = scenario_load_buffer(data, len, path, diags);
	free(data);
	return sc;
}

