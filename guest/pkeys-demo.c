// SPDX-License-Identifier: GPL-2.0
/*
 * pkeys-demo: show memory protection keys at work, in words a person can
 * follow.  Runs as the `make run` demonstration and as a test of the guest
 * (KTAP, one test per step).
 *
 * User keys (PKU): allocate a key, tag a page with it, forbid writes through
 * PKRU, watch the write fault with SEGV_PKUERR and the key in si_pkey, open
 * the key and write again.
 *
 * Supervisor keys (PKS), through the kernel's test interface
 * (CONFIG_X86_PKS_TEST, /sys/kernel/debug/x86/pks_test): the kernel allocates a
 * key and tags a kernel page with it; it cannot write the page on behalf
 * of this thread until the thread's rights to the key open it; another
 * thread's rights stay closed.
 *
 * Exit status: 0 all steps passed or skipped (a CPU or kernel without the
 * feature: the steps say why), 1 a step failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest.h"
#include "pkru.h"

#define PKU_STEPS	4
#define PKS_STEPS	5
#define PKS_TEST_FILE	"/sys/kernel/debug/x86/pks_test"

/* The steps' names, for the KTAP lines when they are skipped. */
static const char * const pku_steps[PKU_STEPS] = {
	"pkey_mprotect tags a page", "a write-disabled key refuses writes",
	"an opened key allows writes", "pkey_free",
};
static const char * const pks_steps[PKS_STEPS] = {
	"the kernel tags a page with a key", "no rights refuse writes",
	"read/write rights allow writes", "read-only rights refuse writes",
	"rights belong to the thread",
};

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_code, fault_pkey;
static void *volatile fault_addr;

static void segv_handler(int sig, siginfo_t *si, void *uc)
{
	fault_code = si->si_code;
	fault_addr = si->si_addr;
#ifdef si_pkey
	fault_pkey = si->si_pkey;
#else
	fault_pkey = -1;
#endif
	siglongjmp(fault_jmp, 1);
}

/*
 * Write @val to @p; return 0, or 1 when the write faulted.  A signal
 * handler runs with the init PKRU (only key 0 open), and jumping out of it
 * skips the sigreturn that would restore the interrupted PKRU, so restore
 * it here.
 */
static int try_write(volatile int *p, int val)
{
	unsigned int pkru = rdpkru();

	fault_code = 0;
	fault_pkey = -1;
	if (sigsetjmp(fault_jmp, 1)) {
		wrpkru(pkru);
		return 1;
	}
	*p = val;
	return 0;
}

/* CPUID.(EAX=7,ECX=0):ECX bit @bit, whatever the kernel makes of it. */
static int cpuid7_ecx(int bit)
{
	unsigned int eax = 7, ebx, ecx = 0, edx;

	asm volatile("cpuid" : "+a" (eax), "=b" (ebx), "+c" (ecx), "=d" (edx));
	return (ecx >> bit) & 1;
}

static int cpu_flag(const char *flag)
{
	char line[4096], pat[64];
	FILE *f = fopen("/proc/cpuinfo", "r");
	int found = 0;

	if (!f)
		return 0;
	snprintf(pat, sizeof(pat), " %s ", flag);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		line[strcspn(line, "\n")] = ' ';
		found = strstr(line, pat) != NULL;
		break;
	}
	fclose(f);
	return found;
}

static const char *yesno(int v)
{
	return v ? "yes" : "no";
}

static void demo_pku(void)
{
	struct sigaction sa = { .sa_sigaction = segv_handler,
				.sa_flags = SA_SIGINFO };
	volatile int *page;
	int pkey, faulted, i;

	ksft_print_msg("--- user keys (PKU) ---\n");
	pkey = pkey_alloc(0, PKEY_DISABLE_WRITE);
	if (pkey < 0) {
		ksft_print_msg("pkey_alloc(0, PKEY_DISABLE_WRITE) failed: %s\n",
			       strerror(errno));
		for (i = 0; i < PKU_STEPS; i++)
			ksft_test_result_code(KSFT_SKIP, pku_steps[i], "%s\n",
					      "user protection keys unavailable (CPU without PKU or kernel without pkeys)");
		return;
	}

	ksft_print_msg("pkey_alloc(0, PKEY_DISABLE_WRITE) = %d: key %d allocated, writes disabled for this thread\n",
		       pkey, pkey);
	ksft_print_msg("PKRU = 0x%08x (2 bits per key: access-disable, write-disable)\n",
		       rdpkru());

	page = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	*page = 1;
	ksft_test_result(pkey_mprotect((void *)page, getpagesize(),
				       PROT_READ | PROT_WRITE, pkey) == 0,
			 "pkey_mprotect tags a page with key %d\n", pkey);

	sigaction(SIGSEGV, &sa, NULL);
	ksft_print_msg("writing to %p, tagged with key %d while key %d is write-disabled...\n",
		       page, pkey, pkey);
	faulted = try_write(page, 2);
	if (faulted)
		ksft_print_msg("  -> SIGSEGV, si_code %d (%s), si_pkey %d, si_addr %p: write refused\n",
			       fault_code,
			       fault_code == SEGV_PKUERR ? "SEGV_PKUERR" : "not SEGV_PKUERR",
			       fault_pkey, fault_addr);
	else
		ksft_print_msg("  -> the write went through\n");
	ksft_test_result(faulted && fault_code == SEGV_PKUERR &&
			 fault_pkey == pkey && *page == 1,
			 "a write to a write-disabled key faults with SEGV_PKUERR and si_pkey %d\n",
			 pkey);

	ksft_print_msg("pkey_set(%d, 0): one WRPKRU, no system call, opens the key\n",
		       pkey);
	pkey_set(pkey, 0);
	ksft_print_msg("PKRU = 0x%08x\n", rdpkru());
	faulted = try_write(page, 3);
	ksft_print_msg("writing again -> %s, the page now holds %d\n",
		       faulted ? "SIGSEGV" : "allowed", *page);
	ksft_test_result(!faulted && *page == 3,
			 "the write is allowed once the key is opened\n");

	munmap((void *)page, getpagesize());
	ksft_test_result(pkey_free(pkey) == 0, "pkey_free(%d)\n", pkey);
}

