// SPDX-License-Identifier: GPL-2.0
/*
 * stress: the bounded concurrent stress of `make stress`.
 *
 * Usage: stress SECONDS
 *
 * Three kinds of processes run at once for SECONDS, then report:
 *
 * pkru (two processes): threads switch their user key rights (WRPKRU) at
 *   random, allocate keys (with and without PKEY_ALLOC_SIGNALINHERIT),
 *   attach them to pages, touch the pages, free the keys, make system
 *   calls and fork, while a signaller thread sends them signals.  After
 *   every switch, system call and signal, each thread's PKRU must be
 *   exactly what it set; in a signal handler the keys allocated with
 *   PKEY_ALLOC_SIGNALINHERIT must carry the interrupted thread's rights
 *   and the others the initial ones; a touch must fault with SEGV_PKUERR
 *   and the right si_pkey exactly when the rights refuse it; a forked
 *   child starts with its parent thread's PKRU.
 *
 * strict (one process, prctl(PR_SET_PKEY_STRICT, 1)): threads allocate
 *   keys, attach them to parts of their mappings, detach (pkey_mprotect
 *   back to key 0, or a new mapping over the old) and free them; pkey_free()
 *   of a key still attached must fail with EBUSY, from its owner and from
 *   a rogue thread that tries to free every attached key; a checker stops
 *   the others and compares /proc/self/smaps (ProtectionKey) with
 *   /proc/self/status (Pkeys_allocated): no mapping may carry a key that
 *   is not allocated.
 *
 * pks (one process, root): threads share a session of the kernel's PKS
 *   test interface (/sys/kernel/debug/x86/pks_test) and set their own
 *   rights to its key at random, read them back and have the kernel read
 *   and write the key's page, moving between CPUs and taking signals,
 *   while another thread allocates and frees keys of sessions of its own
 *   and another takes CPU 1 offline and online again.  Rights read back
 *   must be the ones the thread set, and accesses must succeed exactly
 *   when they allow.  Meanwhile another session runs the interface's
 *   "kthreads" command back to back: kernel threads, two per CPU, set
 *   their own rights to its key and check them, and IA32_PKRS, after
 *   migrations, sleeps, preemption and timer interrupts (whose handlers
 *   must run with the key closed), with the CPU hotplug going on; the
 *   kernel counts, and any failed check is a violation.
 *
 * cred (one process, root): threads change their own credentials with the
 *   raw system calls (per thread): setresuid() and setresgid() to random
 *   unprivileged ids and back, setgroups(), capset() dropping and raising
 *   a capability, faccessat() with an fsuid that differs (the override),
 *   and fork()+exec(); after each change getresuid()/getresgid() must say
 *   what the thread set.  With credentials under their key
 *   (/sys/kernel/debug/pks_cred), no write may be refused or reported.
 *
 * Output: one "stress: COUNTER N" line per counter, a line per violation
 * (the first 50), and "stress: violations N".  Exit status 0 when there
 * was none, 1 otherwise.  A kind whose CPU feature is missing is skipped
 * and says so.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
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

#include <linux/capability.h>
#include <linux/types.h>

#include "pkru.h"

#define PAGE		4096UL
#define NR_KEYS		16
#define PKS_TEST_FILE	"/sys/kernel/debug/x86/pks_test"
#define CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"
#define MAX_REPORTS	50

/* The counters, shared by every process (MAP_SHARED). */
enum stress_counter {
	PKRU_SWITCHES,
	PKRU_SYSCALLS,
	PKRU_SIGNALS,
	PKRU_ALLOCS,
	PKRU_FREES,
	PKRU_FAULTS,
	PKRU_FORKS,
	STRICT_ATTACHES,
	STRICT_FREES,
	STRICT_EBUSY,
	STRICT_CHECKS,
	PKS_RIGHTS,
	PKS_ACCESSES,
	PKS_MIGRATIONS,
	PKS_SIGNALS,
	PKS_SESSIONS,
	PKS_KTHREAD_RUNS,
	PKS_KTHREAD_RIGHTS,
	PKS_KTHREAD_ACCESSES,
	PKS_KTHREAD_MIGRATIONS,
	PKS_KTHREAD_IRQ_CHECKS,
	CPU_OFFLINE_ONLINE,
	CRED_CHANGES,
	CRED_OVERRIDES,
	CRED_EXECS,
	VIOLATIONS,
	NR_COUNTERS
};

