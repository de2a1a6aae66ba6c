// SPDX-License-Identifier: GPL-2.0
/*
 * A QEMU TCG plugin that counts the kernel instructions a guest executes,
 * by the start address of each translation block, for make profile.
 *
 *   -plugin tbprof.so,out=FILE
 *
 * At exit, FILE gets one line per block that ran: "ADDRESS COUNT", the
 * address in hex and the instructions executed in the block, in all.
 * Kernel addresses only (the upper half); one vCPU (the counters are not
 * atomic).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-plugin.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define SLOTS		(1u << 20)
#define KERNEL_START	0xffff800000000000ull

struct block {
	uint64_t pc, insns;
};

static struct block *blocks;
static const char *out = "tbprof.txt";

/* The block of @pc: open addressing; a block translated again shares it. */
static struct block *block_of(uint64_t pc)
{
	uint64_t h = (pc * 0x9e3779b97f4a7c15ull) >> 44;

	for (;; h++) {
		struct block *b = &blocks[h & (SLOTS - 1)];

		if (b->pc == pc || !b->pc) {
			b->pc = pc;
			return b;
		}
	}
}

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t pc = qemu_plugin_tb_vaddr(tb);

	if (pc < KERNEL_START)
		return;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &block_of(pc)->insns,
						 qemu_plugin_tb_n_insns(tb));
}

static void done(qemu_plugin_id_t id, void *unused)
{
	FILE *f = fopen(out, "w");
	unsigned int i;

	if (!f) {
		perror(out);
		return;
	}
	for (i = 0; i < SLOTS; i++)
		if (blocks[i].insns)
			fprintf(f, "%llx %llu\n", (unsigned long long)blocks[i].pc,
				(unsigned long long)blocks[i].insns);
	fclose(f);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out = argv[i] + 4;
	blocks = calloc(SLOTS, sizeof(*blocks));
	if (!blocks)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
	qemu_plugin_register_atexit_cb(id, done, NULL);
	return 0;
}
