/* SPDX-License-Identifier: MIT */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>

/* The usual C library routines; lib/string.c provides them in the
 * hypervisor, the C library on the host. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* The value of digit c in base 10 or 16 (hex digits in either case), or
 * -1 when c is not one. */
static inline int digit_value(char c, unsigned base)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (base == 16 && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (base == 16 && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Copy with truncation; the result is always NUL-terminated when size > 0.
 * Returns the length of src. */
static inline size_t str_copy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(dst, src, c);
		dst[c] = 0;
	}
	return n;
}

#endif
