/*
 * tls.c: a self-signed certificate through GnuTLS's X.509 functions.
 */
#include "rangectl/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "rangectl/auth.h"
#include "rangectl/http.h"
#include "rangectl/util.h"

/* Reads a whole small file; NULL after *error. */
static char *
read_text(const char *path, size_t *len, char **error)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;

	if (f == NULL) {
		*error = xasprintf("cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	text = xmalloc(65536);
	*len = fread(text, 1, 65535, f);
	text[*len] = '\0';
	fclose(f);
	return text;
}

/* The fingerprint of the PEM certificate at path. 0, or -1 with *error. */
static int
fingerprint_of(const char *path, char out[TLS_FINGERPRINT_LEN + 1],
    char **error)
{
	unsigned char digest[32];
	size_t len = 0, size = sizeof(digest), i;
	gnutls_x509_crt_t crt = NULL;
	char *text = read_text(path, &len, error);
	gnutls_datum_t pem;
	int rc = -1;

	if (text == NULL)
		return -1;
	pem.data = (unsigned char *)text;
	pem.size = (unsigned)len;
	if (gnutls_x509_crt_init(&crt) < 0 ||
	    gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, digest,
	    &size) < 0 || size != sizeof(digest)) {
		*error = xasprintf("'%s' is not a PEM certificate", path);
		goto cleanup;
	}
	for (i = 0; i < size; i++)
		snprintf(out + 3 * i, 4, i + 1 < size ? "%02X:" : "%02X",
		    digest[i]);
	rc = 0;
cleanup:
	gnutls_x509_crt_deinit(crt);
	free(text);
	return rc;
}

/* Subject, names, validity and uses of the certificate for addr. */
static int
describe(gnutls_x509_crt_t crt, const char *addr)
{
	unsigned char serial[16], ip[4];
	time_t now = time(NULL);
	int rc = 0;

	if (gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial)) < 0)
		return -1;
	serial[0] &= 0x7f;	/* a positive number */
	rc |= gnutls_x509_crt_set_version(crt, 3);
	rc |= gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
	rc |= gnutls_x509_crt_set_activation_time(crt, now - 3600);
	rc |= gnutls_x509_crt_set_expiration_time(crt, now + TLS_DAYS * 86400L);
	rc |= gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	    "rangectl", 8);
	rc |= gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME,
	    "localhost", 9, GNUTLS_FSAN_APPEND);
	if (inet_pton(AF_INET, "127.0.0.1", ip) == 1)
		rc |= gnutls_x509_crt_set_subject_alt_name(crt,
		    GNUTLS_SAN_IPADDRESS, ip, 4, GNUTLS_FSAN_APPEND);
	if (strcmp(addr, "127.0.0.1") != 0 && inet_pton(AF_INET, addr, ip) == 1)
		rc |= gnutls_x509_crt_set_subject_alt_name(crt,
		    GNUTLS_SAN_IPADDRESS, ip, 4, GNUTLS_FSAN_APPEND);
	rc |= gnutls_x509_crt_set_basic_constraints(crt, 0, -1);
	rc |= gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE);
	rc |= gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER,
	    0);
	return rc < 0 ? -1 : 0;
}

/* Exports x (a key or a certificate) as PEM into path, mode 0600. */
static int
write_pem(const char *path, const char *dir, gnutls_datum_t *pem,
    char **error)
{
	char *text = xstrndup((const char *)pem->data, pem->size);
	int rc = auth_write_file(path, dir, text, error);

	gnutls_memset(text, 0, pem->size);
	free(text);
	gnutls_free(pem->data);
	pem->data = NULL;
	return rc;
}

static int
make_pair(const char *dir, const char *addr, const char *cert_path,
    const char *key_path, char **error)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t pem = { NULL, 0 };
	int rc = -1;

	if (gnutls_x509_privkey_init(&key) < 0 ||
	    gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0 ||
	    gnutls_x509_crt_init(&crt) < 0 || describe(crt, addr) < 0 ||
	    gnutls_x509_crt_set_key(crt, key) < 0 ||
	    gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) < 0) {
		*error = xstrdup("cannot make a self-signed certificate (GnuTLS)");
		goto cleanup;
	}
	if (gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &pem) < 0 ||
	    write_pem(key_path, dir, &pem, error) < 0)
		goto cleanup;
	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &pem) < 0 ||
	    write_pem(cert_path, dir, &pem, error) < 0)
		goto cleanup;
	rc = 0;
cleanup:
	if (rc < 0 && *error == NULL)
		*error = xstrdup("cannot export the self-signed certificate");
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return rc;
}

int
tls_self_signed(const char *state_dir, const char *listen_addr,
    char **cert, char **key, char fingerprint[TLS_FINGERPRINT_LEN + 1],
    char **error)
{
	char addr[64] = "127.0.0.1";
	unsigned port;

	*error = NULL;
	*cert = xasprintf("%s/%s", state_dir, TLS_CERT_FILE);
	*key = xasprintf("%s/%s", state_dir, TLS_KEY_FILE);
	if (listen_addr != NULL)
		http_parse_listen(listen_addr, addr, sizeof(addr), &port);
	if ((access(*cert, R_OK) < 0 || access(*key, R_OK) < 0) &&
	    make_pair(state_dir, addr, *cert, *key, error) < 0)
		goto fail;
	if (fingerprint_of(*cert, fingerprint, error) < 0)
		goto fail;
	return 0;
fail:
	free(*cert);
	free(*key);
	*cert = *key = NULL;
	return -1;
}
