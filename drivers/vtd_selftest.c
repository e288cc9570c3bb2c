/* SPDX-License-Identifier: MIT */
/*
 * iommu=selftest: VT-d shown working without VT-x, on QEMU's edu device
 * (hw/misc/edu.c: a DMA engine with a 4 KiB buffer at 0x40000 of its own
 * address space, addresses masked to 28 bits, and an MSI on request):
 *   1. DMA RAM→edu→RAM through two pages mapped at IOVAs unlike their
 *      physical addresses: the bytes arrive;
 *   2. DMA to an unmapped IOVA (the physical address of a canary page):
 *      blocked, the canary intact, the fault reported with edu's source
 *      ID, the address and reason 5;
 *   3. the destination unmapped again: the next DMA there is blocked too
 *      (the IOTLB was invalidated);
 *   4. with interrupt remapping: edu's MSI, in remappable format, arrives
 *      at the vector of its table entry, and at another after the entry
 *      is rewritten.
 */
#include "drivers/vtd.h"

#include "arch/lapic.h"
#include "arch/mm.h"
#include "arch/trap.h"
#include "arch/tsc.h"
#include "arch/x86.h"
#include "drivers/pci.h"
#include "drivers/vtd_hw.h"
#include "lib/console.h"
#include "lib/string.h"

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_CNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_DMA_START 1
#define EDU_DMA_TO_RAM 2
#define EDU_BUF 0x40000
/* QEMU 7.2's range check refuses a transfer of the whole 4 KiB buffer */
#define LEN 2048

#define IOVA_SRC 0x0ff00000ull /* below edu's 28-bit mask */
#define IOVA_DST 0x0ff01000ull
#define VEC_TEST_A 0xf4
#define VEC_TEST_B 0xf5

static volatile uint8_t *edu;
static volatile unsigned got_a, got_b;

static void irq_a(struct trap_frame *f) { (void)f; got_a++; }
static void irq_b(struct trap_frame *f) { (void)f; got_b++; }

/* Waits up to 200 ms with interrupts on for *what to become non-zero. */
static bool wait_for(volatile unsigned *what, unsigned since)
{
	uint64_t end = rdtsc() + 200 * tsc_khz;

	sti();
	while (*what == since && rdtsc() < end)
		cpu_relax();
	cli();
	return *what != since;
}

static bool dma(uint64_t src, uint64_t dst, bool to_ram)
{
	uint64_t end = rdtsc() + 200 * tsc_khz;

	*(volatile uint64_t *)(edu + EDU_DMA_SRC) = src;
	*(volatile uint64_t *)(edu + EDU_DMA_DST) = dst;
	*(volatile uint64_t *)(edu + EDU_DMA_CNT) = LEN;
	*(volatile uint64_t *)(edu + EDU_DMA_CMD) =
		EDU_DMA_START | (to_ram ? EDU_DMA_TO_RAM : 0);
	while (*(volatile uint64_t *)(edu + EDU_DMA_CMD) & EDU_DMA_START)
		if (rdtsc() > end)
			return false;
	return true;
}

static bool fault_is(uint16_t bdf, uint64_t addr, unsigned since)
{
	const struct vtd_fault *f = &vtd_last_fault;

	return wait_for(&vtd_fault_count, since) && f->sid == bdf &&
	       f->addr == addr && f->reason == 5 && !f->read;
}

static int fail(const char *why)
{
	pr_err("vtd: selftest: FAILED: %s\n", why);
	return -1;
}

static int check_dma(struct pci_dev *d, struct vtd_domain *dom, uint8_t *src,
		     uint8_t *dst, uint8_t *canary)
{
	unsigned faults = vtd_fault_count;

	for (unsigned i = 0; i < LEN; i++)
		src[i] = (uint8_t)(i * 7 + 3);
	memset(dst, 0, 4096);
	memset(canary, 0xcc, 4096);
	if (!dma(IOVA_SRC, EDU_BUF, false) || !dma(EDU_BUF, IOVA_DST, true))
		return fail("edu's DMA did not finish");
	if (memcmp(src, dst, LEN) || dst[LEN] || vtd_fault_count != faults)
		return fail("DMA through the domain did not arrive intact");
	pr_info("vtd: selftest: DMA through the domain: IOVA %#llx -> "
		"edu -> IOVA %#llx (physical %#llx): %u bytes intact\n",
		IOVA_SRC, IOVA_DST, (unsigned long long)virt_to_phys(dst), LEN);

	/* 2: the canary's own address, never mapped for edu */
	if (!dma(EDU_BUF, virt_to_phys(canary), true))
		return fail("edu's DMA did not finish");
	for (unsigned i = 0; i < 4096; i++)
		if (canary[i] != 0xcc)
			return fail("DMA to an unmapped IOVA changed memory");
	if (!fault_is(d->bdf, virt_to_phys(canary), faults))
		return fail("the blocked DMA was not reported as expected");
	pr_info("vtd: selftest: DMA to unmapped IOVA %#llx blocked, memory "
		"unchanged, fault reported\n",
		(unsigned long long)virt_to_phys(canary));

	/* 3: unmapped after use: a stale IOTLB entry would let it through */
	memset(dst, 0, 4096);
	faults = vtd_fault_count;
	if (vtd_domain_unmap(dom, IOVA_DST, 4096) ||
	    !dma(EDU_BUF, IOVA_DST, true))
		return fail("unmapping or DMA failed");
	for (unsigned i = 0; i < 4096; i++)
		if (dst[i])
			return fail("DMA went through a page unmapped before");
	if (!fault_is(d->bdf, IOVA_DST, faults))
		return fail("the DMA to the unmapped page was not reported");
	pr_info("vtd: selftest: IOVA %#llx unmapped and invalidated: the "
		"next DMA there blocked\n", IOVA_DST);
	return 0;
}

