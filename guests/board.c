/* SPDX-License-Identifier: MIT */
#include "guests/board.h"

#include "arch/cmos.h"
#include "arch/ioapic.h"
#include "arch/lapic.h"
#include "arch/percpu.h"
#include "arch/trap.h"
#include "arch/x86.h"
#include "arch/tsc.h"
#include "drivers/vacpi_tables.h"
#include "drivers/testdev.h"
#include "drivers/vdebug.h"
#include "drivers/vreset.h"
#include "guests/focus.h"
#include "guests/vapic.h"
#include "guests/vm.h"
#include "lib/errno.h"
#include "lib/console.h"
#include "sched/sched.h"

/* ---- interrupt wiring ---------------------------------------------------- */

void board_isa_irq(struct vm *vm, unsigned irq, bool level)
{
	vpic_set_irq(&vm->pic, irq, level);
	vioapic_set_irq(&vm->ioapic, irq == 0 ? 2 : irq, level);
}

/* The PIC's INTR drives LINT0 of vCPU 0; in ExtINT mode (or with the APIC
 * off) vCPU 0 takes the PIC's vector (SDM 10.5.1). dev_lock held. */
static void pic_intr(void *ctx, bool level)
{
	struct vm *vm = ctx;
	struct vcpu *bsp = vm->vcpu[0];
	bool extint;

	spin_lock(&bsp->lapic_lock);
	vlapic_lint(&bsp->lapic, 0, level);
	extint = level && vlapic_accepts_extint(&bsp->lapic);
	spin_unlock(&bsp->lapic_lock);
	if (extint) {
		__atomic_or_fetch(&bsp->ev.pending, EV_EXTINT, __ATOMIC_SEQ_CST);
		sched_notify(bsp);
	}
}

int board_extint_ack(struct vcpu *v)
{
	struct vm *vm = v->vm;
	int vector = -1;

	spin_lock(&vm->dev_lock);
	if (vpic_intr(&vm->pic))
		vector = vpic_ack(&vm->pic);
	spin_unlock(&vm->dev_lock);
	return vector;
}

/* I/O APIC messages go to the local APICs like IPIs with no sender;
 * ExtINT ones send the vCPU to the PIC. dev_lock held. */
static void ioapic_deliver(void *ctx, const struct vioapic_msg *m)
{
	struct vlapic_ipi ipi = {
		.source = ~0u, .dest = m->dest, .dest_mode = m->dest_mode,
		.shorthand = VLAPIC_SH_NONE, .delivery_mode = m->delivery_mode,
		.vector = m->vector, .level = 1, .trigger = m->level_trigger,
	};

	vapic_deliver(ctx, &ipi);
}

void board_eoi(struct vm *vm, uint8_t vector)
{
	spin_lock(&vm->dev_lock);
	vioapic_eoi(&vm->ioapic, vector);
	spin_unlock(&vm->dev_lock);
}

static const struct vioapic_ops ioapic_ops = { .deliver = ioapic_deliver };

/* ---- devices on the port bus, under dev_lock --------------------------- */

static void uart_tx(void *ctx, uint8_t c) { vm_console_putc(ctx, (char)c); }

static void uart_irq(void *ctx, bool level)
{
	board_isa_irq(ctx, COM1_IRQ, level);
}

void board_uart_input(struct vm *vm, uint8_t c)
{
	spin_lock(&vm->dev_lock);
	vuart_receive(&vm->uart, c);
	spin_unlock(&vm->dev_lock);
}

/* The hypervisor console's keyboard goes to one VM's COM1 at a time. */
static struct focus focus;
static bool input_polled;

static void console_irq(struct trap_frame *f)
{
	(void)f;
	console_poll_input();
}

void console_input_init(void)
{
	int irq = console_rx_irq();

	if (irq < 0)
		return; /* no keyboard to read */
	irq_register(VEC_CONSOLE, console_irq);
	input_polled = ioapic_route_isa((unsigned)irq, VEC_CONSOLE,
					cpus[0]->apic_id) != 0;
	pr_info("console: input to the VMs (Ctrl-A n: next VM) %s\n",
		input_polled ? "polled every 10 ms" : "by interrupt");
}

bool console_input_polled(void) { return input_polled; }

void console_poll_input(void)
{
	bool running[VM_MAX];
	int c;

	while ((c = console_getc()) >= 0) {
		for (unsigned i = 0; i < n_vms; i++)
			running[i] = vms[i]->state == VM_RUNNING;
		switch (focus_key(&focus, &c, n_vms, running)) {
		case FOCUS_SEND:
			board_uart_input(vms[focus.vm], (uint8_t)c);
			break;
		case FOCUS_MOVED:
			kprintf("console: input goes to vm %s (Ctrl-A n: next)\n",
				vms[focus.vm]->name);
			break;
		case FOCUS_NONE:
			break;
		}
	}
}

static uint64_t vm_now(void *ctx) { return vm_guest_tsc(ctx); }

