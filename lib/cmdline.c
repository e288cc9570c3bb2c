/* SPDX-License-Identifier: MIT */
#include "lib/cmdline.h"

#include <stdbool.h>
#include <stddef.h>

#include "lib/format.h"
#include "lib/string.h"

#define TOKEN_MAX 128

void cmdline_defaults(struct hv_options *o)
{
	*o = (struct hv_options){
		.console = CONSOLE_UART,
		.console_port = 0x3f8,
		.console_baud = 115200,
		.loglevel = LOG_INFO,
		.sched = "cfs",
		.apicv = true,
		.iommu = true,
		.iommu_qi = true,
	};
}

/* Parses a decimal or 0x-prefixed hexadecimal number filling all of s. */
static bool parse_u32(const char *s, uint32_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		int d = digit_value(*s, base);

		if (d < 0)
			return false;
		v = v * base + (unsigned)d;
		if (v > 0xffffffffu)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

static const uint16_t com_ports[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

static bool parse_uart_port(const char *v, uint16_t *port)
{
	uint32_t n;

	if ((!strncmp(v, "com", 3) && v[3] >= '1' && v[3] <= '4' && !v[4]))
		n = com_ports[v[3] - '1'];
	else if (!strncmp(v, "ttyS", 4) && v[4] >= '0' && v[4] <= '3' && !v[5])
		n = com_ports[v[4] - '0'];
	else if (!parse_u32(v, &n) || n == 0 || n > 0xfff8)
		return false;
	*port = (uint16_t)n;
	return true;
}

/* console=com1..com4 | ttyS0..ttyS3 | 0xPORT [,BAUD] | e9 | none */
static bool opt_console(struct hv_options *o, char *v)
{
	char *comma = v;
	uint32_t baud = o->console_baud;
	uint16_t port;

	if (!strcmp(v, "none")) {
		o->console = CONSOLE_NONE;
		return true;
	}
	if (!strcmp(v, "e9")) {
		o->console = CONSOLE_E9;
		return true;
	}
	while (*comma && *comma != ',')
		comma++;
	if (*comma) {
		*comma = 0;
		if (!parse_u32(comma + 1, &baud) || baud < 50 || baud > 115200 ||
		    115200 % baud || !parse_uart_port(v, &port)) {
			*comma = ','; /* the report quotes the whole value */
			return false;
		}
	} else if (!parse_uart_port(v, &port)) {
		return false;
	}
	o->console = CONSOLE_UART;
	o->console_port = port;
	o->console_baud = baud;
	return true;
}

/* loglevel=0..7 | err | warn | info | debug */
static bool opt_loglevel(struct hv_options *o, char *v)
{
	static const struct {
		const char *name;
		int level;
	} names[] = { { "err", LOG_ERR }, { "warn", LOG_WARN },
		      { "info", LOG_INFO }, { "debug", LOG_DEBUG } };
	uint32_t n;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(v, names[i].name)) {
			o->loglevel = names[i].level;
			return true;
		}
	}
	if (!parse_u32(v, &n) || n > 7)
		return false;
	o->loglevel = (int)n;
	return true;
}

/* crash=ud|pf|de|guard: raise a fault after boot to test the handlers. */
static bool opt_crash(struct hv_options *o, char *v)
{
	static const char *const kinds[] = { "ud", "pf", "de", "guard" };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!strcmp(v, kinds[i])) {
			str_copy(o->crash, v, sizeof(o->crash));
			return true;
		}
	}
	return false;
}

/* config=NAME: the boot module that holds the VM configuration. */
static bool opt_config(struct hv_options *o, char *v)
{
	if (!*v || strlen(v) >= sizeof(o->config))
		return false;
	str_copy(o->config, v, sizeof(o->config));
	return true;
}

/* sched=cfs|rr: the vCPU scheduling policy (sched/). */
static bool opt_sched(struct hv_options *o, char *v)
{
	if (strcmp(v, "cfs") && strcmp(v, "rr"))
		return false;
	str_copy(o->sched, v, sizeof(o->sched));
	return true;
}

/* apicv=on|off: off keeps the guests' local APICs on the trap path (every
 * access an exit) even where the CPU virtualizes them. */
static bool opt_apicv(struct hv_options *o, char *v)
{
	if (strcmp(v, "on") && strcmp(v, "off"))
		return false;
	o->apicv = !strcmp(v, "on");
	return true;
}

/* iommu=on|off|noqi|selftest|selftest-noqi: VT-d on (the default) or
 * off; noqi: register-based invalidation even where the unit has a queue
 * (and so no interrupt remapping); selftest: prove remapping on QEMU's
 * edu device at boot. */
static bool opt_iommu(struct hv_options *o, char *v)
{
	static const char *const vals[] = { "on", "off", "noqi", "selftest",
					    "selftest-noqi" };
	unsigned i = 0;

	while (i < sizeof(vals) / sizeof(vals[0]) && strcmp(v, vals[i]))
		i++;
	if (i == sizeof(vals) / sizeof(vals[0]))
		return false;
	o->iommu = i != 1;
	o->iommu_qi = i != 2 && i != 4;
	o->iommu_selftest = i >= 3;
	return true;
}

/* testhooks: test-only hypercalls (HV_HC_TEST_*) are honoured, and PCI
 * passthrough is allowed without VT-d (Bochs tests; loudly unconfined). */
static bool opt_testhooks(struct hv_options *o, char *v)
{
	if (*v)
		return false;
	o->testhooks = true;
	return true;
}

static const struct option {
	const char *name;
	bool (*set)(struct hv_options *o, char *value);
} options[] = {
	{ "console", opt_console },
	{ "loglevel", opt_loglevel },
	{ "crash", opt_crash },
	{ "config", opt_config },
	{ "testhooks", opt_testhooks },
	{ "sched", opt_sched },
	{ "apicv", opt_apicv },
	{ "iommu", opt_iommu },
};

static void report(cmdline_report_fn fn, void *ctx, const char *fmt,
		   const char *a, const char *b)
{
	char msg[2 * TOKEN_MAX + 64];

	if (fn) {
		ksnprintf(msg, sizeof(msg), fmt, a, b);
		fn(ctx, msg);
	}
}

static int apply(char *tok, struct hv_options *o, cmdline_report_fn fn,
		 void *ctx)
{
	char *val = tok;

	while (*val && *val != '=')
		val++;
	if (*val)
		*val++ = 0;
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		if (strcmp(tok, options[i].name))
			continue;
		if (options[i].set(o, val))
			return 0;
		report(fn, ctx, "cmdline: bad value '%s' for option '%s' ignored",
		       val, tok);
		return 1;
	}
	report(fn, ctx, "cmdline: unknown option '%s' ignored%s", tok, "");
	return 1;
}

int cmdline_parse(const char *s, struct hv_options *o, cmdline_report_fn fn,
		  void *ctx)
{
	char tok[TOKEN_MAX];
	int problems = 0;

	while (s && *s) {
		size_t n = 0;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		while (s[n] && s[n] != ' ' && s[n] != '\t')
			n++;
		if (s[0] == '/') {
			/* GRUB may pass the image path: not an option */
		} else if (n >= sizeof(tok)) {
			report(fn, ctx, "cmdline: option '%.32s...' too long, ignored",
			       s, "");
			problems++;
		} else {
			memcpy(tok, s, n);
			tok[n] = 0;
			problems += apply(tok, o, fn, ctx);
		}
		s += n;
	}
	return problems;
}
