/* SPDX-License-Identifier: MIT */
#include "lib/string.h"

#include <stdint.h>

/* Quadword string moves when everything is 8-byte aligned: page copies
 * and clears are common, and each rep iteration costs a cycle or more. */
void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

#ifdef __x86_64__
	if (!(((uintptr_t)dst | (uintptr_t)src | n) & 7)) {
		n /= 8;
		__asm__ volatile("rep movsq"
				 : "+D"(d), "+S"(src), "+c"(n)::"memory");
		return dst;
	}
#endif
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n)::"memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

#ifdef __x86_64__
	if (!(((uintptr_t)dst | n) & 7)) {
		uint64_t v = 0x0101010101010101ull * (uint8_t)c;
		n /= 8;
		__asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(v) : "memory");
		return dst;
	}
#endif
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

int strcmp(const char *a, const char *b) { return strncmp(a, b, (size_t)-1); }
