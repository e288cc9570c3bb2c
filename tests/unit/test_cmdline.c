/* SPDX-License-Identifier: MIT */
/* lib/cmdline.c: cmdline_defaults, cmdline_parse. */
#include "unit.h"

#include "lib/cmdline.h"

/* Parses s over the defaults, capturing reports. */
static int parse(const char *s, struct hv_options *o, struct reports *r)
{
	memset(r, 0, sizeof(*r));
	cmdline_defaults(o);
	return cmdline_parse(s, o, report_capture, r);
}

static void assert_defaults(const struct hv_options *o)
{
	assert_int_equal(o->console, CONSOLE_UART);
	assert_int_equal(o->console_port, 0x3f8);
	assert_int_equal(o->console_baud, 115200);
	assert_int_equal(o->loglevel, LOG_INFO);
	assert_string_equal(o->crash, "");
	assert_true(o->apicv);
}

static void assert_uart(const struct hv_options *o, uint16_t port,
			uint32_t baud)
{
	assert_int_equal(o->console, CONSOLE_UART);
	assert_int_equal(o->console_port, port);
	assert_int_equal(o->console_baud, baud);
}

/* One bad value: exactly one report with the exact message, and the
 * options still as before. */
static void assert_bad_value(const char *cmdline, const char *key,
			     const char *value)
{
	struct hv_options o;
	struct reports r;
	char expect[REPORT_LEN];

	snprintf(expect, sizeof(expect),
		 "cmdline: bad value '%s' for option '%s' ignored", value, key);
	assert_int_equal(parse(cmdline, &o, &r), 1);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.msg[0], expect);
	assert_defaults(&o);
}

static void test_defaults(void **state)
{
	struct hv_options o;

	memset(&o, 0xa5, sizeof(o));
	cmdline_defaults(&o);
	assert_defaults(&o);
}

static void test_empty_and_null(void **state)
{
	struct hv_options o;
	struct reports r;

	assert_int_equal(parse(NULL, &o, &r), 0);
	assert_defaults(&o);
	assert_int_equal(parse("", &o, &r), 0);
	assert_int_equal(parse("   \t  ", &o, &r), 0);
	assert_defaults(&o);
	assert_int_equal(r.n, 0);
}

