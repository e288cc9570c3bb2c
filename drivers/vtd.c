/* SPDX-License-Identifier: MIT */
/* The VT-d driver: units, domains, invalidation, faults, remapping. */
#include "drivers/vtd.h"

#include "arch/lapic.h"
#include "arch/mm.h"
#include "arch/paging.h"
#include "arch/platform.h"
#include "arch/trap.h"
#include "arch/x86.h"
#include "drivers/dmar.h"
#include "drivers/pci.h"
#include "drivers/vtd_hw.h"
#include "lib/cmdline.h"
#include "lib/console.h"
#include "lib/errno.h"
#include "lib/string.h"

#define IQ_ENTRIES 256 /* one page of 16-byte descriptors */
#define IRT_ENTRIES 256
#define IRT_SIZE_FIELD 7 /* 2^(7+1) entries */
#define SPIN_LIMIT 10000000u
#define RMRR_DOMAIN 1   /* identity maps of RMRRs for unassigned devices */

struct vtd_unit {
	uint64_t base, cap, ecap;
	unsigned aw;
	struct vtd_entry *root;
	struct vtd_entry *ctx[256];
	struct vtd_entry *iq;
	unsigned iq_tail;
	volatile uint32_t wait_status;
	bool qi, ir;
};

static struct dmar_info dmar;
static struct vtd_unit units[DMAR_MAX_UNITS];
static unsigned n_units;
static struct vtd_entry *irt;
static unsigned irt_used;
static uint16_t next_domain = RMRR_DOMAIN + 1;
static struct pt_format sl_format;
static bool active;
static struct vtd_domain rmrr_domain;

volatile unsigned vtd_fault_count;
struct vtd_fault vtd_last_fault;

static uint32_t rd32(const struct vtd_unit *u, unsigned off)
{
	return *(volatile uint32_t *)phys_to_virt(u->base + off);
}

static uint64_t rd64(const struct vtd_unit *u, unsigned off)
{
	return *(volatile uint64_t *)phys_to_virt(u->base + off);
}

static void wr32(const struct vtd_unit *u, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)phys_to_virt(u->base + off) = v;
}

static void wr64(const struct vtd_unit *u, unsigned off, uint64_t v)
{
	*(volatile uint64_t *)phys_to_virt(u->base + off) = v;
}

/* Units without coherent table walks (ECAP.C = 0) read memory, not our
 * caches (6.1): write the lines back. */
static void flush(const struct vtd_unit *u, const void *p, size_t len)
{
	if (u->ecap & ECAP_C)
		return;
	for (uintptr_t a = (uintptr_t)p & ~63ul; a < (uintptr_t)p + len; a += 64)
		__asm__ volatile("clflush (%0)" ::"r"(a) : "memory");
	__asm__ volatile("mfence" ::: "memory");
}

/* 10.4.4: one command at a time, the other enables kept as they are. */
static int gcmd(const struct vtd_unit *u, uint32_t bit, bool on)
{
	uint32_t sts = rd32(u, VTD_GSTS) & ~GSTS_ONE_SHOT;

	wr32(u, VTD_GCMD, on ? sts | bit : sts & ~bit);
	for (unsigned i = 0; i < SPIN_LIMIT; i++) {
		if (!!(rd32(u, VTD_GSTS) & bit) == on)
			return 0;
		cpu_relax();
	}
	return -ETIMEDOUT;
}

/* ---- invalidation -------------------------------------------------------- */

static int qi_submit(struct vtd_unit *u, struct vtd_entry d)
{
	struct vtd_entry w = vtd_inv_wait(virt_to_phys((void *)&u->wait_status),
					  1);

	u->wait_status = 0;
	u->iq[u->iq_tail] = d;
	u->iq[(u->iq_tail + 1) % IQ_ENTRIES] = w;
	flush(u, &u->iq[u->iq_tail], 16);
	flush(u, &u->iq[(u->iq_tail + 1) % IQ_ENTRIES], 16);
	u->iq_tail = (u->iq_tail + 2) % IQ_ENTRIES;
	wr64(u, VTD_IQT, (uint64_t)u->iq_tail << 4);
	for (unsigned i = 0; i < SPIN_LIMIT; i++) {
		if (__atomic_load_n(&u->wait_status, __ATOMIC_ACQUIRE))
			return 0;
		if (rd32(u, VTD_FSTS) & FSTS_IQE) {
			pr_err("vtd: unit %#llx refused an invalidation "
			       "descriptor (type %llu)\n",
			       (unsigned long long)u->base,
			       (unsigned long long)(d.lo & 0xf));
			wr32(u, VTD_FSTS, FSTS_IQE);
			return -EINVAL;
		}
		cpu_relax();
	}
	return -ETIMEDOUT;
}

