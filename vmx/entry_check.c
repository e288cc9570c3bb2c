/* SPDX-License-Identifier: MIT */
#include "vmx/entry_check.h"

#include <stdarg.h>

#include "lib/format.h"

#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define ENTRY_IA32E (1u << 9)
#define AR_UNUSABLE (1u << 16)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_VM (1ull << 17)

struct report {
	char *out;
	size_t size, len;
	int n;
};

static void broken(struct report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void broken(struct report *r, const char *fmt, ...)
{
	size_t room = r->len < r->size ? r->size - r->len : 0;
	va_list ap;

	va_start(ap, fmt);
	r->len += (size_t)kvsnprintf(r->out + (room ? r->len : 0), room, fmt, ap);
	va_end(ap);
	r->n++;
}

static unsigned type(uint32_t ar) { return ar & 0xf; }
static unsigned dpl(uint32_t ar) { return (ar >> 5) & 3; }

static void check_crs(struct report *r, const struct entry_state *s)
{
	uint64_t f0 = s->cr0_fixed0;
	bool ia32e = s->entry_ctls & ENTRY_IA32E;

	if (s->unrestricted) /* SDM 27.3.1.1: PE and PG are free */
		f0 &= ~(CR0_PE | CR0_PG);
	if ((s->cr0 & f0) != f0 || (s->cr0 & ~s->cr0_fixed1))
		broken(r, "  CR0 %#llx breaks IA32_VMX_CR0_FIXED0/1 (%#llx/%#llx)\n",
		       (unsigned long long)s->cr0, (unsigned long long)f0,
		       (unsigned long long)s->cr0_fixed1);
	if ((s->cr0 & CR0_PG) && !(s->cr0 & CR0_PE))
		broken(r, "  CR0 %#llx: PG set without PE\n",
		       (unsigned long long)s->cr0);
	if ((s->cr4 & s->cr4_fixed0) != s->cr4_fixed0 ||
	    (s->cr4 & ~s->cr4_fixed1))
		broken(r, "  CR4 %#llx breaks IA32_VMX_CR4_FIXED0/1 (%#llx/%#llx)\n",
		       (unsigned long long)s->cr4,
		       (unsigned long long)s->cr4_fixed0,
		       (unsigned long long)s->cr4_fixed1);
	if (ia32e && (!(s->cr0 & CR0_PG) || !(s->cr4 & CR4_PAE)))
		broken(r, "  IA-32e mode guest needs CR0.PG and CR4.PAE "
			  "(CR0 %#llx, CR4 %#llx)\n",
		       (unsigned long long)s->cr0, (unsigned long long)s->cr4);
	if (!!(s->efer & EFER_LMA) != ia32e)
		broken(r, "  EFER.LMA (EFER %#llx) differs from the IA-32e "
			  "mode guest entry control (%d)\n",
		       (unsigned long long)s->efer, ia32e);
	if ((s->cr0 & CR0_PG) && !!(s->efer & EFER_LME) != !!(s->efer & EFER_LMA))
		broken(r, "  with CR0.PG, EFER.LME must equal EFER.LMA (EFER "
			  "%#llx)\n", (unsigned long long)s->efer);
}

static void check_rflags(struct report *r, const struct entry_state *s)
{
	uint64_t f = s->rflags;
	bool pm = s->cr0 & CR0_PE, ia32e = s->entry_ctls & ENTRY_IA32E;

	if (!(f & 2) || (f & 0xffffffffffc08028ull))
		broken(r, "  RFLAGS %#llx: reserved bits wrong (bit 1 must be 1; "
			  "3, 5, 15, 22-63 must be 0)\n", (unsigned long long)f);
	if ((f & RFLAGS_VM) && (ia32e || !pm))
		broken(r, "  RFLAGS.VM set in IA-32e mode or with CR0.PE clear\n");
	if ((s->interruptibility & 1) && !(f & RFLAGS_IF))
		broken(r, "  blocking by STI (interruptibility %#x) needs "
			  "RFLAGS.IF\n", s->interruptibility);
}

static void check_segments(struct report *r, const struct entry_state *s)
{
	bool ia32e = s->entry_ctls & ENTRY_IA32E;
	unsigned ct = type(s->cs_ar);
	bool real = s->unrestricted && !(s->cr0 & CR0_PE);

	if (s->cs_ar & AR_UNUSABLE)
		broken(r, "  CS unusable (AR %#x)\n", s->cs_ar);
	else if (!(ct == 9 || ct == 11 || ct == 13 || ct == 15 ||
		   (real && ct == 3)))
		broken(r, "  CS type %u (AR %#x) is not accessed code\n", ct,
		       s->cs_ar);
	if (ia32e && (s->cs_ar & (1u << 13)) && (s->cs_ar & (1u << 14)))
		broken(r, "  CS.L and CS.D both set (AR %#x)\n", s->cs_ar);
	if (!(s->ss_ar & AR_UNUSABLE) && type(s->ss_ar) != 3 &&
	    type(s->ss_ar) != 7)
		broken(r, "  SS type %u (AR %#x) is not writable data\n",
		       type(s->ss_ar), s->ss_ar);
	if (real && dpl(s->ss_ar))
		broken(r, "  SS.DPL %u must be 0 in real mode\n", dpl(s->ss_ar));
	if ((s->tr_ar & AR_UNUSABLE) ||
	    !(type(s->tr_ar) == 11 || (!ia32e && type(s->tr_ar) == 3)))
		broken(r, "  TR must be a usable busy TSS (AR %#x)\n", s->tr_ar);
	if (!(s->ldtr_ar & AR_UNUSABLE) && type(s->ldtr_ar) != 2)
		broken(r, "  LDTR usable but not an LDT (AR %#x)\n", s->ldtr_ar);
}

int entry_check(const struct entry_state *s, char *out, size_t size)
{
	struct report r = { out, size, 0, 0 };

	if (size)
		out[0] = 0;
	check_crs(&r, s);
	check_rflags(&r, s);
	check_segments(&r, s);
	if (s->activity > 3)
		broken(&r, "  activity state %u is not 0-3\n", s->activity);
	if (s->activity == 1 && dpl(s->ss_ar))
		broken(&r, "  HLT activity state needs SS.DPL 0\n");
	if ((s->interruptibility & 3) == 3)
		broken(&r, "  blocking by STI and by MOV SS together\n");
	if (s->link_pointer != ~0ull)
		broken(&r, "  VMCS link pointer %#llx is not all ones\n",
		       (unsigned long long)s->link_pointer);
	return r.n;
}
