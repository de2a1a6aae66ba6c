/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the guest programs need of user protection keys beyond the C
 * library: RDPKRU and WRPKRU, spelled out as bytes so that no -mpku is
 * needed (only valid once the kernel has enabled PKU: a pkey_alloc() that
 * succeeded says so), and the series' uapi values, which the build
 * machine's headers do not have.
 */
#ifndef GUEST_PKRU_H
#define GUEST_PKRU_H

#ifndef PKEY_ALLOC_SIGNALINHERIT
#define PKEY_ALLOC_SIGNALINHERIT	0x1
#endif
#ifndef PR_SET_PKEY_STRICT
#define PR_SET_PKEY_STRICT		0x504b0001
#define PR_GET_PKEY_STRICT		0x504b0002
#endif
#ifndef SEGV_PKUERR
#define SEGV_PKUERR			4
#endif

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
