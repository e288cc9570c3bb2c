/* SPDX-License-Identifier: MIT */
/* lib/format.c: kvformat, kvsnprintf, ksnprintf. */
#include "unit.h"

#include <limits.h>
#include <stdbool.h>

#include "lib/format.h"

/* ksnprintf without the format attribute, so that formats the compiler
 * would warn about (unknown conversions, a trailing '%') can be tried. */
static int fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = kvsnprintf(buf, size, f, ap);
	va_end(ap);
	return n;
}

/* Formats into a large buffer and checks text and return value. */
#define assert_fmt(expect, ...)                                              \
	do {                                                                 \
		char b_[256];                                                \
		memset(b_, 'Z', sizeof(b_));                                 \
		int n_ = fmt(b_, sizeof(b_), __VA_ARGS__);                   \
		assert_string_equal(b_, (expect));                           \
		assert_int_equal(n_, (int)strlen(expect));                   \
	} while (0)

static void test_plain_text(void **state)
{
	assert_fmt("", "");
	assert_fmt("hello, world", "hello, world");
	assert_fmt("100%", "100%%");
	assert_fmt("%%", "%%%%");
}

static void test_signed_decimal(void **state)
{
	assert_fmt("0", "%d", 0);
	assert_fmt("42", "%d", 42);
	assert_fmt("-42", "%i", -42);
	assert_fmt("2147483647", "%d", INT_MAX);
	assert_fmt("-2147483648", "%d", INT_MIN);
	assert_fmt("-9223372036854775808", "%lld", (long long)INT64_MIN);
	assert_fmt("9223372036854775807", "%lld", (long long)INT64_MAX);
	assert_fmt("-9223372036854775808", "%ld", (long)INT64_MIN);
	assert_fmt("-1", "%zd", (size_t)-1);
	assert_fmt("-5", "%jd", (long)-5);
	assert_fmt("-6", "%td", (long)-6);
}