static void msi_program(struct pci_dev *d, uint64_t addr, uint32_t data)
{
	unsigned c = d->cap_msi;
	uint16_t ctl = pci_read16(d->bdf, c + 2);
	bool is64 = ctl & (1u << 7);

	pci_write32(d->bdf, c + 4, (uint32_t)addr);
	if (is64)
		pci_write32(d->bdf, c + 8, (uint32_t)(addr >> 32));
	pci_write16(d->bdf, c + (is64 ? 12 : 8), (uint16_t)data);
	pci_write16(d->bdf, c + 2, (ctl & ~(7u << 4)) | 1); /* 1 vector, on */
}

static int check_msi(struct pci_dev *d)
{
	uint64_t addr;
	uint32_t data;
	int h;

	if (!vtd_ir_active()) {
		pr_info("vtd: selftest: interrupt remapping off: MSI check "
			"skipped\n");
		return 0;
	}
	if (!d->cap_msi)
		return fail("edu has no MSI capability");
	irq_register(VEC_TEST_A, irq_a);
	irq_register(VEC_TEST_B, irq_b);
	h = vtd_irte_alloc(VEC_TEST_A, lapic_id());
	if (h < 0)
		return fail("no interrupt remapping entry");
	vtd_msi_remappable((uint16_t)h, &addr, &data);
	msi_program(d, addr, data);
	*(volatile uint32_t *)(edu + EDU_IRQ_RAISE) = 1;
	if (!wait_for(&got_a, 0) || got_b)
		return fail("edu's MSI did not arrive at the entry's vector");
	*(volatile uint32_t *)(edu + EDU_IRQ_ACK) = 1;
	if (vtd_irte_set(h, VEC_TEST_B, lapic_id()))
		return fail("rewriting the remapping entry failed");
	*(volatile uint32_t *)(edu + EDU_IRQ_RAISE) = 1;
	if (!wait_for(&got_b, 0) || got_a != 1)
		return fail("edu's MSI did not follow the rewritten entry");
	*(volatile uint32_t *)(edu + EDU_IRQ_ACK) = 1;
	pr_info("vtd: selftest: MSI from edu (remappable format, handle %d) "
		"arrived as vector %#x, then as %#x after the entry was "
		"rewritten\n", h, VEC_TEST_A, VEC_TEST_B);
	return 0;
}

static struct pci_dev *find_edu(void)
{
	for (unsigned i = 0; i < pci_n_devs; i++)
		if (pci_devs[i].vendor == EDU_VENDOR &&
		    pci_devs[i].device == EDU_DEVICE)
			return &pci_devs[i];
	return 0;
}

void vtd_selftest(void)
{
	static struct vtd_domain dom;
	struct pci_dev *d;
	uint64_t pages;
	uint8_t *p;
	int r;

	if (!pci_n_devs)
		pci_scan(); /* not done at boot without remapping */
	d = find_edu();
	if (!d || d->bar[0].kind != PCI_BAR_MEM32) {
		fail("no edu device (QEMU: -device edu)");
		return;
	}
	if (!vtd_active()) {
		fail("DMA remapping is off");
		return;
	}
	pages = page_alloc(3);
	if (!pages || vtd_domain_init(&dom)) {
		fail("out of memory");
		return;
	}
	p = phys_to_virt(pages);
	edu = phys_to_virt(d->bar[0].base);
	vtd_domain_map(&dom, IOVA_SRC, pages, 4096, false);
	vtd_domain_map(&dom, IOVA_DST, pages + 4096, 4096, true);
	pci_write16(d->bdf, PCI_COMMAND, pci_read16(d->bdf, PCI_COMMAND) |
						 PCI_CMD_MEM | PCI_CMD_MASTER);
	r = vtd_attach(d->bdf, &dom);
	if (r) {
		fail("cannot attach edu to the domain");
		return;
	}
	pr_info("vtd: selftest: edu %02x:%02x.%u in domain %u\n", d->bdf >> 8,
		d->bdf >> 3 & 31, d->bdf & 7, dom.id);
	r = check_dma(d, &dom, p, p + 4096, p + 8192);
	if (!r)
		r = check_msi(d);
	vtd_detach(d->bdf);
	pci_write16(d->bdf, PCI_COMMAND, pci_read16(d->bdf, PCI_COMMAND) &
						 ~PCI_CMD_MASTER);
	if (!r)
		pr_info("vtd: selftest: passed\n");
}
