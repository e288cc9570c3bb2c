/* SPDX-License-Identifier: MIT */
/* VM lifecycle: create (memory, devices, image, vCPUs), start, stop. */
#include "guests/vm.h"

#include "guests/passthrough.h"

#include <stdarg.h>

#include "arch/mm.h"
#include "arch/percpu.h"
#include "arch/x86.h"
#include "boot/start.h"
#include "guests/board.h"
#include "guests/linux.h"
#include "guests/loader.h"
#include "guests/mbinfo.h"
#include "guests/vapic.h"
#include "lib/console.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"
#include "sched/sched.h"
#include "vmx/exit.h"
#include "vmx/vmx.h"

struct vm *vms[VM_MAX];
unsigned n_vms;
static volatile unsigned vms_running;

static void *zalloc(size_t size)
{
	uint64_t pa = page_alloc((size + PAGE_SIZE - 1) / PAGE_SIZE);

	return pa ? phys_to_virt(pa) : 0;
}

static void zfree(void *p, size_t size)
{
	if (p)
		page_free(virt_to_phys(p), (size + PAGE_SIZE - 1) / PAGE_SIZE);
}

static int refuse(const struct vm_config *cfg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int refuse(const struct vm_config *cfg, const char *fmt, ...)
{
	char msg[192];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("vm %s: refused: %s\n", cfg->name, msg);
	return -EINVAL;
}

/* RAM in one piece, 2 MiB-aligned where possible so EPT can use large
 * pages; zeroed, so nothing of the host or of an earlier VM shows. */
static int alloc_ram(struct vm *vm)
{
	uint64_t pages = vm->ram_size / PAGE_SIZE;

	vm->ram_hpa = page_alloc_aligned(pages, 512);
	if (!vm->ram_hpa)
		vm->ram_hpa = page_alloc(pages);
	if (!vm->ram_hpa)
		return refuse(vm->cfg, "no %llu MiB of host memory left",
			      (unsigned long long)(vm->ram_size >> 20));
	return gpa_add_ram(&vm->mem, 0, vm->ram_hpa, vm->ram_size);
}

static const struct bi_module *find_module(const struct boot_info *bi,
					   const char *name)
{
	size_t n = strlen(name);

	for (unsigned i = 0; i < bi->n_mod; i++) {
		const char *s = bi->mod[i].cmdline;
		if (!strncmp(s, name, n) && (s[n] == 0 || s[n] == ' '))
			return &bi->mod[i];
	}
	return 0;
}

/* The memory map a Linux guest gets through boot_params: what the
 * multiboot guests get (guests/mbinfo.c). */
static unsigned linux_e820(const struct vm *vm, struct e820_entry *e)
{
	unsigned n = 0;

	e[n++] = (struct e820_entry){ 0, GUEST_LOW_END, E820_RAM };
	e[n++] = (struct e820_entry){ GUEST_LOW_END, 0xa0000 - GUEST_LOW_END,
				      E820_RESERVED };
	e[n++] = (struct e820_entry){ 0xe0000, 0x20000, E820_RESERVED };
	if (vm->ram_size > 0x100000)
		e[n++] = (struct e820_entry){ 0x100000, vm->ram_size - 0x100000,
					      E820_RAM };
	return n;
}

static int load_linux(struct vm *vm, const struct bi_module *k,
		      const struct boot_info *bi, struct load_result *res)
{
	const struct vm_config *cfg = vm->cfg;
	const struct bi_module *initrd = 0;
	struct e820_entry e820[4];
	struct linux_request req = {
		.kernel = phys_to_virt(k->start), .kernel_size = k->end - k->start,
		.name = cfg->kernel, .cmdline = cfg->cmdline,
		.ram_size = vm->ram_size, .rsdp_gpa = vm->rsdp_gpa, .e820 = e820,
	};
	struct linux_result lr;
	char err[192];

	if (cfg->initrd[0]) {
		initrd = find_module(bi, cfg->initrd);
		if (!initrd)
			return refuse(cfg, "initrd '%s' is not among the boot "
				      "modules", cfg->initrd);
		req.initrd = phys_to_virt(initrd->start);
		req.initrd_size = initrd->end - initrd->start;
	}
	if (cfg->n_modules)
		return refuse(cfg, "a Linux kernel takes no modules (use initrd)");
	req.n_e820 = linux_e820(vm, e820);
	if (linux_load(&vm->mem, &req, &lr, err, sizeof(err)))
		return refuse(cfg, "%s", err);
	if (lr.cmdline_truncated)
		pr_warn("vm %s: command line truncated to what the kernel "
			"takes\n", vm->name);
	*res = (struct load_result){ .kind = IMAGE_LINUX,
				     .entry = (uint32_t)lr.entry };
	vm->entry_rip = lr.entry;
	vm->entry_cr3 = lr.cr3;
	vm->entry_rsi = lr.boot_params;
	vm->entry_gdt = lr.gdt_base;
	vm->entry_gdt_limit = lr.gdt_limit;
	return 0;
}

static int load(struct vm *vm, const struct boot_info *bi,
		struct load_result *res)
{
	const struct vm_config *cfg = vm->cfg;
	const struct bi_module *k = find_module(bi, cfg->kernel);
	struct load_module mods[VMCFG_MAX_MODULES];
	char args[VMCFG_MAX_MODULES][VMCFG_FILE_MAX + VMCFG_ARGS_MAX];
	struct load_request req = {
		.image_name = cfg->kernel, .format = cfg->format,
		.flat_load = cfg->load, .cmdline = cfg->cmdline,
		.n_modules = cfg->n_modules, .modules = mods,
		.ram_size = vm->ram_size,
	};
	char err[192];

	if (!k)
		return refuse(cfg, "kernel '%s' is not among the boot modules",
			      cfg->kernel);
	if (cfg->format == VM_FORMAT_LINUX ||
	    (cfg->format == VM_FORMAT_AUTO &&
	     linux_is_bzimage(phys_to_virt(k->start), k->end - k->start)))
		return load_linux(vm, k, bi, res);
	if (cfg->initrd[0])
		return refuse(cfg, "initrd is for Linux kernels; '%s' is not "
			      "one", cfg->kernel);
	req.image = phys_to_virt(k->start);
	req.image_size = k->end - k->start;
	for (unsigned i = 0; i < cfg->n_modules; i++) {
		const struct bi_module *m = find_module(bi, cfg->module[i].file);
		if (!m)
			return refuse(cfg, "module '%s' is not among the boot "
				      "modules", cfg->module[i].file);
		ksnprintf(args[i], sizeof(args[i]), "%s%s%s",
			  cfg->module[i].file, cfg->module[i].args[0] ? " " : "",
			  cfg->module[i].args);
		mods[i] = (struct load_module){ phys_to_virt(m->start),
						m->end - m->start, args[i] };
	}
	if (load_image(&vm->mem, &req, res, err, sizeof(err)))
		return refuse(cfg, "%s", err);
	return 0;
}

static void set_entry(struct vm *vm, const struct load_result *res);

/* The CPUs a vCPU may run on: cpus.N, else cpus, else all online. */
static uint64_t vcpu_affinity(const struct vm_config *cfg, unsigned id)
{
	uint64_t online = n_cpus >= 64 ? ~0ull : (1ull << n_cpus) - 1;
	uint64_t want = cfg->vcpu_cpus[id] ? cfg->vcpu_cpus[id] :
			cfg->cpus ? cfg->cpus : online;

	return want & online;
}

static int check_affinity(const struct vm_config *cfg)
{
	for (unsigned i = 0; i < cfg->vcpus; i++)
		if (!vcpu_affinity(cfg, i))
			return refuse(cfg, "vcpu %u may run on no CPU there is "
				      "(%u online)", i, n_cpus);
	return 0;
}

static void vcpu_free(struct vcpu *v)
{
	if (v->vmcs_pa)
		page_free(v->vmcs_pa, 1);
	if (v->vapic_pa)
		page_free(v->vapic_pa, 1);
	if (v->ctx.fpu)
		zfree(v->ctx.fpu, PAGE_SIZE);
	zfree(v, sizeof(*v));
}

static struct vcpu *vcpu_create(struct vm *vm, unsigned id)
{
	struct vcpu *v = zalloc(sizeof(*v));

	if (!v)
		return 0;
	v->vm = vm;
	v->id = id;
	v->sipi_vector = -1;
	/* the local APIC's registers: the VMCS names the page */
	v->vapic_pa = page_alloc(1);
	if (!v->vapic_pa || vcpu_ctx_init(v) || vmcs_create(v)) {
		vcpu_free(v);
		return 0;
	}
	vapic_init(v);
	vcpu_apply_reset(v, &v->regs);
	vmcs_release(v);
	sched_entity_init(&v->se, &vm->group, vcpu_affinity(vm->cfg, id));
	/* The BSP runs; APs wait for a start-up IPI (SDM 8.4.1). */
	v->state = id == 0 ? VCPU_RUNNABLE : VCPU_WAIT_SIPI;
	return v;
}

static const char *kind_name(enum image_kind k)
{
	return k == IMAGE_MULTIBOOT1 ? "multiboot v1" :
	       k == IMAGE_MULTIBOOT2 ? "multiboot2" :
	       k == IMAGE_LINUX ? "Linux bzImage" : "flat real-mode";
}

struct vm *vm_create(const struct vm_config *cfg, const struct boot_info *bi)
{
	struct load_result res;
	struct vm *vm;

	if (!cfg->valid)
		return refuse(cfg, "%s", cfg->error), (struct vm *)0;
	if (n_vms == VM_MAX)
		return refuse(cfg, "too many VMs"), (struct vm *)0;
	vm = zalloc(sizeof(*vm));
	if (!vm)
		return refuse(cfg, "out of memory"), (struct vm *)0;
	vm->id = n_vms;
	vm->cfg = cfg;
	vm->bi = bi;
	vm->ram_size = cfg->memory;
	str_copy(vm->name, cfg->name, sizeof(vm->name));
	sched_group_init(&vm->group, cfg->weight);
	if (check_affinity(cfg) ||
	    gpa_init(&vm->mem, &mm_pt_env, vmx_ctl.ept_1g ? 3 : 2, phys_to_virt) ||
	    alloc_ram(vm) || board_attach(vm) || passthrough_attach(vm) ||
	    board_firmware(vm) || load(vm, bi, &res))
		goto fail;
	set_entry(vm, &res);
	for (unsigned i = 0; i < cfg->vcpus; i++) {
		vm->vcpu[i] = vcpu_create(vm, i);
		if (!vm->vcpu[i]) {
			refuse(cfg, "cannot create vcpu %u", i);
			goto fail;
		}
		vm->n_vcpus++;
	}
	pr_info("vm %s: created: %llu MiB RAM at host %#llx, %u vCPU%s, %s "
		"image %s, entry %#x\n", vm->name,
		(unsigned long long)(vm->ram_size >> 20),
		(unsigned long long)vm->ram_hpa, vm->n_vcpus,
		vm->n_vcpus > 1 ? "s" : "", kind_name(res.kind), cfg->kernel,
		res.kind == IMAGE_FLAT ? (unsigned)res.real_cs << 4 | res.real_ip :
					 res.entry);
	vms[n_vms++] = vm;
	return vm;
fail:
	vm_destroy(vm);
	return 0;
}

void vm_start(struct vm *vm, uint64_t tsc0)
{
	/* The VM's TSC reads 0 at tsc0 (SDM 26.6.5, TSC offsetting). */
	for (unsigned i = 0; i < vm->n_vcpus; i++)
		vm->vcpu[i]->tsc_offset = -tsc0;
	__atomic_add_fetch(&vms_running, 1, __ATOMIC_SEQ_CST);
	board_start(vm);
	vm->state = VM_RUNNING;
	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		sched_add_vcpu(vm->vcpu[i]);
		pr_info("vm %s: vcpu %u on cpu%d\n", vm->name, i,
			vm->vcpu[i]->se.cpu);
	}
	kprintf("vm %s: started\n", vm->name);
}