static void test_console_com_and_ttys(void **state)
{
	static const struct {
		const char *arg;
		uint16_t port;
	} cases[] = {
		{ "console=com1", 0x3f8 },  { "console=com2", 0x2f8 },
		{ "console=com3", 0x3e8 },  { "console=com4", 0x2e8 },
		{ "console=ttyS0", 0x3f8 }, { "console=ttyS1", 0x2f8 },
		{ "console=ttyS2", 0x3e8 }, { "console=ttyS3", 0x2e8 },
		{ "console=0x2f8", 0x2f8 }, { "console=0X2E8", 0x2e8 },
		{ "console=760", 0x2f8 },   { "console=0xfff8", 0xfff8 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct hv_options o;
		struct reports r;

		assert_int_equal(parse(cases[i].arg, &o, &r), 0);
		assert_int_equal(r.n, 0);
		assert_uart(&o, cases[i].port, 115200);
	}
}

static void test_console_with_baud(void **state)
{
	struct hv_options o;
	struct reports r;

	assert_int_equal(parse("console=0x2f8,9600", &o, &r), 0);
	assert_uart(&o, 0x2f8, 9600);
	assert_int_equal(parse("console=com3,57600", &o, &r), 0);
	assert_uart(&o, 0x3e8, 57600);
	assert_int_equal(parse("console=ttyS1,115200", &o, &r), 0);
	assert_uart(&o, 0x2f8, 115200);
	assert_int_equal(parse("console=0x3f8,50", &o, &r), 0);
	assert_uart(&o, 0x3f8, 50);
	assert_int_equal(parse("console=com2,0x2580", &o, &r), 0);
	assert_uart(&o, 0x2f8, 9600);
	assert_int_equal(r.n, 0);
}

static void test_console_e9_and_none(void **state)
{
	struct hv_options o;
	struct reports r;

	assert_int_equal(parse("console=e9", &o, &r), 0);
	assert_int_equal(o.console, CONSOLE_E9);
	assert_int_equal(parse("console=none", &o, &r), 0);
	assert_int_equal(o.console, CONSOLE_NONE);
	/* A later UART choice switches back. */
	assert_int_equal(parse("console=none console=com2", &o, &r), 0);
	assert_uart(&o, 0x2f8, 115200);
	assert_int_equal(r.n, 0);
}

static void test_console_bad_values(void **state)
{
	static const char *const bad[] = {
		"com9",	   "com0",     "com5",	     "com1x",	  "com",
		"ttyS4",   "com1,9601", "com1,1000", "com2,57601", "com1,25",
		"ttyS",	   "0",	       "0x0",	     "0x",	  "0xfff9",
		"0x10000", "0xg",      "12ab",	     "",	  "E9",
		"NONE",	   "com1,0",   "com1,7",     "com1,115201", "com1,49",
		"com1,",   "com1,abc", "0x2f8,9600,1", "0,9600",	  "com9,9600",
		"0x2f8,0", "99999999999",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char arg[64];

		snprintf(arg, sizeof(arg), "console=%s", bad[i]);
		assert_bad_value(arg, "console", bad[i]);
	}
}

/* A refused value leaves the previous setting in force, port and baud. */
static void test_console_bad_value_keeps_previous(void **state)
{
	struct hv_options o;
	struct reports r;

	assert_int_equal(parse("console=com2,9600 console=0,38400", &o, &r), 1);
	assert_uart(&o, 0x2f8, 9600);
	assert_int_equal(parse("console=e9 console=com9", &o, &r), 1);
	assert_int_equal(o.console, CONSOLE_E9);
	assert_int_equal(parse("console=com3,19200 console=com1,7", &o, &r), 1);
	assert_uart(&o, 0x3e8, 19200);
	assert_string_equal(
		r.msg[0], "cmdline: bad value 'com1,7' for option 'console' ignored");
}

static void test_loglevel(void **state)
{
	static const struct {
		const char *arg;
		int level;
	} cases[] = {
		{ "loglevel=0", 0 },	   { "loglevel=1", 1 },
		{ "loglevel=5", 5 },	   { "loglevel=7", 7 },
		{ "loglevel=err", LOG_ERR }, { "loglevel=warn", LOG_WARN },
		{ "loglevel=info", LOG_INFO }, { "loglevel=debug", LOG_DEBUG },
		{ "loglevel=3 loglevel=debug", LOG_DEBUG },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct hv_options o;
		struct reports r;

		assert_int_equal(parse(cases[i].arg, &o, &r), 0);
		assert_int_equal(o.loglevel, cases[i].level);
		assert_int_equal(r.n, 0);
	}
}

static void test_loglevel_bad_values(void **state)
{
	static const char *const bad[] = { "8",	    "-1",   "",	    "DEBUG",
					   "warning", "7x",   "info7", "4294967296" };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char arg[64];

		snprintf(arg, sizeof(arg), "loglevel=%s", bad[i]);
		assert_bad_value(arg, "loglevel", bad[i]);
	}
	assert_bad_value("loglevel", "loglevel", "");
}

static void test_crash(void **state)
{
	static const char *const good[] = { "ud", "pf", "de", "guard" };
	static const char *const bad[] = { "", "gp", "UD", "guard2", "p" };

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct hv_options o;
		struct reports r;
		char arg[32];

		snprintf(arg, sizeof(arg), "crash=%s", good[i]);
		assert_int_equal(parse(arg, &o, &r), 0);
		assert_string_equal(o.crash, good[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char arg[32];

		snprintf(arg, sizeof(arg), "crash=%s", bad[i]);
		assert_bad_value(arg, "crash", bad[i]);
	}
}

static void test_apicv(void **state)
{
	struct hv_options o;
	struct reports r;

	assert_int_equal(parse("apicv=off", &o, &r), 0);
	assert_false(o.apicv);
	assert_int_equal(parse("apicv=off apicv=on", &o, &r), 0);
	assert_true(o.apicv);
	assert_bad_value("apicv=no", "apicv", "no");
	assert_bad_value("apicv", "apicv", "");
}

static void test_unknown_options(void **state)
{
	struct hv_options o;
	struct reports r;

	assert_int_equal(parse("quiet foo=bar Console=e9 =x", &o, &r), 4);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.msg[0], "cmdline: unknown option 'quiet' ignored");
	assert_string_equal(r.msg[1], "cmdline: unknown option 'foo' ignored");
	assert_string_equal(r.msg[2], "cmdline: unknown option 'Console' ignored");
	assert_string_equal(r.msg[3], "cmdline: unknown option '' ignored");
	assert_defaults(&o);
}

