// SPDX-License-Identifier: GPL-2.0
/*
 * A QEMU TCG plugin for make bench: how often each figure writes the
 * protection-key registers, and how many kernel instructions it runs.
 *
 *   -plugin regwrites.so,out=FILE
 *
 * The guest marks a figure's measured stretch with two NOPs whose
 * displacement carries a magic number and the figure's bucket
 * (guest/bench.c mark()): "nopl MARK_MAGIC|ID(%rax)" starts bucket ID,
 * ID 0xffff ends it.  Within a bucket the plugin counts, by instruction
 * address, every execution of the instructions that can write a key
 * register:
 *
 *   wrpkru   WRPKRU (0f 01 ef), user or kernel: a PKRU write, always
 *   wrmsr    WRMSR (0f 30): which MSR is in ECX, which a plugin of this
 *            QEMU cannot read; scripts/bench-report.py finds it in the
 *            kernel's code before each address (IA32_PKRS is 0x6e1)
 *   xrstor   XRSTOR, XRSTORS: they load PKRU when their mask (EDX:EAX)
 *            has bit 9; bench-report.py decides by the kernel function
 *   watch    the instruction at an address given as watch=ADDRESS (hex,
 *            up to 16 of them): the entry of a function, to count calls
 *
 * and the instructions of translation blocks in the kernel's half and in
 * the user's, as the block starts (a block left early by an exception
 * still counts whole).  At exit FILE gets:
 *
 *   bucket ID KERNEL_INSNS USER_INSNS
 *   site KIND ADDRESS ID COUNT
 *
 * One vCPU: the counters are not atomic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mark.h"
#include "qemu-plugin.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define KERNEL_START	0xffff800000000000ull
#define BUCKETS		256
#define SITES		4096

enum kind { WRPKRU, WRMSR, XRSTOR, XRSTORS, WATCH, KINDS };
static const char *const kind_name[KINDS] = {
	"wrpkru", "wrmsr", "xrstor", "xrstors", "watch"
};

struct site {
	uint64_t pc;
	enum kind kind;
	uint64_t count[BUCKETS];
};

static struct site *sites;
static unsigned int nr_sites;
static const char *out = "regwrites.txt";
static uint64_t watch[16];
static unsigned int nr_watch;

/* Instructions so far, and in each bucket; the current bucket. */
static uint64_t kernel_insns, user_insns;
static uint64_t bucket_kernel[BUCKETS], bucket_user[BUCKETS];
static uint64_t start_kernel, start_user;
static unsigned int cur;

static struct site *site_of(uint64_t pc, enum kind kind)
{
	unsigned int i;

	for (i = 0; i < nr_sites; i++)
		if (sites[i].pc == pc)
			return &sites[i];
	if (nr_sites == SITES)
		return NULL;
	sites[nr_sites].pc = pc;
	sites[nr_sites].kind = kind;
	return &sites[nr_sites++];
}

static void executed(unsigned int vcpu, void *udata)
{
	((struct site *)udata)->count[cur]++;
}

static void marked(unsigned int vcpu, void *udata)
{
	unsigned int id = (unsigned int)(uintptr_t)udata;

	if (cur) {
		bucket_kernel[cur] += kernel_insns - start_kernel;
		bucket_user[cur] += user_insns - start_user;
	}
	cur = id == MARK_END || id >= BUCKETS ? 0 : id;
	start_kernel = kernel_insns;
	start_user = user_insns;
}

/*
 * The kind of the instruction at @b, or -1.  Legacy prefixes and one REX
 * byte are skipped (64-bit code).
 */
static int decode(const unsigned char *b, size_t n)
{
	int sse_prefix = 0;
	size_t i = 0;
	unsigned int modrm, reg;

	for (; i < n; i++) {
		switch (b[i]) {
		case 0x66: case 0xf2: case 0xf3:
			sse_prefix = 1;
			continue;
		case 0x67: case 0xf0: case 0x2e: case 0x36: case 0x3e:
		case 0x26: case 0x64: case 0x65:
			continue;
		}
		break;
	}
	if (i < n && (b[i] & 0xf0) == 0x40)
		i++;
	if (i + 1 >= n || b[i] != 0x0f)
		return -1;
	i++;
	if (b[i] == 0x30)
		return WRMSR;
	if (i + 1 >= n)
		return -1;
	modrm = b[i + 1];
	reg = (modrm >> 3) & 7;
	switch (b[i]) {
	case 0x01:
		return modrm == 0xef ? WRPKRU : -1;
	case 0xae:
		return reg == 5 && modrm < 0xc0 && !sse_prefix ? XRSTOR : -1;
	case 0xc7:
		return reg == 3 && modrm < 0xc0 && !sse_prefix ? XRSTORS : -1;
	}
	return -1;
}

static void translated(qemu_plugin_id_t pid, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);
	uint64_t pc = qemu_plugin_tb_vaddr(tb);

	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 pc >= KERNEL_START ? &kernel_insns : &user_insns, n);
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		unsigned int id = 0;
		struct site *s;
		int kind;

		uint64_t vaddr = qemu_plugin_insn_vaddr(insn);
		unsigned int w;

		if (mark_of(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn), &id)) {
			qemu_plugin_register_vcpu_insn_exec_cb(insn, marked, QEMU_PLUGIN_CB_NO_REGS,
							       (void *)(uintptr_t)id);
			continue;
		}
		kind = decode(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn));
		for (w = 0; w < nr_watch; w++)
			if (watch[w] == vaddr)
				kind = WATCH;
		if (kind < 0)
			continue;
		s = site_of(vaddr, kind);
		if (s)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, executed,
							       QEMU_PLUGIN_CB_NO_REGS, s);
	}
}

static void done(qemu_plugin_id_t pid, void *unused)
{
	FILE *f = fopen(out, "w");
	unsigned int i, b;

	if (!f) {
		perror(out);
		return;
	}
	for (b = 1; b < BUCKETS; b++)
		if (bucket_kernel[b] || bucket_user[b])
			fprintf(f, "bucket %u %llu %llu\n", b,
				(unsigned long long)bucket_kernel[b],
				(unsigned long long)bucket_user[b]);
	for (i = 0; i < nr_sites; i++)
		for (b = 0; b < BUCKETS; b++)
			if (sites[i].count[b])
				fprintf(f, "site %s %llx %u %llu\n", kind_name[sites[i].kind],
					(unsigned long long)sites[i].pc, b,
					(unsigned long long)sites[i].count[b]);
	if (nr_sites == SITES)
		fprintf(f, "# sites full: later ones not counted\n");
	fclose(f);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out = argv[i] + 4;
		else if (!strncmp(argv[i], "watch=", 6) && nr_watch < 16)
			watch[nr_watch++] = strtoull(argv[i] + 6, NULL, 16);
	sites = calloc(SITES, sizeof(*sites));
	if (!sites)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
	qemu_plugin_register_atexit_cb(id, done, NULL);
	return 0;
}
