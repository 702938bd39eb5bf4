/*
 * imagesum.c: base images' SHA-256, cached by path, size and mtime
 * (imagesum.h). The hash is GnuTLS's, already linked for TLS.
 */
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rangectl/imagesum.h"
#include "rangectl/util.h"

#define IMAGESUM_CHUNK (1 << 20)

char *
imagesum_cache_path(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/rangectl/images.json", xdg);
	if (home != NULL && home[0] != '\0')
		return xasprintf("%s/.cache/rangectl/images.json", home);
	return NULL;
}

int
imagesum_file(const char *path, char hex[FAIRNESS_HEX])
{
	gnutls_hash_hd_t hd;
	unsigned char digest[32];
	char *buf = NULL;
	ssize_t n;
	int fd, rc = -1;
	size_t i;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (gnutls_hash_init(&hd, GNUTLS_DIG_SHA256) < 0)
		goto cleanup;
	buf = xmalloc(IMAGESUM_CHUNK);
	while ((n = read(fd, buf, IMAGESUM_CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || gnutls_hash(hd, buf, (size_t)n) < 0)
			break;
	}
	gnutls_hash_deinit(hd, digest);
	if (n == 0) {
		for (i = 0; i < sizeof(digest); i++)
			snprintf(hex + 2 * i, 3, "%02x", digest[i]);
		rc = 0;
	}
cleanup:
	free(buf);
	close(fd);
	return rc;
}

/* The cache's entry for path if its size and mtime still hold. */
static const char *
cached(json_t *cache, const char *path, const struct stat *st)
{
	json_t *e = json_object_get(cache, path);

	if (json_integer_value(json_object_get(e, "size")) != st->st_size ||
	    json_integer_value(json_object_get(e, "mtime_ns")) !=
	    (json_int_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec)
		return NULL;
	return json_string_value(json_object_get(e, "sha256"));
}

/* "HEX", "absent" or "unreadable" for one file; *dirty when cached anew. */
static char *
sum_one(const struct plan *plan, const char *file, json_t *cache, int *dirty,
    unsigned long long *read_bytes)
{
	char hex[FAIRNESS_HEX], *path = plan_path(plan, file), *out;
	const char *have;
	struct stat st;

	if (stat(path, &st) < 0) {
		free(path);
		return xstrdup("absent");
	}
	have = cached(cache, path, &st);
	if (have != NULL && strlen(have) == FAIRNESS_HEX - 1) {
		out = xstrdup(have);
	} else if (imagesum_file(path, hex) < 0) {
		out = xstrdup("unreadable");
	} else {
		*read_bytes += (unsigned long long)st.st_size;
		json_object_set_new(cache, path, json_pack("{s:I, s:I, s:s}",
		    "size", (json_int_t)st.st_size, "mtime_ns",
		    (json_int_t)st.st_mtim.tv_sec * 1000000000 +
		    st.st_mtim.tv_nsec, "sha256", hex));
		*dirty = 1;
		out = xstrdup(hex);
	}
	free(path);
	return out;
}

/* mkdir -p of path's folder. */
static void
make_parent(const char *path)
{
	char *dir = xstrdup(path), *p;

	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(dir, 0700);
		*p = '/';
	}
	free(dir);
}

/* Written aside and renamed, so that a reader never sees half of it. */
static void
save(json_t *cache, const char *path)
{
	char *tmp = xasprintf("%s.%ld.tmp", path, (long)getpid());

	make_parent(path);
	if (json_dump_file(cache, tmp, JSON_INDENT(1) | JSON_SORT_KEYS) < 0 ||
	    rename(tmp, path) < 0)
		(void)unlink(tmp);
	free(tmp);
}

char **
imagesum_plan(const struct plan *plan, const char *cache_path,
    unsigned long long *read_bytes)
{
	static const char *const kinds[] = { "kernel", "initrd", "disk" };
	char **sums = xcalloc(plan->n_images + 1, sizeof(*sums));
	const struct plan_image *img;
	unsigned long long bytes = 0;
	const char *files[3];
	json_t *cache = NULL;
	struct strbuf sb;
	int dirty = 0;
	size_t i, k;
	char *one;

	if (cache_path != NULL)
		cache = json_load_file(cache_path, 0, NULL);
	if (!json_is_object(cache)) {
		json_decref(cache);
		cache = json_object();
	}
	for (i = 0; i < plan->n_images; i++) {
		img = &plan->images[i];
		files[0] = img->kernel;
		files[1] = img->initrd;
		files[2] = img->disk;
		strbuf_init(&sb);
		for (k = 0; k < 3; k++) {
			one = files[k] ? sum_one(plan, files[k], cache, &dirty,
			    &bytes) : xstrdup("-");
			strbuf_printf(&sb, "%s%s=%s", k ? " " : "", kinds[k], one);
			free(one);
		}
		sums[i] = strbuf_steal(&sb);
	}
	if (dirty && cache_path != NULL)
		save(cache, cache_path);
	json_decref(cache);
	if (read_bytes != NULL)
		*read_bytes = bytes;
	return sums;
}

void
imagesum_free(char **sums, size_t n)
{
	size_t i;

	if (sums == NULL)
		return;
	for (i = 0; i < n; i++)
		free(sums[i]);
	free(sums);
}