/* Which devices the I/O and MMIO exits went to: ranges of one name are
 * added up, in the order they were claimed. */
static void print_devices(const struct vm *vm)
{
	const char *names[PIO_MAX + GPA_MAX_MMIO];
	uint64_t hits[PIO_MAX + GPA_MAX_MMIO];
	unsigned n = 0, len;
	char line[512];

	for (unsigned i = 0; i < vm->pio.n + vm->mem.n_mmio; i++) {
		bool io = i < vm->pio.n;
		const char *name = io ? vm->pio.r[i].name :
					vm->mem.mmio[i - vm->pio.n].name;
		uint64_t h = io ? vm->pio.r[i].hits :
				  vm->mem.mmio[i - vm->pio.n].hits;
		unsigned j = 0;

		while (j < n && strcmp(names[j], name))
			j++;
		if (j == n) {
			names[n] = name;
			hits[n++] = 0;
		}
		hits[j] += h;
	}
	len = (unsigned)ksnprintf(line, sizeof(line), "vm %s: device accesses:",
				  vm->name);
	for (unsigned j = 0; j < n; j++)
		if (hits[j] && len < sizeof(line))
			len += (unsigned)ksnprintf(line + len, sizeof(line) - len,
						   " %s %llu,", names[j],
						   (unsigned long long)hits[j]);
	if (vm->pio.unclaimed && len < sizeof(line))
		len += (unsigned)ksnprintf(line + len, sizeof(line) - len,
					   " unclaimed ports %llu,",
					   (unsigned long long)vm->pio.unclaimed);
	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	if (line[len - 1] == ',')
		line[len - 1] = 0;
	else
		str_copy(line + len, " none", sizeof(line) - len);
	kprintf("%s\n", line);
}

