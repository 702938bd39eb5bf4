/*
 * netns.c: joining a network namespace by name or path.
 */
#include "rangectl/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rangectl/util.h"

int
netns_enter(const char *name, char **error)
{
	char *path;
	int fd, rc = -1;

	if (name[0] == '\0' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		*error = xasprintf("'%s' is not a network namespace's name",
		    name);
		return -1;
	}
	path = strchr(name, '/') ? xstrdup(name) :
	    xasprintf("/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*error = xasprintf("cannot open the network namespace '%s' "
		    "(%s): %s%s", name, path, strerror(errno), errno == ENOENT ?
		    "; make it with 'ip netns add NAME'" : "");
		goto cleanup;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		*error = xasprintf("cannot enter the network namespace '%s': "
		    "%s%s", name, strerror(errno), errno == EPERM ? " (it takes "
		    "root, or CAP_SYS_ADMIN)" : errno == EINVAL ? " (not a "
		    "network namespace)" : "");
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}
