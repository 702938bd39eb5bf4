/*
 * check_limit.c: how many probes of a kind check_run() puts in flight at
 * once. A unit of its own: check.c and the kinds' files all ask it, and
 * check.c calls the kinds (no cycle between units: tests/arch).
 */
#include "check_impl.h"

#include <sys/resource.h>

/*
 * Open files kept for the rest of the process (the journal, the
 * dashboard's clients, libraries' own), and the parts of a batch that
 * may each take their share of the rest at once: tcp, libcurl's, dns,
 * ssh and icmp.
 */
#define CHECK_FD_RESERVE 1024
#define CHECK_PARTS 5

/*
 * A probe that waits for a free slot starts late and ends late: in a
 * round of a thousand with silent servers, the last ones would end a
 * tenth of a timeout after the others. run raises the limit of open
 * files, so every probe of a kind usually starts at once.
 */
size_t
check_limit_in_flight(size_t n)
{
	size_t room = CHECK_MAX_SOCKETS;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		rl.rlim_cur = 0;
	if (rl.rlim_cur == RLIM_INFINITY)
		room = n;
	else if (rl.rlim_cur > CHECK_FD_RESERVE + CHECK_PARTS *
	    CHECK_MAX_SOCKETS)
		room = (size_t)(rl.rlim_cur - CHECK_FD_RESERVE) / CHECK_PARTS;
	if (n < room)
		room = n;
	return room > 0 ? room : 1;
}