static void test_unsigned_conversions(void **state)
{
	assert_fmt("4294967295", "%u", UINT_MAX);
	assert_fmt("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
	assert_fmt("18446744073709551615", "%lu", (unsigned long)UINT64_MAX);
	assert_fmt("18446744073709551615", "%zu", (size_t)SIZE_MAX);
	assert_fmt("ff", "%x", 255);
	assert_fmt("FF", "%X", 255);
	assert_fmt("deadbeef", "%x", 0xdeadbeefu);
	assert_fmt("DEADBEEFCAFEF00D", "%llX", 0xdeadbeefcafef00dull);
	assert_fmt("0", "%x", 0);
	assert_fmt("17", "%o", 15);
	assert_fmt("1777777777777777777777", "%llo", (unsigned long long)UINT64_MAX);
	assert_fmt("0", "%o", 0);
}

static void test_length_modifiers(void **state)
{
	assert_fmt("44", "%hhd", 300);
	assert_fmt("-1", "%hhd", 255);
	assert_fmt("-128", "%hhi", 128);
	assert_fmt("255", "%hhu", -1);
	assert_fmt("ff", "%hhx", 0x12ff);
	assert_fmt("-1", "%hd", 65535);
	assert_fmt("-32768", "%hd", 32768);
	assert_fmt("65535", "%hu", -1);
	assert_fmt("ffff", "%hx", 0x1ffff);
	assert_fmt("177777", "%ho", -1);
	assert_fmt("4294967296", "%lu", 1ul << 32);
	assert_fmt("100000000", "%llx", 1ull << 32);
	assert_fmt("100000000", "%zx", (size_t)1 << 32);
	/* Without a modifier only 32 bits are taken. */
	assert_fmt("ffffffff", "%x", -1);
}

static void test_pointer(void **state)
{
	assert_fmt("0x1234", "%p", (void *)0x1234);
	assert_fmt("0xffff800000000000", "%p", (void *)0xffff800000000000ull);
	assert_fmt("0x0", "%p", (void *)0);
	assert_fmt("  0xab", "%6p", (void *)0xab);
	assert_fmt("0xab  |", "%-6p|", (void *)0xab);
}

static void test_string_and_char(void **state)
{
	assert_fmt("abc", "%s", "abc");
	assert_fmt("", "%s", "");
	assert_fmt("(null)", "%s", (char *)NULL);
	assert_fmt("(nu", "%.3s", (char *)NULL);
	assert_fmt("  abc", "%5s", "abc");
	assert_fmt("abc  |", "%-5s|", "abc");
	assert_fmt("ab", "%.2s", "abc");
	assert_fmt("abc", "%.10s", "abc");
	assert_fmt("", "%.0s", "abc");
	assert_fmt("   ab", "%5.2s", "abcdef");
	assert_fmt("abcdef", "%2s", "abcdef");
	assert_fmt("x", "%c", 'x');
	assert_fmt("   x", "%4c", 'x');
	assert_fmt("x   |", "%-4c|", 'x');
	assert_fmt("[A][B]", "[%c][%c]", 'A', 'B');
}

static void test_char_nul_is_counted(void **state)
{
	char b[8];

	memset(b, 'Z', sizeof(b));
	assert_int_equal(fmt(b, sizeof(b), "a%cb", 0), 3);
	assert_int_equal(b[0], 'a');
	assert_int_equal(b[1], 0);
	assert_int_equal(b[2], 'b');
	assert_int_equal(b[3], 0);
}

static void test_flags(void **state)
{
	assert_fmt("+5", "%+d", 5);
	assert_fmt("-5", "%+d", -5);
	assert_fmt("+0", "%+d", 0);
	assert_fmt(" 5", "% d", 5);
	assert_fmt("-5", "% d", -5);
	assert_fmt("+5", "%+ d", 5); /* '+' wins over ' ' */
	assert_fmt("+5", "% +d", 5);
	assert_fmt("00042", "%05d", 42);
	assert_fmt("-0042", "%05d", -42);
	assert_fmt("+0042", "%+05d", 42);
	assert_fmt(" 0042", "% 05d", 42);
	assert_fmt("42   |", "%-5d|", 42);
	assert_fmt("42   |", "%-05d|", 42); /* '-' wins over '0' */
	assert_fmt("+42  |", "%-+5d|", 42);
	assert_fmt("0xff", "%#x", 255);
	assert_fmt("0XFF", "%#X", 255);
	assert_fmt("0", "%#x", 0); /* no prefix for zero */
	assert_fmt("0x0000ff", "%#08x", 255);
	assert_fmt("    0xff", "%#8x", 255);
	assert_fmt("0xff    |", "%-#8x|", 255);
	assert_fmt("017", "%#o", 15);
	assert_fmt("0", "%#o", 0);
	assert_fmt("0000017", "%#07o", 15);
}

/* C11 7.21.6.1: '+' and ' ' only affect signed conversions. */
static void test_sign_flags_ignored_for_unsigned(void **state)
{
	assert_fmt("5", "%+u", 5u);
	assert_fmt("5", "% u", 5u);
	assert_fmt("ff", "%+x", 255u);
	assert_fmt("0XFF", "%+#X", 255u);
	assert_fmt("17", "% o", 15u);
	assert_fmt("00005", "%+05u", 5u);
}

/* C11 7.21.6.1: '#' with 'o' raises the precision only as far as needed
 * for a leading zero; "%#.0o" of 0 prints "0". */
static void test_alt_octal_with_precision(void **state)
{
	assert_fmt("0", "%#.0o", 0u);
	assert_fmt("010", "%#.3o", 8u);
	assert_fmt("0010", "%#.4o", 8u);
	assert_fmt("010", "%#.2o", 8u);
	assert_fmt("   010", "%#6.3o", 8u);
}

static void test_width_and_precision(void **state)
{
	assert_fmt("   42", "%5d", 42);
	assert_fmt("42", "%1d", 42);
	assert_fmt("00042", "%.5d", 42);
	assert_fmt("-00042", "%.5d", -42);
	assert_fmt("   00042", "%8.5d", 42);
	assert_fmt("   00042", "%08.5d", 42); /* '0' ignored with a precision */
	assert_fmt("00042   |", "%-8.5d|", 42);
	assert_fmt("0x000ff", "%#.5x", 255);
	assert_fmt("", "%.0d", 0);
	assert_fmt("", "%.0u", 0);
	assert_fmt("", "%.0x", 0);
	assert_fmt("", "%.0o", 0);
	assert_fmt("", "%#.0x", 0);
	assert_fmt("     ", "%5.0d", 0);
	assert_fmt("+", "%+.0d", 0);
	assert_fmt(" ", "% .0d", 0);
	assert_fmt("", "%.d", 0);
	assert_fmt("7", "%.0d", 7);
	assert_fmt("-9223372036854775808", "%.3lld", (long long)INT64_MIN);
	assert_fmt("  -9223372036854775808", "%22lld", (long long)INT64_MIN);
	assert_fmt("-0009223372036854775808", "%023lld", (long long)INT64_MIN);
}

static void test_star_width_and_precision(void **state)
{
	assert_fmt("   42", "%*d", 5, 42);
	assert_fmt("42   |", "%*d|", -5, 42); /* negative: left-justify */
	assert_fmt("00042", "%.*d", 5, 42);
	assert_fmt("42", "%.*d", -3, 42); /* negative: no precision */
	assert_fmt("00042", "%0*d", 5, 42);
	assert_fmt("   007", "%*.*d", 6, 3, 7);
	assert_fmt("ab   |", "%-*.*s|", 5, 2, "abcdef");
	assert_fmt("abcdef", "%.*s", -1, "abcdef");
	assert_fmt("   x", "%*c", 4, 'x');
}

static void test_unknown_and_trailing_percent(void **state)
{
	assert_fmt("%q", "%q");
	assert_fmt("a%", "a%");
	assert_fmt("%y7", "%y%d", 7);
}

static void test_mixed(void **state)
{
	assert_fmt("cpu3: apic 0x1f, 00ff, name 'bsp', -1",
		   "cpu%u: apic %#x, %04x, name '%s', %d", 3, 0x1f, 0xff,
		   "bsp", -1);
}

/* ---- truncation -------------------------------------------------------- */

static void test_truncation(void **state)
{
	char b[8];

	memset(b, 'Z', sizeof(b));
	assert_int_equal(ksnprintf(b, 4, "%s", "abcdef"), 6);
	assert_string_equal(b, "abc");
	assert_int_equal(b[4], 'Z');

	memset(b, 'Z', sizeof(b));
	assert_int_equal(ksnprintf(b, 1, "%d", 12345), 5);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[1], 'Z');

	memset(b, 'Z', sizeof(b));
	assert_int_equal(ksnprintf(b, 0, "%d", 12345), 5);
	assert_int_equal(b[0], 'Z'); /* size 0 writes nothing */

	assert_int_equal(ksnprintf(NULL, 0, "%s-%d", "abc", 42), 6);

	memset(b, 'Z', sizeof(b));
	assert_int_equal(ksnprintf(b, 7, "%6d", 1), 6); /* exact fit */
	assert_string_equal(b, "     1");

	memset(b, 'Z', sizeof(b));
	assert_int_equal(ksnprintf(b, 6, "%6d", 1), 6); /* one short */
	assert_string_equal(b, "     ");
	assert_int_equal(b[6], 'Z');
}

