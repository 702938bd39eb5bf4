/*
 * console_libvirt.h: console.c's libvirt side, for the libvirt edge only
 * (engine_libvirt.c, tests): the HTTP side includes console.h, which
 * names no libvirt type, and opens a console through engine_console().
 */
#ifndef RANGECTL_CONSOLE_LIBVIRT_H
#define RANGECTL_CONSOLE_LIBVIRT_H

#include <libvirt/libvirt.h>
#include <stddef.h>

#include "rangectl/console.h"

/*
 * Opens the serial console of the libvirt domain `name` through conn (a
 * reference the console takes and drops itself; NULL: its node is away,
 * which the browser is told), taking it over from any other session
 * (VIR_DOMAIN_CONSOLE_FORCE), and relays it over the WebSocket on sock
 * until either side closes; then closes the upgraded connection with
 * MHD_upgrade_action(urh, CLOSE). kind CONSOLE_SCREEN opens the domain's
 * first screen instead (virDomainOpenGraphicsFD: a new VNC client of
 * QEMU's, beside any other), and relays its RFB bytes as they are. extra holds the bytes
 * the server already read past the handshake (may be 0 long; copied).
 *
 * Nothing here calls libvirt before the thread runs, so it may be called
 * from an HTTP callback. A console that cannot open (no such domain, not
 * running, a driver without consoles) is told to the browser in a close
 * message 1011 whose reason says why.
 *
 * Returns 0 once the thread runs, or -1 with *error set (the caller frees
 * it) when it could not start, having closed the connection.
 * urh NULL is for tests only: sock is then closed with close().
 */
int console_start(virConnectPtr conn, const char *name, int kind,
    struct MHD_UpgradeResponseHandle *urh, int sock, const char *extra,
    size_t extra_size, char **error);

#endif
