// SPDX-License-Identifier: GPL-2.0
/*
 * bench: the in-guest microbenchmarks of `make bench`.
 *
 * Each figure is the cost of one operation in guest nanoseconds
 * (CLOCK_MONOTONIC), the median of REPEATS runs of ITERS operations, loop
 * included.  Under QEMU with -icount shift=0,sleep=off a guest nanosecond
 * is one guest instruction: the figures are then deterministic
 * instruction counts.  Without -icount they are emulator (TCG) time.
 *
 * Output, one line per figure, read by scripts/bench.sh:
 *
 *   bench NAME MEDIAN REPEATS min MIN max MAX
 *
 * Figures that need PKU are left out, with a "# " line saying why, when
 * the CPU or kernel lacks it.  The kernel-side figures of the series
 * (/sys/kernel/debug/x86/pks_bench) follow with the prefix "kernel_".
 * Last, the memory the page tables took, one line each:
 *
 *   mem NAME VALUE
 *
 * from /proc/meminfo (kB: PageTables and the direct map's 4K, 2M and 1G
 * pages) and /sys/kernel/debug/x86/pks_pgtable when the kernel has it.
 *
 * Each figure's measured stretches are marked for the TCG plugin of
 * make bench (scripts/tbprof/regwrites.c), which counts the key-register
 * writes and the kernel instructions in them: mark() runs a NOP whose
 * displacement carries the figure's bucket, and a line
 *
 *   # bucket ID NAME OPERATIONS
 *
 * says which figure a bucket holds and how many operations ran in it.
 * On other CPUs and without the plugin the marks are NOPs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include "pkru.h"

#define REPEATS	7
/* fork_exit_wait's repeats: see main(). */
#define REPEATS_FORK	21
#define REPEATS_MAX	REPEATS_FORK

static long page_size;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * A marking NOP: "nopl MARK_MAGIC|ID(%rax)", whatever the compiler (the
 * plugins read it with scripts/tbprof/mark.h).
 */
#define MARK_MAGIC	0x4b500000u
#define MARK_END	0xffffu
#define MARK_ONE(n)	case (n):						\
	asm volatile(".byte 0x0f, 0x1f, 0x80\n\t.long %c0" :: "i" (MARK_MAGIC | (n)));	\
	break;
#define MARK_4(n)	MARK_ONE(n) MARK_ONE((n) + 1) MARK_ONE((n) + 2) MARK_ONE((n) + 3)
#define MARK_16(n)	MARK_4(n) MARK_4((n) + 4) MARK_4((n) + 8) MARK_4((n) + 12)
#define BUCKETS		64

static void mark(unsigned int id)
{
	switch (id) {
	MARK_16(1) MARK_16(17) MARK_16(33) MARK_ONE(49) MARK_ONE(50) MARK_ONE(51)
	MARK_ONE(52) MARK_ONE(53) MARK_ONE(54) MARK_ONE(55) MARK_ONE(56)
	MARK_ONE(MARK_END)
	}
}

static unsigned int next_bucket = 1;

/* A new bucket for the figure about to be measured (0: none left). */
static unsigned int bucket(void)
{
	return next_bucket <= 56 ? next_bucket++ : 0;
}

static void bucket_done(unsigned int id, const char *name, long ops)
{
	if (id)
		printf("# bucket %u %s %ld\n", id, name, ops);
}

static void report_n(const char *name, double *v, int n)
{
	int r;

	/* Each repeat, in the order they ran, for a look at the spread. */
	printf("# %s repeats:", name);
	for (r = 0; r < n; r++)
		printf(" %.0f", v[r]);
	printf("\n");
	qsort(v, n, sizeof(*v), cmp_double);
	printf("bench %s %.1f %d min %.1f max %.1f\n", name, v[n / 2], n, v[0], v[n - 1]);
	fflush(stdout);
}

static void report(const char *name, double *v)
{
	report_n(name, v, REPEATS);
}

/*
 * "./bench NAME": only the figure NAME, or "kernel" for the kernel's
 * (a profile of one figure: pkeys_bench=NAME on the kernel command line).
 */
static const char *only;

static int wanted(const char *name)
{
	return !only || !strcmp(only, name);
}

/*
 * Median per-operation cost of @fn(@iters, @arg), which runs @iters
 * operations, over @repeats runs.
 */
