/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RDPKRU and WRPKRU for the guest programs, spelled out as bytes so that
 * no -mpku is needed.  Only valid once the kernel has enabled PKU (a
 * pkey_alloc() that succeeded says so).
 */
#ifndef GUEST_PKRU_H
#define GUEST_PKRU_H

static inline unsigned int rdpkru(void)
{
	unsigned int eax, edx;

	asm volatile(".byte 0x0f,0x01,0xee" : "=a" (eax), "=d" (edx) : "c" (0));
	return eax;
}

static inline void wrpkru(unsigned int pkru)
{
	asm volatile(".byte 0x0f,0x01,0xef" : : "a" (pkru), "c" (0), "d" (0));
}

#endif /* GUEST_PKRU_H */
