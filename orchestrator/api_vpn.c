/*
 * api_vpn.c: the API's routes of the VPN (vpn.h): a person's tunnel
 * (GET /api/v1/vpn), and their wg-quick file, as text or as a QR code
 * (POST /api/v1/vpn/config, POST /api/v1/vpn/qr), each a new key pair
 * that replaces the last, its private half in this answer and nowhere
 * else: not kept, not journaled, not logged.
 */
#include "rangectl/api.h"

#include <stdlib.h>
#include <string.h>

#include <qrencode.h>
#include <sodium.h>

#include "rangectl/util.h"
#include "rangectl/vpn.h"
#include "api_impl.h"

/* The Host header's name without its port, when it is a plain name. */
static char *
host_name(const char *host)
{
	size_t n;

	if (host == NULL)
		return NULL;
	n = strcspn(host, ":");
	if (n == 0 || n > 253 || strspn(host, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != n)
		return NULL;
	return xstrndup(host, n);
}

/*
 * The QR code of text as an SVG picture, new: a square per dark module
 * on a white ground with the standard quiet zone of 4 modules. The
 * picture encodes the private key, so it is written into one buffer sized
 * up front (no reallocation leaves a copy behind) and the module matrix
 * is wiped. libqrencode's own working copies of the text (its input list
 * and bit stream) are freed by it unwiped: beyond this code's reach.
 */
#define QR_HEAD 200	/* the <svg> and <rect> elements, and the tail */
#define QR_MODULE 17	/* "M%d %dh1v1h-1z" with two 3-digit numbers, NUL */

static char *
qr_svg(const char *text)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
	size_t cap, len;
	char *svg;
	int x, y, side;

	if (qr == NULL)
		return NULL;
	side = qr->width + 8;
	cap = QR_HEAD + (size_t)qr->width * (size_t)qr->width * QR_MODULE;
	svg = xmalloc(cap);
	len = (size_t)snprintf(svg, cap, "<svg xmlns=\"http://www.w3.org/2000/"
	    "svg\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">"
	    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path d=\"", side,
	    side, side, side);
	for (y = 0; y < qr->width; y++)
		for (x = 0; x < qr->width; x++)
			if (qr->data[y * qr->width + x] & 1)
				len += (size_t)snprintf(svg + len, cap - len,
				    "M%d %dh1v1h-1z", x + 4, y + 4);
	snprintf(svg + len, cap - len, "\"/></svg>\n");
	sodium_memzero(qr->data, (size_t)qr->width * (size_t)qr->width);
	QRcode_free(qr);
	return svg;
}

static void
answer_text(struct api_response *res, const char *type, char *body)
{
	res->kind = API_ANSWER;
	res->status = 200;
	res->content_type = type;
	res->body = body;
	res->body_len = strlen(body);
	res->secret = true;	/* both answers carry the private key */
}

/* POST /vpn/config or /vpn/qr: a new key pair and its file. */
static void
issue(struct api *api, const struct api_request *req,
    const struct auth_user *u, bool qr, struct api_response *res)
{
	char *host = host_name(req->host), *error = NULL, *file, *svg;

	file = vpn_host_issue(api->vpn, u->name, u->team->id, host, &error);
	free(host);
	if (file == NULL) {
		api_answer_error(res, 500, "cannot make your VPN key: %s", error);
		free(error);
		return;
	}
	if (!qr) {
		answer_text(res, "text/plain; charset=utf-8", file);
		return;
	}
	svg = qr_svg(file);
	sodium_memzero(file, strlen(file));
	free(file);
	if (svg == NULL)
		api_answer_error(res, 500, "%s", "cannot draw the QR code");
	else
		answer_text(res, "image/svg+xml", svg);
}

bool
api_vpn_route(struct api *api, const struct api_request *req,
    const struct auth_user *u, struct api_response *res)
{
	const char *path = req->path, *rest;
	json_t *status;
	bool post = strcmp(req->method, "POST") == 0;

	if (strncmp(path, "/api/v1/vpn", 11) != 0 || (path[11] != '\0' &&
	    path[11] != '/' && path[11] != '?'))
		return false;
	rest = path[11] == '/' ? path + 12 : "";
	if (strcmp(rest, "") != 0 && strcmp(rest, "config") != 0 &&
	    strcmp(rest, "qr") != 0) {
		api_answer_error(res, 404, "%s", "no such resource");
		return true;
	}
	if (api->vpn == NULL) {
		api_answer_error(res, 404, "%s", "this exercise has no VPN");
		return true;
	}
	if (u->role != AUTH_TRAINEE || u->team == NULL || (status =
	    vpn_host_status(api->vpn, u->name, u->team->id)) == NULL) {
		api_answer_error(res, 403, "%s", "only the members of a blue or "
		    "red team have a VPN");
		return true;
	}
	if (rest[0] == '\0' && !post) {
		api_answer_json(res, 200, status);
		return true;
	}
	json_decref(status);
	if (rest[0] == '\0' || !post)
		api_answer_error(res, 405, "%.16s is not allowed here",
		    req->method);
	else
		issue(api, req, u, strcmp(rest, "qr") == 0, res);
	return true;
}

static bool
person_allowed(void *ctx, const char *name)
{
	struct api *api = ctx;
	const struct auth_user *u = auth_user_named(api->auth, name);

	return u != NULL && (api->sessions == NULL ||
	    session_person_allowed(api->sessions, u));
}

void
api_vpn_sweep(struct api *api)
{
	if (api->vpn != NULL)
		vpn_host_sweep(api->vpn, person_allowed, api);
}