static void test_paths_skipped(void **state)
{
	struct hv_options o;
	struct reports r;

	assert_int_equal(parse("/boot/hv.elf loglevel=debug /x=y", &o, &r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(o.loglevel, LOG_DEBUG);
}

static void test_whitespace(void **state)
{
	struct hv_options o;
	struct reports r;

	assert_int_equal(parse("\t  loglevel=err \t\t console=e9    crash=pf\t",
			       &o, &r),
			 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(o.loglevel, LOG_ERR);
	assert_int_equal(o.console, CONSOLE_E9);
	assert_string_equal(o.crash, "pf");
}

static void test_long_tokens(void **state)
{
	struct hv_options o;
	struct reports r;
	char line[512], name[200];

	/* 127 characters still fit: an (unknown) option by its full name. */
	memset(name, 'a', 127);
	name[127] = 0;
	snprintf(line, sizeof(line), "%s loglevel=1", name);
	assert_int_equal(parse(line, &o, &r), 1);
	assert_string_equal(r.msg[0] + strlen("cmdline: unknown option '"),
			    strcat(name, "' ignored"));
	assert_int_equal(o.loglevel, 1);

	/* 128 and more are refused, quoting the first 32. */
	for (size_t len = 128; len <= 130; len++) {
		memset(name, 'b', len);
		memcpy(name, "console=", 8);
		name[len] = 0;
		snprintf(line, sizeof(line), "%s\tloglevel=2", name);
		assert_int_equal(parse(line, &o, &r), 1);
		assert_int_equal(r.n, 1);
		assert_string_equal(r.msg[0], "cmdline: option 'console=bbbbbbbb"
					      "bbbbbbbbbbbbbbbb...' too long, "
					      "ignored");
		assert_int_equal(o.console_port, 0x3f8);
		assert_int_equal(o.loglevel, 2);
	}
}

/* GRUB passes the image path first; a long one is still just a path. */
static void test_long_path_skipped(void **state)
{
	struct hv_options o;
	struct reports r;
	char line[400];

	memset(line, 'p', 300);
	line[0] = '/';
	strcpy(line + 300, " loglevel=0");
	assert_int_equal(parse(line, &o, &r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(o.loglevel, 0);
}

static void test_problem_count(void **state)
{
	struct hv_options o;
	struct reports r;

	assert_int_equal(parse("foo console=com9 loglevel=9 crash=x bar=1 "
			       "loglevel=warn",
			       &o, &r),
			 5);
	assert_int_equal(r.n, 5);
	assert_reported(&r, "cmdline: unknown option 'foo' ignored");
	assert_reported(&r, "cmdline: bad value 'com9' for option 'console' ignored");
	assert_reported(&r, "cmdline: bad value '9' for option 'loglevel' ignored");
	assert_reported(&r, "cmdline: bad value 'x' for option 'crash' ignored");
	assert_reported(&r, "cmdline: unknown option 'bar' ignored");
	assert_int_equal(o.loglevel, LOG_WARN);
}

static void test_null_report_callback(void **state)
{
	struct hv_options o;

	cmdline_defaults(&o);
	assert_int_equal(cmdline_parse("foo console=com9 loglevel=5", &o, NULL,
				       NULL),
			 2);
	assert_int_equal(o.loglevel, 5);
	assert_int_equal(o.console_port, 0x3f8);
}

/* The command line itself is never written to. */
static void test_input_untouched(void **state)
{
	const char orig[] = "console=0x2f8,9600 loglevel=debug x=y console=0,1";
	char copy[sizeof(orig)];
	struct hv_options o;
	struct reports r;

	memcpy(copy, orig, sizeof(orig));
	assert_int_equal(parse(copy, &o, &r), 2);
	assert_memory_equal(copy, orig, sizeof(orig));
	assert_uart(&o, 0x2f8, 9600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_and_null),
		cmocka_unit_test(test_console_com_and_ttys),
		cmocka_unit_test(test_console_with_baud),
		cmocka_unit_test(test_console_e9_and_none),
		cmocka_unit_test(test_console_bad_values),
		cmocka_unit_test(test_console_bad_value_keeps_previous),
		cmocka_unit_test(test_loglevel),
		cmocka_unit_test(test_loglevel_bad_values),
		cmocka_unit_test(test_crash),
		cmocka_unit_test(test_apicv),
		cmocka_unit_test(test_unknown_options),
		cmocka_unit_test(test_paths_skipped),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_long_tokens),
		cmocka_unit_test(test_long_path_skipped),
		cmocka_unit_test(test_problem_count),
		cmocka_unit_test(test_null_report_callback),
		cmocka_unit_test(test_input_untouched),
	};

	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
