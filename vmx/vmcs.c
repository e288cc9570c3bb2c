/* SPDX-License-Identifier: MIT */
/* Building a vCPU's VMCS: controls, host state, and guest reset states. */
#include "vmx/vmx.h"

#include "arch/mm.h"
#include "arch/msr.h"
#include "arch/x86.h"
#include "guests/vm.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "vmx/vmcs.h"

struct vmx_controls vmx_ctl;
uint64_t vmx_apic_access_pa;
static uint64_t msr_bitmap, io_bitmap_a, io_bitmap_b;
static spinlock_t vpid_lock;
static uint16_t next_vpid = 1;

extern char vmx_exit_stub[];

/* MSRs the guest reads and writes directly. VMX switches FS/GS base and
 * SYSENTER_* itself (SDM 28.3, 27.3); the syscall MSRs, KERNEL_GS_BASE and
 * TSC_AUX are switched with the vCPU (vmx/vcpu.c); the host uses none. */
static const uint32_t passthrough_msrs[] = {
	0x174, 0x175, 0x176,                    /* SYSENTER_CS/ESP/EIP */
	0xc0000081, 0xc0000082, 0xc0000083,     /* STAR, LSTAR, CSTAR */
	0xc0000084,                             /* SFMASK */
	0xc0000100, 0xc0000101, 0xc0000102,     /* FS/GS/KERNEL_GS base */
	0xc0000103,                             /* TSC_AUX */
};

/* SDM 25.6.9: read bitmap low/high at 0/1024, write bitmaps at 2048/3072. */
static void msr_passthrough(uint8_t *bm, uint32_t msr)
{
	unsigned base = msr >= 0xc0000000 ? 1024 : 0, bit = msr & 0x1fff;

	bm[base + bit / 8] &= ~(1u << (bit % 8));
	bm[2048 + base + bit / 8] &= ~(1u << (bit % 8));
}

int vmx_global_init(char *err, size_t len)
{
	int r = vmx_controls_compute(&vmx_msrs, &vmx_ctl, err, len);

	if (r)
		return r;
	if (!hv_options.apicv)
		vmx_controls_no_apicv(&vmx_ctl);
	if (vmx_ctl.apicv) {
		vmx_apic_access_pa = page_alloc(1);
		if (!vmx_apic_access_pa)
			return -ENOMEM;
		memset(phys_to_virt(vmx_apic_access_pa), 0, PAGE_SIZE);
	}
	msr_bitmap = page_alloc(1);
	io_bitmap_a = page_alloc(2);
	if (!msr_bitmap || !io_bitmap_a)
		return -ENOMEM;
	io_bitmap_b = io_bitmap_a + PAGE_SIZE;
	memset(phys_to_virt(msr_bitmap), 0xff, PAGE_SIZE);
	memset(phys_to_virt(io_bitmap_a), 0xff, 2 * PAGE_SIZE); /* all ports */
	for (unsigned i = 0; i < sizeof(passthrough_msrs) / 4; i++)
		if (passthrough_msrs[i] != 0xc0000103 || vmx_ctl.rdtscp)
			msr_passthrough(phys_to_virt(msr_bitmap),
					passthrough_msrs[i]);
	return 0;
}

static uint16_t vpid_alloc(void)
{
	uint16_t id;

	spin_lock(&vpid_lock);
	id = next_vpid++;
	if (!next_vpid)
		next_vpid = 1;
	spin_unlock(&vpid_lock);
	return id;
}

/* Host state that differs between physical CPUs (SDM 25.5). */
static void write_host_percpu(struct cpu *c)
{
	struct desc_ptr idtr;

	__asm__ volatile("sidt %0" : "=m"(idtr));
	vmwrite(HOST_GS_BASE, (uint64_t)c);
	vmwrite(HOST_TR_BASE, (uint64_t)&c->tss);
	vmwrite(HOST_GDTR_BASE, (uint64_t)c->gdt);
	vmwrite(HOST_IDTR_BASE, idtr.base);
	vmwrite(HOST_RSP, c->stack_top);
}

