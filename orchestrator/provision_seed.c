/*
 * provision_seed.c: a host's cloud-init seed as a volume of the range's
 * pool, uploaded through libvirt (so that a remote node gets it too), for
 * provision.c to attach as a CD-ROM.
 */
#include "provision_impl.h"

#include <libvirt/virterror.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/seed.h"
#include "rangectl/util.h"
#include "rangectl/virt.h"
#include "rangectl/xml.h"

/*
 * Sends len bytes of data into vol, from its start. 0, or -1 with *why
 * (libvirt's words; the caller frees them) and *code (its error code),
 * taken before the stream is freed, which clears them.
 */
static int
upload(virConnectPtr conn, virStorageVolPtr vol, const unsigned char *data,
    size_t len, char **why, int *code)
{
	virStreamPtr st = virStreamNew(conn, 0);
	size_t done = 0;
	int n, rc = -1;

	if (st == NULL)
		goto cleanup;
	if (virStorageVolUpload(vol, st, 0, len, 0) < 0)
		goto cleanup;
	while (done < len) {
		n = virStreamSend(st, (const char *)data + done, len - done);
		if (n <= 0) {
			*why = xstrdup(virt_last_error());
			*code = virGetLastErrorCode();
			virStreamAbort(st);
			goto cleanup;
		}
		done += (size_t)n;
	}
	rc = virStreamFinish(st);
cleanup:
	if (rc < 0 && *why == NULL) {
		*why = xstrdup(virt_last_error());
		*code = virGetLastErrorCode();
	}
	if (st != NULL)
		virStreamFree(st);
	return rc;
}

/*
 * The test driver keeps volumes in memory and takes no uploads: there the
 * volume stays empty, which is all a test of up and down can see of it.
 */
static bool
driver_takes_no_upload(virConnectPtr conn, int code)
{
	const char *type;

	if (code != VIR_ERR_NO_SUPPORT)
		return false;
	type = virConnectGetType(conn);
	return type != NULL && strcmp(type, "TEST") == 0;
}

/* Deletes the host's seed volumes other than keep: older definitions'. */
static void
delete_stale(virStoragePoolPtr pool, const struct plan_host *host,
    const char *keep)
{
	virStorageVolPtr *vols = NULL;
	const char *name;
	int i, n;

	n = virStoragePoolListAllVolumes(pool, &vols, 0);
	for (i = 0; i < n; i++) {
		name = virStorageVolGetName(vols[i]);
		/* A failure leaves a stale file, which down removes anyway. */
		if (name != NULL && strcmp(name, keep) != 0 &&
		    seed_volume_of(host, name))
			virStorageVolDelete(vols[i], 0);
		virStorageVolFree(vols[i]);
	}
	free(vols);
}

/* Creates the volume name in pool holding the seed's image. */
static virStorageVolPtr
create(virConnectPtr conn, virStoragePoolPtr pool, const char *name,
    const struct seed *seed, char **error)
{
	unsigned char *data = NULL;
	virStorageVolPtr vol;
	size_t len = 0;
	char *xml, *why = NULL;
	int code = 0;

	if (seed_iso(seed, &data, &len, error) < 0)
		return NULL;
	xml = xml_seed_volume(name, len);
	vol = virStorageVolCreateXML(pool, xml, 0);
	free(xml);
	if (vol == NULL) {
		*error = xasprintf("cannot create the cloud-init seed volume "
		    "'%s': %s", name, virt_last_error());
	} else if (upload(conn, vol, data, len, &why, &code) < 0 &&
	    !driver_takes_no_upload(conn, code)) {
		*error = xasprintf("cannot upload the cloud-init seed volume "
		    "'%s': %s", name, why);
		virStorageVolDelete(vol, 0);
		virStorageVolFree(vol);
		vol = NULL;
	}
	free(why);
	free(data);
	return vol;
}

int
provision_seed(virConnectPtr conn, virStoragePoolPtr pool,
    const struct plan *plan, const struct plan_host *host, char **path,
    char **error)
{
	struct seed seed;
	virStorageVolPtr vol;
	char *name = NULL;
	int rc = -1;

	*path = NULL;
	if (seed_build(plan, host, NULL, &seed, error) < 0)
		goto cleanup;
	name = seed_volume_name(host, &seed);
	vol = virStorageVolLookupByName(pool, name);
	if (vol == NULL) {
		vol = create(conn, pool, name, &seed, error);
		if (vol != NULL)
			delete_stale(pool, host, name);
	}
	if (vol == NULL)
		goto cleanup;
	*path = virStorageVolGetPath(vol);
	virStorageVolFree(vol);
	if (*path == NULL)
		*error = xasprintf("cannot find the path of the cloud-init seed "
		    "volume '%s': %s", name, virt_last_error());
	else
		rc = 0;
cleanup:
	free(name);
	seed_clear(&seed);
	return rc;
}
