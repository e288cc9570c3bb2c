/* SPDX-License-Identifier: MIT */
/* printf-style formatting, pure and allocation-free.
 * Supported: %d %i %u %x %X %o %p %s %c %%, flags '-' '0' '+' ' ' '#',
 * width and precision (also '*'), length modifiers hh h l ll z t j. */
#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*format_out_fn)(void *ctx, char c);

/* Returns the number of characters produced. */
int kvformat(format_out_fn out, void *ctx, const char *fmt, va_list ap);

/* Like C99 vsnprintf: output is truncated to size-1 characters and
 * NUL-terminated; the return value is the untruncated length. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
