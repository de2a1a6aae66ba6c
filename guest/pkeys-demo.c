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
 * Exit status: 0 all steps passed, 4 (KSFT_SKIP) the CPU or kernel lacks
 * user keys, 1 a step failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest.h"

#ifndef SEGV_PKUERR
#define SEGV_PKUERR 4
#endif

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

/* RDPKRU, spelled out so that no -mpku is needed; only after pkey_alloc(). */
static unsigned int rdpkru(void)
{
	unsigned int eax, edx;

	asm volatile(".byte 0x0f,0x01,0xee" : "=a" (eax), "=d" (edx) : "c" (0));
	return eax;
}

static void wrpkru(unsigned int pkru)
{
	asm volatile(".byte 0x0f,0x01,0xef" : : "a" (pkru), "c" (0), "d" (0));
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

int main(void)
{
	struct sigaction sa = { .sa_sigaction = segv_handler,
				.sa_flags = SA_SIGINFO };
	volatile int *page;
	int pkey, faulted;

	ksft_print_header();
	ksft_print_msg("CPU offers (CPUID leaf 7): user keys (PKU) %s, supervisor keys (PKS) %s\n",
		       yesno(cpuid7_ecx(3)), yesno(cpuid7_ecx(31)));
	ksft_print_msg("kernel uses (/proc/cpuinfo): pku %s, ospke %s, pks %s\n",
		       yesno(cpu_flag("pku")), yesno(cpu_flag("ospke")),
		       yesno(cpu_flag("pks")));

	pkey = pkey_alloc(0, PKEY_DISABLE_WRITE);
	if (pkey < 0) {
		ksft_print_msg("pkey_alloc(0, PKEY_DISABLE_WRITE) failed: %s\n",
			       strerror(errno));
		ksft_exit_skip("user protection keys unavailable (CPU without PKU or kernel without pkeys)\n");
	}
	ksft_set_plan(4);

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
	ksft_finished();
}