static void pit_irq(void *ctx, bool level) { board_isa_irq(ctx, 0, level); }

static void pit_set_timer(void *ctx, uint64_t deadline)
{
	struct vm *vm = ctx;

	vm_timer_set(vm, vm->pit_timer, deadline);
}

static void pit_fire(void *dev, uint64_t now) { vpit_timer_expired(dev, now); }

static const struct vpit_ops pit_ops = { vm_now, pit_set_timer, pit_irq };

static void rtc_irq(void *ctx, bool level)
{
	board_isa_irq(ctx, VRTC_IRQ, level);
}

static void rtc_set_timer(void *ctx, uint64_t deadline)
{
	struct vm *vm = ctx;

	vm_timer_set(vm, vm->rtc_timer, deadline);
}

static void rtc_fire(void *dev, uint64_t now) { vrtc_timer_expired(dev, now); }

static const struct vrtc_ops rtc_ops = { vm_now, rtc_irq, rtc_set_timer };

/* SLP_TYP values of the DSDT's \_S0 and \_S5 (drivers/vacpi_tables.h). */
#define SLP_TYP_S5 5

static void pm_sleep(void *ctx, unsigned typ)
{
	struct vm *vm = ctx;

	if (typ == SLP_TYP_S5)
		vm_stop(vm, 0, "ACPI S5 power off");
	/* \_S0 and unknown types: nothing to do, the guest runs on */
}

static const struct vacpi_pm_ops pm_ops = { vm_now, pm_sleep };

/* The ACPI fixed hardware, and where the tables say it is. */
#define PM_EVT 0x600
#define PM_CNT 0x604
#define PM_TMR 0x608
#define SCI_IRQ 9
/* PCI0's window for 32-bit BARs: from 3 GiB to the I/O APIC. The RAM a
 * VM may have ends below it (guests/config.c caps memory). */
#define PCI_MEM_BASE 0xc0000000u
#define PCI_MEM_SIZE (VIOAPIC_BASE - PCI_MEM_BASE)

/* One handler for every port device: the model decides by port. */
static int platform_port(void *ctx, struct vcpu *v, uint16_t port,
			 unsigned size, uint32_t *val, bool write)
{
	struct vm *vm = v->vm;
	uint32_t out = ~0u;

	(void)ctx;
	spin_lock(&vm->dev_lock);
	if (port >= COM1_PORT && port < COM1_PORT + 8) {
		if (write)
			vuart_write(&vm->uart, port - COM1_PORT, (uint8_t)*val);
		else
			out = vuart_read(&vm->uart, port - COM1_PORT);
	} else if (vpic_is_port(port)) {
		if (write)
			vpic_write(&vm->pic, port, (uint8_t)*val);
		else
			out = vpic_read(&vm->pic, port);
	} else if (vpit_is_port(port)) {
		if (write)
			vpit_write(&vm->pit, port, (uint8_t)*val);
		else
			out = vpit_read(&vm->pit, port);
	} else if (port == VRTC_PORT_INDEX || port == VRTC_PORT_DATA) {
		if (write)
			vrtc_write(&vm->rtc, port, (uint8_t)*val);
		else
			out = vrtc_read(&vm->rtc, port);
	} else if (port >= VPCI_PORT_ADDRESS && port < VPCI_PORT_DATA + 4) {
		if (write)
			vpci_write(&vm->pci, port, size, *val);
		else
			vpci_read(&vm->pci, port, size, &out);
	} else if (port == VFWCFG_PORT_SELECTOR ||
		   port == VFWCFG_PORT_DATA) {
		if (write)
			vfwcfg_write(&vm->fwcfg, port, size, *val);
		else
			out = vfwcfg_read(&vm->fwcfg, port, size);
	} else if (write) {
		vacpi_pm_write(&vm->pm, port, size, *val);
	} else {
		vacpi_pm_read(&vm->pm, port, size, &out);
	}
	spin_unlock(&vm->dev_lock);
	if (!write)
		*val = size == 4 ? out : out & ((1u << (8 * size)) - 1);
	return 0;
}

static int ioapic_mmio(void *ctx, struct vcpu *v, uint64_t gpa, unsigned size,
		       uint64_t *val, bool write)
{
	struct vm *vm = v->vm;

	(void)ctx;
	spin_lock(&vm->dev_lock);
	if (write)
		vioapic_mmio_write(&vm->ioapic, gpa - VIOAPIC_BASE, size,
				   (uint32_t)*val);
	else
		*val = vioapic_mmio_read(&vm->ioapic, gpa - VIOAPIC_BASE, size);
	spin_unlock(&vm->dev_lock);
	return 0;
}

