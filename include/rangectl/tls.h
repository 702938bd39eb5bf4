/*
 * tls.h: --tls-self-signed: a key and a self-signed certificate made with
 * GnuTLS in the state folder, once, for a dashboard without a CA's
 * certificate; players check its SHA-256 fingerprint by eye.
 */
#ifndef RANGECTL_TLS_H
#define RANGECTL_TLS_H

#define TLS_KEY_FILE "tls-key.pem"
#define TLS_CERT_FILE "tls-cert.pem"
/* "AB:CD:..." of a SHA-256: 32 pairs and 31 colons. */
#define TLS_FINGERPRINT_LEN (32 * 3 - 1)
#define TLS_DAYS 365

/*
 * Makes STATE/tls-key.pem (ECDSA P-256) and STATE/tls-cert.pem (valid
 * TLS_DAYS, for the IPv4 address of listen_addr, "localhost" and
 * 127.0.0.1), both mode 0600, unless both exist already; then puts the
 * files' paths (new) in *cert and *key and the certificate's SHA-256
 * fingerprint in fingerprint. Returns 0, or -1 with *error set.
 */
int tls_self_signed(const char *state_dir, const char *listen_addr,
    char **cert, char **key, char fingerprint[TLS_FINGERPRINT_LEN + 1],
    char **error);

#endif
