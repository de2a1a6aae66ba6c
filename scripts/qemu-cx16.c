// SPDX-License-Identifier: GPL-2.0
/*
 * Does QEMU's TCG compute the flags of CMPXCHG16B right?  Run under
 * qemu-x86_64 by scripts/qemu-cx16.sh; exit status 0 when it does, 1
 * when EFLAGS after CMPXCHG16B holds bits that neither the ADD before it
 * nor CMPXCHG16B itself set.
 *
 * TCG computes flags lazily: an instruction records how its flags are to
 * be computed (the "cc op") and its operands, and a later reader computes
 * them.  The sequence below leaves the recorded cc op at "flags taken as
 * they are" (POPF, then a jump that ends the translation block) and then
 * lets ADD record its operands without storing its own cc op.  A
 * CMPXCHG16B that computes its flags from the stale cc op takes ADD's
 * source operand for the flags: 0x500 below sets TF and DF, and ADD's
 * sign flag is lost.  In the kernel, SLUB's this_cpu_cmpxchg16b follows
 * pointer arithmetic: a later PUSHF, or the flags of an interrupt frame,
 * then carries TF (a #DB in the kernel) or DF (string instructions run
 * backwards).
 */
#include <stdio.h>

static unsigned __int128 slot __attribute__((aligned(16)));

static unsigned long cmpxchg16b_flags(unsigned long src)
{
	unsigned long flags, lo = 0, hi = 0, dst = 1;

	asm volatile("push $0x202\n\t"
		     "popf\n\t"
		     "jmp 1f\n"
		     "1:\n\t"
		     "add %[src], %[dst]\n\t"
		     "lock cmpxchg16b %[m]\n\t"
		     "pushf\n\t"
		     "pop %[f]\n\t"
		     "push $0x202\n\t"
		     "popf"
		     : [f] "=&r" (flags), [m] "+m" (slot), "+a" (lo), "+d" (hi),
		       [dst] "+r" (dst)
		     : "b" (1UL), "c" (0UL), [src] "r" (src)
		     : "cc", "memory");
	return flags;
}

int main(void)
{
	/* 1 + src is negative: SF; CMPXCHG16B succeeds: ZF; IF; bit 1. */
	unsigned long expect = 0x80 | 0x40 | 0x200 | 0x2;
	/* The arithmetic flags CMPXCHG16B may leave as ADD left them. */
	unsigned long arith = 0x1 | 0x4 | 0x10 | 0x80 | 0x800;
	unsigned long src = 0xffc0050000000500UL;
	unsigned long f = cmpxchg16b_flags(src);

	if ((f & ~arith) != (expect & ~arith) || !(f & 0x80)) {
		printf("wrong: EFLAGS %#lx after ADD of %#lx and a CMPXCHG16B that succeeded (expected %#lx)\n",
		       f, src, expect);
		return 1;
	}
	printf("right: EFLAGS %#lx after ADD of %#lx and a CMPXCHG16B that succeeded\n", f, src);
	return 0;
}