static const struct {
	uint16_t base, len;
	const char *name;
} platform_ports[] = {
	{ COM1_PORT, 8, "COM1" }, { 0x20, 2, "PIC" }, { 0xa0, 2, "PIC" },
	{ 0x4d0, 2, "ELCR" }, { 0x40, 4, "PIT" }, { 0x61, 1, "port61" },
	{ VRTC_PORT_INDEX, 2, "RTC" }, { VPCI_PORT_ADDRESS, 1, "PCI" },
	{ VPCI_PORT_DATA, 4, "PCI" }, { VFWCFG_PORT_SELECTOR, 2, "fw_cfg" },
	{ PM_EVT, VACPI_PM1_EVT_LEN, "ACPI-PM" },
	{ PM_CNT, VACPI_PM1_CNT_LEN, "ACPI-PM" },
	{ PM_TMR, VACPI_PM_TMR_LEN, "PM-timer" },
};

static void init_devices(struct vm *vm)
{
	vuart_init(&vm->uart, uart_tx, uart_irq, vm);
	vpic_init(&vm->pic, pic_intr, vm);
	vioapic_init(&vm->ioapic, &ioapic_ops, vm);
	vfwcfg_init(&vm->fwcfg, (uint16_t)vm->cfg->vcpus, vm->ram_size);
}

/* The time of day a VM starts with: the host's RTC, read once. */
static int64_t boot_secs;
static uint64_t boot_secs_tsc;

static int64_t wall_clock_now(void)
{
	if (!boot_secs_tsc) {
		boot_secs = cmos_time();
		boot_secs_tsc = rdtsc();
	}
	return boot_secs + (int64_t)((rdtsc() - boot_secs_tsc) /
				     (tsc_khz * 1000));
}

int board_firmware(struct vm *vm)
{
	struct vacpi_params p = {
		.n_cpus = vm->cfg->vcpus, .ioapic_id = (uint8_t)vm->cfg->vcpus,
		.ioapic_addr = VIOAPIC_BASE, .pm1a_evt = PM_EVT,
		.pm1a_cnt = PM_CNT, .pm_tmr = PM_TMR, .sci_irq = SCI_IRQ,
		.reset_port = 0xcf9, .reset_value = 0x06,
		.pci_mem_base = PCI_MEM_BASE, .pci_mem_size = PCI_MEM_SIZE,
	};
	struct vacpi_layout layout;
	void *area = gpa_to_hva(&vm->mem, VACPI_BIOS_AREA,
				VACPI_BIOS_AREA_SIZE);
	int r;

	vm->rsdp_gpa = 0;
	if (!area)
		return 0; /* less than 1 MiB of RAM: no ACPI, as on a 486 */
	r = vacpi_build(&p, area, VACPI_BIOS_AREA_SIZE, VACPI_BIOS_AREA,
			&layout);
	if (r) {
		pr_err("vm %s: cannot build its ACPI tables (%d)\n", vm->name,
		       r);
		return r;
	}
	vm->rsdp_gpa = layout.rsdp.gpa;
	return 0;
}

int board_attach(struct vm *vm)
{
	int r = 0;

	init_devices(vm);
	vpci_init(&vm->pci);
	vm->pit_timer = vm_timer_add(vm, pit_fire, &vm->pit);
	vm->rtc_timer = vm_timer_add(vm, rtc_fire, &vm->rtc);
	for (unsigned i = 0; !r && i < sizeof(platform_ports) /
					sizeof(platform_ports[0]); i++)
		r = pio_add(&vm->pio, platform_ports[i].base,
			    platform_ports[i].len, platform_port, 0,
			    platform_ports[i].name);
	if (!r)
		r = gpa_add_mmio(&vm->mem, VIOAPIC_BASE, VIOAPIC_SIZE,
				 ioapic_mmio, 0, "IOAPIC");
	if (!r)
		r = vdebug_attach(vm);
	if (!r)
		r = vreset_attach(vm);
	if (!r)
		r = vapic_attach(vm);
	if (!r && (vm->cfg->devices & VM_DEV_TESTDEV))
		r = testdev_attach(vm);
	if (vm->pit_timer < 0 || vm->rtc_timer < 0)
		return -ENOSPC;
	return r;
}

void board_start(struct vm *vm)
{
	int64_t now = wall_clock_now();

	spin_lock(&vm->dev_lock);
	vpit_init(&vm->pit, tsc_khz, &pit_ops, vm);
	vrtc_init(&vm->rtc, now > 0 ? (uint64_t)now : 0, vm_guest_tsc(vm),
		  tsc_khz, &rtc_ops, vm);
	vacpi_pm_init(&vm->pm, PM_EVT, PM_CNT, PM_TMR, tsc_khz, &pm_ops, vm);
	spin_unlock(&vm->dev_lock);
}

void board_reset(struct vm *vm)
{
	spin_lock(&vm->dev_lock);
	init_devices(vm);
	vpit_init(&vm->pit, tsc_khz, &pit_ops, vm);
	vrtc_reset(&vm->rtc);
	vpci_reset(&vm->pci);
	vacpi_pm_reset(&vm->pm);
	vm->shutdown_pos = 0;
	vreset_reset(vm);
	if (vm->cfg->devices & VM_DEV_TESTDEV)
		testdev_reset(vm);
	spin_unlock(&vm->dev_lock);
}
