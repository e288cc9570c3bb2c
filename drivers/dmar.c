/* SPDX-License-Identifier: MIT */
/* The ACPI DMA Remapping table → struct dmar_info (Intel VT-d
 * specification 4.1, chapter 8). Pure: it reads only the bytes it is
 * given, never past the header length, and trusts no length field. */
#include "drivers/dmar.h"

#include <stdarg.h>

#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"
#include "lib/unaligned.h"

#define HDR_LEN 36   /* the standard ACPI table header */
#define DMAR_HDR 48  /* + width, flags, 10 reserved bytes (8.1) */
#define SCOPE_HDR 6  /* device scope before its path (8.3.1) */
#define PAGE_MASK 0xfffull
#define NO_TYPE 0xffffffffu

enum { DRHD = 0, RMRR = 1, ATSR = 2 }; /* remapping structure types, 8.2 */

struct parser {
	const uint8_t *t;
	uint32_t len; /* the header length: no byte at or past it is read */
	struct dmar_info *out;
	char *err;
	size_t errlen;
	bool in_struct; /* messages name the structure at off */
	uint32_t off, type;
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint8_t checksum(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return sum;
}

/* "dmar: <what>", or "dmar: DRHD at offset 48: <what>" inside a
 * remapping structure. */
__attribute__((format(printf, 2, 3)))
static int fail(struct parser *p, const char *fmt, ...)
{
	static const char *const names[] = { "DRHD", "RMRR", "ATSR", "RHSA",
					     "ANDD", "SATC", "SIDP" };
	char where[48] = "", what[160];
	va_list ap;

	if (!p->errlen)
		return -EINVAL;
	if (p->in_struct && p->type < sizeof(names) / sizeof(names[0]))
		ksnprintf(where, sizeof(where), "%s at offset %u: ",
			  names[p->type], p->off);
	else if (p->in_struct && p->type != NO_TYPE)
		ksnprintf(where, sizeof(where),
			  "structure type %u at offset %u: ", p->type, p->off);
	else if (p->in_struct)
		ksnprintf(where, sizeof(where), "structure at offset %u: ",
			  p->off);
	va_start(ap, fmt);
	kvsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ksnprintf(p->err, p->errlen, "dmar: %s%s", where, what);
	return -EINVAL;
}

/* One device scope (8.3.1) at off, inside the structure that ends at
 * end: type, length, 2 reserved bytes, enumeration ID, start bus, then
 * a path of (device, function) byte pairs. Returns its length. */
static int parse_scope(struct parser *p, uint32_t off, uint32_t end,
		       struct dmar_scope *sc, unsigned *n)
{
	const uint8_t *s = p->t + off;
	uint32_t slen, hops;

