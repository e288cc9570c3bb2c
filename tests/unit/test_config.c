/* SPDX-License-Identifier: MIT */
/* The VM configuration parser: values, defaults, and every error naming
 * file, line and key while the other VMs stand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "guests/config.h"

static char msgs[32][256];
static int n_msgs;

static void collect(void *ctx, const char *msg)
{
	(void)ctx;
	if (n_msgs < 32)
		snprintf(msgs[n_msgs++], sizeof(msgs[0]), "%s", msg);
}

static struct vm_config_set set;

static int parse(const char *text)
{
	n_msgs = 0;
	return vmcfg_parse(text, strlen(text), "vms.cfg", &set, collect, 0);
}

/* controls = default | strict; anything else names the key and line. */
static void vmx_controls(void **state)
{
	(void)state;
	assert_int_equal(parse("[vm a]\nkernel = k\n[vm b]\nkernel = k\n"
			       "controls = strict\n[vm c]\nkernel = k\n"
			       "controls = default\n"), 0);
	assert_false(set.vm[0].strict);
	assert_true(set.vm[1].strict);
	assert_false(set.vm[2].strict);
	assert_int_equal(parse("[vm a]\nkernel = k\ncontrols = paranoid\n"
			       "[vm b]\nkernel = k\n"), 1);
	assert_string_equal(msgs[0], "vms.cfg:3: controls: 'paranoid' is not a "
			    "set of VMX controls (default or strict)");
	assert_false(set.vm[0].valid);
	assert_true(set.vm[1].valid);
}

/* pci = BB:DD.F[, ...], repeatable, at most VMCFG_MAX_PCI per VM. */
static void pci_functions(void **state)
{
	(void)state;
	assert_int_equal(parse("[vm a]\nkernel = k\npci = 03:00.0, 00:1f.7\n"
			       "pci = ff:00.1\n"), 0);
	assert_int_equal(set.vm[0].n_pci, 3);
	assert_int_equal(set.vm[0].pci[0], 0x0300);
	assert_int_equal(set.vm[0].pci[1], 0x00ff);
	assert_int_equal(set.vm[0].pci[2], 0xff01);
	assert_true(set.vm[0].valid);

	assert_int_equal(parse("[vm a]\nkernel = k\npci = 3:00.0\n"), 1);
	assert_false(set.vm[0].valid);
	assert_string_equal(msgs[0], "vms.cfg:3: pci: '3:00.0' is not a PCI "
			    "function (bus:device.function, e.g. 03:00.0)");
	assert_int_equal(parse("[vm a]\nkernel = k\npci = 00:20.0\n"), 1);
	assert_int_equal(parse("[vm a]\nkernel = k\npci = 01:00.0\n"
			       "pci = 01:00.0\n"), 1);
	assert_string_equal(msgs[0], "vms.cfg:4: pci: '01:00.0' names a PCI "
			    "function twice");
	assert_int_equal(parse("[vm a]\nkernel = k\n"
			       "pci = 01:00.0,01:00.1,01:00.2,01:00.3,01:00.4\n"),
			 1);
	assert_non_null(strstr(msgs[0], "more PCI functions than a VM may own"));
	assert_int_equal(set.vm[0].n_pci, 4);
}

static void full_vm(void **state)
{
	(void)state;
	assert_int_equal(parse("# two VMs\n"
			       "[vm alpha]\n"
			       "kernel = selftest.elf\n"
			       "memory = 32M   # comment\n"
			       "vcpus = 2\n"
			       "cmdline = fast  verbose=1\n"
			       "module = data.bin one two\n"
			       "module = more.bin\n"
			       "format = multiboot\n"
			       "devices = testdev\n"
			       "weight = 2048\n"
			       "cpus = 0-2,5\n"
			       "cpus.1 = 3\n"
			       "\n"
			       "[vm linux]\n"
			       "kernel = vmlinuz\n"
			       "initrd = initramfs.cpio.gz\n"
			       "format = linux\n"
			       "[vm beta-2]\r\n"
			       "  kernel=rm.bin\r\n"
			       "format = flat\n"
			       "load = 0x8000\n"),
			 0);
	assert_int_equal(set.n, 3);
	struct vm_config *a = &set.vm[0], *b = &set.vm[2], *l = &set.vm[1];
	assert_true(l->valid);
	assert_string_equal(l->kernel, "vmlinuz");
	assert_string_equal(l->initrd, "initramfs.cpio.gz");
	assert_int_equal(l->format, VM_FORMAT_LINUX);
	assert_string_equal(a->initrd, "");
	assert_true(a->valid);
	assert_string_equal(a->name, "alpha");
	assert_int_equal(a->line, 2);
	assert_string_equal(a->kernel, "selftest.elf");
	assert_int_equal(a->memory, 32ull << 20);
	assert_int_equal(a->vcpus, 2);
	assert_string_equal(a->cmdline, "fast  verbose=1");
	assert_int_equal(a->n_modules, 2);
	assert_string_equal(a->module[0].file, "data.bin");
	assert_string_equal(a->module[0].args, "one two");
	assert_string_equal(a->module[1].file, "more.bin");
	assert_string_equal(a->module[1].args, "");
	assert_int_equal(a->format, VM_FORMAT_MULTIBOOT);
	assert_int_equal(a->devices, VM_DEV_TESTDEV);
	assert_int_equal(a->weight, 2048);
	assert_int_equal(a->cpus, 0x27);
	assert_int_equal(a->vcpu_cpus[0], 0);
	assert_int_equal(a->vcpu_cpus[1], 0x8);
	assert_true(b->valid);
	assert_string_equal(b->name, "beta-2");
	assert_string_equal(b->kernel, "rm.bin");
	assert_int_equal(b->format, VM_FORMAT_FLAT);
	assert_int_equal(b->load, 0x8000);
}

