// SPDX-License-Identifier: GPL-2.0
/*
 * Load BPF programs through the JIT and run them: the JIT writes its
 * image into executable memory the kernel allocates and makes read-only
 * (bpf_prog_pack: text_poke and set_memory_rox(), which write page
 * tables).  Each program is a socket filter that accepts a packet of a
 * given length; it runs on a packet sent over a socket pair.
 *
 * Usage: bpf-jit [N]   N programs (default 64), loaded, run and freed.
 * Exit status 0 when all ran and filtered as expected, 4 (skip) without
 * BPF, 1 otherwise.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int prog_load(unsigned int keep)
{
	/* r0 = keep; exit: the filter keeps the first @keep bytes. */
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = keep },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	char log[256] = "";

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	attr.license = (unsigned long)"GPL";
	attr.log_buf = (unsigned long)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	return syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}

/* Send 64 bytes through a socket pair filtered by @prog: @keep must arrive. */
static int run(int prog, unsigned int keep)
{
	char buf[64] = { 0 };
	int sv[2], ok = 0;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		return 0;
	if (!setsockopt(sv[1], SOL_SOCKET, SO_ATTACH_BPF, &prog, sizeof(prog)) &&
	    send(sv[0], buf, sizeof(buf), 0) == sizeof(buf)) {
		n = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);
		ok = n == (ssize_t)keep;
	}
	close(sv[0]);
	close(sv[1]);
	return ok;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 64, i, prog, bad = 0;
	FILE *f;
	int jit = -1;

	f = fopen("/proc/sys/net/core/bpf_jit_enable", "r");
	if (f) {
		if (fscanf(f, "%d", &jit) != 1)
			jit = -1;
		fclose(f);
	}
	for (i = 0; i < n; i++) {
		unsigned int keep = 1 + i % 63;

		prog = prog_load(keep);
		if (prog < 0) {
			if (i == 0 && (errno == ENOSYS || errno == EPERM)) {
				printf("SKIP: no BPF (%s)\n", strerror(errno));
				return 4;
			}
			printf("program %d: load failed: %s\n", i, strerror(errno));
			return 1;
		}
		if (!run(prog, keep)) {
			printf("program %d: did not keep %u bytes\n", i, keep);
			bad++;
		}
		close(prog);
	}
	printf("%d programs loaded through the JIT (bpf_jit_enable %d), run and freed, %d wrong\n",
	       n, jit, bad);
	return bad ? 1 : 0;
}