static int reg_wait64(const struct vtd_unit *u, unsigned off, uint64_t bit)
{
	for (unsigned i = 0; i < SPIN_LIMIT; i++) {
		if (!(rd64(u, off) & bit))
			return 0;
		cpu_relax();
	}
	return -ETIMEDOUT;
}

/* Context cache, then the domain's IOTLB entries (6.5: in that order). */
static int invalidate(struct vtd_unit *u, uint16_t domain_id, bool context)
{
	unsigned iotlb = ECAP_IRO(u->ecap) + 8;
	int r = 0;

	if (u->qi) {
		if (context)
			r = qi_submit(u, vtd_inv_context_global());
		return r ? r : qi_submit(u, vtd_inv_iotlb_domain(domain_id));
	}
	if (context) {
		wr64(u, VTD_CCMD, CCMD_ICC | CCMD_GLOBAL);
		r = reg_wait64(u, VTD_CCMD, CCMD_ICC);
	}
	if (!r) {
		wr64(u, iotlb, IOTLB_IVT | IOTLB_DOMAIN | IOTLB_DR | IOTLB_DW |
				       IOTLB_DID(domain_id));
		r = reg_wait64(u, iotlb, IOTLB_IVT);
	}
	return r;
}

static void invalidate_all_units(uint16_t domain_id)
{
	for (unsigned i = 0; i < n_units; i++)
		if (invalidate(&units[i], domain_id, false))
			pr_err("vtd: IOTLB invalidation timed out\n");
}

/* ---- faults -------------------------------------------------------------- */

static void report_fault(const struct vtd_unit *u, unsigned i)
{
	unsigned off = CAP_FRO(u->cap) + 16 * i;
	uint64_t lo = rd64(u, off), hi = rd64(u, off + 8);
	struct vtd_fault f = { FRCD_SID(hi), FRCD_FR(hi), hi & FRCD_T_READ,
			       lo & ~0xfffull };

	vtd_last_fault = f;
	__atomic_add_fetch(&vtd_fault_count, 1, __ATOMIC_RELEASE);
	pr_warn("vtd: DMA fault: source %02x:%02x.%u, %s at %#llx: reason "
		"%#x, %s\n", f.sid >> 8, f.sid >> 3 & 31, f.sid & 7,
		f.read ? "read" : "write", (unsigned long long)f.addr,
		f.reason, vtd_fault_reason(f.reason));
	wr64(u, off + 8, FRCD_F); /* RW1C */
}

/* 7.3.1: primary fault records, from FRI on, until one is not full. */
static void fault_irq(struct trap_frame *frame)
{
	(void)frame;
	for (unsigned n = 0; n < n_units; n++) {
		struct vtd_unit *u = &units[n];
		uint32_t fsts = rd32(u, VTD_FSTS);
		unsigned nfr = CAP_NFR(u->cap);

		for (unsigned k = 0, i = FSTS_FRI(fsts);
		     (fsts & FSTS_PPF) && k < nfr; k++, i = (i + 1) % nfr) {
			if (!(rd64(u, CAP_FRO(u->cap) + 16 * i + 8) & FRCD_F))
				break;
			report_fault(u, i);
		}
		if (fsts & FSTS_PFO)
			pr_warn("vtd: fault records overflowed: faults lost\n");
		wr32(u, VTD_FSTS, FSTS_PFO | FSTS_IQE);
	}
}

/* ---- units --------------------------------------------------------------- */

static int unit_tables(struct vtd_unit *u)
{
	unsigned sagaw = CAP_SAGAW(u->cap);
	uint64_t pa = page_alloc(1);

	/* 4-level tables where offered; else 3-level, starting one level
	 * down in the same tables (IOVAs below 512 GiB only). */
	u->aw = (sagaw & 4) ? VTD_AW_48 : (sagaw & 2) ? VTD_AW_39 : 0;
	if (!u->aw) {
		pr_err("vtd: unit %#llx: neither 3- nor 4-level tables "
		       "(SAGAW %#x)\n", (unsigned long long)u->base, sagaw);
		return -ENODEV;
	}
	if (!pa)
		return -ENOMEM;
	u->root = phys_to_virt(pa);
	flush(u, u->root, 4096);
	wr64(u, VTD_RTADDR, pa);
	return gcmd(u, GCMD_SRTP, true);
}

static int unit_queue(struct vtd_unit *u)
{
	uint64_t pa;

	if (!(u->ecap & ECAP_QI) || !hv_options.iommu_qi)
		return 0;
	pa = page_alloc(1);
	if (!pa)
		return -ENOMEM;
	u->iq = phys_to_virt(pa);
	u->iq_tail = 0;
	wr64(u, VTD_IQT, 0);
	wr64(u, VTD_IQA, pa); /* 128-bit descriptors, one page */
	u->qi = !gcmd(u, GCMD_QIE, true);
	return u->qi ? 0 : -ETIMEDOUT;
}

