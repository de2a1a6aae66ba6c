// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz-pkeys: a targeted fuzzer for the user protection key interfaces,
 * run by `make fuzz` beside trinity.  Trinity knows the pkey system
 * calls but neither the series' prctl() options (PR_SET_PKEY_STRICT,
 * PR_GET_PKEY_STRICT) nor its pkey_alloc() flag (PKEY_ALLOC_SIGNALINHERIT),
 * refuses to call fork() and clone() itself, and never writes PKRU.
 *
 * Usage: fuzz-pkeys SECONDS [WORKERS [SEED]]
 *
 * WORKERS processes (default 2), each with two threads, issue random
 * pkey_alloc (with valid and unknown flags and rights), pkey_free (of
 * allocated, free and invalid keys), pkey_mprotect, mprotect, mmap,
 * munmap, mremap, madvise, sigaltstack, rt_sigaction, prctl(74/75) with
 * valid and invalid arguments, and WRPKRU of random rights, touch their
 * memory under those rights (a SEGV_PKUERR or SEGV_ACCERR is caught),
 * signal themselves and each other, fork children that do the same
 * briefly, and start short-lived threads.  All of it happens inside an
 * arena of their own at a fixed address, between unmapped gaps, so that
 * a random length never reaches the program's own memory.  A worker that
 * dies (an alternate stack unmapped under a signal, say) is replaced.
 *
 * The verdict is the kernel's: the harness scans the console for
 * warnings.  Output, last line:
 *
 *   fuzz-pkeys: syscalls N wrpkru N faults N forks N threads N signals N respawns N
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>

#include "pkru.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define PAGE		4096UL
#define ARENA		((char *)0x200000000000UL)
#define ARENA_PAGES	512UL
#define ARENA_SIZE	(ARENA_PAGES * PAGE)

/* Shared by every worker and their children (MAP_SHARED). */
struct fuzz_counts {
	unsigned long syscalls, wrpkru, faults, forks, threads, signals;
};

static struct fuzz_counts *counts;
static time_t deadline;

static __thread __u64 rnd_state;
/*
 * The innermost touch under way in this thread: a SIGUSR handler can
 * touch while a fault of the thread's own touch is being handled (its
 * SIGSEGV handler does not block them), and each touch must come back to
 * its own frame.  One buffer for both let the SIGSEGV handler jump into
 * the SIGUSR handler's frame after it had returned: a process looped
 * through siglongjmp() and rt_sigreturn() with a stale frame forever.
 */
static __thread sigjmp_buf *touch_env;
static __thread atomic_int touching;
static int in_child;	/* a forked child: no fork(), no new thread */

static __u64 rnd(void)
{
	__u64 x = rnd_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rnd_state = x;
	return x;
}

static unsigned long rnd_below(unsigned long n)
{
	return n ? rnd() % n : 0;
}

