/*
 * virt.h: connections to libvirt, set up the way rangectl needs them.
 *
 * libvirt's default event loop is registered once, before any connection,
 * and runs in a thread of its own; libvirt's habit of printing every error
 * to stderr is turned off, since rangectl reports each error once, itself.
 */
#ifndef RANGECTL_VIRT_H
#define RANGECTL_VIRT_H

#include <libvirt/libvirt.h>
#include <stdbool.h>

struct virt {
	virConnectPtr conn;
	char *uri;
	bool test_driver;	/* test:///: no guest agent, no consoles */
};

/*
 * Opens uri. Returns 0, or -1 with *error set (the caller frees it) as a
 * sentence naming the URI and libvirt's reason.
 */
int virt_open(struct virt *virt, const char *uri, char **error);
void virt_close(struct virt *virt);
/* libvirt's message for the last failure of this thread, never NULL. */
const char *virt_last_error(void);
/* True when the last failure of this thread says the object is absent. */
bool virt_last_error_is_missing(void);

#endif