static void unit_faults(struct vtd_unit *u)
{
	wr32(u, VTD_FEDATA, VEC_IOMMU_FAULT);
	wr32(u, VTD_FEADDR, 0xfee00000u | lapic_id() << 12);
	wr32(u, VTD_FEUADDR, 0);
	wr32(u, VTD_FECTL, 0); /* unmasked */
}

static int unit_ir(struct vtd_unit *u)
{
	uint64_t pa;

	if (!(u->ecap & ECAP_IR) || !u->qi || !dmar.intr_remap)
		return 0;
	if (!irt) {
		pa = page_alloc(IRT_ENTRIES * 16 / 4096);
		if (!pa)
			return -ENOMEM;
		irt = phys_to_virt(pa);
	}
	flush(u, irt, IRT_ENTRIES * 16);
	wr64(u, VTD_IRTA, virt_to_phys(irt) | IRT_SIZE_FIELD); /* xAPIC */
	if (gcmd(u, GCMD_SIRTP, true) || qi_submit(u, vtd_inv_iec_global()))
		return -ETIMEDOUT;
	u->ir = !gcmd(u, GCMD_IRE, true);
	return u->ir ? 0 : -ETIMEDOUT;
}

static int unit_init(struct vtd_unit *u, uint64_t base)
{
	int r;

	u->base = base;
	if (base + 4096 > paging_limit() &&
	    paging_map(base, 4096, PAGE_MMIO))
		return -ENOMEM;
	u->cap = rd64(u, VTD_CAP);
	u->ecap = rd64(u, VTD_ECAP);
	if (rd32(u, VTD_GSTS) & GCMD_TE) /* left on by firmware: start over */
		gcmd(u, GCMD_TE, false);
	r = unit_tables(u);
	if (!r)
		r = invalidate(u, 0, true);
	if (!r)
		r = unit_queue(u);
	unit_faults(u);
	if (!r)
		r = unit_ir(u);
	return r;
}

/* ---- domains and devices ------------------------------------------------- */

int vtd_domain_init(struct vtd_domain *d)
{
	d->id = next_domain++;
	return pt_init(&d->pt, &sl_format, &mm_pt_env);
}

/* The engine writes through our caches; a non-coherent unit needs the
 * tables flushed, here coarsely: every unit's view of the whole range. */
static void tables_changed(struct vtd_domain *d)
{
	for (unsigned i = 0; i < n_units; i++) {
		if (!(units[i].ecap & ECAP_C)) { /* once covers them all */
			__asm__ volatile("wbinvd" ::: "memory");
			break;
		}
	}
	invalidate_all_units(d->id);
}

int vtd_domain_map(struct vtd_domain *d, uint64_t iova, uint64_t pa,
		   uint64_t size, bool write)
{
	int r = pt_map(&d->pt, iova, pa, size, SL_R | (write ? SL_W : 0));

	tables_changed(d);
	return r;
}

int vtd_domain_unmap(struct vtd_domain *d, uint64_t iova, uint64_t size)
{
	int r = pt_unmap(&d->pt, iova, size);

	tables_changed(d);
	return r;
}

static struct vtd_unit *unit_for(uint16_t bdf)
{
	int i = dmar_unit_for(&dmar, 0, bdf >> 8, bdf >> 3 & 31, bdf & 7);

	return i >= 0 && (unsigned)i < n_units ? &units[i] : 0;
}

/* The table a context entry points to: 4-level, or for 3-level units the
 * engine's table for IOVA 0-512 GiB (9.3: SLPTPTR is the top level). */
static uint64_t slpt_for(const struct vtd_unit *u, const struct vtd_domain *d)
{
	if (u->aw == VTD_AW_48)
		return d->pt.root;
	return ((const uint64_t *)phys_to_virt(d->pt.root))[0] &
	       0x000ffffffffff000ull;
}

static int set_context(uint16_t bdf, const struct vtd_domain *d)
{
	struct vtd_unit *u = unit_for(bdf);
	uint8_t bus = bdf >> 8;

	if (!u)
		return -ENODEV;
	if (!u->ctx[bus]) {
		uint64_t pa = page_alloc(1);

		if (!pa)
			return -ENOMEM;
		u->ctx[bus] = phys_to_virt(pa);
		flush(u, u->ctx[bus], 4096);
		u->root[bus] = vtd_root_entry(pa);
		flush(u, &u->root[bus], 16);
	}
	if (d && u->aw == VTD_AW_39 && !slpt_for(u, d))
		return -EINVAL; /* an empty domain: map something first */
	u->ctx[bus][bdf & 0xff] = d ? vtd_context_entry(slpt_for(u, d), u->aw,
							 d->id) :
				      (struct vtd_entry){ 0, 0 };
	flush(u, &u->ctx[bus][bdf & 0xff], 16);
	return invalidate(u, d ? d->id : 0, true);
}