/* One command to the PKS test interface: 0 or the errno. */
static int pks_cmd(int fd, const char *cmd)
{
	ssize_t len = strlen(cmd);

	return write(fd, cmd, len) == len ? 0 : errno;
}

static const char *pks_state(int fd)
{
	static char buf[128];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static const char *pks_outcome(int err)
{
	return !err ? "allowed" : err == EACCES ? "refused (page fault, fixed up)" : strerror(err);
}

static void *pks_other_thread(void *arg)
{
	int fd = *(int *)arg;

	ksft_print_msg("another thread: %s\n", pks_state(fd));
	return (void *)(long)pks_cmd(fd, "write");
}

static void demo_pks(void)
{
	const char *why = NULL;
	int fd, err, i;
	pthread_t t;
	void *ret;

	ksft_print_msg("--- supervisor keys (PKS) ---\n");
	fd = open(PKS_TEST_FILE, O_RDWR);
	if (fd < 0)
		why = "no " PKS_TEST_FILE " (kernel without CONFIG_X86_PKS_TEST)";
	else if ((err = pks_cmd(fd, "alloc")) == EOPNOTSUPP)
		why = "supervisor protection keys unavailable (CPU without PKS, or nopks)";
	if (why) {
		for (i = 0; i < PKS_STEPS; i++)
			ksft_test_result_code(KSFT_SKIP, pks_steps[i], "%s\n", why);
		return;
	}
	ksft_test_result(!err, "the kernel allocates a key and tags a kernel page with it: %s\n",
			 pks_state(fd));

	err = pks_cmd(fd, "write");
	ksft_print_msg("the kernel writes the page for this thread, rights none -> %s\n",
		       pks_outcome(err));
	ksft_test_result(err == EACCES, "a write with no rights is refused\n");

	pks_cmd(fd, "rights rw");
	ksft_print_msg("rights rw: one WRMSR to IA32_PKRS, no page table change, no TLB flush\n");
	err = pks_cmd(fd, "write");
	ksft_print_msg("%s; write -> %s\n", pks_state(fd), pks_outcome(err));
	ksft_test_result(!err, "the write is allowed once the key is opened\n");

	pks_cmd(fd, "rights ro");
	err = pks_cmd(fd, "read");
	ksft_print_msg("%s; read -> %s\n", pks_state(fd), pks_outcome(err));
	i = pks_cmd(fd, "write");
	ksft_print_msg("%s; write -> %s\n", pks_state(fd), pks_outcome(i));
	ksft_test_result(!err && i == EACCES, "read-only rights: reads allowed, writes refused\n");

	pks_cmd(fd, "rights rw");
	ksft_print_msg("this thread: %s\n", pks_state(fd));
	if (pthread_create(&t, NULL, pks_other_thread, &fd) || pthread_join(t, &ret))
		ret = (void *)-1L;
	ksft_print_msg("another thread's write -> %s\n", pks_outcome((long)ret));
	ksft_test_result((long)ret == EACCES, "rights belong to the thread that set them\n");
	close(fd);
}

int main(void)
{
	ksft_print_header();
	ksft_print_msg("CPU offers (CPUID leaf 7): user keys (PKU) %s, supervisor keys (PKS) %s\n",
		       yesno(cpuid7_ecx(3)), yesno(cpuid7_ecx(31)));
	ksft_print_msg("kernel uses (/proc/cpuinfo): pku %s, ospke %s, pks %s\n",
		       yesno(cpu_flag("pku")), yesno(cpu_flag("ospke")),
		       yesno(cpu_flag("pks")));
	ksft_set_plan(PKU_STEPS + PKS_STEPS);
	demo_pku();
	demo_pks();
	ksft_finished();
}
