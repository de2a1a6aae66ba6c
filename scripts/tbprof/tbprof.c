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
 * atomic).  When the guest marks measured stretches (mark.h), COUNT is the
 * instructions executed inside them only, so that the work the boot
 * and the warm-up did stays out, and the first line is "# measured".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mark.h"
#include "qemu-plugin.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define SLOTS		(1u << 20)
#define KERNEL_START	0xffff800000000000ull

struct block {
	uint64_t pc, insns;
	uint64_t start, measured;	/* insns at the stretch's start; inside stretches */
};

static struct block *blocks;
static const char *out = "tbprof.txt";
static int in_stretch, marked_any;

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

/*
 * A mark ran: a stretch starts or ends.  Marks are few (two per repeat of
 * a figure), so every block's count is read at each.
 */
static void marked(unsigned int vcpu, void *udata)
{
	int start = (uintptr_t)udata != MARK_END;
	unsigned int i;

	marked_any = 1;
	if (start == in_stretch)
		return;
	for (i = 0; i < SLOTS; i++) {
		struct block *b = &blocks[i];

		if (!b->pc)
			continue;
		if (start)
			b->start = b->insns;
		else
			b->measured += b->insns - b->start;
	}
	in_stretch = start;
}

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t pc = qemu_plugin_tb_vaddr(tb);
	size_t i, n = qemu_plugin_tb_n_insns(tb);

	if (pc < KERNEL_START) {
		for (i = 0; i < n; i++) {
			struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
			unsigned int mark;

			if (mark_of(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn), &mark))
				qemu_plugin_register_vcpu_insn_exec_cb(insn, marked,
								       QEMU_PLUGIN_CB_NO_REGS,
								       (void *)(uintptr_t)mark);
		}
		return;
	}
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
	if (marked_any)
		fprintf(f, "# measured\n");
	for (i = 0; i < SLOTS; i++) {
		uint64_t n = marked_any ? blocks[i].measured : blocks[i].insns;

		if (n)
			fprintf(f, "%llx %llu\n", (unsigned long long)blocks[i].pc,
				(unsigned long long)n);
	}
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
