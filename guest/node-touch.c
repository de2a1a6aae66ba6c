// SPDX-License-Identifier: GPL-2.0
/*
 * Touch memory on one NUMA node: N MiB bound to node NODE (mbind,
 * MPOL_BIND), written, then a forked child writes it too (copy-on-write
 * faults, new page tables), and both check what they read back.  The
 * memory hotplug test puts a hot-added DIMM to use with it.
 *
 * Usage: node-touch NODE MIB
 * Exit status 0 when every page was written and read back on the node,
 * 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MPOL_BIND	2

static int fill_and_check(unsigned char *p, size_t len, unsigned char v)
{
	size_t i;

	for (i = 0; i < len; i += 4096)
		p[i] = v;
	for (i = 0; i < len; i += 4096)
		if (p[i] != v)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int node = argc > 2 ? atoi(argv[1]) : 1;
	size_t len = (argc > 2 ? strtoul(argv[2], NULL, 0) : 64) << 20;
	unsigned long mask = 1UL << node;
	unsigned char *p;
	int status, pid, where = -1;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (syscall(SYS_mbind, p, len, MPOL_BIND, &mask, sizeof(mask) * 8, 0)) {
		perror("mbind");
		return 1;
	}
	if (fill_and_check(p, len, 0x5a))
		return 1;
	/* MPOL_F_NODE | MPOL_F_ADDR: the node of the first page. */
	if (syscall(SYS_get_mempolicy, &where, NULL, 0, p, 3))
		perror("get_mempolicy");
	pid = fork();
	if (pid == 0)
		_exit(fill_and_check(p, len, 0xa5));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return 1;
	printf("%zu MiB on node %d (first page on node %d), written by a parent and a forked child\n",
	       len >> 20, node, where);
	return where == node ? 0 : 1;
}
