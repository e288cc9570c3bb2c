/* SPDX-License-Identifier: MIT */
/* VT-d entry encoders and a software walker (pure). */
#include "drivers/vtd_hw.h"

#define ADDR_MASK 0x000ffffffffff000ull

struct vtd_entry vtd_root_entry(uint64_t context_table_pa)
{
	return (struct vtd_entry){ (context_table_pa & ADDR_MASK) | 1, 0 };
}

/* 9.3: P, TT = 00 (untranslated requests through the second level),
 * SLPTPTR; AW and DID in the upper half. */
struct vtd_entry vtd_context_entry(uint64_t slpt_pa, unsigned aw,
				   uint16_t domain_id)
{
	return (struct vtd_entry){ (slpt_pa & ADDR_MASK) | 1,
				   (aw & 7) | (uint64_t)domain_id << 8 };
}

/* 9.10: P, fixed delivery, edge, physical destination; the vector and
 * destination; no source-id verification (SVT = 0). */
struct vtd_entry vtd_irte(uint8_t vector, uint32_t apic_id, bool x2apic)
{
	uint64_t dst = x2apic ? apic_id : (apic_id & 0xff) << 8;

	return (struct vtd_entry){ 1 | (uint64_t)vector << 16 | dst << 32, 0 };
}

/* 6.5.2: descriptor types 1 (context cache), 2 (IOTLB), 4 (interrupt
 * entry cache), 5 (invalidation wait) */
struct vtd_entry vtd_inv_context_global(void)
{
	return (struct vtd_entry){ 0x1 | 1u << 4, 0 };
}

struct vtd_entry vtd_inv_iotlb_domain(uint16_t domain_id)
{
	/* domain-selective, drain reads and writes */
	return (struct vtd_entry){ 0x2 | 2u << 4 | 1u << 7 | 1u << 6 |
					   (uint64_t)domain_id << 16, 0 };
}

struct vtd_entry vtd_inv_iec_global(void)
{
	return (struct vtd_entry){ 0x4, 0 };
}

struct vtd_entry vtd_inv_wait(uint64_t status_pa, uint32_t data)
{
	/* SW: write data to status_pa when every earlier one is done; FN:
	 * later descriptors wait for it */
	return (struct vtd_entry){ 0x5 | 1u << 5 | 1u << 6 |
					   (uint64_t)data << 32,
				   status_pa & ~3ull };
}

/* 5.1.5.2: interrupt format 1, handle[14:0] in bits 19:5, handle[15] in
 * bit 2, SHV 0 (the data is not a subhandle). */
void vtd_msi_remappable(uint16_t handle, uint64_t *addr, uint32_t *data)
{
	*addr = 0xfee00000u | (uint32_t)(handle & 0x7fff) << 5 | 1u << 4 |
		(uint32_t)(handle >> 15) << 2;
	*data = 0;
}

void vtd_sl_format(uint64_t cap, struct pt_format *out)
{
	unsigned sllps = CAP_SLLPS(cap);

	*out = (struct pt_format){
		.name = "vt-d",
		.present = SL_R | SL_W,
		.table_flags = SL_R | SL_W,
		.large = SL_PS,
		.max_leaf_level = (sllps & 2) ? 3 : (sllps & 1) ? 2 : 1,
	};
}

const char *vtd_fault_reason(unsigned r)
{
	static const char *const dma[] = {
		[1] = "root entry not present",
		[2] = "context entry not present",
		[3] = "invalid context entry",
		[4] = "address beyond the guest address width",
		[5] = "write to a page without write permission",
		[6] = "read from a page without read permission",
		[7] = "paging entry could not be read",
		[8] = "root table could not be read",
		[9] = "context table could not be read",
		[10] = "reserved bit set in a root entry",
		[11] = "reserved bit set in a context entry",
		[12] = "reserved bit set in a paging entry",
		[13] = "translation type blocked",
	};
	static const char *const intr[] = {
		"reserved field in an interrupt request",
		"interrupt index beyond the remapping table",
		"interrupt remapping entry not present",
		"interrupt remapping table could not be read",
		"reserved bit set in an interrupt remapping entry",
		"compatibility-format interrupt blocked",
		"interrupt source-id verification failed",
	};

	if (r < sizeof(dma) / sizeof(dma[0]) && dma[r])
		return dma[r];
	if (r >= 0x20 && r < 0x20 + sizeof(intr) / sizeof(intr[0]))
		return intr[r - 0x20];
	return "unknown fault reason";
}

int vtd_walk(const void *(*virt)(uint64_t pa), uint64_t root_pa, uint16_t bdf,
	     uint64_t iova, uint64_t *pa, bool *r, bool *w)
{
	const struct vtd_entry *root = virt(root_pa), *ctx;
	uint64_t table, e;
	unsigned levels;

	*r = *w = false;
	if (!(root[bdf >> 8].lo & 1))
		return 1;
	ctx = virt(root[bdf >> 8].lo & ADDR_MASK);
	if (!(ctx[bdf & 0xff].lo & 1))
		return 2;
	levels = (ctx[bdf & 0xff].hi & 7) == VTD_AW_48 ? 4 : 3;
	if ((ctx[bdf & 0xff].hi & 7) > VTD_AW_48 ||
	    (ctx[bdf & 0xff].hi & 7) < VTD_AW_39 || ctx[bdf & 0xff].lo & 0xc)
		return 3;
	if (iova >> (12 + 9 * levels))
		return 4;
	table = ctx[bdf & 0xff].lo & ADDR_MASK;
	for (unsigned l = levels, perm = SL_R | SL_W; l >= 1; l--) {
		e = ((const uint64_t *)virt(table))[iova >> (12 + 9 * (l - 1)) &
						     511];
		perm &= e; /* every level's R and W must allow it (3.7.1) */
		if (!perm)
			return 0; /* not mapped: no permission at all */
		if (l == 1 || (e & SL_PS)) {
			uint64_t page = 1ull << (12 + 9 * (l - 1));

			*pa = (e & ADDR_MASK & ~(page - 1)) | (iova & (page - 1));
			*r = perm & SL_R;
			*w = perm & SL_W;
			return 0;
		}
		table = e & ADDR_MASK;
	}
	return 0;
}
