/* SPDX-License-Identifier: MIT */
/*
 * /bin/rdtsc in the Linux guest's initramfs: prints the time-stamp counter
 * in decimal and a newline, then exits 0. Freestanding x86-64 Linux, no C
 * library: _start and raw write/exit system calls. Build with
 *   gcc -static -nostdlib -O2 -fno-pic -no-pie -o rdtsc rdtsc.c
 */
#include <stdint.h>

#define SYS_write 1
#define SYS_exit_group 231

static long sys3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Called by _start with a 16-byte aligned stack. */
__attribute__((noreturn, used)) void rdtsc_main(void);
__attribute__((noreturn, used)) void rdtsc_main(void)
{
	char buf[24];
	char *p = buf + sizeof(buf);
	uint64_t v = rdtsc();
	long left, n;

	*--p = '\n';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	left = buf + sizeof(buf) - p;
	while (left > 0) {
		n = sys3(SYS_write, 1, (long)p, left);
		if (n == -4) /* EINTR */
			continue;
		if (n <= 0)
			sys3(SYS_exit_group, 1, 0, 0);
		p += n;
		left -= n;
	}
	sys3(SYS_exit_group, 0, 0, 0);
	__builtin_unreachable();
}

/* The kernel enters with RSP 16-byte aligned and no return address. */
__asm__(".text\n"
	".globl _start\n"
	".type _start, @function\n"
	"_start:\n"
	"	xorl %ebp, %ebp\n"
	"	andq $-16, %rsp\n"
	"	call rdtsc_main\n"
	"	hlt\n");