int vtd_attach(uint16_t bdf, struct vtd_domain *d)
{
	return set_context(bdf, d);
}

int vtd_detach(uint16_t bdf)
{
	return set_context(bdf, 0);
}

/* Firmware keeps DMA going to its RMRRs (USB keyboards, graphics): those
 * devices keep an identity map of those ranges and nothing else (8.4). */
static void map_rmrrs(void)
{
	for (unsigned i = 0; i < dmar.n_rmrrs; i++) {
		const struct dmar_rmrr *m = &dmar.rmrr[i];

		if (!rmrr_domain.pt.root && pt_init(&rmrr_domain.pt,
						    &sl_format, &mm_pt_env))
			return;
		rmrr_domain.id = RMRR_DOMAIN;
		pt_map(&rmrr_domain.pt, m->base, m->base,
		       m->limit + 1 - m->base, SL_R | SL_W);
		for (unsigned s = 0; s < m->n_scopes; s++)
			if (m->scope[s].path_len == 1)
				set_context(PCI_BDF(m->scope[s].bus,
						    m->scope[s].path[0].dev,
						    m->scope[s].path[0].fn),
					    &rmrr_domain);
	}
}

/* ---- interrupt remapping ------------------------------------------------- */

int vtd_irte_set(int handle, uint8_t vector, uint32_t apic_id)
{
	if (!irt || handle < 0 || handle >= IRT_ENTRIES)
		return -EINVAL;
	irt[handle] = vtd_irte(vector, apic_id, false);
	for (unsigned i = 0; i < n_units; i++) {
		if (!units[i].ir)
			continue;
		flush(&units[i], &irt[handle], 16);
		if (qi_submit(&units[i], vtd_inv_iec_global()))
			return -ETIMEDOUT;
	}
	return 0;
}

int vtd_irte_alloc(uint8_t vector, uint32_t apic_id)
{
	int h;

	if (!vtd_ir_active() || irt_used == IRT_ENTRIES)
		return -ENOSPC;
	h = (int)irt_used++;
	return vtd_irte_set(h, vector, apic_id) ? -ETIMEDOUT : h;
}

/* ---- start-up ------------------------------------------------------------ */

bool vtd_active(void) { return active; }
bool vtd_ir_active(void) { return active && n_units && units[0].ir; }

static void all_off(void)
{
	for (unsigned i = 0; i < n_units; i++) {
		gcmd(&units[i], GCMD_IRE, false);
		gcmd(&units[i], GCMD_TE, false);
		gcmd(&units[i], GCMD_QIE, false);
	}
	active = false;
}

int vtd_init(void)
{
	const struct acpi_info *a = &platform_acpi;
	const uint8_t *t;
	char err[160];
	int r = 0;

	if (!a->dmar_pa)
		return -ENODEV;
	t = phys_to_virt(a->dmar_pa);
	if (dmar_parse(t, *(const uint32_t *)(t + 4), &dmar, err, sizeof(err))) {
		pr_err("%s\nvtd: WARNING: DMA remapping left OFF: devices can "
		       "reach all memory\n", err);
		return -EINVAL;
	}
	irq_register(VEC_IOMMU_FAULT, fault_irq);
	n_units = dmar.n_units;
	for (unsigned i = 0; i < n_units && !r; i++)
		r = unit_init(&units[i], dmar.unit[i].base);
	vtd_sl_format(units[0].cap, &sl_format);
	for (unsigned i = 1; i < n_units && !r; i++)
		if (CAP_SLLPS(units[i].cap) < CAP_SLLPS(units[0].cap))
			vtd_sl_format(units[i].cap, &sl_format);
	if (!r)
		map_rmrrs();
	for (unsigned i = 0; i < n_units && !r; i++)
		r = gcmd(&units[i], GCMD_TE, true);
	if (r) {
		all_off();
		pr_err("vtd: a remapping unit failed to start (%d)\nvtd: "
		       "WARNING: DMA remapping left OFF: devices can reach all "
		       "memory\n", r);
		return r;
	}
	active = true;
	pr_info("vtd: DMA remapping on in %u unit%s (%u-level tables, %s "
		"invalidation), interrupt remapping %s; every device is "
		"blocked until a VM owns it%s\n", n_units, n_units > 1 ? "s" : "",
		units[0].aw == VTD_AW_48 ? 4 : 3,
		units[0].qi ? "queued" : "register-based",
		vtd_ir_active() ? "on" : "off",
		dmar.n_rmrrs ? " (RMRR ranges stay mapped for their devices)" :
			       "");
	return 0;
}