/* Every prefix size of one long output. */
static void test_truncation_every_size(void **state)
{
	const char *full = "x=-00042 y=0XBEEF s='hello' c=!";
	size_t len = strlen(full);

	for (size_t size = 0; size <= len + 2; size++) {
		char b[64];

		memset(b, 'Z', sizeof(b));
		assert_int_equal(ksnprintf(b, size, "x=%06d y=%#X s='%s' c=%c",
					   -42, 0xbeef, "hello", '!'),
				 (int)len);
		if (size == 0) {
			assert_int_equal(b[0], 'Z');
			continue;
		}
		size_t kept = size - 1 < len ? size - 1 : len;
		assert_memory_equal(b, full, kept);
		assert_int_equal(b[kept], 0);
		assert_int_equal(b[kept + 1], 'Z');
	}
}

/* ---- kvformat with a callback ---------------------------------------- */

struct collect {
	char buf[64];
	int n;
};

static void collect_out(void *ctx, char c)
{
	struct collect *col = ctx;

	assert_true(col->n < (int)sizeof(col->buf));
	col->buf[col->n++] = c;
}

static int call_kvformat(struct collect *col, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = kvformat(collect_out, col, f, ap);
	va_end(ap);
	return n;
}

static void test_kvformat_callback(void **state)
{
	struct collect col = { { 0 }, 0 };

	assert_int_equal(call_kvformat(&col, "[%3d|%s]", 7, "ok"), 8);
	assert_int_equal(col.n, 8);
	assert_memory_equal(col.buf, "[  7|ok]", 8);
}