static void write_host_state(void)
{
	vmwrite(HOST_CR0, read_cr0());
	vmwrite(HOST_CR3, read_cr3());
	vmwrite(HOST_CR4, read_cr4());
	vmwrite(HOST_CS_SEL, SEL_CODE);
	vmwrite(HOST_SS_SEL, SEL_DATA);
	vmwrite(HOST_DS_SEL, SEL_DATA);
	vmwrite(HOST_ES_SEL, SEL_DATA);
	vmwrite(HOST_FS_SEL, 0);
	vmwrite(HOST_GS_SEL, 0);
	vmwrite(HOST_TR_SEL, SEL_TSS);
	vmwrite(HOST_FS_BASE, 0);
	vmwrite(HOST_IA32_EFER, rdmsr(MSR_EFER));
	vmwrite(HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmwrite(HOST_SYSENTER_CS, 0);
	vmwrite(HOST_SYSENTER_ESP, 0);
	vmwrite(HOST_SYSENTER_EIP, 0);
	vmwrite(HOST_RIP, (uint64_t)vmx_exit_stub);
}

static void write_controls(struct vcpu *v)
{
	const struct vmx_controls *c = &vmx_ctl;

	vmwrite(PIN_BASED_CONTROLS, c->pin);
	vmwrite(PROC_BASED_CONTROLS,
		c->proc | (v->vm->cfg->strict ? c->strict_proc : 0));
	vmwrite(PROC_BASED_CONTROLS2,
		c->proc2 | (v->vm->cfg->strict ? c->strict_proc2 : 0));
	vmwrite(VM_EXIT_CONTROLS, c->exit);
	vmwrite(VM_ENTRY_CONTROLS, c->entry);
	vmwrite(EXCEPTION_BITMAP, c->exception_bitmap);
	vmwrite(PAGE_FAULT_ERROR_MASK, 0);
	vmwrite(PAGE_FAULT_ERROR_MATCH, 0);
	vmwrite(CR3_TARGET_COUNT, 0);
	vmwrite(VM_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(VM_ENTRY_INTR_INFO, 0);
	vmwrite(MSR_BITMAP, msr_bitmap);
	vmwrite(IO_BITMAP_A, io_bitmap_a);
	vmwrite(IO_BITMAP_B, io_bitmap_b);
	vmwrite(EPT_POINTER, gpa_eptp(&v->vm->mem));
	if (c->vpid)
		vmwrite(VPID, v->vpid);
	vmwrite(TSC_OFFSET, v->tsc_offset);
	/* strict: the hypervisor owns every CR0/CR4 bit, so any write that
	 * changes one exits (the read shadows always hold the guest's whole
	 * value, vmx/guest.c) */
	vmwrite(CR0_GUEST_HOST_MASK, v->vm->cfg->strict ? ~0ull : c->cr0_mask);
	vmwrite(CR4_GUEST_HOST_MASK, v->vm->cfg->strict ? ~0ull : c->cr4_mask);
	vmwrite(VMCS_LINK_POINTER, ~0ull);
	if (c->preempt_timer)
		vmwrite(PREEMPTION_TIMER_VALUE, ~0u);
	if (c->apicv) {
		vmwrite(VIRTUAL_APIC_PAGE_ADDR, v->vapic_pa);
		vmwrite(APIC_ACCESS_ADDR, vmx_apic_access_pa);
		vmwrite(TPR_THRESHOLD, 0);
		vmwrite(GUEST_INTR_STATUS, 0);
		for (int i = 0; i < 4; i++)
			vmwrite(EOI_EXIT_BITMAP0 + 2 * i, 0);
	}
}

int vmcs_create(struct vcpu *v)
{
	struct cpu *c = this_cpu();

	v->vmcs_pa = page_alloc(1);
	if (!v->vmcs_pa)
		return -ENOMEM;
	*(uint32_t *)phys_to_virt(v->vmcs_pa) = vmx_caps.revision;
	v->vpid = vmx_ctl.vpid ? vpid_alloc() : 0;
	if (vmclear(v->vmcs_pa) || vmptrld(v->vmcs_pa))
		return -EIO;
	c->vcpu = v;
	v->host_cpu = c;
	v->tsc_written = v->tsc_offset;
	write_controls(v);
	write_host_state();
	write_host_percpu(c);
	vmx_guest_reset(v);
	return 0; /* still current: the loader sets the entry state */
}

/* On arrival at a CPU, drop whatever this CPU may still cache for the
 * vCPU's VPID and EPT from an earlier stay or an earlier VM that had the
 * same tags (SDM 29.4.3): guest-physical and combined mappings. */
static void flush_guest_tlb(struct vcpu *v)
{
	uint64_t caps = vmx_caps.ept_vpid;

	if (caps & EPT_CAP_INVEPT_SINGLE)
		invept_single(gpa_eptp(&v->vm->mem));
	else
		invept_all();
	if (vmx_ctl.vpid)
		invvpid_single(v->vpid);
}

void vmcs_load(struct vcpu *v)
{
	struct cpu *c = this_cpu();

	if (c->vcpu != v) {
		vmptrld(v->vmcs_pa);
		c->vcpu = v;
	}
	if (v->host_cpu != c) {
		write_host_percpu(c);
		v->host_cpu = c;
	}
	if (v->last_cpu != c) {
		flush_guest_tlb(v);
		v->migrations += v->last_cpu != 0;
		v->last_cpu = c;
	}
	if (v->tsc_written != v->tsc_offset) {
		vmwrite(TSC_OFFSET, v->tsc_offset);
		v->tsc_written = v->tsc_offset;
	}
}

/* Flushes the VMCS to memory and makes it not current anywhere, so that
 * any CPU may load it next (SDM 25.11.1). */
void vmcs_release(struct vcpu *v)
{
	struct cpu *c = this_cpu();

	vmclear(v->vmcs_pa);
	if (c->vcpu == v)
		c->vcpu = 0;
	v->launched = false;
}
