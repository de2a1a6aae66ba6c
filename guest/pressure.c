// SPDX-License-Identifier: GPL-2.0
/*
 * Memory pressure for the page-table pool (guest/system pressure).
 *
 * Usage: pressure hog KEEP_MIB READY_FILE
 *   Take all free memory but KEEP_MIB (MemFree), locked so that it can
 *   be neither reclaimed nor moved (with vm.compact_unevictable_allowed
 *   at 0), then give back one page in eight: the free memory is single
 *   pages, and no 2 MiB block can be had for the pool.  Creates
 *   READY_FILE when done, then holds the memory until killed.
 *
 * Usage: pressure tables CHILDREN TABLES
 *   CHILDREN processes at once, each mapping TABLES MiB-sparse pages
 *   (one byte every 2 MiB: a page table each), checking them, forking a
 *   child that checks them too (the copy takes tables of its own), and
 *   exec'ing /bin/true.  Exit status 0 when every check passed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE	4096UL
#define STRIDE	(2UL << 20)

static unsigned long meminfo(const char *field)
{
	char line[128];
	unsigned long kb = 0;
	size_t len = strlen(field);
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':')
			kb = strtoul(line + len + 1, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

static int hog(unsigned long keep_mib, const char *ready)
{
	unsigned long free_kb = meminfo("MemFree"), len, off;
	char *p;
	int fd;

	if (free_kb <= (keep_mib << 10)) {
		fprintf(stderr, "hog: %lu kB free, nothing to take\n", free_kb);
		return 1;
	}
	len = ((free_kb << 10) - (keep_mib << 20)) & ~(PAGE - 1);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED) {
		perror("hog: mmap");
		return 1;
	}
	madvise(p, len, MADV_NOHUGEPAGE);
	if (mlock(p, len)) {
		perror("hog: mlock");
		return 1;
	}
	for (off = 0; off < len; off += 8 * PAGE)
		if (munmap(p + off, PAGE)) {
			perror("hog: munmap");
			return 1;
		}
	printf("hog: took %lu MiB, gave back one page in eight; MemFree %lu kB\n",
	       len >> 20, meminfo("MemFree"));
	fflush(stdout);
	fd = open(ready, O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
	for (;;)
		pause();
}

static int one(unsigned long tables)
{
	unsigned long i, len = tables * STRIDE;
	int status, bad = 0;
	char *p;
	pid_t pid;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED)
		return 1;
	madvise(p, len, MADV_NOHUGEPAGE);
	for (i = 0; i < tables; i++)
		p[i * STRIDE] = (char)i;
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		for (i = 0; i < tables; i++)
			bad |= p[i * STRIDE] != (char)i;
		_exit(bad);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	for (i = 0; i < tables; i++)
		bad |= p[i * STRIDE] != (char)i;
	munmap(p, len);
	if (bad)
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	return waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status);
}

static int tables(int children, unsigned long n)
{
	int i, status, fails = 0;
	pid_t pid;

	for (i = 0; i < children; i++) {
		pid = fork();
		if (pid < 0)
			return 1;
		if (!pid)
			_exit(one(n));
	}
	for (i = 0; i < children; i++)
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			fails++;
	if (fails)
		fprintf(stderr, "tables: %d of %d processes failed\n", fails, children);
	return !!fails;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "hog"))
		return hog(strtoul(argv[2], NULL, 0), argv[3]);
	if (argc == 4 && !strcmp(argv[1], "tables"))
		return tables(atoi(argv[2]), strtoul(argv[3], NULL, 0));
	fprintf(stderr, "usage: pressure hog KEEP_MIB READY_FILE | tables CHILDREN TABLES\n");
	return 2;
}