/* ---- differential test against the C library -------------------------- */

enum arg_type { A_INT, A_LONG, A_LLONG, A_SIZE, A_STR, A_CHAR };

static const char *const diff_strings[] = {
	"", "a", "hello", "hello world, this is a longer string", "x y\tz",
};

static uint64_t interesting_value(struct rng *r)
{
	static const uint64_t edges[] = {
		0,
		1,
		7,
		8,
		9,
		10,
		15,
		16,
		0x7f,
		0x80,
		0xff,
		0x100,
		0x7fff,
		0x8000,
		0xffff,
		0x7fffffff,
		0x80000000,
		0xffffffff,
		0x100000000ull,
		0x7fffffffffffffffull,
		0x8000000000000000ull,
		0xffffffffffffffffull,
	};
	switch (rng_below(r, 4)) {
	case 0:
		return edges[rng_below(r, ARRAY_SIZE(edges))];
	case 1:
		return -edges[rng_below(r, ARRAY_SIZE(edges))];
	case 2:
		return rng_below(r, 1000);
	default:
		return rng_next(r) >> rng_below(r, 64);
	}
}

struct diff_case {
	char f[64];
	enum arg_type type;
	bool star_w, star_p;
	int w, p;
	uint64_t v;
	const char *s;
};

static void add(char **p, const char *s)
{
	while (*s)
		*(*p)++ = *s++;
	**p = 0;
}

static void make_case(struct rng *r, struct diff_case *c)
{
	static const char convs[] = "diuxXosc";
	static const char *const lens[] = { "", "hh", "h", "l", "ll", "z", "j", "t" };
	char conv = convs[rng_below(r, sizeof(convs) - 1)];
	bool integer = conv != 's' && conv != 'c';
	bool is_signed = conv == 'd' || conv == 'i';
	const char *len = integer ? lens[rng_below(r, ARRAY_SIZE(lens))] : "";
	char *p, num[16];

	memset(c, 0, sizeof(*c));
	p = c->f;
	add(&p, rng_below(r, 4) ? "<" : "");
	add(&p, "%");
	/* Flags: only those C defines for the conversion. */
	for (int i = rng_below(r, 4); i > 0; i--) {
		static const char all[] = "-0+ #";
		char fl = all[rng_below(r, 5)];
		if ((fl == '0' || fl == '+' || fl == ' ') && !integer)
			continue;
		if (fl == '#' && (is_signed || conv == 'u' || !integer))
			continue;
		*p++ = fl;
	}
	switch (rng_below(r, 3)) {
	case 1:
		snprintf(num, sizeof(num), "%d", (int)rng_below(r, 30));
		add(&p, num);
		break;
	case 2:
		c->star_w = true;
		c->w = (int)rng_below(r, 50) - 20;
		add(&p, "*");
		break;
	}
	if (conv != 'c') {
		switch (rng_below(r, 4)) {
		case 1:
			snprintf(num, sizeof(num), ".%d", (int)rng_below(r, 25));
			add(&p, num);
			break;
		case 2:
			c->star_p = true;
			c->p = (int)rng_below(r, 40) - 10;
			add(&p, ".*");
			break;
		case 3:
			add(&p, ".");
			break;
		}
	}
	add(&p, len);
	*p++ = conv;
	*p = 0;
	add(&p, rng_below(r, 4) ? ">" : "");

	if (conv == 's') {
		c->type = A_STR;
		c->s = diff_strings[rng_below(r, ARRAY_SIZE(diff_strings))];
	} else if (conv == 'c') {
		c->type = A_CHAR;
		c->v = 32 + rng_below(r, 95);
	} else {
		c->v = interesting_value(r);
		if (!strcmp(len, "l") || !strcmp(len, "j") || !strcmp(len, "t"))
			c->type = A_LONG;
		else if (!strcmp(len, "ll"))
			c->type = A_LLONG;
		else if (!strcmp(len, "z"))
			c->type = A_SIZE;
		else
			c->type = A_INT;
	}
}