static const char * const counter_name[NR_COUNTERS] = {
	[PKRU_SWITCHES] = "pkru_switches",
	[PKRU_SYSCALLS] = "pkru_syscalls",
	[PKRU_SIGNALS] = "pkru_signals",
	[PKRU_ALLOCS] = "pkru_allocs",
	[PKRU_FREES] = "pkru_frees",
	[PKRU_FAULTS] = "pkru_faults",
	[PKRU_FORKS] = "pkru_forks",
	[STRICT_ATTACHES] = "strict_attaches",
	[STRICT_FREES] = "strict_frees",
	[STRICT_EBUSY] = "strict_ebusy",
	[STRICT_CHECKS] = "strict_checks",
	[PKS_RIGHTS] = "pks_rights",
	[PKS_ACCESSES] = "pks_accesses",
	[PKS_MIGRATIONS] = "pks_migrations",
	[PKS_SIGNALS] = "pks_signals",
	[PKS_SESSIONS] = "pks_sessions",
	[PKS_KTHREAD_RUNS] = "pks_kthread_runs",
	[PKS_KTHREAD_RIGHTS] = "pks_kthread_rights",
	[PKS_KTHREAD_ACCESSES] = "pks_kthread_accesses",
	[PKS_KTHREAD_MIGRATIONS] = "pks_kthread_migrations",
	[PKS_KTHREAD_IRQ_CHECKS] = "pks_kthread_irq_checks",
	[CPU_OFFLINE_ONLINE] = "cpu_offline_online",
	[CRED_CHANGES] = "cred_changes",
	[CRED_OVERRIDES] = "cred_overrides",
	[CRED_EXECS] = "cred_execs",
	[VIOLATIONS] = "violations",
};

struct stress_counts {
	unsigned long n[NR_COUNTERS];
	int stop;
};

static struct stress_counts *counts;

static unsigned long add(enum stress_counter c, unsigned long n)
{
	return __atomic_fetch_add(&counts->n[c], n, __ATOMIC_RELAXED);
}

static unsigned long inc(enum stress_counter c)
{
	return add(c, 1);
}

static int stopping(void)
{
	return __atomic_load_n(&counts->stop, __ATOMIC_RELAXED);
}

/* Count a violation and report the first ones (async-signal-safe). */
static void violation(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	if (inc(VIOLATIONS) >= MAX_REPORTS)
		return;
	n = snprintf(buf, sizeof(buf), "stress: VIOLATION pid %d tid %d: ", getpid(), gettid());
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDOUT_FILENO, buf, n) < 0)
		return;
}

static __thread __u64 rnd_state;

static __u64 rnd(void)
{
	__u64 x = rnd_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rnd_state = x;
	return x;
}

static void rnd_seed(__u64 seed)
{
	rnd_state = seed * 0x9e3779b97f4a7c15ULL | 1;
}

static unsigned int key_bits(unsigned int pkru, int key)
{
	return (pkru >> (2 * key)) & 3;
}

static unsigned int set_key_bits(unsigned int pkru, int key, unsigned int bits)
{
	return (pkru & ~(3U << (2 * key))) | (bits << (2 * key));
}

static char *read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t len = 0;
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return buf;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	close(fd);
	return buf;
}

/* pkru: user keys ----------------------------------------------------- */

#define PKRU_THREADS	3
#define FIXED_KEYS	2	/* of each kind: inherit, plain */
#define OWN_KEYS	2	/* per thread, allocated and freed at random */

struct pkru_thread {
	pid_t tid;
	atomic_uint cur, prev;	/* what the thread set, and before */
	int own[OWN_KEYS];
	char *page;
	sigjmp_buf env;
	atomic_int touching;
	atomic_int fault_code, fault_pkey;
};

static struct pkru_thread pkru_threads[PKRU_THREADS];
static __thread struct pkru_thread *self;
static int inherit_keys[FIXED_KEYS], plain_keys[FIXED_KEYS];
static unsigned int init_pkru;

static void pkru_check(const char *after)
{
	unsigned int now = rdpkru();

	if (now != self->cur)
		violation("PKRU %08x after %s, the thread set %08x", now, after, self->cur);
}

/* Switch this thread's rights; a signal may come between any two steps. */
static void pkru_set(unsigned int pkru)
{
	self->prev = self->cur;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	self->cur = pkru;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	wrpkru(pkru);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	self->prev = pkru;
}

