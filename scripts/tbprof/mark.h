/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The marks guest/bench.c puts around a figure's measured stretches, as
 * the TCG plugins of make bench and make profile read them: the 7-byte
 * NOP "nopl MARK_MAGIC|ID(%rax)" (0f 1f 80 and a 32-bit displacement)
 * starts the stretch of bucket ID; ID MARK_END ends it.
 */
#ifndef TBPROF_MARK_H
#define TBPROF_MARK_H

#include <stddef.h>

#define MARK_MAGIC	0x4b500000u	/* "PK" in the displacement's top half */
#define MARK_END	0xffffu

/* Whether the instruction @b of @n bytes is a mark: then *@id is its ID. */
static inline int mark_of(const unsigned char *b, size_t n, unsigned int *id)
{
	unsigned int disp;

	if (n != 7 || b[0] != 0x0f || b[1] != 0x1f || b[2] != 0x80)
		return 0;
	disp = b[3] | b[4] << 8 | b[5] << 16 | (unsigned int)b[6] << 24;
	if ((disp & 0xffff0000u) != MARK_MAGIC)
		return 0;
	*id = disp & 0xffff;
	return 1;
}

#endif