static void measure_n(const char *name, void (*fn)(long iters, void *arg), long iters,
		      void *arg, int repeats)
{
	unsigned int id = bucket();
	double v[REPEATS_MAX], t0;
	int r;

	if (!wanted(name))
		return;
	fn(iters / 10 + 1, arg);	/* warm up */
	for (r = 0; r < repeats; r++) {
		mark(id);
		t0 = now_ns();
		fn(iters, arg);
		v[r] = (now_ns() - t0) / iters;
		mark(MARK_END);
	}
	report_n(name, v, repeats);
	bucket_done(id, name, repeats * iters);
	/* For make profile, when its plugin counts the whole boot. */
	printf("# %s: %ld operations in all\n", name, iters / 10 + 1 + repeats * iters);
}

static void measure(const char *name, void (*fn)(long iters, void *arg), long iters, void *arg)
{
	measure_n(name, fn, iters, arg, REPEATS);
}

static void do_getppid(long n, void *arg)
{
	while (n--)
		syscall(SYS_getppid);
}

/* Credentials: a read of current's cred, and the paths that write new ones. */
static void do_getuid(long n, void *arg)
{
	while (n--)
		syscall(SYS_getuid);
}

/* Root to an unprivileged euid and back (the saved uid stays root). */
static void do_setresuid_pair(long n, void *arg)
{
	while (n--) {
		if (syscall(SYS_setresuid, 65534, 65534, 0) || syscall(SYS_setresuid, 0, 0, 0))
			exit(1);
	}
}

/* faccessat() that overrides the creds: see measure_creds(). */
static void do_faccessat(long n, void *arg)
{
	while (n--)
		syscall(SYS_faccessat, AT_FDCWD, "/", R_OK);
}

static void measure_creds(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2], dropped[2];

	measure("getuid", do_getuid, 20000, NULL);
	if (getuid()) {
		printf("# setresuid_pair, faccessat_override: not root\n");
		return;
	}
	/*
	 * Each operation leaves creds to RCU, freed in batches at grace
	 * periods: runs long enough for many of those, or the median
	 * picks a run with one batch more or fewer.
	 */
	measure("setresuid_pair", do_setresuid_pair, 40000, NULL);
	/*
	 * faccessat() checks with the real ids and overrides the creds
	 * when they differ from the effective ones; for root, when its
	 * effective capabilities are not all it is permitted: drop one.
	 */
	if (syscall(SYS_capget, &h, d))
		return;
	memcpy(dropped, d, sizeof(d));
	dropped[0].effective &= ~(1u << CAP_SYS_BOOT);
	if (syscall(SYS_capset, &h, dropped))
		return;
	measure("faccessat_override", do_faccessat, 50000, NULL);
	syscall(SYS_capset, &h, d);
}