static void defaults(void **state)
{
	(void)state;
	assert_int_equal(parse("[vm x]\nkernel = k\n"), 0);
	assert_int_equal(set.vm[0].memory, VMCFG_DEFAULT_MEMORY);
	assert_int_equal(set.vm[0].vcpus, 1);
	assert_int_equal(set.vm[0].format, VM_FORMAT_AUTO);
	assert_int_equal(set.vm[0].load, 0x7c00);
	assert_int_equal(set.vm[0].weight, VMCFG_DEFAULT_WEIGHT);
	assert_int_equal(set.vm[0].cpus, 0);
	assert_int_equal(set.vm[0].devices, 0);
	assert_string_equal(set.vm[0].cmdline, "");
}

static void sizes(void **state)
{
	uint64_t v;

	(void)state;
	assert_true(vmcfg_parse_size("4096", &v));
	assert_int_equal(v, 4096);
	assert_true(vmcfg_parse_size("64K", &v));
	assert_int_equal(v, 64 << 10);
	assert_true(vmcfg_parse_size("16MiB", &v));
	assert_int_equal(v, 16 << 20);
	assert_true(vmcfg_parse_size("2g", &v));
	assert_int_equal(v, 2ull << 30);
	assert_true(vmcfg_parse_size("0x100000", &v));
	assert_int_equal(v, 1 << 20);
	assert_false(vmcfg_parse_size("", &v));
	assert_false(vmcfg_parse_size("M", &v));
	assert_false(vmcfg_parse_size("16X", &v));
	assert_false(vmcfg_parse_size("16 M", &v));
	assert_false(vmcfg_parse_size("99999999999999999999", &v));
	assert_false(vmcfg_parse_size("17179869184G", &v)); /* overflows */
}

/* One bad line spoils its VM only, and the message names it. */
static void expect_one_error(const char *body, const char *msg)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "[vm good]\nkernel = a\n[vm bad]\nkernel = b\n%s\n"
		 "[vm after]\nkernel = c\n", body);
	assert_int_equal(parse(text), 1);
	assert_int_equal(n_msgs, 1);
	assert_string_equal(msgs[0], msg);
	assert_int_equal(set.n, 3);
	assert_true(set.vm[0].valid);
	assert_false(set.vm[1].valid);
	assert_string_equal(set.vm[1].error, msg);
	assert_true(set.vm[2].valid);
}

static void bad_values(void **state)
{
	(void)state;
	expect_one_error("memory = 16X",
			 "vms.cfg:5: memory: '16X' is not a size (use e.g. 64M)");
	expect_one_error("memory = 512K",
			 "vms.cfg:5: memory: '512K' is out of range (1M..3G)");
	expect_one_error("memory = 3073M",
			 "vms.cfg:5: memory: '3073M' is out of range (1M..3G)");
	expect_one_error("memory = 1049000",
			 "vms.cfg:5: memory: '1049000' is not a multiple of 4K");
	expect_one_error("vcpus = 0",
			 "vms.cfg:5: vcpus: '0' must be a number from 1 to 8");
	expect_one_error("vcpus = 9",
			 "vms.cfg:5: vcpus: '9' must be a number from 1 to 8");
	expect_one_error("format = elf", "vms.cfg:5: format: 'elf' is not auto, "
					 "multiboot, flat or linux");
	expect_one_error("load = 0x100000", "vms.cfg:5: load: '0x100000' must "
					    "be an address from 0x500 to 0x9ffff");
	expect_one_error("devices = testdev,gpu",
			 "vms.cfg:5: devices: 'testdev,gpu' names an unknown "
			 "device (known: testdev)");
	expect_one_error("weight = 0",
			 "vms.cfg:5: weight: '0' must be a number from 1 to 1000000");
	expect_one_error("cpus = 3-1",
			 "vms.cfg:5: cpus: '3-1' is not a CPU list (e.g. 0-3,5)");
	expect_one_error("cpus = 64",
			 "vms.cfg:5: cpus: '64' is not a CPU list (e.g. 0-3,5)");
	expect_one_error("memroy = 16M", "vms.cfg:5: unknown key 'memroy'");
	expect_one_error("cpus.1 = x",
			 "vms.cfg:5: cpus.1: 'x' is not a CPU list (e.g. 0-3,5)");
	expect_one_error("cpus.8 = 1", "vms.cfg:5: unknown key 'cpus.8'");
	expect_one_error("kernel = c", "vms.cfg:5: kernel: given twice");
	expect_one_error("memory", "vms.cfg:5: 'memory' is not 'key = value'");
	expect_one_error("module = ", "vms.cfg:5: module: '' is not 'FILE [ARGS]'");
}

