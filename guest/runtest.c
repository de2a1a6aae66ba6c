// SPDX-License-Identifier: GPL-2.0
/*
 * runtest: run one test program in the guest and wait for all of it.
 *
 *   runtest SECONDS COMMAND [ARGS...]
 *
 * Some tests fork and let the parent exit while the child goes on
 * (protection_keys does, to run its later iterations in a child), so the
 * exit status of the command alone says nothing about the rest of the
 * test.  runtest makes itself a child subreaper: processes of the test
 * that lose their parent become its children, and it waits for every one
 * of them.  The test fails if any process runtest reaps exits non-zero or
 * is killed by a signal.  The command runs in a process group of its own,
 * and the whole group is killed when the time limit runs out.
 *
 * Exit status: 0 passed; 4 (KSFT_SKIP) the command skipped; 124 timed out;
 * otherwise the first failure seen (exit status, or 128 + signal).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	timed_out = 1;
}

static int status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int status, code, result = 0, child_result = -1;
	pid_t child, pid;

	if (argc < 3 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: runtest SECONDS COMMAND [ARGS...]\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1)) {
		perror("runtest: PR_SET_CHILD_SUBREAPER");
		return 2;
	}
	sigaction(SIGALRM, &sa, NULL);

	child = fork();
	if (child < 0) {
		perror("runtest: fork");
		return 2;
	}
	if (!child) {
		setpgid(0, 0);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "runtest: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	setpgid(child, child);
	alarm(atoi(argv[1]));

	for (;;) {
		pid = waitpid(-1, &status, 0);
		if (pid < 0 && errno == EINTR && timed_out) {
			fprintf(stderr, "runtest: %s: time limit of %s s reached, killing the test\n",
				argv[2], argv[1]);
			kill(-child, SIGKILL);
			continue;
		}
		if (pid < 0)
			break;		/* ECHILD: all processes of the test reaped */
		code = status_code(status);
		if (pid == child) {
			child_result = code;
		} else if (code && !result) {
			fprintf(stderr, "runtest: %s: process %d of the test %s %d\n",
				argv[2], pid,
				WIFEXITED(status) ? "exited with" : "was killed by signal",
				WIFEXITED(status) ? code : code - 128);
			result = code;
		}
	}
	if (timed_out)
		return 124;
	return child_result ? child_result : result;
}