static void print_exits(const struct vm *vm)
{
	uint64_t count[HV_EXIT_REASONS] = { 0 }, total = 0;
	char line[512];
	int n;

	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		total += vm->vcpu[i]->stats.total;
		for (unsigned r = 0; r < HV_EXIT_REASONS; r++)
			count[r] += vm->vcpu[i]->stats.count[r];
	}
	n = ksnprintf(line, sizeof(line), "vm %s: %llu exits", vm->name,
		      (unsigned long long)total);
	for (unsigned r = 0; r < HV_EXIT_REASONS; r++)
		if (count[r] && (size_t)n < sizeof(line))
			n += ksnprintf(line + n, sizeof(line) - n, ", %s %llu",
				       exit_reason_name(r),
				       (unsigned long long)count[r]);
	kprintf("%s\n", line);
	print_devices(vm);
}

/* Scheduling figures of each vCPU (slightly stale for one running on
 * another CPU right now). */
static void print_sched(const struct vm *vm)
{
	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		const struct sched_entity *se = &vm->vcpu[i]->se;

		kprintf("vm %s: vcpu %u ran %llu us, waited %llu us, %llu "
			"switches, %llu migrations\n", vm->name, i,
			(unsigned long long)(se->sum_exec / 1000),
			(unsigned long long)(se->sum_wait / 1000),
			(unsigned long long)se->switches,
			(unsigned long long)vm->vcpu[i]->migrations);
	}
}