static void pkru_usr_handler(int sig, siginfo_t *si, void *uc)
{
	unsigned int now = rdpkru();
	int i, k;

	inc(PKRU_SIGNALS);
	if (!self)
		return;
	for (i = 0; i < FIXED_KEYS; i++) {
		k = inherit_keys[i];
		if (key_bits(now, k) != key_bits(self->cur, k) &&
		    key_bits(now, k) != key_bits(self->prev, k))
			violation("handler PKRU %08x: inherited key %d has %u, the thread %u",
				  now, k, key_bits(now, k), key_bits(self->cur, k));
		k = plain_keys[i];
		if (key_bits(now, k) != key_bits(init_pkru, k))
			violation("handler PKRU %08x: key %d has %u, not the initial %u",
				  now, k, key_bits(now, k), key_bits(init_pkru, k));
	}
	if (key_bits(now, 0) != key_bits(init_pkru, 0))
		violation("handler PKRU %08x: key 0 not initial", now);
}

static void pkru_segv_handler(int sig, siginfo_t *si, void *uc)
{
	if (!self || !self->touching) {
		signal(SIGSEGV, SIG_DFL);
		return;
	}
	self->touching = 0;
	self->fault_code = si->si_code;
	self->fault_pkey = si->si_pkey;
	siglongjmp(self->env, 1);
}

/* Touch @key's page and check that the rights in effect are the thread's. */
static void pkru_touch(int key)
{
	unsigned int bits = key_bits(self->cur, key);
	int write = rnd() & 1, refused;

	if (syscall(SYS_pkey_mprotect, self->page, PAGE, PROT_READ | PROT_WRITE, key)) {
		violation("pkey_mprotect(key %d): %s", key, strerror(errno));
		return;
	}
	self->fault_code = 0;
	self->touching = 1;
	if (!sigsetjmp(self->env, 1)) {
		if (write)
			__atomic_store_n(self->page, 1, __ATOMIC_RELAXED);
		else
			__atomic_load_n(self->page, __ATOMIC_RELAXED);
		self->touching = 0;
	} else {
		/* The handler ran with other rights: back to ours. */
		wrpkru(self->cur);
	}
	refused = (bits & 1) || (write && (bits & 2));
	if (refused != !!self->fault_code ||
	    (refused && (self->fault_code != SEGV_PKUERR || self->fault_pkey != key)))
		violation("%s of key %d with rights %u: si_code %d si_pkey %d",
			  write ? "write" : "read", key, bits, self->fault_code, self->fault_pkey);
	else if (refused)
		inc(PKRU_FAULTS);
	syscall(SYS_pkey_mprotect, self->page, PAGE, PROT_READ | PROT_WRITE, 0);
}