static void count(unsigned long *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* A key: mostly 0-15, sometimes out of range. */
static long rnd_key(void)
{
	static const long odd[] = { -1, 16, 17, 0x7fffffff, -0x7fffffffL - 1, 1L << 32 };

	if (rnd_below(8))
		return rnd_below(16);
	return odd[rnd_below(ARRAY_SIZE(odd))];
}

/* An address in the arena: page aligned, sometimes not, sometimes just outside. */
static char *rnd_addr(void)
{
	char *p = ARENA + rnd_below(ARENA_PAGES) * PAGE;

	switch (rnd_below(16)) {
	case 0:
		return p + 1 + rnd_below(PAGE - 1);
	case 1:
		return ARENA - PAGE;
	case 2:
		return ARENA + ARENA_SIZE;
	default:
		return p;
	}
}

/* A length: a few pages, sometimes 0, unaligned, overflowing or huge. */
static size_t rnd_len(void)
{
	static const size_t odd[] = { 0, 1, PAGE - 1, -PAGE, -1UL, 1UL << 47, ARENA_SIZE };

	if (rnd_below(8))
		return (1 + rnd_below(rnd_below(4) ? 8 : 64)) * PAGE;
	return odd[rnd_below(ARRAY_SIZE(odd))];
}

static int rnd_prot(void)
{
	static const int prots[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
				     PROT_EXEC, PROT_READ | PROT_EXEC, 0x1000, -1 };

	return prots[rnd_below(ARRAY_SIZE(prots))];
}

static void segv_handler(int sig, siginfo_t *si, void *uc)
{
	if (touching) {
		touching = 0;
		count(&counts->faults);
		siglongjmp(*touch_env, 1);
	}
	/* A fault outside a deliberate touch: let the worker die of it. */
	signal(sig, SIG_DFL);
}

static void usr_handler(int sig, siginfo_t *si, void *uc)
{
	char *p = ARENA + rnd_below(ARENA_PAGES) * PAGE;

	/* Under the init PKRU or inherited rights: a touch may fault. */
	count(&counts->signals);
	if (!rnd_below(4) && !touching) {
		sigjmp_buf env, *outer = touch_env;

		touch_env = &env;
		touching = 1;
		if (!sigsetjmp(env, 1))
			__atomic_load_n(p, __ATOMIC_RELAXED);
		touching = 0;
		touch_env = outer;
	}
}

static void set_handlers(void)
{
	struct sigaction sa = { .sa_flags = SA_SIGINFO | SA_NODEFER };

	sa.sa_sigaction = segv_handler;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sa.sa_sigaction = usr_handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
}

/* Read or write arena memory under the current rights. */
static void touch(void)
{
	char *p = ARENA + rnd_below(ARENA_SIZE);
	sigjmp_buf env;

	touch_env = &env;
	touching = 1;
	if (!sigsetjmp(env, 1)) {
		if (rnd() & 1)
			__atomic_store_n(p, 1, __ATOMIC_RELAXED);
		else
			__atomic_load_n(p, __ATOMIC_RELAXED);
	}
	touching = 0;
}

static void one_op(void);

static void *short_thread(void *arg)
{
	int i;

	rnd_state = (uintptr_t)arg | 1;
	for (i = 0; i < 32; i++)
		one_op();
	return NULL;
}

#define SYSCALL(...) (count(&counts->syscalls), syscall(__VA_ARGS__))

static void one_op(void)
{
	static const int advice[] = { MADV_DONTNEED, MADV_FREE, MADV_WILLNEED,
				      MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK,
				      MADV_KEEPONFORK, MADV_HUGEPAGE, MADV_NOHUGEPAGE,
				      MADV_COLD, MADV_PAGEOUT, MADV_POPULATE_READ,
				      MADV_POPULATE_WRITE, MADV_NORMAL, 12345 };
	static const unsigned long flags[] = { 0, 0, PKEY_ALLOC_SIGNALINHERIT,
					       PKEY_ALLOC_SIGNALINHERIT, 2, 0x80000000UL,
					       PKEY_ALLOC_SIGNALINHERIT | 4, -1UL };
	unsigned int pkru;
	pthread_t t;
	stack_t ss;
	pid_t pid;
	int i;

	switch (rnd_below(20)) {
	case 0:
	case 1:
		SYSCALL(SYS_pkey_alloc, flags[rnd_below(ARRAY_SIZE(flags))],
			rnd_below(8) ? rnd_below(4) : rnd());
		break;
	case 2:
		SYSCALL(SYS_pkey_free, rnd_key());
		break;
	case 3:
	case 4:
		SYSCALL(SYS_pkey_mprotect, rnd_addr(), rnd_len(), rnd_prot(), rnd_key());
		break;
	case 5:
		SYSCALL(SYS_mprotect, rnd_addr(), rnd_len(), rnd_prot());
		break;
	case 6:
		SYSCALL(SYS_mmap, ARENA + rnd_below(ARENA_PAGES) * PAGE,
			(1 + rnd_below(16)) * PAGE, rnd_prot() & 7,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
			(rnd_below(4) ? 0 : MAP_POPULATE), -1, 0);
		break;
	case 7:
		SYSCALL(SYS_munmap, rnd_addr(), rnd_len() % (ARENA_SIZE / 4));
		break;
	case 8:
		if (rnd() & 1)
			SYSCALL(SYS_mremap, rnd_addr(), rnd_len() % (ARENA_SIZE / 4),
				(1 + rnd_below(16)) * PAGE, 0);
		else
			SYSCALL(SYS_mremap, rnd_addr(), (1 + rnd_below(8)) * PAGE,
				(1 + rnd_below(8)) * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
				ARENA + rnd_below(ARENA_PAGES) * PAGE);
		break;
	case 9:
		SYSCALL(SYS_madvise, rnd_addr(), rnd_len() % (ARENA_SIZE / 4),
			advice[rnd_below(ARRAY_SIZE(advice))]);
		break;
	case 10:
		if (rnd_below(4)) {
			SYSCALL(SYS_prctl, PR_SET_PKEY_STRICT, rnd_below(4) ? rnd_below(2) : rnd(),
				rnd_below(8) ? 0 : 1, 0, 0);
		} else {
			SYSCALL(SYS_prctl, PR_GET_PKEY_STRICT, rnd_below(8) ? 0 : 1,
				0, 0, rnd_below(8) ? 0 : 1);
		}
		break;
	case 11:
	case 12:
		/* Key 0 stays open: the stack and the program use it. */
		pkru = rnd() & ~3U;
		if (rnd_below(2))
			pkru = rdpkru() ^ (3U << (2 * (1 + rnd_below(15))));
		wrpkru(pkru & ~3U);
		count(&counts->wrpkru);
		touch();
		break;
	case 13:
		touch();
		break;
	case 14:
		ss.ss_sp = rnd_addr();
		ss.ss_size = rnd_below(4) ? 4 * PAGE : rnd_len();
		ss.ss_flags = rnd_below(8) ? 0 : SS_DISABLE;
		SYSCALL(SYS_sigaltstack, &ss, NULL);
		break;
	case 15: {
		struct sigaction sa = { .sa_sigaction = usr_handler };

		sa.sa_flags = SA_SIGINFO | (rnd() & 1 ? SA_ONSTACK : 0) |
			      (rnd() & 1 ? SA_NODEFER : 0);
		count(&counts->syscalls);
		sigaction(rnd() & 1 ? SIGUSR1 : SIGUSR2, &sa, NULL);
		break;
	}
	case 16:
		count(&counts->syscalls);
		kill(0, rnd() & 1 ? SIGUSR1 : SIGUSR2);
		break;
	case 17:
		if (in_child)
			break;
		count(&counts->syscalls);
		pid = fork();
		if (pid == 0) {
			in_child = 1;
			for (i = 0; i < 16; i++)
				one_op();
			_exit(0);
		}
		if (pid > 0) {
			count(&counts->forks);
			waitpid(pid, NULL, 0);
		}
		break;
	case 18:
		if (in_child)
			break;
		if (!pthread_create(&t, NULL, short_thread, (void *)(uintptr_t)rnd())) {
			count(&counts->threads);
			pthread_join(t, NULL);
		}
		break;
	default:
		/* A mapping for the others to work on. */
		SYSCALL(SYS_mmap, ARENA + rnd_below(ARENA_PAGES) * PAGE, 8 * PAGE,
			PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		break;
	}
}

static void *worker_thread(void *arg)
{
	rnd_state = (uintptr_t)arg | 1;
	while (time(NULL) < deadline)
		one_op();
	return NULL;
}

static void worker(__u64 seed)
{
	pthread_t t;

	/* Its children with it: kill_workers() ends the group. */
	setpgid(0, 0);
	set_handlers();
	if (mmap(ARENA, ARENA_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != ARENA) {
		perror("fuzz-pkeys: arena");
		_exit(1);
	}
	pthread_create(&t, NULL, worker_thread, (void *)(uintptr_t)(seed * 7 + 3));
	worker_thread((void *)(uintptr_t)seed);
	pthread_join(t, NULL);
	_exit(0);
}

#define MAX_WORKERS	16
/* After the deadline, the time the workers get to end before the kill. */
#define GRACE_SECONDS	30
static pid_t worker_pid[MAX_WORKERS];
/* Every worker ever started: each led a process group of its own. */
#define MAX_GROUPS	65536
static pid_t group[MAX_GROUPS];
static unsigned int groups;
/* Groups that still had a process at the kill: each one hung. */
static volatile unsigned int groups_left;

/*
 * At the deadline and a grace period: end the workers, stuck or not, and
 * their children, also the children of workers that died before (each
 * worker leads a process group).  One still running after this never
 * returned to user space.
 */
static void kill_workers(int sig)
{
	unsigned int i;

	for (i = 0; i < groups; i++) {
		if (!kill(-group[i], SIGKILL))
			groups_left++;
		kill(group[i], SIGKILL);
	}
}

static void start_worker(int i, __u64 seed)
{
	pid_t pid = fork();

	if (pid == 0)
		worker(seed);
	worker_pid[i] = pid;
	if (pid > 0 && groups < MAX_GROUPS)
		group[groups++] = pid;
}

int main(int argc, char **argv)
{
	unsigned long respawns = 0;
	int seconds, workers, i, status;
	__u64 seed;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: fuzz-pkeys SECONDS [WORKERS [SEED]]\n");
		return 2;
	}
	seconds = atoi(argv[1]);
	workers = argc > 2 ? atoi(argv[2]) : 2;
	if (workers < 1 || workers > MAX_WORKERS)
		workers = 2;
	seed = argc > 3 ? strtoull(argv[3], NULL, 0) : (__u64)time(NULL);
	counts = mmap(NULL, sizeof(*counts), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED)
		return 1;
	deadline = time(NULL) + seconds;
	printf("fuzz-pkeys: %d s, %d workers, seed %llu\n", seconds, workers,
	       (unsigned long long)seed);
	fflush(stdout);

	/* A group of its own; each worker leads another, which its kill(0, ...) reaches. */
	setpgid(0, 0);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	/* Orphans of dead workers come here to be reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGALRM, kill_workers);
	alarm(seconds + GRACE_SECONDS);
	for (i = 0; i < workers; i++)
		start_worker(i, seed + i * 1000003ULL);
	/* Replace the workers that die, until the deadline. */
	while ((pid = wait(&status)) > 0 || errno == EINTR) {
		for (i = 0; i < workers; i++)
			if (pid > 0 && worker_pid[i] == pid)
				break;
		if (pid <= 0 || i == workers)
			continue;
		worker_pid[i] = 0;
		if (time(NULL) >= deadline)
			continue;
		respawns++;
		start_worker(i, seed + respawns * 7919ULL + 17);
	}
	printf("fuzz-pkeys: syscalls %lu wrpkru %lu faults %lu forks %lu threads %lu",
	       counts->syscalls, counts->wrpkru, counts->faults, counts->forks,
	       counts->threads);
	printf(" signals %lu respawns %lu\n", counts->signals, respawns);
	/* What the kill ended came back to user space: hung there, or slept. */
	if (groups_left)
		printf("fuzz-pkeys: %u process groups still had processes %d s after the end; killed\n",
		       groups_left, GRACE_SECONDS);
	return 0;
}