void vm_stop(struct vm *vm, int status, const char *fmt, ...)
{
	va_list ap;

	if (__atomic_exchange_n(&vm->state, VM_STOPPED, __ATOMIC_SEQ_CST) ==
	    VM_STOPPED)
		return;
	vm->status = status;
	va_start(ap, fmt);
	kvsnprintf(vm->stop_reason, sizeof(vm->stop_reason), fmt, ap);
	va_end(ap);
	for (unsigned i = 0; i < vm->n_vcpus; i++)
		sched_stop_vcpu(vm->vcpu[i]);
	passthrough_release(vm);
	vm_console_flush(vm);
	kprintf("vm %s: stopped, status %d: %s\n", vm->name, status,
		vm->stop_reason);
	print_exits(vm);
	print_sched(vm);
	if (!__atomic_sub_fetch(&vms_running, 1, __ATOMIC_SEQ_CST))
		hv_all_vms_stopped();
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	passthrough_release(vm);
	for (unsigned i = 0; i < vm->n_vcpus; i++)
		vcpu_free(vm->vcpu[i]);
	gpa_destroy(&vm->mem);
	if (vm->ram_hpa)
		page_free(vm->ram_hpa, vm->ram_size / PAGE_SIZE);
	zfree(vm, sizeof(*vm));
}

/* A line at a time, with the VM's name in front, so that VMs' output
 * never interleaves within a line. */