/* Two processes on one CPU, handing a byte back and forth over two pipes. */
static void do_pipe_pingpong(long n, void *arg)
{
	int ab[2], ba[2];
	char c = 0;
	pid_t pid;
	long i;

	if (pipe(ab) || pipe(ba))
		exit(1);
	pid = fork();
	if (!pid) {
		for (i = 0; i < n; i++) {
			if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	for (i = 0; i < n; i++) {
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			exit(1);
	}
	waitpid(pid, NULL, 0);
	close(ab[0]);
	close(ab[1]);
	close(ba[0]);
	close(ba[1]);
}

/* One switch: half a round trip. */
static void measure_context_switch(void)
{
	unsigned int id = bucket();
	double v[REPEATS], t0;
	long n = 5000;
	int r;

	if (!wanted("context_switch"))
		return;

	for (r = 0; r < REPEATS; r++) {
		mark(id);
		t0 = now_ns();
		do_pipe_pingpong(n, NULL);
		v[r] = (now_ns() - t0) / (2.0 * n);
		mark(MARK_END);
	}
	report("context_switch", v);
	bucket_done(id, "context_switch", REPEATS * 2 * n);
	printf("# context_switch: %ld operations in all\n", REPEATS * 2 * n);
}

/* Touch @n fresh anonymous pages; only the touching is timed. */
static void measure_page_fault(void)
{
	unsigned int id = bucket();
	double v[REPEATS], t0;
	long n = 2000, i;
	char *p;
	int r;

	if (!wanted("page_fault"))
		return;

	for (r = 0; r < REPEATS; r++) {
		p = mmap(NULL, n * page_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			exit(1);
		madvise(p, n * page_size, MADV_NOHUGEPAGE);
		mark(id);
		t0 = now_ns();
		for (i = 0; i < n; i++)
			p[i * page_size] = 1;
		v[r] = (now_ns() - t0) / n;
		mark(MARK_END);
		munmap(p, n * page_size);
	}
	report("page_fault", v);
	bucket_done(id, "page_fault", REPEATS * n);
	printf("# page_fault: %ld operations in all\n", REPEATS * n);
}

/* Interrupts this CPU took so far: the sum of its column of /proc/interrupts. */
static long interrupts_on(int cpu)
{
	char line[1024], *p, *end;
	long total = 0, v;
	FILE *f = fopen("/proc/interrupts", "r");
	int col;

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		p = strchr(line, ':');
		if (!p)
			continue;
		p++;
		for (col = 0; col <= cpu; col++) {
			v = strtol(p, &end, 10);
			if (end == p)
				break;
			p = end;
		}
		if (col > cpu)
			total += v;
	}
	fclose(f);
	return total;
}

/*
 * Interrupt entry and exit, with the handler: a loop of a known number of
 * instructions (two per iteration) runs across timer interrupts; what it
 * took beyond its own instructions, divided by the interrupts, is the
 * cost of one.  Meaningful only under -icount.
 */
static void measure_interrupt(void)
{
	unsigned int id = bucket();
	double v[REPEATS], t0, t;
	long n = 50000000, i0, irqs, all = 0;
	int r;

	if (!wanted("interrupt"))
		return;

	for (r = 0; r < REPEATS; r++) {
		long left = n;

		i0 = interrupts_on(0);
		mark(id);
		t0 = now_ns();
		asm volatile("1: dec %0; jnz 1b" : "+r" (left));
		t = now_ns() - t0;
		mark(MARK_END);
		irqs = interrupts_on(0) - i0;
		v[r] = irqs > 0 ? (t - 2.0 * n) / irqs : -1;
		all += irqs;
	}
	report("interrupt", v);
	bucket_done(id, "interrupt", all);
	printf("# interrupt: %ld operations in all\n", all);
}

/* Context switches of this process so far, voluntary or not. */
static long ctxt_switches(void)
{
	char line[256];
	long total = 0, v;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1 ||
		    sscanf(line, "nonvoluntary_ctxt_switches: %ld", &v) == 1)
			total += v;
	}
	fclose(f);
	return total;
}

