/*
 * virt.c: opening libvirt connections.
 */
#include "rangectl/virt.h"

#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/util.h"

static pthread_once_t virt_once = PTHREAD_ONCE_INIT;

/* Errors are read with virt_last_error() and reported by the caller. */
static void
virt_silent(void *data, virErrorPtr err)
{
	(void)data;
	(void)err;
}

static void *
virt_event_loop(void *arg)
{
	(void)arg;
	for (;;)
		virEventRunDefaultImpl();
	return NULL;
}

static void
virt_setup(void)
{
	pthread_t thread;

	virSetErrorFunc(NULL, virt_silent);
	virInitialize();
	if (virEventRegisterDefaultImpl() == 0 &&
	    pthread_create(&thread, NULL, virt_event_loop, NULL) == 0)
		pthread_detach(thread);
}

const char *
virt_last_error(void)
{
	const char *msg = virGetLastErrorMessage();

	return msg != NULL ? msg : "unknown libvirt error";
}

bool
virt_last_error_is_missing(void)
{
	virErrorPtr err = virGetLastError();

	return err != NULL && (err->code == VIR_ERR_NO_DOMAIN ||
	    err->code == VIR_ERR_NO_NETWORK ||
	    err->code == VIR_ERR_NO_STORAGE_POOL ||
	    err->code == VIR_ERR_NO_STORAGE_VOL ||
	    err->code == VIR_ERR_NO_DOMAIN_SNAPSHOT);
}

int
virt_open(struct virt *virt, const char *uri, char **error)
{
	const char *type;

	pthread_once(&virt_once, virt_setup);
	memset(virt, 0, sizeof(*virt));
	virt->conn = virConnectOpen(uri);
	if (virt->conn == NULL) {
		*error = xasprintf("cannot connect to libvirt at '%s': %s", uri,
		    virt_last_error());
		return -1;
	}
	virt->uri = xstrdup(uri);
	type = virConnectGetType(virt->conn);
	virt->test_driver = type != NULL && strcmp(type, "TEST") == 0;
	return 0;
}

void
virt_close(struct virt *virt)
{
	if (virt == NULL)
		return;
	if (virt->conn != NULL)
		virConnectClose(virt->conn);
	free(virt->uri);
	memset(virt, 0, sizeof(*virt));
}