static void structure_errors(void **state)
{
	(void)state;
	assert_int_equal(parse("kernel = x\n[vm a]\nkernel = y\n"), 1);
	assert_string_equal(msgs[0],
			    "vms.cfg:1: 'kernel' before any [vm NAME] section");
	assert_true(set.vm[0].valid);

	assert_int_equal(parse("[vm a]\nmemory = 8M\n[vm b]\nkernel = k\n"), 1);
	assert_string_equal(msgs[0], "vms.cfg:1: vm 'a': no kernel given");
	assert_false(set.vm[0].valid);
	assert_true(set.vm[1].valid);

	assert_int_equal(parse("[vm a]\nkernel = k\n[vm a]\nkernel = k\n"), 1);
	assert_string_equal(msgs[0], "vms.cfg:3: a second VM named 'a'");
	assert_true(set.vm[0].valid);
	assert_false(set.vm[1].valid);

	assert_int_equal(parse("[vm bad name]\nkernel = k\n"), 1);
	assert_string_equal(msgs[0], "vms.cfg:1: 'bad name' is not a VM name "
				     "(letters, digits, - and _, at most 31)");

	/* a broken header: its lines are absorbed, not blamed on others */
	assert_int_equal(parse("[vm a]\nkernel = k\n[machine b]\nkernel = q\n"),
			 1);
	assert_string_equal(msgs[0], "vms.cfg:3: '[machine b]' is not a section "
				     "header: [vm NAME]");
	assert_int_equal(set.n, 1);
	assert_string_equal(set.vm[0].kernel, "k");
}

static void limits(void **state)
{
	char text[8192] = "", line[600];

	(void)state;
	for (int i = 0; i < VMCFG_MAX_VMS + 1; i++) {
		snprintf(line, sizeof(line), "[vm v%d]\nkernel = k\n", i);
		strcat(text, line);
	}
	assert_int_equal(parse(text), 1);
	assert_string_equal(msgs[0],
			    "vms.cfg:33: too many VMs (at most 16), 'v16' ignored");
	assert_int_equal(set.n, VMCFG_MAX_VMS);

	memset(line, 'x', 520);
	line[520] = 0;
	snprintf(text, sizeof(text), "[vm a]\nkernel = k\ncmdline = %s\n", line);
	assert_int_equal(parse(text), 1);
	assert_string_equal(msgs[0], "vms.cfg:3: line longer than 511 characters");

	strcpy(text, "[vm a]\nkernel = k\n");
	for (int i = 0; i < VMCFG_MAX_MODULES + 1; i++)
		strcat(text, "module = m\n");
	assert_int_equal(parse(text), 1);
	assert_string_equal(msgs[0], "vms.cfg:11: module: 'm' is one module too "
				     "many (at most 8)");
}

static void nul_byte_and_no_newline(void **state)
{
	static const char text[] = "[vm a]\nkernel = k\ncmd\0line = x\n[vm b]\n"
				   "kernel = z";
	(void)state;
	n_msgs = 0;
	assert_int_equal(vmcfg_parse(text, sizeof(text) - 1, "f", &set, collect,
				     0), 1);
	assert_string_equal(msgs[0], "f:3: NUL byte in the line");
	assert_string_equal(set.vm[1].kernel, "z");
	assert_true(set.vm[1].valid);
}

/* Random bytes must never crash the parser (ASan watches). */
static void random_input(void **state)
{
	static const char alphabet[] = "[]=# \n\t\rvmkernlodyscpu0x1MG-,_\0";
	char text[600];
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		size_t len = (seed = seed * 1103515245 + 12345) % sizeof(text);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			text[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		vmcfg_parse(text, len, "r", &set, 0, 0);
		assert_true(set.n <= VMCFG_MAX_VMS);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_vm),
		cmocka_unit_test(defaults),
		cmocka_unit_test(sizes),
		cmocka_unit_test(bad_values),
		cmocka_unit_test(structure_errors),
		cmocka_unit_test(limits),
		cmocka_unit_test(nul_byte_and_no_newline),
		cmocka_unit_test(random_input),
		cmocka_unit_test(pci_functions),
		cmocka_unit_test(vmx_controls),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