void vm_console_putc(struct vm *vm, char c)
{
	bool flush;

	if (c == '\r')
		return;
	spin_lock(&vm->con_lock);
	if (c != '\n')
		vm->con_line[vm->con_len++] = c;
	flush = c == '\n' || vm->con_len == sizeof(vm->con_line) - 1;
	if (flush) {
		kprintf("[%s] %.*s\n", vm->name, (int)vm->con_len, vm->con_line);
		vm->con_len = 0;
	}
	spin_unlock(&vm->con_lock);
}

void vm_console_flush(struct vm *vm)
{
	if (vm->con_len)
		vm_console_putc(vm, '\n');
}

static void set_entry(struct vm *vm, const struct load_result *res)
{
	vm->entry_real = res->kind == IMAGE_FLAT;
	vm->entry_long = res->kind == IMAGE_LINUX;
	vm->entry_cs = res->real_cs;
	vm->entry_ip = res->real_ip;
	vm->entry_eip = res->entry;
	vm->entry_eax = res->eax;
	vm->entry_ebx = res->ebx;
}

void vcpu_apply_reset(struct vcpu *v, struct guest_regs *regs)
{
	struct vm *vm = v->vm;

	v->reset_pending = false;
	for (int i = 0; i < 16; i++)
		regs->gpr[i] = 0;
	regs->gpr[REG_RDX] = cpuid(1, 0).eax; /* family, model, stepping */
	vmx_guest_reset(v);
	if (v->id != 0)
		return; /* APs wait, halted */
	if (vm->entry_real) {
		vmx_guest_real_mode(v, vm->entry_cs, vm->entry_ip);
	} else if (vm->entry_long) {
		vmx_guest_long64(v, vm->entry_rip, vm->entry_cr3, vm->entry_gdt,
				 vm->entry_gdt_limit);
		regs->gpr[REG_RSI] = vm->entry_rsi;
	} else {
		vmx_guest_flat32(v, vm->entry_eip);
		regs->gpr[REG_RAX] = vm->entry_eax;
		regs->gpr[REG_RBX] = vm->entry_ebx;
	}
}

void vm_reset(struct vcpu *cur, const char *why)
{
	struct vm *vm = cur->vm;
	struct load_result res;

	vm->resets++;
	vm_console_flush(vm);
	kprintf("vm %s: reset by the guest (%s), restart %u\n", vm->name, why,
		vm->resets);
	memset(phys_to_virt(vm->ram_hpa), 0, vm->ram_size);
	board_reset(vm);
	if (board_firmware(vm) || load(vm, vm->bi, &res)) {
		vm_stop(vm, VM_STATUS_CRASHED, "its image could not be reloaded "
			"after a reset");
		return;
	}
	set_entry(vm, &res);
	/* The APs go back to waiting for a SIPI; every APIC to its power-up
	 * state; the BSP (which may be cur) restarts at the entry. */
	for (unsigned i = 1; i < vm->n_vcpus; i++)
		sched_init_signal(vm->vcpu[i]);
	for (unsigned i = 0; i < vm->n_vcpus; i++)
		vm->vcpu[i]->lapic_power_on = true;
	cur->vm->vcpu[0]->ev.pending = 0;
	cur->vm->vcpu[0]->timer_deadline = 0;
	cur->vm->vcpu[0]->lapic_deadline = 0;
	cur->vm->vcpu[0]->reset_pending = true;
	sched_yield(); /* the run loop applies it */
}

uint64_t vm_guest_tsc(const struct vm *vm)
{
	return rdtsc() + vm->vcpu[0]->tsc_offset;
}

int vm_timer_add(struct vm *vm, void (*fire)(void *dev, uint64_t now),
		 void *dev)
{
	for (int i = 0; i < VM_TIMERS; i++) {
		if (!vm->timers[i].fire) {
			vm->timers[i] = (struct vm_timer){ 0, fire, dev };
			return i;
		}
	}
	return -ENOSPC;
}

void vm_timer_set(struct vm *vm, int slot, uint64_t guest_deadline)
{
	struct vcpu *bsp = vm->vcpu[0];

	vm->timers[slot].deadline = guest_deadline ?
					    (guest_deadline - bsp->tsc_offset) ?: 1 :
					    0;
	if (guest_deadline && bsp->se.cpu >= 0)
		sched_timers_changed(bsp);
}