	if (end - off < 2)
		return fail(p, "device scope at offset %u runs past the "
			    "structure", off);
	slen = s[1];
	if (slen < SCOPE_HDR)
		return fail(p, "device scope at offset %u: length %u below 6",
			    off, slen);
	if (slen > end - off)
		return fail(p, "device scope at offset %u: length %u runs past "
			    "the structure", off, slen);
	if ((slen - SCOPE_HDR) % 2)
		return fail(p, "device scope at offset %u: odd path length %u",
			    off, slen - SCOPE_HDR);
	hops = (slen - SCOPE_HDR) / 2;
	if (hops > DMAR_MAX_PATH)
		return fail(p, "device scope at offset %u: path of %u hops, "
			    "more than %u", off, hops, DMAR_MAX_PATH);
	if (*n == DMAR_MAX_SCOPES)
		return fail(p, "more than %u device scopes", DMAR_MAX_SCOPES);
	sc = &sc[(*n)++];
	*sc = (struct dmar_scope){ .type = s[0], .enum_id = s[4],
				   .bus = s[5], .path_len = (uint8_t)hops };
	for (uint32_t i = 0; i < hops; i++) {
		sc->path[i].dev = s[SCOPE_HDR + 2 * i];
		sc->path[i].fn = s[SCOPE_HDR + 2 * i + 1];
	}
	return (int)slen;
}

/* The device scopes filling [off, end) of the current structure. */
static int parse_scopes(struct parser *p, uint32_t off, uint32_t end,
			struct dmar_scope *sc, unsigned *n)
{
	while (off < end) {
		int r = parse_scope(p, off, end, sc, n);

		if (r < 0)
			return r;
		off += (uint32_t)r;
	}
	return 0;
}

static bool has_include_all(const struct dmar_info *o, uint16_t segment)
{
	for (unsigned i = 0; i < o->n_units; i++)
		if (o->unit[i].segment == segment && o->unit[i].include_all)
			return true;
	return false;
}

/* DMA Remapping Hardware Unit Definition (8.3): flags (bit 0
 * INCLUDE_PCI_ALL), size, segment, register base, device scopes. */
static int parse_drhd(struct parser *p, const uint8_t *s, uint32_t slen)
{
	struct dmar_info *o = p->out;
	struct dmar_unit *u;
	uint64_t base;

	if (slen < 16)
		return fail(p, "length %u below the minimum 16", slen);
	base = get_le64(s + 8);
	if (!base)
		return fail(p, "register base is 0");
	if (base & PAGE_MASK) /* the register set is whole pages (8.3) */
		return fail(p, "register base %#llx not 4 KiB aligned",
			    (unsigned long long)base);
	if (o->n_units == DMAR_MAX_UNITS)
		return fail(p, "more than %u DRHD units", DMAR_MAX_UNITS);
	/* 8.3: at most one INCLUDE_PCI_ALL unit per segment */
	if ((s[4] & 1) && has_include_all(o, le16(s + 6)))
		return fail(p, "second INCLUDE_PCI_ALL unit in segment %u",
			    le16(s + 6));
	u = &o->unit[o->n_units];
	u->base = base;
	u->segment = le16(s + 6);
	u->include_all = s[4] & 1;
	if (parse_scopes(p, p->off + 16, p->off + slen, u->scope, &u->n_scopes))
		return -EINVAL;
	o->n_units++;
	return 0;
}

/* Reserved Memory Region Reporting (8.4): reserved, segment, base,
 * limit, device scopes. The base is 4 KiB aligned and the size
 * limit - base + 1 a multiple of 4 KiB. */
static int parse_rmrr(struct parser *p, const uint8_t *s, uint32_t slen)
{
	struct dmar_info *o = p->out;
	struct dmar_rmrr *m;
	uint64_t base, limit;

	if (slen < 24)
		return fail(p, "length %u below the minimum 24", slen);
	base = get_le64(s + 8);
	limit = get_le64(s + 16);
	if (base & PAGE_MASK)
		return fail(p, "base %#llx not 4 KiB aligned",
			    (unsigned long long)base);
	if ((limit + 1) & PAGE_MASK)
		return fail(p, "limit %#llx + 1 not 4 KiB aligned",
			    (unsigned long long)limit);
	if (limit < base)
		return fail(p, "limit %#llx below base %#llx",
			    (unsigned long long)limit, (unsigned long long)base);
	if (o->n_rmrrs == DMAR_MAX_RMRRS)
		return fail(p, "more than %u RMRRs", DMAR_MAX_RMRRS);
	m = &o->rmrr[o->n_rmrrs];
	m->segment = le16(s + 6);
	m->base = base;
	m->limit = limit;
	if (parse_scopes(p, p->off + 24, p->off + slen, m->scope, &m->n_scopes))
		return -EINVAL;
	o->n_rmrrs++;
	return 0;
}

/* Root Port ATS Capability Reporting (8.5): flags (bit 0 ALL_PORTS),
 * reserved, segment, device scopes. */
static int parse_atsr(struct parser *p, const uint8_t *s, uint32_t slen)
{
	struct dmar_info *o = p->out;
	struct dmar_atsr *a;

	if (slen < 8)
		return fail(p, "length %u below the minimum 8", slen);
	if (o->n_atsrs == DMAR_MAX_ATSRS)
		return fail(p, "more than %u ATSRs", DMAR_MAX_ATSRS);
	a = &o->atsr[o->n_atsrs];
	a->segment = le16(s + 6);
	a->all_ports = s[4] & 1;
	if (parse_scopes(p, p->off + 8, p->off + slen, a->scope, &a->n_scopes))
		return -EINVAL;
	o->n_atsrs++;
	return 0;
}

static int parse_struct(struct parser *p, const uint8_t *s, uint32_t slen)
{
	switch (p->type) {
	case DRHD:
		return parse_drhd(p, s, slen);
	case RMRR:
		return parse_rmrr(p, s, slen);
	case ATSR:
		return parse_atsr(p, s, slen);
	default: /* RHSA, ANDD, SATC, SIDP and later types (8.2) */
		p->out->n_skipped++;
		return 0;
	}
}

/* The remapping structures (8.2), each a type and a length, from
 * offset 48 to the end of the table. */
static int parse_structures(struct parser *p)
{
	uint32_t off = DMAR_HDR, slen;
	const uint8_t *s;
	int r;

	p->in_struct = true;
	for (; off < p->len; off += slen) {
		s = p->t + off;
		p->off = off;
		p->type = NO_TYPE;
		if (p->len - off < 4)
			return fail(p, "header runs past the table end");
		p->type = le16(s);
		slen = le16(s + 2);
		if (slen < 4)
			return fail(p, "length %u below 4", slen);
		if (slen > p->len - off)
			return fail(p, "length %u runs past the table end", slen);
		r = parse_struct(p, s, slen);
		if (r)
			return r;
	}
	p->in_struct = false;
	return 0;
}

/* The ACPI header (signature, length, checksum) and the DMAR fields
 * after it (8.1). */
static int parse_header(struct parser *p, size_t avail)
{
	const uint8_t *t = p->t;
	unsigned width;

	if (!t || avail < HDR_LEN)
		return fail(p, "table of %zu bytes is shorter than the 36-byte "
			    "ACPI header", t ? avail : 0);
	if (memcmp(t, "DMAR", 4))
		return fail(p, "bad signature");
	p->len = get_le32(t + 4);
	if (p->len < DMAR_HDR)
		return fail(p, "table length %u below 48", p->len);
	if (p->len > avail)
		return fail(p, "table length %u exceeds the %zu bytes given",
			    p->len, avail);
	if (checksum(t, p->len))
		return fail(p, "bad checksum");
	width = t[36] + 1u; /* Host Address Width holds N - 1 */
	if (width < 12 || width > 64)
		return fail(p, "host address width of %u bits", width);
	p->out->host_addr_width = (uint8_t)width;
	p->out->intr_remap = t[37] & 1;
	p->out->x2apic_opt_out = t[37] & 2;
	p->out->dma_ctrl_opt_in = t[37] & 4;
	return 0;
}

int dmar_parse(const void *table, size_t len, struct dmar_info *out,
	       char *err, size_t errlen)
{
	struct parser p = { .t = table, .out = out, .err = err,
			    .errlen = err ? errlen : 0 };
	int r;

	memset(out, 0, sizeof(*out));
	if (p.errlen)
		err[0] = 0;
	r = parse_header(&p, len);
	if (!r)
		r = parse_structures(&p);
	if (!r && !out->n_units)
		r = fail(&p, "no DRHD structure");
	if (r) /* refused as a whole: nothing half-parsed is left behind */
		memset(out, 0, sizeof(*out));
	return r;
}

int dmar_unit_for(const struct dmar_info *d, uint16_t seg, uint8_t bus,
		  uint8_t dev, uint8_t fn)
{
	for (unsigned i = 0; i < d->n_units; i++) {
		const struct dmar_unit *u = &d->unit[i];

		if (u->segment != seg)
			continue;
		for (unsigned j = 0; j < u->n_scopes; j++) {
			const struct dmar_scope *s = &u->scope[j];

			if ((s->type == DMAR_SCOPE_ENDPOINT ||
			     s->type == DMAR_SCOPE_BRIDGE) &&
			    s->bus == bus && s->path_len == 1 &&
			    s->path[0].dev == dev && s->path[0].fn == fn)
				return (int)i;
		}
	}
	for (unsigned i = 0; i < d->n_units; i++)
		if (d->unit[i].segment == seg && d->unit[i].include_all)
			return (int)i;
	return -1;
}
