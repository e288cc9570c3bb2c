/* SPDX-License-Identifier: MIT */
#include "lib/format.h"

#include <stdbool.h>
#include <stdint.h>

struct spec {
	bool left, zero, plus, space, alt;
	int width;
	int prec; /* -1: none */
	int len;  /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t */
};

struct sink {
	format_out_fn out;
	void *ctx;
	int n;
};

static void put(struct sink *s, char c)
{
	s->out(s->ctx, c);
	s->n++;
}

static void pad(struct sink *s, char c, int count)
{
	while (count-- > 0)
		put(s, c);
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->prec = sp->prec * 10 + (*f++ - '0');
	}
	for (;; f++) {
		if (*f == 'l')
			sp->len = sp->len == 1 ? 2 : 1;
		else if (*f == 'h')
			sp->len = sp->len == -1 ? -2 : -1;
		else if (*f == 'z' || *f == 't' || *f == 'j')
			sp->len = 3;
		else
			break;
	}
	return f;
}

static void emit_number(struct sink *s, const struct spec *sp, uint64_t v,
			bool neg, unsigned base, bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int nd = 0, plen = 0, zeros, total;
	char sign = neg ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;

	while (v) {
		tmp[nd++] = digits[v % base];
		v /= base;
	}
	if (sp->prec < 0 && nd == 0)
		tmp[nd++] = '0';
	if (prefix)
		while (prefix[plen])
			plen++;
	zeros = sp->prec > nd ? sp->prec - nd : 0;
	/* '#' with 'o' only adds a zero when the digits lack a leading one. */
	if (base == 8 && sp->alt && !zeros && (!nd || tmp[nd - 1] != '0'))
		zeros = 1;
	total = nd + zeros + plen + (sign != 0);
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > total) {
		zeros += sp->width - total;
		total = sp->width;
	}
	if (!sp->left)
		pad(s, ' ', sp->width - total);
	if (sign)
		put(s, sign);
	for (int i = 0; i < plen; i++)
		put(s, prefix[i]);
	pad(s, '0', zeros);
	while (nd)
		put(s, tmp[--nd]);
	if (sp->left)
		pad(s, ' ', sp->width - total);
}

static uint64_t fetch_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case 1:
		return va_arg(*ap, unsigned long);
	case 2:
		return va_arg(*ap, unsigned long long);
	case 3:
		return va_arg(*ap, size_t);
	case -1:
		return (unsigned short)va_arg(*ap, unsigned int);
	case -2:
		return (unsigned char)va_arg(*ap, unsigned int);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static int64_t fetch_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case 1:
		return va_arg(*ap, long);
	case 2:
		return va_arg(*ap, long long);
	case 3:
		return (int64_t)va_arg(*ap, size_t);
	case -1:
		return (short)va_arg(*ap, int);
	case -2:
		return (signed char)va_arg(*ap, int);
	default:
		return va_arg(*ap, int);
	}
}

static void emit_string(struct sink *s, const struct spec *sp, const char *str)
{
	int n = 0;

	if (!str)
		str = "(null)";
	while (str[n] && (sp->prec < 0 || n < sp->prec))
		n++;
	if (!sp->left)
		pad(s, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		put(s, str[i]);
	if (sp->left)
		pad(s, ' ', sp->width - n);
}

static void emit_conv(struct sink *s, struct spec *sp, char conv, va_list *ap)
{
	uint64_t u;
	int64_t i;

	if (conv != 'd' && conv != 'i') /* '+' and ' ' are for signed only */
		sp->plus = sp->space = false;
	switch (conv) {
	case 'd':
	case 'i':
		i = fetch_signed(sp, ap);
		u = i < 0 ? -(uint64_t)i : (uint64_t)i;
		emit_number(s, sp, u, i < 0, 10, false, 0);
		break;
	case 'u':
		emit_number(s, sp, fetch_unsigned(sp, ap), false, 10, false, 0);
		break;
	case 'o':
		u = fetch_unsigned(sp, ap);
		emit_number(s, sp, u, false, 8, false, 0);
		break;
	case 'x':
	case 'X':
		u = fetch_unsigned(sp, ap);
		emit_number(s, sp, u, false, 16, conv == 'X',
			    sp->alt && u ? (conv == 'X' ? "0X" : "0x") : 0);
		break;
	case 'p':
		sp->len = 1;
		emit_number(s, sp, (uintptr_t)va_arg(*ap, void *), false, 16,
			    false, "0x");
		break;
	case 's':
		emit_string(s, sp, va_arg(*ap, const char *));
		break;
	case 'c': {
		char c[2] = { (char)va_arg(*ap, int), 0 };
		sp->prec = -1;
		if (!sp->left)
			pad(s, ' ', sp->width - 1);
		put(s, c[0]);
		if (sp->left)
			pad(s, ' ', sp->width - 1);
		break;
	}
	case '%':
		put(s, '%');
		break;
	default: /* unknown conversion: print it verbatim */
		put(s, '%');
		if (conv)
			put(s, conv);
	}
}

int kvformat(format_out_fn out, void *ctx, const char *fmt, va_list ap)
{
	struct sink s = { out, ctx, 0 };
	struct spec sp;
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&s, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &args);
		emit_conv(&s, &sp, *fmt, &args);
		if (*fmt)
			fmt++;
	}
	va_end(args);
	return s.n;
}

struct buf {
	char *p;
	size_t size, len;
};

static void buf_out(void *ctx, char c)
{
	struct buf *b = ctx;

	if (b->len + 1 < b->size)
		b->p[b->len] = c;
	b->len++;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf b = { buf, size, 0 };
	int n = kvformat(buf_out, &b, fmt, ap);

	if (size)
		buf[b.len < size ? b.len : size - 1] = 0;
	return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