/* Runs one format through both implementations with the same buffer size
 * and compares everything. */
static void compare(const struct diff_case *c, size_t size, ...)
{
	char ours[256], libc[256];
	va_list ap, ap2;
	int n_ours, n_libc;

	memset(ours, 'Z', sizeof(ours));
	memset(libc, 'Z', sizeof(libc));
	va_start(ap, size);
	va_copy(ap2, ap);
	n_ours = kvsnprintf(ours, size, c->f, ap);
	n_libc = vsnprintf(libc, size, c->f, ap2);
	va_end(ap2);
	va_end(ap);
	if (n_ours != n_libc || memcmp(ours, libc, sizeof(ours)))
		fail_msg("format \"%s\" (w=%d p=%d v=%#llx size=%zu): "
			 "ours %d \"%.*s\", libc %d \"%.*s\"",
			 c->f, c->w, c->p, (unsigned long long)c->v, size, n_ours,
			 (int)(size ? size : 1), size ? ours : "", n_libc,
			 (int)(size ? size : 1), size ? libc : "");
}

#define COMPARE_WITH(c, size, arg)                                           \
	do {                                                                 \
		if ((c)->star_w && (c)->star_p)                              \
			compare((c), (size), (c)->w, (c)->p, arg);           \
		else if ((c)->star_w)                                        \
			compare((c), (size), (c)->w, arg);                   \
		else if ((c)->star_p)                                        \
			compare((c), (size), (c)->p, arg);                   \
		else                                                         \
			compare((c), (size), arg);                           \
	} while (0)

static void run_case(const struct diff_case *c, size_t size)
{
	switch (c->type) {
	case A_INT:
		COMPARE_WITH(c, size, (int)c->v);
		break;
	case A_LONG:
		COMPARE_WITH(c, size, (long)c->v);
		break;
	case A_LLONG:
		COMPARE_WITH(c, size, (long long)c->v);
		break;
	case A_SIZE:
		COMPARE_WITH(c, size, (size_t)c->v);
		break;
	case A_STR:
		COMPARE_WITH(c, size, c->s);
		break;
	case A_CHAR:
		COMPARE_WITH(c, size, (int)c->v);
		break;
	}
}

static void test_differential_against_libc(void **state)
{
	struct rng r = { 0x5eed1234abcdull };

	for (int i = 0; i < 20000; i++) {
		struct diff_case c;

		make_case(&r, &c);
		run_case(&c, 256);
		/* and truncated to a random size, 0 included */
		run_case(&c, rng_below(&r, 40));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text),
		cmocka_unit_test(test_signed_decimal),
		cmocka_unit_test(test_unsigned_conversions),
		cmocka_unit_test(test_length_modifiers),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_string_and_char),
		cmocka_unit_test(test_char_nul_is_counted),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_sign_flags_ignored_for_unsigned),
		cmocka_unit_test(test_alt_octal_with_precision),
		cmocka_unit_test(test_width_and_precision),
		cmocka_unit_test(test_star_width_and_precision),
		cmocka_unit_test(test_unknown_and_trailing_percent),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_truncation_every_size),
		cmocka_unit_test(test_kvformat_callback),
		cmocka_unit_test(test_differential_against_libc),
	};

	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
