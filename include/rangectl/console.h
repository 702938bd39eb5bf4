/*
 * console.h: a host's serial console, or its screen, in the browser: a
 * WebSocket (frames by libwslay) joined to a libvirt console stream, or
 * to the VNC server of the host's screen, both ways.
 *
 * The HTTP server checks who may open it, answers the upgrade with the
 * Sec-WebSocket-Accept of console_accept_key(), and hands the upgraded
 * socket over to the engine (engine_console), whose libvirt edge gives it
 * to console_start() (console_libvirt.h), which serves it on a thread of
 * its own.
 * What the guest writes goes to the browser as binary messages; the
 * browser's text and binary messages go to the guest as they are. Either
 * side closing ends both: the browser's close is answered, and the end or
 * failure of the console is said in a close message (1000 or 1011, the
 * reason a sentence), which the page can show.
 *
 * The relay itself, console_relay(), works on any peer, so that tests can
 * run it with a socket pair where the guest's stream would be: libvirt's
 * test driver has no consoles.
 */
#ifndef RANGECTL_CONSOLE_H
#define RANGECTL_CONSOLE_H

#include <stddef.h>
#include <sys/types.h>

struct MHD_UpgradeResponseHandle;

/*
 * The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key
 * (RFC 6455: base64 of the SHA-1 of the key and the protocol's GUID).
 * Returns a new string (the caller frees it), or NULL for a key that is
 * not 16 bytes in padded base64 (NULL too), or should GnuTLS refuse SHA-1.
 */
char *console_accept_key(const char *key);

/*
 * What a console relays: the serial console's bytes (for a terminal
 * emulator), or the screen's VNC server speaking RFB (for noVNC).
 */
enum console_kind {
	CONSOLE_SERIAL,
	CONSOLE_SCREEN,
};

/* Consoles and screens open now (their threads running), for /metrics. */
unsigned console_count(void);

/* What a peer's recv and send say when nothing can move now. */
#define CONSOLE_AGAIN (-2)

/*
 * The far side of a relay: a libvirt stream, or in tests any descriptor.
 * recv and send move at most size bytes and return how many, or
 * CONSOLE_AGAIN, or -1 with *error set (the caller frees it); recv
 * returns 0 at the end. The relay polls fd for reading before it calls
 * recv again after CONSOLE_AGAIN; after a send's CONSOLE_AGAIN it tries
 * again a little later, as a stream has nothing to poll for writing.
 */
struct console_peer {
	int fd;
	void *data;	/* the peer's own, not the relay's */
	ssize_t (*recv)(const struct console_peer *peer, char *buf,
	    size_t size, char **error);
	ssize_t (*send)(const struct console_peer *peer, const char *buf,
	    size_t size, char **error);
};

/*
 * Makes peer the descriptor fd (a pipe, a socket; made non-blocking),
 * which the caller keeps and closes.
 */
void console_peer_fd(struct console_peer *peer, int fd);

/*
 * Relays between the WebSocket of a client on sock (the server's side,
 * made non-blocking) and peer on the calling thread, until either side
 * closes or fails; extra as for console_start(). Returns 0 after the
 * browser's close or the peer's end, or -1 with *error set (the caller
 * frees it) when the browser's connection or the peer failed. Closes
 * neither sock nor the peer.
 */
int console_relay(int sock, const char *extra, size_t extra_size,
    const struct console_peer *peer, char **error);

#endif