static void pkru_fork(void)
{
	pid_t pid, ret;
	int i, status = 0;

	pid = fork();
	if (pid == 0) {
		if (rdpkru() != self->cur)
			_exit(2);
		for (i = 0; i < 64; i++) {
			unsigned int v = (unsigned int)rnd() & ~3U;

			wrpkru(v);
			if (rdpkru() != v)
				_exit(3);
		}
		_exit(0);
	}
	if (pid < 0)
		return;
	while ((ret = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (ret != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		violation("forked child: status %#x (2: PKRU not the parent's, 3: WRPKRU lost)",
			  status);
	inc(PKRU_FORKS);
}

static void *pkru_thread_fn(void *arg)
{
	int i, k, slot;

	self = arg;
	self->tid = gettid();
	rnd_seed(self->tid);
	self->cur = rdpkru();
	self->prev = self->cur;
	while (!stopping()) {
		switch (rnd() % 16) {
		case 0:	/* allocate a key of its own, its rights set for this thread */
			slot = rnd() % OWN_KEYS;
			if (self->own[slot] > 0)
				break;
			i = rnd() % 4;
			k = syscall(SYS_pkey_alloc, rnd() & 1 ? PKEY_ALLOC_SIGNALINHERIT : 0, i);
			if (k < 0) {
				if (errno != ENOSPC)
					violation("pkey_alloc: %s", strerror(errno));
				break;
			}
			inc(PKRU_ALLOCS);
			/* pkey_alloc() changed this thread's PKRU: follow it. */
			self->prev = self->cur;
			self->cur = set_key_bits(self->cur, k, i);
			self->prev = self->cur;
			self->own[slot] = k;
			pkru_check("pkey_alloc");
			break;
		case 1:
			slot = rnd() % OWN_KEYS;
			if (self->own[slot] <= 0)
				break;
			if (syscall(SYS_pkey_free, self->own[slot]))
				violation("pkey_free(%d): %s", self->own[slot], strerror(errno));
			self->own[slot] = 0;
			inc(PKRU_FREES);
			pkru_check("pkey_free");
			break;
		case 2:
		case 3:
			slot = rnd() % (OWN_KEYS + 2 * FIXED_KEYS);
			k = slot < OWN_KEYS ? self->own[slot] :
			    slot < OWN_KEYS + FIXED_KEYS ? inherit_keys[slot - OWN_KEYS] :
			    plain_keys[slot - OWN_KEYS - FIXED_KEYS];
			if (k > 0)
				pkru_touch(k);
			pkru_check("a touch");
			break;
		case 4:
			if (rnd() % 8 == 0)
				pkru_fork();
			pkru_check("fork");
			break;
		case 5:
		case 6:
			if (rnd() & 1)
				sched_yield();
			else
				getppid();
			inc(PKRU_SYSCALLS);
			pkru_check("a system call");
			break;
		default:
			/* Key 0 stays open: the stack and the program use it. */
			pkru_set((unsigned int)rnd() & ~3U);
			inc(PKRU_SWITCHES);
			pkru_check("WRPKRU");
			break;
		}
	}
	return NULL;
}

static void pkru_process(void)
{
	struct sigaction sa = { .sa_flags = SA_SIGINFO | SA_RESTART };
	pthread_t t[PKRU_THREADS];
	char buf[32];
	int i;

	rnd_seed(getpid());
	for (i = 0; i < FIXED_KEYS; i++) {
		inherit_keys[i] = syscall(SYS_pkey_alloc, PKEY_ALLOC_SIGNALINHERIT, 0);
		plain_keys[i] = syscall(SYS_pkey_alloc, 0, 0);
		if (inherit_keys[i] < 0 || plain_keys[i] < 0) {
			violation("pkey_alloc of the fixed keys: %s", strerror(errno));
			_exit(1);
		}
	}
	/* The initial PKRU, as signal handlers get it. */
	read_file("/sys/kernel/debug/x86/init_pkru", buf, sizeof(buf));
	init_pkru = strtoul(buf, NULL, 0);
	if (!init_pkru)
		init_pkru = 0x55555554;
	sa.sa_sigaction = pkru_usr_handler;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_sigaction = pkru_segv_handler;
	sa.sa_flags |= SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);

	for (i = 0; i < PKRU_THREADS; i++) {
		pkru_threads[i].page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
					    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		pthread_create(&t[i], NULL, pkru_thread_fn, &pkru_threads[i]);
	}
	/* The signaller. */
	while (!stopping()) {
		pid_t tid = pkru_threads[rnd() % PKRU_THREADS].tid;

		if (tid)
			syscall(SYS_tgkill, getpid(), tid, SIGUSR1);
		usleep(200);
	}
	for (i = 0; i < PKRU_THREADS; i++)
		pthread_join(t[i], NULL);
	_exit(0);
}

/* strict: no key freed while in use ----------------------------------- */

#define STRICT_THREADS	3
#define REGION_PAGES	8

static pthread_rwlock_t strict_lock;
static pthread_mutex_t key_lock[NR_KEYS];
static int attached[NR_KEYS];	/* owner thread + 1, under key_lock */
static char *regions[STRICT_THREADS];

/* "0-2,5" into a bit mask. */
static unsigned int parse_key_list(const char *s)
{
	unsigned int mask = 0;
	char *end;
	long a, b;

	while (*s >= '0' && *s <= '9') {
		a = strtol(s, &end, 10);
		b = a;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (; a <= b && a < NR_KEYS; a++)
			mask |= 1U << a;
		s = *end == ',' ? end + 1 : end;
	}
	return mask;
}

/* With every other thread stopped: smaps against Pkeys_allocated. */
static void strict_check(void)
{
	static char buf[1 << 18];
	unsigned int allocated, on_maps = 0;
	char *p;
	int k;

	p = strstr(read_file("/proc/self/status", buf, sizeof(buf)), "Pkeys_allocated:");
	if (!p) {
		violation("no Pkeys_allocated line in /proc/self/status");
		return;
	}
	p += strlen("Pkeys_allocated:");
	while (*p == ' ' || *p == '\t')
		p++;
	allocated = parse_key_list(p);

	read_file("/proc/self/smaps", buf, sizeof(buf));
	for (p = buf; (p = strstr(p, "ProtectionKey:")); p++) {
		k = atoi(p + strlen("ProtectionKey:"));
		if (k > 0 && k < NR_KEYS)
			on_maps |= 1U << k;
	}
	for (k = 1; k < NR_KEYS; k++) {
		if ((on_maps & (1U << k)) && !(allocated & (1U << k)))
			violation("key %d is on a mapping but not allocated (allocated %#x)",
				  k, allocated);
		if (attached[k] && !(allocated & (1U << k)))
			violation("key %d attached by thread %d is not allocated (allocated %#x)",
				  k, attached[k] - 1, allocated);
		if (attached[k] && !(on_maps & (1U << k)))
			violation("key %d attached by thread %d is on no mapping", k,
				  attached[k] - 1);
	}
	inc(STRICT_CHECKS);
}

static void *strict_thread_fn(void *arg)
{
	int id = (intptr_t)arg, k, first, n;
	char *region = regions[id];

	rnd_seed(id + 100 * getpid());
	while (!stopping()) {
		pthread_rwlock_rdlock(&strict_lock);
		k = syscall(SYS_pkey_alloc, rnd() & 1 ? PKEY_ALLOC_SIGNALINHERIT : 0, 0);
		if (k < 0) {
			if (errno != ENOSPC)
				violation("pkey_alloc: %s", strerror(errno));
			pthread_rwlock_unlock(&strict_lock);
			continue;
		}
		/* A part of the region: splits its mapping. */
		first = rnd() % REGION_PAGES;
		n = 1 + rnd() % (REGION_PAGES - first);
		if (syscall(SYS_pkey_mprotect, region + first * PAGE, n * PAGE,
			    PROT_READ | PROT_WRITE, k))
			violation("pkey_mprotect(key %d): %s", k, strerror(errno));
		pthread_mutex_lock(&key_lock[k]);
		attached[k] = id + 1;
		pthread_mutex_unlock(&key_lock[k]);
		inc(STRICT_ATTACHES);
		region[first * PAGE] = 1;
		pthread_rwlock_unlock(&strict_lock);

		sched_yield();

		pthread_rwlock_rdlock(&strict_lock);
		pthread_mutex_lock(&key_lock[k]);
		if (syscall(SYS_pkey_free, k) == 0)
			violation("pkey_free(%d) of a key on a mapping succeeded", k);
		else if (errno != EBUSY)
			violation("pkey_free(%d) of a key on a mapping: %s, not EBUSY", k,
				  strerror(errno));
		else
			inc(STRICT_EBUSY);
		attached[k] = 0;
		if (rnd() & 1) {
			syscall(SYS_pkey_mprotect, region, REGION_PAGES * PAGE,
				PROT_READ | PROT_WRITE, 0);
		} else if (mmap(region, REGION_PAGES * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != region) {
			violation("mmap over the region: %s", strerror(errno));
		}
		if (syscall(SYS_pkey_free, k))
			violation("pkey_free(%d) of a detached key: %s", k, strerror(errno));
		else
			inc(STRICT_FREES);
		pthread_mutex_unlock(&key_lock[k]);
		pthread_rwlock_unlock(&strict_lock);
	}
	return NULL;
}

/* Tries to free every attached key: each must be refused. */
static void *strict_rogue_fn(void *arg)
{
	int k;

	rnd_seed(getpid() + 7);
	while (!stopping()) {
		k = 1 + rnd() % (NR_KEYS - 1);
		pthread_mutex_lock(&key_lock[k]);
		if (attached[k]) {
			if (syscall(SYS_pkey_free, k) == 0)
				violation("rogue pkey_free(%d) of a key in use succeeded", k);
			else if (errno != EBUSY)
				violation("rogue pkey_free(%d): %s, not EBUSY", k, strerror(errno));
			else
				inc(STRICT_EBUSY);
		}
		pthread_mutex_unlock(&key_lock[k]);
		if (!(rnd() % 4))
			sched_yield();
	}
	return NULL;
}

static void strict_process(void)
{
	pthread_t t[STRICT_THREADS], rogue;
	pthread_rwlockattr_t attr;
	int i;

	if (prctl(PR_SET_PKEY_STRICT, 1, 0, 0, 0) || prctl(PR_GET_PKEY_STRICT, 0, 0, 0, 0) != 1) {
		violation("PR_SET_PKEY_STRICT: %s", strerror(errno));
		_exit(1);
	}
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&strict_lock, &attr);
	for (i = 0; i < NR_KEYS; i++)
		pthread_mutex_init(&key_lock[i], NULL);
	for (i = 0; i < STRICT_THREADS; i++) {
		regions[i] = mmap(NULL, REGION_PAGES * PAGE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		pthread_create(&t[i], NULL, strict_thread_fn, (void *)(intptr_t)i);
	}
	pthread_create(&rogue, NULL, strict_rogue_fn, NULL);
	/* The checker. */
	while (!stopping()) {
		usleep(5000);
		pthread_rwlock_wrlock(&strict_lock);
		strict_check();
		pthread_rwlock_unlock(&strict_lock);
	}
	for (i = 0; i < STRICT_THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_join(rogue, NULL);
	_exit(0);
}

/* pks: supervisor keys through the kernel's test interface ------------- */

#define PKS_THREADS	3

static const char * const pks_rights_name[] = { "none", "ro", "rw" };
static int pks_fd;
static pid_t pks_tids[PKS_THREADS];
static __thread atomic_ulong pks_signals_seen;

static int pks_cmd(int fd, const char *cmd)
{
	ssize_t len = strlen(cmd);

	return write(fd, cmd, len) == len ? 0 : errno;
}

/* The rights= field of the session's state line, as the reading thread has them. */
static const char *pks_read_rights(int fd, char *buf, size_t size)
{
	char line[128], *p, *end;
	ssize_t n = pread(fd, line, sizeof(line) - 1, 0);

	line[n > 0 ? n : 0] = '\0';
	p = strstr(line, "rights=");
	if (!p)
		return "?";
	p += strlen("rights=");
	p[strcspn(p, " ")] = '\0';
	end = strchr(p, '\n');
	if (end)
		*end = '\0';
	snprintf(buf, size, "%s", p);
	return buf;
}

static void pks_usr_handler(int sig)
{
	pks_signals_seen++;
	inc(PKS_SIGNALS);
}

static void pks_verify(int r, const char *after)
{
	char got[16];
	int rd, wr;

	if (strcmp(pks_read_rights(pks_fd, got, sizeof(got)), pks_rights_name[r]))
		violation("PKS rights read back '%s' after %s, the thread set '%s'", got, after,
			  pks_rights_name[r]);
	rd = pks_cmd(pks_fd, "read");
	wr = pks_cmd(pks_fd, "write");
	if (rd != (r == 0 ? EACCES : 0) || wr != (r == 2 ? 0 : EACCES))
		violation("PKS rights '%s' after %s: kernel read %d, write %d", pks_rights_name[r],
			  after, rd, wr);
	inc(PKS_ACCESSES);
}

static void *pks_thread_fn(void *arg)
{
	unsigned long seen;
	cpu_set_t set;
	char cmd[32];
	int r = 0;

	pks_tids[(intptr_t)arg] = gettid();
	rnd_seed(gettid());
	while (!stopping()) {
		r = rnd() % 3;
		snprintf(cmd, sizeof(cmd), "rights %s", pks_rights_name[r]);
		if (pks_cmd(pks_fd, cmd))
			violation("PKS '%s': %s", cmd, strerror(errno));
		inc(PKS_RIGHTS);
		seen = pks_signals_seen;
		pks_verify(r, "setting them");
		switch (rnd() % 4) {
		case 0:	/* migrate: CPU 0 only, or any online CPU */
			CPU_ZERO(&set);
			CPU_SET(0, &set);
			if (rnd() & 1)
				CPU_SET(1, &set);
			if (!sched_setaffinity(0, sizeof(set), &set))
				inc(PKS_MIGRATIONS);
			pks_verify(r, "sched_setaffinity");
			break;
		case 1:
			usleep(rnd() % 200);
			pks_verify(r, "sleep");
			break;
		case 2:
			sched_yield();
			pks_verify(r, "sched_yield");
			break;
		default:
			break;
		}
		if (pks_signals_seen != seen)
			pks_verify(r, "a signal");
	}
	return NULL;
}

/* Sessions of its own: keys allocated and freed beside the others. */
static void *pks_churn_fn(void *arg)
{
	int fd, e;

	while (!stopping()) {
		fd = open(PKS_TEST_FILE, O_RDWR);
		if (fd < 0) {
			violation("open %s: %s", PKS_TEST_FILE, strerror(errno));
			return NULL;
		}
		e = pks_cmd(fd, "alloc");
		if (!e) {
			if (pks_cmd(fd, "rights rw") || pks_cmd(fd, "write"))
				violation("PKS churn: a fresh key with rights rw refused a write");
			if (pks_cmd(fd, "rights none") || pks_cmd(fd, "write") != EACCES)
				violation("PKS churn: a key with rights none allowed a write");
			if (pks_cmd(fd, "free"))
				violation("PKS churn: free refused");
			inc(PKS_SESSIONS);
		} else if (e != ENOSPC) {
			violation("PKS churn: alloc: %s", strerror(e));
		}
		close(fd);
	}
	return NULL;
}

/*
 * A session of its own whose kernel threads take and drop rights ("kthreads",
 * one second at a time); the kernel's counts are added at the end.
 */
static void *pks_kthreads_fn(void *arg)
{
	static const struct {
		const char *field;
		enum stress_counter counter;
	} fields[] = {
		{ "kthreads=", PKS_KTHREAD_RUNS },
		{ "kthread_rights=", PKS_KTHREAD_RIGHTS },
		{ "kthread_accesses=", PKS_KTHREAD_ACCESSES },
		{ "kthread_migrations=", PKS_KTHREAD_MIGRATIONS },
		{ "kthread_irq_checks=", PKS_KTHREAD_IRQ_CHECKS },
	};
	char line[256], *p;
	unsigned int i;
	ssize_t n;
	int fd, e;

	fd = open(PKS_TEST_FILE, O_RDWR);
	if (fd < 0) {
		violation("open %s: %s", PKS_TEST_FILE, strerror(errno));
		return NULL;
	}
	/* The churn thread may hold the last keys for a moment. */
	while ((e = pks_cmd(fd, "alloc")) == ENOSPC && !stopping())
		usleep(1000);
	if (e) {
		if (!stopping())
			violation("PKS kthreads: alloc: %s", strerror(e));
		close(fd);
		return NULL;
	}
	while (!stopping()) {
		e = pks_cmd(fd, "kthreads 1000");
		if (e == EIO)
			violation("PKS kthreads: a kernel thread's check failed (see the kernel log)");
		else if (e)
			violation("PKS kthreads: %s", strerror(e));
	}
	n = pread(fd, line, sizeof(line) - 1, 0);
	line[n > 0 ? n : 0] = '\0';
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		p = strstr(line, fields[i].field);
		if (p)
			add(fields[i].counter, strtoul(p + strlen(fields[i].field), NULL, 10));
	}
	close(fd);
	return NULL;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret = -1;

	if (fd < 0)
		return -1;
	if (write(fd, s, strlen(s)) == (ssize_t)strlen(s))
		ret = 0;
	close(fd);
	return ret;
}

static void *pks_hotplug_fn(void *arg)
{
	while (!stopping()) {
		if (write_str(CPU1_ONLINE, "0")) {
			violation("taking CPU 1 offline: %s", strerror(errno));
			return NULL;
		}
		usleep(20000);
		if (write_str(CPU1_ONLINE, "1")) {
			violation("bringing CPU 1 online: %s", strerror(errno));
			return NULL;
		}
		inc(CPU_OFFLINE_ONLINE);
		usleep(20000);
	}
	return NULL;
}

static void pks_process(void)
{
	pthread_t t[PKS_THREADS], churn, kthreads, hotplug;
	int i, e, hot;

	pks_fd = open(PKS_TEST_FILE, O_RDWR);
	e = pks_fd < 0 ? errno : pks_cmd(pks_fd, "alloc");
	if (e) {
		printf("stress: pks skipped: %s: %s\n", PKS_TEST_FILE, strerror(e));
		fflush(stdout);
		_exit(0);
	}
	hot = access(CPU1_ONLINE, W_OK) == 0;
	if (!hot)
		printf("stress: no %s: CPU 1 stays online\n", CPU1_ONLINE);
	fflush(stdout);
	signal(SIGUSR1, pks_usr_handler);
	for (i = 0; i < PKS_THREADS; i++)
		pthread_create(&t[i], NULL, pks_thread_fn, (void *)(intptr_t)i);
	pthread_create(&churn, NULL, pks_churn_fn, NULL);
	pthread_create(&kthreads, NULL, pks_kthreads_fn, NULL);
	if (hot)
		pthread_create(&hotplug, NULL, pks_hotplug_fn, NULL);
	rnd_seed(getpid());
	while (!stopping()) {
		pid_t tid = pks_tids[rnd() % PKS_THREADS];

		if (tid)
			syscall(SYS_tgkill, getpid(), tid, SIGUSR1);
		usleep(500);
	}
	for (i = 0; i < PKS_THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_join(churn, NULL);
	pthread_join(kthreads, NULL);
	if (hot) {
		pthread_join(hotplug, NULL);
		write_str(CPU1_ONLINE, "1");
	}
	_exit(0);
}

/* main ------------------------------------------------------------------ */

static pid_t start(const char *name, void (*fn)(void))
{
	pid_t pid = fork();

	if (pid == 0)
		fn();
	if (pid < 0)
		violation("fork of %s: %s", name, strerror(errno));
	return pid;
}

#define CRED_THREADS	4
#define CRED_FILE	"/sys/kernel/debug/pks_cred"

/* The value of line "@name: N" of CRED_FILE, or -1. */
static long cred_stat(const char *name)
{
	char buf[512], *p;

	if (!read_file(CRED_FILE, buf, sizeof(buf)))
		return -1;
	p = strstr(buf, name);
	return p && p[strlen(name)] == ':' ? atol(p + strlen(name) + 1) : -1;
}

static void *cred_thread_fn(void *arg)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2], dropped[2];
	gid_t groups[3] = { 1, 2, 3 };
	unsigned int id;
	uid_t r, e, s;
	pid_t pid;
	int st;

	rnd_seed((unsigned long)arg * 7919 + getpid());
	h.pid = syscall(SYS_gettid);
	if (syscall(SYS_capget, &h, d))
		violation("cred: capget: %s", strerror(errno));
	while (!stopping()) {
		id = 1000 + rnd() % 1000;
		/* Per thread: the raw calls, not glibc's process-wide ones. */
		if (syscall(SYS_setresgid, id, id, 0) || syscall(SYS_setresuid, id, id, 0))
			violation("cred: setres[ug]id(%u): %s", id, strerror(errno));
		if (syscall(SYS_getresuid, &r, &e, &s) || r != id || e != id || s != 0)
			violation("cred: getresuid %u %u %u after setresuid(%u, %u, 0)", r, e, s,
				  id, id);
		if (syscall(SYS_setresuid, 0, 0, 0) || syscall(SYS_setresgid, 0, 0, 0))
			violation("cred: back to root: %s", strerror(errno));
		if (syscall(SYS_setgroups, 1 + rnd() % 3, groups))
			violation("cred: setgroups: %s", strerror(errno));
		memcpy(dropped, d, sizeof(d));
		dropped[0].effective &= ~(1u << CAP_SYS_BOOT);
		if (syscall(SYS_capset, &h, dropped) || syscall(SYS_capset, &h, d))
			violation("cred: capset: %s", strerror(errno));
		add(CRED_CHANGES, 7);
		syscall(SYS_setfsuid, id);
		if (syscall(SYS_faccessat, AT_FDCWD, "/", R_OK))
			violation("cred: faccessat: %s", strerror(errno));
		syscall(SYS_setfsuid, 0);
		inc(CRED_OVERRIDES);
		if (rnd() % 8 == 0) {
			pid = fork();
			if (!pid) {
				execl("/bin/true", "true", (char *)NULL);
				_exit(127);
			}
			if (pid < 0 || waitpid(pid, &st, 0) != pid || st)
				violation("cred: fork+exec: status %#x", st);
			inc(CRED_EXECS);
		}
	}
	return NULL;
}

static void cred_process(void)
{
	pthread_t t[CRED_THREADS];
	long before = cred_stat("violations");
	long i;

	if (getuid()) {
		printf("stress: cred skipped: not root\n");
		_exit(0);
	}
	for (i = 0; i < CRED_THREADS; i++)
		pthread_create(&t[i], NULL, cred_thread_fn, (void *)i);
	for (i = 0; i < CRED_THREADS; i++)
		pthread_join(t[i], NULL);
	if (before < 0) {
		printf("stress: cred: credentials not under a key (no %s)\n", CRED_FILE);
		_exit(0);
	}
	if (cred_stat("violations") != before)
		violation("cred: %ld writes to credentials refused or reported",
			  cred_stat("violations") - before);
	_exit(0);
}

int main(int argc, char **argv)
{
	int seconds, i, status, nr = 0, pku;
	pid_t pids[5];
	int k;

	seconds = argc == 2 ? atoi(argv[1]) : 0;
	if (seconds <= 0) {
		fprintf(stderr, "usage: stress SECONDS\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	counts = mmap(NULL, sizeof(*counts), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED)
		return 1;

	k = syscall(SYS_pkey_alloc, 0, 0);
	pku = k > 0;
	if (pku)
		syscall(SYS_pkey_free, k);
	else
		printf("stress: pkru and strict skipped: pkey_alloc: %s\n", strerror(errno));
	printf("stress: %d s on %ld CPUs: %s%spks, cred\n", seconds, sysconf(_SC_NPROCESSORS_ONLN),
	       pku ? "pkru x2, " : "", pku ? "strict, " : "");

	if (pku) {
		pids[nr++] = start("pkru", pkru_process);
		pids[nr++] = start("pkru", pkru_process);
		pids[nr++] = start("strict", strict_process);
	}
	pids[nr++] = start("pks", pks_process);
	pids[nr++] = start("cred", cred_process);

	sleep(seconds);
	__atomic_store_n(&counts->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nr; i++) {
		if (pids[i] <= 0)
			continue;
		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			violation("process %d ended with status %#x", pids[i], status);
	}

	for (i = 0; i < NR_COUNTERS; i++)
		printf("stress: %s %lu\n", counter_name[i], counts->n[i]);
	return counts->n[VIOLATIONS] ? 1 : 0;
}
