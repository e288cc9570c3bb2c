/* SPDX-License-Identifier: MIT */
#include "guests/config.h"

#include "drivers/pci.h"
#include "lib/format.h"
#include "lib/string.h"

#define LINE_MAX 512

struct parser {
	const char *file;
	unsigned line;
	struct vm_config_set *set;
	struct vm_config *vm; /* current section, NULL before the first */
	vmcfg_report_fn report;
	void *ctx;
};

static void problem(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void problem(struct parser *p, const char *fmt, ...)
{
	char msg[256];
	int n;
	va_list ap;

	n = ksnprintf(msg, sizeof(msg), "%s:%u: ", p->file, p->line);
	va_start(ap, fmt);
	kvsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	p->set->problems++;
	if (p->vm && p->vm->valid) {
		p->vm->valid = false;
		str_copy(p->vm->error, msg, sizeof(p->vm->error));
	}
	if (p->report)
		p->report(p->ctx, msg);
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

static char *trim(char *s)
{
	char *e;

	while (is_space(*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_space(e[-1]))
		*--e = 0;
	return s;
}

static bool parse_u64(const char *s, uint64_t *out, const char **end)
{
	unsigned base = 10;
	uint64_t v = 0;
	const char *start;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	start = s;
	for (;; s++) {
		int d = digit_value(*s, base);

		if (d < 0)
			break;
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return false;
		v = v * base + d;
	}
	if (s == start)
		return false;
	*out = v;
	*end = s;
	return true;
}

static bool parse_number(const char *s, uint64_t *out)
{
	const char *end;

	return parse_u64(s, out, &end) && !*end;
}

bool vmcfg_parse_size(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v, shift = 0;

	if (!parse_u64(s, &v, &end))
		return false;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end == 'i' && shift) /* KiB, MiB, GiB */
		end++;
	if ((*end == 'b' || *end == 'B') && shift)
		end++;
	if (*end || v > (UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	return true;
}

/* "0-3,5" → bits 0..3 and 5. */
static bool parse_cpus(const char *s, uint64_t *mask)
{
	uint64_t m = 0, a, b;
	const char *end;

	for (;;) {
		if (!parse_u64(s, &a, &end))
			return false;
		b = a;
		if (*end == '-' && !parse_u64(end + 1, &b, &end))
			return false;
		if (a > b || b > 63)
			return false;
		for (uint64_t i = a; i <= b; i++)
			m |= 1ull << i;
		if (!*end)
			break;
		if (*end != ',')
			return false;
		s = end + 1;
	}
	*mask = m;
	return true;
}

static bool valid_token(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (!n || n >= max)
		return false;
	for (; *s; s++)
		if (is_space(*s) || (unsigned char)*s < 0x20)
			return false;
	return true;
}

static const char *set_kernel(struct vm_config *vm, char *v)
{
	if (!valid_token(v, sizeof(vm->kernel)))
		return "is not a file name";
	str_copy(vm->kernel, v, sizeof(vm->kernel));
	return 0;
}

static const char *set_initrd(struct vm_config *vm, char *v)
{
	if (!valid_token(v, sizeof(vm->initrd)))
		return "is not a file name";
	str_copy(vm->initrd, v, sizeof(vm->initrd));
	return 0;
}

static const char *set_memory(struct vm_config *vm, char *v)
{
	uint64_t m;

	if (!vmcfg_parse_size(v, &m))
		return "is not a size (use e.g. 64M)";
	if (m < VMCFG_MIN_MEMORY || m > VMCFG_MAX_MEMORY)
		return "is out of range (1M..3G)";
	if (m & 0xfff)
		return "is not a multiple of 4K";
	vm->memory = m;
	return 0;
}

static const char *set_vcpus(struct vm_config *vm, char *v)
{
	uint64_t n;

	if (!parse_number(v, &n) || n < 1 || n > VMCFG_MAX_VCPUS)
		return "must be a number from 1 to 8";
	vm->vcpus = (unsigned)n;
	return 0;
}

static const char *set_cmdline(struct vm_config *vm, char *v)
{
	if (strlen(v) >= sizeof(vm->cmdline))
		return "is too long";
	str_copy(vm->cmdline, v, sizeof(vm->cmdline));
	return 0;
}

static const char *set_module(struct vm_config *vm, char *v)
{
	struct vm_module_cfg *m;
	char *args = v;

	if (vm->n_modules == VMCFG_MAX_MODULES)
		return "is one module too many (at most 8)";
	while (*args && !is_space(*args))
		args++;
	if (*args)
		*args++ = 0;
	args = trim(args);
	if (!valid_token(v, sizeof(m->file)) || strlen(args) >= sizeof(m->args))
		return "is not 'FILE [ARGS]'";
	m = &vm->module[vm->n_modules++];
	str_copy(m->file, v, sizeof(m->file));
	str_copy(m->args, args, sizeof(m->args));
	return 0;
}

static const char *set_format(struct vm_config *vm, char *v)
{
	if (!strcmp(v, "auto"))
		vm->format = VM_FORMAT_AUTO;
	else if (!strcmp(v, "multiboot"))
		vm->format = VM_FORMAT_MULTIBOOT;
	else if (!strcmp(v, "flat"))
		vm->format = VM_FORMAT_FLAT;
	else if (!strcmp(v, "linux"))
		vm->format = VM_FORMAT_LINUX;
	else
		return "is not auto, multiboot, flat or linux";
	return 0;
}

static const char *set_load(struct vm_config *vm, char *v)
{
	uint64_t a;

	if (!parse_number(v, &a) || a < 0x500 || a >= 0xa0000)
		return "must be an address from 0x500 to 0x9ffff";
	vm->load = a;
	return 0;
}

static const char *set_devices(struct vm_config *vm, char *v)
{
	uint32_t devs = 0;

	for (char *tok = v; *tok;) {
		char *end = tok;
		while (*end && *end != ',')
			end++;
		if (*end)
			*end++ = 0;
		tok = trim(tok);
		if (!strcmp(tok, "testdev"))
			devs |= VM_DEV_TESTDEV;
		else if (*tok)
			return "names an unknown device (known: testdev)";
		tok = end;
	}
	vm->devices = devs;
	return 0;
}

static const char *set_weight(struct vm_config *vm, char *v)
{
	uint64_t w;

	if (!parse_number(v, &w) || w < 1 || w > 1000000)
		return "must be a number from 1 to 1000000";
	vm->weight = (uint32_t)w;
	return 0;
}

static const char *set_cpus(struct vm_config *vm, char *v)
{
	if (!parse_cpus(v, &vm->cpus) || !vm->cpus)
		return "is not a CPU list (e.g. 0-3,5)";
	return 0;
}

/* pci = BB:DD.F[,BB:DD.F...] */
static const char *set_pci(struct vm_config *vm, char *v)
{
	for (char *tok = v; *tok;) {
		char *end = tok;
		uint16_t bdf;

		while (*end && *end != ',')
			end++;
		if (*end)
			*end++ = 0;
		tok = trim(tok);
		if (!pci_parse_bdf(tok, &bdf))
			return "is not a PCI function (bus:device.function, "
			       "e.g. 03:00.0)";
		for (unsigned i = 0; i < vm->n_pci; i++)
			if (vm->pci[i] == bdf)
				return "names a PCI function twice";
		if (vm->n_pci == VMCFG_MAX_PCI)
			return "names more PCI functions than a VM may own (4)";
		vm->pci[vm->n_pci++] = bdf;
		tok = end;
	}
	return 0;
}

static const char *set_controls(struct vm_config *vm, char *v)
{
	if (strcmp(v, "default") && strcmp(v, "strict"))
		return "is not a set of VMX controls (default or strict)";
	vm->strict = !strcmp(v, "strict");
	return 0;
}

static const struct key {
	const char *name;
	const char *(*set)(struct vm_config *vm, char *value);
	bool repeatable;
} keys[] = {
	{ "kernel", set_kernel, false },   { "memory", set_memory, false },
	{ "vcpus", set_vcpus, false },     { "cmdline", set_cmdline, false },
	{ "module", set_module, true },    { "format", set_format, false },
	{ "load", set_load, false },       { "devices", set_devices, false },
	{ "weight", set_weight, false },   { "cpus", set_cpus, false },
	{ "initrd", set_initrd, false },   { "pci", set_pci, true },
	{ "controls", set_controls, false },
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

static void finish_vm(struct parser *p)
{
	struct vm_config *vm = p->vm;
	unsigned line = p->line;

	if (!vm || !vm->valid || vm->kernel[0])
		return;
	p->line = vm->line;
	problem(p, "vm '%s': no kernel given", vm->name);
	p->line = line;
}

static struct vm_config overflow; /* absorbs a section beyond the max */

static void start_vm(struct parser *p, char *name)
{
	struct vm_config_set *s = p->set;
	struct vm_config *vm;

	finish_vm(p);
	if (s->n == VMCFG_MAX_VMS) {
		p->vm = 0;
		problem(p, "too many VMs (at most %d), '%s' ignored",
			VMCFG_MAX_VMS, name);
		p->vm = &overflow;
		return;
	}
	vm = p->vm = &s->vm[s->n++];
	*vm = (struct vm_config){
		.line = p->line, .valid = true, .memory = VMCFG_DEFAULT_MEMORY,
		.vcpus = 1, .load = 0x7c00, .weight = VMCFG_DEFAULT_WEIGHT,
	};
	str_copy(vm->name, name, sizeof(vm->name));
	for (const char *c = name; *c; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || *c == '-' || *c == '_';
		if (!ok || strlen(name) >= VMCFG_NAME_MAX) {
			problem(p, "'%s' is not a VM name (letters, digits, - "
				   "and _, at most 31)", name);
			return;
		}
	}
	if (!*name)
		problem(p, "a VM needs a name: [vm NAME]");
	for (unsigned i = 0; i + 1 < s->n; i++)
		if (!strcmp(s->vm[i].name, name))
			problem(p, "a second VM named '%s'", name);
}

static void section(struct parser *p, char *line)
{
	size_t n = strlen(line);

	if (line[n - 1] != ']' || strncmp(line, "[vm", 3) ||
	    !is_space(line[3])) {
		p->vm = 0;
		problem(p, "'%s' is not a section header: [vm NAME]", line);
		p->vm = &overflow;
		return;
	}
	line[n - 1] = 0;
	start_vm(p, trim(line + 3));
}

static void assignment(struct parser *p, char *line, uint32_t *seen)
{
	char *eq = line, *key, *val;

	while (*eq && *eq != '=')
		eq++;
	if (!*eq) {
		problem(p, "'%s' is not 'key = value'", line);
		return;
	}
	*eq = 0;
	key = trim(line);
	val = trim(eq + 1);
	if (!p->vm) {
		problem(p, "'%s' before any [vm NAME] section", key);
		return;
	}
	for (unsigned i = 0; i < N_KEYS; i++) {
		char as_written[LINE_MAX];
		const char *why;

		if (strcmp(key, keys[i].name))
			continue;
		if ((*seen & (1u << i)) && !keys[i].repeatable) {
			problem(p, "%s: given twice", key);
			return;
		}
		*seen |= 1u << i;
		str_copy(as_written, val, sizeof(as_written)); /* set may cut it */
		why = keys[i].set(p->vm, val);
		if (why)
			problem(p, "%s: '%s' %s", key, as_written, why);
		return;
	}
	if (!strncmp(key, "cpus.", 5) && key[5] >= '0' &&
	    key[5] < '0' + VMCFG_MAX_VCPUS && !key[6]) {
		char as_written[LINE_MAX];
		uint64_t *mask = &p->vm->vcpu_cpus[key[5] - '0'];

		str_copy(as_written, val, sizeof(as_written));
		if (*mask)
			problem(p, "%s: given twice", key);
		else if (!parse_cpus(val, mask) || !*mask)
			problem(p, "%s: '%s' is not a CPU list (e.g. 0-3,5)", key,
				as_written);
		return;
	}
	problem(p, "unknown key '%s'", key);
}

int vmcfg_parse(const char *text, size_t len, const char *file,
		struct vm_config_set *set, vmcfg_report_fn report, void *ctx)
{
	struct parser p = { file, 0, set, 0, report, ctx };
	uint32_t seen = 0;
	char buf[LINE_MAX];
	size_t pos = 0;

	memset(set, 0, sizeof(*set));
	memset(&overflow, 0, sizeof(overflow));
	while (pos < len) {
		size_t n = 0;
		bool bad = false;
		char *line;

		p.line++;
		while (pos < len && text[pos] != '\n') {
			char c = text[pos++];
			bad |= c == 0;
			if (n < sizeof(buf) - 1)
				buf[n] = c;
			n++;
		}
		pos++; /* the newline */
		if (n >= sizeof(buf)) {
			problem(&p, "line longer than %d characters", LINE_MAX - 1);
			continue;
		}
		buf[n] = 0;
		if (bad) {
			problem(&p, "NUL byte in the line");
			continue;
		}
		for (char *h = buf; *h; h++)
			if (*h == '#')
				*h = 0; /* comments run to the end of the line */
		line = trim(buf);
		if (!*line)
			continue;
		if (*line == '[') {
			section(&p, line);
			seen = 0;
		} else {
			assignment(&p, line, &seen);
		}
	}
	finish_vm(&p);
	return (int)set->problems;
}
