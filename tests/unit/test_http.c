/*
 * test_http.c: which file a request path may name, media types, and the
 * listening address: the pure parts of the dashboard's server.
 */
#include "harness.h"

#include <string.h>

#include "rangectl/http.h"

static int
maps(const char *url, const char *want)
{
	char out[256];

	if (http_static_path(url, out, sizeof(out)) < 0) {
		fprintf(stderr, "  '%s' refused, wanted '%s'\n", url, want);
		return 0;
	}
	if (strcmp(out, want) != 0) {
		fprintf(stderr, "  '%s' gave '%s', wanted '%s'\n", url, out, want);
		return 0;
	}
	return 1;
}

static int
refused(const char *url)
{
	char out[256];

	if (http_static_path(url, out, sizeof(out)) == 0) {
		fprintf(stderr, "  '%s' accepted as '%s'\n", url ? url : "(null)", out);
		return 0;
	}
	return 1;
}

TEST(paths_inside_web_map_to_their_files)
{
	CHECK(maps("/", "index.html"));
	CHECK(maps("/app.js", "app.js"));
	CHECK(maps("/css/style.css", "css/style.css"));
	CHECK(maps("/vendor/xterm/lib/xterm.js",
	    "node_modules/@xterm/xterm/lib/xterm.js"));
	/* noVNC's ES modules import each other by relative paths. */
	CHECK(maps("/vendor/novnc/core/rfb.js",
	    "node_modules/@novnc/novnc/core/rfb.js"));
	CHECK(maps("/vendor/novnc/vendor/pako/lib/zlib/inflate.js",
	    "node_modules/@novnc/novnc/vendor/pako/lib/zlib/inflate.js"));
}

TEST(every_way_out_is_refused)
{
	static const char *const bad[] = {
		"", "index.html", "/..", "/../etc/passwd", "/a/../../etc",
		"/./index.html", "/.git/config", "/a/.hidden", "/%2e%2e/x",
		"/.%2e/x", "/%2e/x", "/a%2fb", "/a%00b", "/a\\b", "/a b",
		"//etc/passwd", "/a//b", "/dir/", "/node_modules/x/y.js",
		"/vendor/xterm/../../x", "/vendor/xterm/.x", "/\xc3\xa9",
		"/vendor/novnc/../../x", "/vendor/novnc/core/../../../x",
	};
	char long_url[400];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(refused(bad[i]));
	memset(long_url, 'a', sizeof(long_url));
	long_url[0] = '/';
	long_url[sizeof(long_url) - 1] = '\0';
	CHECK(refused(long_url));
	CHECK(refused(NULL));
}

TEST(a_path_too_long_for_its_buffer_is_refused)
{
	char out[8];

	CHECK(http_static_path("/abcdefghij.js", out, sizeof(out)) < 0);
}

TEST(media_types)
{
	CHECK_STR_EQ(http_content_type("index.html"), "text/html; charset=utf-8");
	CHECK_STR_EQ(http_content_type("a/b.js"),
	    "text/javascript; charset=utf-8");
	CHECK_STR_EQ(http_content_type("x.css"), "text/css; charset=utf-8");
	CHECK_STR_EQ(http_content_type("noext"), "application/octet-stream");
}

TEST(listen_addresses)
{
	char addr[64];
	unsigned port = 0;

	CHECK_INT_EQ(http_parse_listen("127.0.0.1:8080", addr, sizeof(addr),
	    &port), 0);
	CHECK_STR_EQ(addr, "127.0.0.1");
	CHECK_INT_EQ(port, 8080);
	CHECK(http_parse_listen("127.0.0.1", addr, sizeof(addr), &port) < 0);
	CHECK(http_parse_listen(":80", addr, sizeof(addr), &port) < 0);
	CHECK(http_parse_listen("1.2.3.4:", addr, sizeof(addr), &port) < 0);
	CHECK(http_parse_listen("1.2.3.4:0", addr, sizeof(addr), &port) < 0);
	CHECK(http_parse_listen("1.2.3.4:65536", addr, sizeof(addr), &port) < 0);
	CHECK(http_parse_listen("1.2.3.4:80x", addr, sizeof(addr), &port) < 0);
	CHECK(http_parse_listen(NULL, addr, sizeof(addr), &port) < 0);
}
