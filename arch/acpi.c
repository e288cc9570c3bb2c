/* SPDX-License-Identifier: MIT */
#include "arch/acpi.h"

#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"
#include "lib/unaligned.h"

#define HDR_LEN 36
#define MAX_TABLE_LEN (16u << 20)

struct walk {
	acpi_map_fn map;
	void *ctx;
	acpi_report_fn report;
	struct acpi_info *out;
};

uint8_t acpi_checksum(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

static void say(struct walk *w, const char *fmt, const char *sig, uint64_t pa)
{
	char msg[128];

	if (!w->report)
		return;
	ksnprintf(msg, sizeof(msg), fmt, sig, (unsigned long long)pa);
	w->report(w->ctx, msg);
}

/* Maps a whole table after checking its header: NULL if it is short,
 * oversized, or its checksum is wrong (each reported). */
static const uint8_t *map_table(struct walk *w, uint64_t pa, const char *want)
{
	const uint8_t *h = w->map(w->ctx, pa, HDR_LEN);
	char sig[5] = { 0 };
	uint32_t len;

	if (!h) {
		say(w, "acpi: %s table at %#llx cannot be mapped, ignored",
		    want ? want : "a", pa);
		return 0;
	}
	memcpy(sig, h, 4);
	if (want && memcmp(sig, want, 4)) {
		say(w, "acpi: expected %s table at %#llx, ignored", want, pa);
		return 0;
	}
	len = get_le32(h + 4);
	if (len < HDR_LEN || len > MAX_TABLE_LEN) {
		say(w, "acpi: %s table at %#llx has a bad length, ignored", sig,
		    pa);
		return 0;
	}
	h = w->map(w->ctx, pa, len);
	if (!h || acpi_checksum(h, len)) {
		say(w, "acpi: %s table at %#llx has a bad checksum, ignored",
		    sig, pa);
		return 0;
	}
	return h;
}

static bool rsdp_valid(const uint8_t *r, uint32_t len)
{
	if (len < 20 || memcmp(r, "RSD PTR ", 8) || acpi_checksum(r, 20))
		return false;
	if (r[15] >= 2) {
		uint32_t xlen = len < 36 ? 0 : get_le32(r + 20); /* read in bounds */
		if (xlen < 36 || xlen > len ||
		    acpi_checksum(r, xlen))
			return false;
	}
	return true;
}

long acpi_scan_rsdp(const uint8_t *area, uint32_t len)
{
	for (uint32_t off = 0; off + 20 <= len; off += 16)
		if (rsdp_valid(area + off, len - off < 36 ? len - off : 36))
			return off;
	return -1;
}

static void madt_cpu(struct acpi_info *o, uint32_t apic_id, uint32_t uid,
		     uint32_t flags)
{
	if (!(flags & 1)) { /* not enabled: not ours to start */
		o->n_cpus_skipped++;
		return;
	}
	for (unsigned i = 0; i < o->n_cpus; i++) {
		if (o->cpu[i].apic_id == apic_id) {
			o->n_cpus_skipped++;
			return;
		}
	}
	if (o->n_cpus == ACPI_MAX_CPUS) {
		o->n_cpus_skipped++;
		return;
	}
	o->cpu[o->n_cpus++] = (struct acpi_cpu){ apic_id, uid };
}

static void madt_entry(struct acpi_info *o, const uint8_t *e, uint8_t len)
{
	switch (e[0]) {
	case 0: /* processor local APIC */
		if (len >= 8)
			madt_cpu(o, e[3], e[2], get_le32(e + 4));
		break;
	case 1: /* I/O APIC */
		if (len >= 12 && o->n_ioapics < ACPI_MAX_IOAPICS)
			o->ioapic[o->n_ioapics++] = (struct acpi_ioapic){
				e[2], get_le32(e + 4), get_le32(e + 8)
			};
		break;
	case 2: /* interrupt source override */
		if (len >= 10 && o->n_overrides < ACPI_MAX_OVERRIDES)
			o->override[o->n_overrides++] = (struct acpi_override){
				e[3], get_le32(e + 4), (uint16_t)(e[8] | e[9] << 8)
			};
		break;
	case 5: /* local APIC address override */
		if (len >= 12)
			o->lapic_addr = get_le64(e + 4);
		break;
	case 9: /* processor local x2APIC */
		if (len >= 16)
			madt_cpu(o, get_le32(e + 4), get_le32(e + 12), get_le32(e + 8));
		break;
	}
}

static void parse_madt(struct walk *w, const uint8_t *t, uint64_t pa)
{
	struct acpi_info *o = w->out;
	uint32_t len = get_le32(t + 4), off = HDR_LEN + 8;

	if (len < off) {
		say(w, "acpi: %s table at %#llx too short, ignored", "APIC", pa);
		return;
	}
	o->madt_pa = pa;
	o->lapic_addr = get_le32(t + 36);
	o->pcat_compat = get_le32(t + 40) & 1;
	while (off + 2 <= len) {
		uint8_t elen = t[off + 1];

		if (elen < 2 || off + elen > len) {
			say(w, "acpi: %s table at %#llx has a malformed entry, "
			       "rest ignored", "APIC", pa);
			return;
		}
		madt_entry(o, t + off, elen);
		off += elen;
	}
}

/* PkgLength (ACPI 6.x, 20.2.4): 1-4 bytes. */
static int pkg_length(const uint8_t *p, uint32_t avail, uint32_t *skip)
{
	unsigned extra = p[0] >> 6;

	if (extra + 1 > avail)
		return -1;
	*skip = extra + 1;
	return 0;
}

static int s5_value(const uint8_t *p, uint32_t avail, uint8_t *v,
		    uint32_t *used)
{
	if (avail >= 1 && (p[0] == 0x00 || p[0] == 0x01)) { /* Zero, One */
		*v = p[0];
		*used = 1;
		return 0;
	}
	if (avail >= 2 && p[0] == 0x0a) { /* BytePrefix */
		*v = p[1];
		*used = 2;
		return 0;
	}
	return -1;
}

int acpi_find_s5(const uint8_t *aml, uint32_t len, uint8_t *typa,
		 uint8_t *typb)
{
	for (uint32_t i = 1; i + 5 < len; i++) {
		uint32_t off = i + 4, n, used;

		if (memcmp(aml + i, "_S5_", 4))
			continue;
		/* NameOp ('\' root prefix allowed) _S5_ PackageOp */
		if (aml[i - 1] != 0x08 && !(aml[i - 1] == '\\' && i >= 2 &&
					    aml[i - 2] == 0x08))
			continue;
		if (aml[off++] != 0x12)
			continue;
		if (pkg_length(aml + off, len - off, &n))
			return -EINVAL;
		off += n + 1; /* PkgLength, NumElements */
		if (off >= len || s5_value(aml + off, len - off, typa, &used))
			return -EINVAL;
		off += used;
		if (s5_value(aml + off, len - off, typb, &used))
			*typb = *typa;
		return 0;
	}
	return -ENODATA;
}

static void parse_fadt(struct walk *w, const uint8_t *t, uint64_t pa)
{
	struct acpi_info *o = w->out;
	uint32_t len = get_le32(t + 4);
	const uint8_t *dsdt;

	if (len < 116) {
		say(w, "acpi: %s table at %#llx too short, ignored", "FACP", pa);
		return;
	}
	o->fadt_pa = pa;
	o->dsdt_pa = get_le32(t + 40);
	if (len >= 148 && get_le64(t + 140))
		o->dsdt_pa = get_le64(t + 140);
	o->smi_cmd = get_le32(t + 48);
	o->acpi_enable = t[52];
	o->pm1a_cnt = get_le32(t + 64);
	o->pm1b_cnt = get_le32(t + 68);
	o->pm_tmr = get_le32(t + 76);
	o->century = t[108];
	dsdt = o->dsdt_pa ? map_table(w, o->dsdt_pa, "DSDT") : 0;
	if (dsdt && !acpi_find_s5(dsdt + HDR_LEN, get_le32(dsdt + 4) - HDR_LEN,
				  &o->s5_typa, &o->s5_typb))
		o->s5_valid = true;
}

static void parse_table(struct walk *w, uint64_t pa)
{
	const uint8_t *t = map_table(w, pa, 0);

	if (!t)
		return;
	w->out->n_tables++;
	if (!memcmp(t, "APIC", 4))
		parse_madt(w, t, pa);
	else if (!memcmp(t, "FACP", 4))
		parse_fadt(w, t, pa);
	else if (!memcmp(t, "SSDT", 4) && !w->out->s5_valid &&
		 !acpi_find_s5(t + HDR_LEN, get_le32(t + 4) - HDR_LEN,
			       &w->out->s5_typa, &w->out->s5_typb))
		w->out->s5_valid = true; /* SeaBIOS keeps \_S5 in an SSDT */
	else if (!memcmp(t, "MCFG", 4))
		w->out->mcfg_pa = pa;
	else if (!memcmp(t, "DMAR", 4))
		w->out->dmar_pa = pa;
}

int acpi_parse(const void *rsdp, uint32_t rsdp_len, acpi_map_fn map,
	       void *ctx, acpi_report_fn report, struct acpi_info *out)
{
	struct walk w = { map, ctx, report, out };
	const uint8_t *r = rsdp, *root;
	unsigned esize;
	uint32_t len;

	memset(out, 0, sizeof(*out));
	if (!r || !rsdp_valid(r, rsdp_len)) {
		if (report)
			report(ctx, "acpi: no valid RSDP, no ACPI tables");
		return -ENODEV;
	}
	out->revision = r[15];
	root = 0;
	if (out->revision >= 2 && get_le64(r + 24)) {
		out->root_pa = get_le64(r + 24);
		root = map_table(&w, out->root_pa, "XSDT");
		out->root_is_xsdt = root != 0;
	}
	if (!root && get_le32(r + 16)) {
		out->root_pa = get_le32(r + 16);
		root = map_table(&w, out->root_pa, "RSDT");
	}
	if (!root)
		return -ENODEV;
	esize = out->root_is_xsdt ? 8 : 4;
	len = get_le32(root + 4);
	for (uint32_t off = HDR_LEN; off + esize <= len; off += esize) {
		uint64_t pa = esize == 8 ? get_le64(root + off) : get_le32(root + off);
		if (pa)
			parse_table(&w, pa);
	}
	return 0;
}
