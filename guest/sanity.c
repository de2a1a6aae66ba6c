// SPDX-License-Identifier: GPL-2.0
/*
 * sanity: the guest kernel runs ordinary Linux programs.  Built as a
 * dynamically linked glibc program and run from the initramfs, it checks
 * the features configs/base.config promises: threads, madvise, membarrier,
 * rseq, memfd, SysV IPC, AIO, Unix sockets, /proc, /sys, debugfs,
 * hugetlbfs and transparent huge pages, and that every vCPU QEMU was given
 * (pkeys_cpus= on the kernel command line) is online.  KTAP, one test per
 * feature.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/rseq.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "kselftest.h"

#define HUGETLBFS_MAGIC 0x958458f6
#define DEBUGFS_MAGIC 0x64626720

static void *thread_fn(void *arg)
{
	return (char *)arg + 1;
}

static int test_threads(void)
{
	pthread_t t;
	void *ret;

	return !pthread_create(&t, NULL, thread_fn, (void *)41) &&
	       !pthread_join(t, &ret) && ret == (void *)42;
}

static int test_madvise(void)
{
	size_t len = 4 * getpagesize();
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ok;

	if (p == MAP_FAILED)
		return 0;
	memset(p, 1, len);
	ok = !madvise(p, len, MADV_DONTNEED) && p[0] == 0;
	munmap(p, len);
	return ok;
}

static int test_membarrier(void)
{
	long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

	return cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
	       !syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) &&
	       !syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
}

static int test_rseq(void)
{
	/* glibc registers rseq for every thread when the kernel has it. */
	struct rseq *rs = (struct rseq *)((char *)__builtin_thread_pointer() +
					  __rseq_offset);

	return __rseq_size > 0 && (int)rs->cpu_id >= 0;
}

static int test_memfd(void)
{
	int fd = memfd_create("sanity", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int ok;

	if (fd < 0)
		return 0;
	ok = !ftruncate(fd, 4096) && !fcntl(fd, F_ADD_SEALS, F_SEAL_GROW);
	close(fd);
	return ok;
}

static int test_sysv_ipc(void)
{
	int shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	int sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	int msq = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	int ok = shm >= 0 && sem >= 0 && msq >= 0;
	char *p;

	if (shm >= 0) {
		p = shmat(shm, NULL, 0);
		ok = ok && p != (void *)-1;
		if (p != (void *)-1) {
			p[0] = 1;
			shmdt(p);
		}
		shmctl(shm, IPC_RMID, NULL);
	}
	if (sem >= 0)
		semctl(sem, 0, IPC_RMID);
	if (msq >= 0)
		msgctl(msq, IPC_RMID, NULL);
	return ok;
}

static int test_aio(void)
{
	aio_context_t ctx = 0;

	return !syscall(__NR_io_setup, 8, &ctx) &&
	       !syscall(__NR_io_destroy, ctx);
}

static int test_unix_socket(void)
{
	int sv[2], ok;
	char c = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 0;
	ok = write(sv[0], "x", 1) == 1 && read(sv[1], &c, 1) == 1 && c == 'x';
	close(sv[0]);
	close(sv[1]);
	return ok;
}

static int test_proc_sys(void)
{
	struct stat st;

	return !stat("/proc/self/status", &st) && !stat("/proc/self/smaps", &st) &&
	       !stat("/sys/kernel/mm", &st);
}

static int test_debugfs(void)
{
	struct statfs sfs;

	return !statfs("/sys/kernel/debug", &sfs) && sfs.f_type == DEBUGFS_MAGIC;
}

static int test_hugetlb(void)
{
	size_t len = 2UL << 20;
	struct statfs sfs;
	char *p;

	if (statfs("/dev/hugepages", &sfs) || sfs.f_type != HUGETLBFS_MAGIC)
		return 0;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	p[0] = 1;
	munmap(p, len);
	return 1;
}

static int test_thp(void)
{
	size_t len = 4UL << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ok;

	if (p == MAP_FAILED)
		return 0;
	ok = !madvise(p, len, MADV_HUGEPAGE) &&
	     !access("/sys/kernel/mm/transparent_hugepage/enabled", R_OK);
	munmap(p, len);
	return ok;
}

static int test_all_cpus_online(void)
{
	char cmdline[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");
	char *p;

	if (!f)
		return 0;
	fgets(cmdline, sizeof(cmdline), f);
	fclose(f);
	p = strstr(cmdline, "pkeys_cpus=");
	if (!p) {
		ksft_print_msg("no pkeys_cpus= on the kernel command line\n");
		return 0;
	}
	ksft_print_msg("%ld of %d CPUs online\n", sysconf(_SC_NPROCESSORS_ONLN),
		       atoi(p + strlen("pkeys_cpus=")));
	return sysconf(_SC_NPROCESSORS_ONLN) == atoi(p + strlen("pkeys_cpus="));
}

static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
	{ "all_cpus_online", test_all_cpus_online },
	{ "threads", test_threads },
	{ "madvise", test_madvise },
	{ "membarrier", test_membarrier },
	{ "rseq", test_rseq },
	{ "memfd", test_memfd },
	{ "sysv_ipc", test_sysv_ipc },
	{ "aio", test_aio },
	{ "unix_socket", test_unix_socket },
	{ "proc_and_sys", test_proc_sys },
	{ "debugfs", test_debugfs },
	{ "hugetlbfs", test_hugetlb },
	{ "transparent_hugepages", test_thp },
};

int main(void)
{
	unsigned int i;

	ksft_print_header();
	ksft_set_plan(sizeof(tests) / sizeof(tests[0]));
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		int ok;

		errno = 0;
		ok = tests[i].fn();
		if (!ok && errno)
			ksft_print_msg("%s: %s\n", tests[i].name, strerror(errno));
		ksft_test_result(ok, "%s\n", tests[i].name);
	}
	ksft_finished();
}