static void do_fork(long n, void *arg)
{
	pid_t pid;

	while (n--) {
		pid = fork();
		if (!pid)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
}

static void *thread_returns(void *arg)
{
	return NULL;
}

/*
 * pthread_create() and pthread_join(): the kernel's accesses on a thread's
 * behalf at its start and end (rseq registration and updates, the robust
 * list, the CLONE_CHILD_CLEARTID word and its futex wake).
 */
static void do_thread(long n, void *arg)
{
	pthread_t t;

	while (n--) {
		if (pthread_create(&t, NULL, thread_returns, NULL))
			exit(1);
		pthread_join(t, NULL);
	}
}

/* fork(); the child execve()s this program, which exits at once; waitpid(). */
static void do_exec(long n, void *arg)
{
	static char *const argv[] = { "bench", "--exit", NULL };
	pid_t pid;

	while (n--) {
		pid = fork();
		if (!pid) {
			execv("/proc/self/exe", argv);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
}

#define TOUCH_PAGES	64

/* mmap() of 64 pages, a write to each, munmap(): tables made, filled, zapped. */
static void do_mmap_touch_munmap(long n, void *arg)
{
	char *p;
	long i;

	while (n--) {
		p = mmap(NULL, TOUCH_PAGES * page_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			exit(1);
		for (i = 0; i < TOUCH_PAGES; i++)
			p[i * page_size] = 1;
		munmap(p, TOUCH_PAGES * page_size);
	}
}

#define COW_PAGES	256

/* Page-fault heavy: fork(), the child writes 256 pages of its parent's. */
static void do_fork_cow(long n, void *arg)
{
	char *p = arg;
	pid_t pid;
	long i;

	while (n--) {
		pid = fork();
		if (!pid) {
			for (i = 0; i < COW_PAGES; i++)
				p[i * page_size] = 2;
			_exit(0);
		}
		waitpid(pid, NULL, 0);
	}
}

static void measure_fork_cow(void)
{
	char *p = mmap(NULL, COW_PAGES * page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long i;

	if (p == MAP_FAILED)
		exit(1);
	madvise(p, COW_PAGES * page_size, MADV_NOHUGEPAGE);
	for (i = 0; i < COW_PAGES; i++)
		p[i * page_size] = 1;
	measure("fork_cow_faults", do_fork_cow, 100, p);
	munmap(p, COW_PAGES * page_size);
}

#define THP_SIZE	(2ul << 20)
#define THP_FOLIOS	8

/* THP_FOLIOS huge folios of anonymous memory, each mapped by a PMD entry. */
static char *map_thp(void)
{
	size_t len = THP_FOLIOS * THP_SIZE, i;
	char *p, *a;

	p = mmap(NULL, len + THP_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((unsigned long)p + THP_SIZE - 1) & ~(THP_SIZE - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + THP_SIZE - a);
	madvise(a, len, MADV_HUGEPAGE);
	for (i = 0; i < len; i += THP_SIZE)
		a[i] = 1;
	return a;
}

/* kB of anonymous memory this process maps with huge pages. */
static long anon_huge_kb(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/*
 * munmap() of 16 MiB in 8 huge folios (transparent huge pages, each
 * mapped by one PMD entry): only the munmap() is timed.
 */
static void measure_munmap_thp(void)
{
	unsigned int id = bucket();
	double v[REPEATS], t0, t;
	long n = 20, i, kb;
	char *p;
	int r;

	if (!wanted("munmap_thp"))
		return;
	for (r = 0; r < REPEATS; r++) {
		t = 0;
		for (i = 0; i < n; i++) {
			p = map_thp();
			if (!p)
				exit(1);
			kb = anon_huge_kb();
			if (kb < (long)(THP_FOLIOS * THP_SIZE / 1024)) {
				printf("# munmap_thp left out: %ld kB of %lu in huge pages\n",
				       kb, THP_FOLIOS * THP_SIZE / 1024);
				munmap(p, THP_FOLIOS * THP_SIZE);
				return;
			}
			mark(id);
			t0 = now_ns();
			munmap(p, THP_FOLIOS * THP_SIZE);
			t += now_ns() - t0;
			mark(MARK_END);
		}
		v[r] = t / n;
	}
	report("munmap_thp", v);
	bucket_done(id, "munmap_thp", REPEATS * n);
}

#define LARGE_MB	256

/*
 * fork() of a process with 256 MiB of anonymous memory in 4 KiB pages,
 * every page written: 128 page tables copied at fork, zapped at exit.
 */
static void measure_fork_large(void)
{
	size_t len = (size_t)LARGE_MB << 20, i;
	char *p;

	if (!wanted("fork_large"))
		return;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("# fork_large left out: mmap: %s\n", strerror(errno));
		return;
	}
	madvise(p, len, MADV_NOHUGEPAGE);
	for (i = 0; i < len; i += page_size)
		p[i] = 1;
	measure("fork_large", do_fork, 3, NULL);
	munmap(p, len);
}

/*
 * The whole-workload figure: a shell script of short commands, each
 * forked and exec'd (busybox applets), writing, copying, filtering and
 * removing small files in a tmpfs; the closest this guest has to a
 * build.  One operation is one run of the script.
 */
static const char workload_script[] =
	"mkdir -p /tmp/workload && cd /tmp/workload || exit 1\n"
	"i=0\n"
	"while [ $i -lt 6 ]; do\n"
	"	echo \"line $i of the workload\" >a$i\n"
	"	cat a$i a$i >b$i\n"
	"	cp b$i c$i\n"
	"	sed -e s/line/LINE/ c$i >d$i\n"
	"	grep -c LINE d$i >e$i\n"
	"	wc -l d$i e$i >f$i\n"
	"	sort -r f$i >g$i\n"
	"	ls -l >h$i\n"
	"	mv g$i i$i\n"
	"	i=$((i + 1))\n"
	"done\n"
	"rm a* b* c* d* e* f* h* i*\n"
	"cd / && rmdir /tmp/workload\n";

static void do_workload(long n, void *arg)
{
	int status;
	pid_t pid;

	while (n--) {
		pid = fork();
		if (!pid) {
			execl("/bin/sh", "sh", "-c", workload_script, (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			printf("# workload: the script failed (status %#x)\n", status);
			exit(1);
		}
	}
}

/* The "Name: VALUE" lines of @path named in @names, as "mem" lines. */
static void report_mem(const char *path, const char *const *names)
{
	char line[256], name[64];
	FILE *f = fopen(path, "r");
	const char *const *n;
	long v;

	if (!f) {
		printf("# %s: %s\n", path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[^:]: %ld", name, &v) != 2)
			continue;
		for (n = names; *n; n++) {
			if (!strcmp(name, *n))
				printf("mem %s %ld\n", name, v);
		}
	}
	fclose(f);
}

static void do_mmap_munmap(long n, void *arg)
{
	void *p;

	while (n--) {
		p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		munmap(p, page_size);
	}
}

struct pku_arg {
	void *page;
	int key;
	unsigned int open, closed;
};

static void do_wrpkru_pair(long n, void *arg)
{
	struct pku_arg *a = arg;

	while (n--) {
		wrpkru(a->open);
		wrpkru(a->closed);
	}
}

static void do_mprotect_pair(long n, void *arg)
{
	struct pku_arg *a = arg;

	while (n--) {
		mprotect(a->page, page_size, PROT_READ);
		mprotect(a->page, page_size, PROT_READ | PROT_WRITE);
	}
}

static void do_pkey_mprotect_pair(long n, void *arg)
{
	struct pku_arg *a = arg;

	while (n--) {
		pkey_mprotect(a->page, page_size, PROT_READ | PROT_WRITE, a->key);
		pkey_mprotect(a->page, page_size, PROT_READ | PROT_WRITE, 0);
	}
}

static void do_pkey_alloc_free(long n, void *arg)
{
	while (n--)
		pkey_free(pkey_alloc(0, 0));
}

static void on_usr1(int sig)
{
}

static void do_signal(long n, void *arg)
{
	pid_t self = getpid();

	while (n--)
		kill(self, SIGUSR1);
}

static void run_pku(void)
{
	struct pku_arg a;

	a.page = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a.page == MAP_FAILED)
		exit(1);
	*(char *)a.page = 1;
	measure("mprotect_pair", do_mprotect_pair, 2000, &a);

	a.key = pkey_alloc(0, 0);
	if (a.key < 0) {
		printf("# PKU figures left out: pkey_alloc: %s\n", strerror(errno));
		return;
	}
	a.open = rdpkru();
	a.closed = a.open | (3u << (2 * a.key));
	measure("wrpkru_pair", do_wrpkru_pair, 100000, &a);
	wrpkru(a.open);
	measure("pkey_mprotect_pair", do_pkey_mprotect_pair, 2000, &a);
	pkey_free(a.key);
	measure("pkey_alloc_free", do_pkey_alloc_free, 5000, NULL);
	munmap(a.page, page_size);

	/* The series' user key extensions, where the kernel has them. */
	a.key = pkey_alloc(PKEY_ALLOC_SIGNALINHERIT, 0);
	if (a.key >= 0) {
		measure("signal_inherit", do_signal, 5000, NULL);
		pkey_free(a.key);
	} else {
		printf("# signal_inherit left out: pkey_alloc(PKEY_ALLOC_SIGNALINHERIT): %s\n",
		       strerror(errno));
	}
	if (!prctl(PR_SET_PKEY_STRICT, 1, 0, 0, 0)) {
		measure("pkey_alloc_free_strict", do_pkey_alloc_free, 5000, NULL);
		prctl(PR_SET_PKEY_STRICT, 0, 0, 0, 0);
	} else {
		printf("# pkey_alloc_free_strict left out: PR_SET_PKEY_STRICT: %s\n",
		       strerror(errno));
	}
}

/* The kernel-side figures, when the kernel has them. */
static void run_kernel(void)
{
	char line[256], out[4096] = "";
	FILE *f = fopen("/sys/kernel/debug/x86/pks_bench", "r");
	unsigned int id = bucket();

	if (!f) {
		printf("# kernel figures left out: no /sys/kernel/debug/x86/pks_bench (%s)\n",
		       strerror(errno));
		return;
	}
	/* One bucket for the whole read: every figure runs in it. */
	mark(id);
	while (fgets(line, sizeof(line), f) && strlen(out) + strlen(line) < sizeof(out))
		strcat(out, line);
	mark(MARK_END);
	fclose(f);
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n"))
		printf(l[0] == '#' ? "%s\n" : "bench kernel_%s\n", l);
	bucket_done(id, "kernel", 1);
}

/*
 * The kernel's vmalloc figures, one file each, so that each has its own
 * bucket: "NAME MEDIAN REPEATS OPERATIONS".
 */
static void run_kernel_vm(void)
{
	static const char *const names[] = { "vmalloc_page", "vmalloc_2m", "vm_map_ram", NULL };
	char path[128], name[64], label[80], out[4][256];
	const char *const *n;
	int lines, i;
	long ops;

	for (n = names; *n; n++) {
		unsigned int id = bucket();
		FILE *f;

		snprintf(path, sizeof(path), "/sys/kernel/debug/x86/pks_bench_vm/%s", *n);
		f = fopen(path, "r");
		if (!f) {
			printf("# kernel_%s left out: %s: %s\n", *n, path, strerror(errno));
			continue;
		}
		mark(id);
		for (lines = 0; lines < 4 && fgets(out[lines], sizeof(out[0]), f); lines++)
			;
		mark(MARK_END);
		fclose(f);
		for (i = 0; i < lines; i++) {
			if (out[i][0] == '#') {
				printf("%s", out[i]);
			} else if (sscanf(out[i], "%63s %*s %*s %ld", name, &ops) == 2) {
				printf("bench kernel_%s", out[i]);
				snprintf(label, sizeof(label), "kernel_%s", name);
				bucket_done(id, label, ops);
			}
		}
	}
}

int main(int argc, char **argv)
{
	static const char *const meminfo[] = {
		"PageTables", "DirectMap4k", "DirectMap2M", "DirectMap1G", NULL
	};
	static const char *const pgtable[] = {
		"blocks", "block_pages", "tables_keyed", "tables_keyed_peak",
		"tables_untagged", "blocks_grown", "blocks_released", "kernel_tables_adopted",
		"kernel_tables_left_untagged", "violations", NULL
	};
	struct sigaction sa = { .sa_handler = on_usr1 };
	cpu_set_t one;

	if (argc > 1 && !strcmp(argv[1], "--exit"))
		return 0;	/* the program do_exec() runs */
	if (argc > 1)
		only = argv[1];

	page_size = sysconf(_SC_PAGESIZE);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		perror("sched_setaffinity");
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGUSR1, &sa, NULL);
	if (only && !strcmp(only, "interrupt")) {
		/* A short boot of scripts/bench.sh for this figure alone. */
		measure_interrupt();
		printf("bench done\n");
		return 0;
	}

	/*
	 * Let the work the boot left behind run before the first figure:
	 * two seconds of guest time (which -icount with sleep=off skips at
	 * once).  Without them, on Debian's configuration, the first
	 * figures ran while the clocksource switched to the TSC (about 1.8 s
	 * into the boot): fork_exit_wait measured about 410,000 instructions
	 * a fork instead of 235,000, getppid() 540 or 740 instead of 338.
	 * fork_exit_wait's repeats still spread by 3% there: 21 of them.
	 */
	sleep(2);
	measure_n("fork_exit_wait", do_fork, 300, NULL, REPEATS_FORK);
	if (wanted("fork_exit_wait")) {
		long v0 = ctxt_switches(), n = 300;

		do_fork(n, NULL);
		printf("# fork_exit_wait: %.2f context switches of the parent per fork\n",
		       (double)(ctxt_switches() - v0) / n);
	}
	measure("syscall", do_getppid, 20000, NULL);
	measure_context_switch();
	measure_page_fault();
	measure_interrupt();
	measure("mmap_munmap", do_mmap_munmap, 5000, NULL);
	measure("mmap_touch_munmap", do_mmap_touch_munmap, 300, NULL);
	measure("exec", do_exec, 100, NULL);
	measure_fork_cow();
	measure_munmap_thp();
	measure_fork_large();
	measure("workload", do_workload, 2, NULL);
	measure("signal", do_signal, 5000, NULL);
	/* Long runs: stacks and task structs come back through RCU too. */
	measure("thread_create_join", do_thread, 5000, NULL);
	measure_creds();
	run_pku();
	if (wanted("kernel"))
		run_kernel();
	if (wanted("kernel") || wanted("kernel_vm"))
		run_kernel_vm();
	report_mem("/proc/meminfo", meminfo);
	report_mem("/sys/kernel/debug/x86/pks_pgtable", pgtable);
	printf("bench done\n");
	return 0;
}
