/*
 * kvm.c: probing /dev/kvm without hanging on it.
 */
#include "rangectl/kvm.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* In the child: exit 0 only if a VM could be created. */
static void
probe_child(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0 || ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION ||
	    ioctl(fd, KVM_CREATE_VM, 0) < 0)
		_exit(1);
	_exit(0);
}

bool
kvm_usable(int timeout_ms)
{
	const char *forced = getenv("RANGECTL_ACCEL");
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int status, waited;
	pid_t pid;

	if (forced != NULL && strcmp(forced, "tcg") == 0)
		return false;
	if (forced != NULL && strcmp(forced, "kvm") == 0)
		return true;
	if (access("/dev/kvm", R_OK | W_OK) != 0)
		return false;
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0)
		probe_child();
	for (waited = 0; waited < timeout_ms; waited += 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0;
		nanosleep(&pause, NULL);
	}
	/* Hung in the kernel: it may not even die, but it is not waited on. */
	kill(pid, SIGKILL);
	waitpid(pid, &status, WNOHANG);
	return false;
}
