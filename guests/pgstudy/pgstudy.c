/* SPDX-License-Identifier: MIT */
/*
 * The Popek-Goldberg study guest (docs/popek-goldberg.md). For each x86
 * instruction of interest it measures, in 32-bit protected mode and then
 * in 64-bit mode (long.S):
 *
 *   ring 3   the classic de-privileged way: the instruction runs at ring 3
 *            under this guest's own ring-0 monitor (IOPL 0, IF 0). Does it
 *            trap to the monitor (#GP, #UD), and if not, does it behave
 *            differently from ring 0, i.e. from what the de-privileged
 *            kernel believes its machine is (its virtual GDTR, IDTR, LDTR,
 *            TR, CR0, IF)?
 *   VT-x     the same instruction at ring 0 of this VM: which VM exits it
 *            caused (the hypervisor's per-reason counters, read by
 *            hypercall before and after), and whether the result is what
 *            hardware shows a kernel. The VM's controls (default or
 *            strict, its configuration's controls =) decide the exits.
 *
 * One machine-readable row per instruction:
 *   pg|CONTROLS|MODE|NAME|ring3=TRAP|differs=yes/no/-|exits=LIST|native=yes/no|NOTE
 * tools/pgreport.py turns the rows of a default and a strict VM into the
 * report.
 */
#include "guests/pgstudy/pgstudy.h"
#include "guests/lib/mbinfo.h"
#include "lib/string.h"

/* ---- the machine the monitor keeps ------------------------------------- */

uint64_t pg_gdt[12] = {
	0,
	0x00cf9b000000ffffull, /* 0x08 ring-0 code */
	0x00cf93000000ffffull, /* 0x10 ring-0 data */
	0x00cffb000000ffffull, /* 0x18 ring-3 code */
	0x00cff3000000ffffull, /* 0x20 ring-3 data */
	0,                     /* 0x28 TSS, filled in */
	0,
	0x00af9b000000ffffull, /* 0x38 ring-0 64-bit code */
	0,
	0x00affb000000ffffull, /* 0x48 ring-3 64-bit code */
	0, 0,                  /* 0x50 64-bit TSS (long.S fills it in) */
};
#define gdt pg_gdt
static uint32_t tss[26]; /* 32-bit TSS: ESP0 at 4, SS0 at 8, I/O map at 102 */
static uint8_t ring0_stack[4096] __attribute__((aligned(16)));

/* What the de-privileged kernel believes (its virtual machine state, as
 * a classic monitor would keep it after emulating its LGDT, LLDT, ...):
 * unlike the real values, so that leaking the real ones shows. */
const struct dtr virt_gdtr = { 0x2f, 0x00200000 };
const struct dtr virt_idtr = { 0x7ff, 0x00210000 };
const uint16_t virt_ldtr = 0x30, virt_tr = 0x38;

struct dtr pg_gdtr, pg_idtr; /* the real ones, for LGDT/LIDT probes */
volatile uint32_t pg_res[4];
uint32_t pg_msr_lo, pg_msr_hi;

void pg_run(void (*fn)(void), int ring3);
/* long.S: the 64-bit half, results in pg64_out and the counters */
struct pg64_out {
	int32_t trap0, trap3;
	uint32_t res0[4], res3[4];
};
void pg_long_study(void);
extern struct pg64_out pg64_out[];
extern struct hv_exit_stats pg64_before[], pg64_after[];
extern uint32_t pg64_idt, pg64_failed;
void pg_return(void);
void pg_wake(void);

static void setup_rings(void)
{
	uint32_t t = (uint32_t)tss;

	tss[1] = (uint32_t)ring0_stack + sizeof(ring0_stack); /* ESP0 */
	tss[2] = DS0;                                          /* SS0 */
	tss[25] = sizeof(tss) << 16; /* I/O map base past the limit: no map */
	gdt[5] = (sizeof(tss) - 1) | (uint64_t)(t & 0xffffff) << 16 |
		 0x89ull << 40 | (uint64_t)(t >> 24) << 56;
	pg_gdtr = (struct dtr){ sizeof(gdt) - 1, (uint32_t)gdt };
	__asm__ volatile("lgdt %0\n\t"
			 "ljmp $0x08, $1f\n1:\t"
			 "mov $0x10, %%ax\n\t"
			 "mov %%ax, %%ds\n\tmov %%ax, %%es\n\tmov %%ax, %%ss\n\t"
			 "mov $0x28, %%ax\n\tltr %%ax"
			 ::"m"(pg_gdtr) : "eax", "memory");
	__asm__ volatile("sidt %0" : "=m"(pg_idtr));
	idt_set_gate(VEC_RETURN, (uint32_t)pg_return, 3);
	/* the HLT probe's wake-up: EOI and back, nothing that could exit */
	idt_set_gate(VEC_WAKE, (uint32_t)pg_wake, 0);
}

/* ---- probes --------------------------------------------------------------
 * Each arms trap_resume, runs its instruction(s), stores what it saw in
 * pg_res and returns through INT 0x81. */
#define PROBE(name, body)                                                  \
	void name(void);                                                   \
	__asm__(".text\n.globl " #name "\n" #name ":\n\t"                  \
		"movl $1f, trap_resume\n\t" body "\n1:\tmovl $0, trap_resume\n\t" \
		"int $0x81\n")

PROBE(p_hlt, "hlt");
PROBE(p_hlt0, "sti\n\thlt\n\tcli"); /* ring 0: woken by a timer */
PROBE(p_lgdt, "lgdt pg_gdtr");
PROBE(p_lidt, "lidt pg_idtr");
/* CR0.TS and CR4.TSD toggled and restored: a write that changes a bit */
PROBE(p_cr0, "mov %cr0, %eax\n\txor $8, %eax\n\tmov %eax, %cr0\n\t"
	     "xor $8, %eax\n\tmov %eax, %cr0");
PROBE(p_cr3, "mov %cr3, %eax\n\tmov %eax, %cr3");
PROBE(p_cr4, "mov %cr4, %eax\n\txor $4, %eax\n\tmov %eax, %cr4\n\t"
	     "xor $4, %eax\n\tmov %eax, %cr4");
PROBE(p_rdmsr, "mov $0x1b, %ecx\n\trdmsr\n\tmov %eax, pg_res");
PROBE(p_wrmsr, "mov $0x174, %ecx\n\tmov pg_msr_lo, %eax\n\t"
	       "mov pg_msr_hi, %edx\n\twrmsr");
PROBE(p_in, "inb $0x61, %al\n\tmovb %al, pg_res");
PROBE(p_out, "movb $0, %al\n\toutb %al, $0x80");
PROBE(p_invlpg, "invlpg pg_res");
PROBE(p_clts, "clts");
PROBE(p_cli, "cli");
PROBE(p_sti, "sti");
PROBE(p_sgdt, "sgdt pg_res");
PROBE(p_sidt, "sidt pg_res");
PROBE(p_sldt, "sldt pg_res");
PROBE(p_str, "str pg_res");
PROBE(p_smsw, "smsw pg_res");
PROBE(p_pushf, "pushf\n\tpopl pg_res");
PROBE(p_popf_if, "pushf\n\torl $0x200, (%esp)\n\tpopf\n\tpushf\n\t"
		 "popl pg_res");
PROBE(p_popf_iopl, "pushf\n\torl $0x3000, (%esp)\n\tpopf\n\tpushf\n\t"
		   "popl pg_res\n\tpushf\n\tandl $~0x3000, (%esp)\n\tpopf");
PROBE(p_lar, "mov $0x08, %ecx\n\tlar %ecx, %eax\n\tpushf\n\tpopl pg_res");
PROBE(p_lsl, "mov $0x08, %ecx\n\tlsl %ecx, %eax\n\tpushf\n\tpopl pg_res");
PROBE(p_verr, "mov $0x08, %cx\n\tverr %cx\n\tpushf\n\tpopl pg_res");
PROBE(p_verw, "mov $0x10, %cx\n\tverw %cx\n\tpushf\n\tpopl pg_res");
PROBE(p_push_cs, "push %cs\n\tpopl pg_res");
PROBE(p_mov_ss, "mov %ss, %eax\n\tmov %eax, pg_res");
PROBE(p_lcall, "lcall $0x08, $2f\n2:\taddl $8, %esp");
PROBE(p_ljmp, "ljmp $0x08, $2f\n2:");
PROBE(p_lret, "pushl $0x08\n\tpushl $2f\n\tlret\n2:");
PROBE(p_iret, "pushf\n\torl $0x200, (%esp)\n\tpush %cs\n\tpushl $2f\n\t"
	      "iret\n2:\tpushf\n\tpopl pg_res");
PROBE(p_cpuid, "xor %eax, %eax\n\txor %ecx, %ecx\n\tcpuid\n\t"
	       "mov %ebx, pg_res");
PROBE(p_rdtsc, "rdtsc\n\tmov %eax, pg_res\n\tmov %edx, pg_res+4");

/* ---- what a run saw ------------------------------------------------------ */

static struct hv_exit_stats stats_buf;

static void exit_stats(struct hv_exit_stats *s)
{
	hv_hypercall(HV_HC_EXIT_STATS, (unsigned long)&stats_buf,
		     sizeof(stats_buf), 0);
	*s = stats_buf;
}

static void run(void (*fn)(void), int ring3, struct run *r)
{
	for (int i = 0; i < 4; i++)
		pg_res[i] = 0;
	trap_vector = ~0u;
	if (!ring3)
		exit_stats(&r->before);
	pg_run(fn, ring3);
	if (!ring3)
		exit_stats(&r->after);
	r->trap = trap_vector == ~0u ? -1 : (int)trap_vector;
	for (int i = 0; i < 4; i++)
		r->res[i] = pg_res[i];
}

/* Exits that only the instruction can have caused: not the VMCALLs that
 * read the counters, not interrupts, interrupt windows or the
 * preemption timer, which come when they come. */
static bool asynchronous(unsigned reason)
{
	return reason == 1 || reason == 7 || reason == 8 || reason == 18 ||
	       reason == 52;
}

static void exit_list(const struct run *r, char *out, unsigned len)
{
	unsigned n = 0;

	out[0] = 0;
	for (unsigned i = 0; i < HV_EXIT_REASONS && n < len; i++)
		if (r->after.count[i] != r->before.count[i] && !asynchronous(i))
			n += ksnprintf(out + n, len - n, "%s%u", n ? "," : "", i);
	if (!n)
		ksnprintf(out, len, "none");
}

static const char *trap_name(int v)
{
	switch (v) {
	case -1: return "none";
	case 6: return "#UD";
	case 13: return "#GP";
	case 14: return "#PF";
	default: return "other";
	}
}

/* ---- the probes, with what "differs" and "native" mean for each ---------- */

struct probe {
	const char *name;
	void (*fn)(void);
	void (*fn0)(void); /* its ring-0 variant, where it needs one */
	/* ring 3 ran without a trap: did it see other than the kernel would? */
	bool (*differs)(const struct run *r0, const struct run *r3, char *note);
	/* ring 0 in this VM: what hardware shows a kernel? */
	bool (*native)(const struct run *r0, char *note);
};

static const struct probe probes[] = {
	{ "HLT", p_hlt, p_hlt0, 0, n_ok },
	{ "LGDT", p_lgdt, 0, 0, n_ok },
	{ "LIDT", p_lidt, 0, 0, n_ok },
	{ "MOV-to-CR0", p_cr0, 0, 0, n_ok },
	{ "MOV-to-CR3", p_cr3, 0, 0, n_ok },
	{ "MOV-to-CR4", p_cr4, 0, 0, n_ok },
	{ "RDMSR", p_rdmsr, 0, 0, n_ok },
	{ "WRMSR", p_wrmsr, 0, 0, n_ok },
	{ "IN", p_in, 0, 0, n_ok },
	{ "OUT", p_out, 0, 0, n_ok },
	{ "INVLPG", p_invlpg, 0, 0, n_ok },
	{ "CLTS", p_clts, 0, 0, n_ok },
	{ "CLI", p_cli, 0, 0, n_ok },
	{ "STI", p_sti, 0, 0, n_ok },
	{ "SGDT", p_sgdt, 0, d_gdt, n_gdt },
	{ "SIDT", p_sidt, 0, d_idt, n_idt },
	{ "SLDT", p_sldt, 0, d_ldt, n_ldt },
	{ "STR", p_str, 0, d_tr, n_tr },
	{ "SMSW", p_smsw, 0, d_smsw, n_smsw },
	{ "PUSHF", p_pushf, 0, d_pushf, n_ok },
	{ "POPF-IF", p_popf_if, 0, d_if, n_if_set },
	{ "POPF-IOPL", p_popf_iopl, 0, d_iopl, n_iopl3 },
	{ "LAR", p_lar, 0, d_zf, n_zf },
	{ "LSL", p_lsl, 0, d_zf, n_zf },
	{ "VERR", p_verr, 0, d_zf, n_zf },
	{ "VERW", p_verw, 0, d_zf, n_zf },
	{ "PUSH-CS", p_push_cs, 0, d_rpl, n_rpl0 },
	{ "MOV-from-SS", p_mov_ss, 0, d_rpl, n_rpl0 },
	{ "CALL-far", p_lcall, 0, 0, n_ok },
	{ "JMP-far", p_ljmp, 0, 0, n_ok },
	{ "RET-far", p_lret, 0, 0, n_ok },
	{ "IRET", p_iret, 0, d_if, n_if_set },
	{ "CPUID", p_cpuid, 0, d_same, n_cpuid },
	{ "RDTSC", p_rdtsc, 0, d_tsc, n_tsc },
};

static void print_row(const struct probe *p, const char *controls,
		      int mode, const struct run *r0, const struct run *r3)
{
	char exits[64], note[NOTE_LEN] = "", nnote[NOTE_LEN] = "";
	const char *differs = "-";
	bool native = p->native(r0, nnote);

	exit_list(r0, exits, sizeof(exits));
	if (r3->trap < 0 && p->differs)
		differs = p->differs(r0, r3, note) ? "yes" : "no";
	gprintf("pg|%s|%d|%s|ring3=%s|differs=%s|exits=%s|native=%s|%s\n",
		controls, mode, p->name, trap_name(r3->trap), differs, exits,
		native ? "yes" : "no", note);
	if (r0->trap >= 0 && !native)
		gprintf("pg: %s at ring 0 raised vector %d\n", p->name,
			r0->trap);
}

static void measure(const struct probe *p, const char *controls)
{
	struct run r0, r3;

	if (p->fn0 == p_hlt0) /* a timer wakes the halted vCPU */
		hv_hypercall(HV_HC_TIMER, 200, VEC_WAKE, 0);
	run(p->fn0 ? p->fn0 : p->fn, 0, &r0);
	run(p->fn, 1, &r3);
	print_row(p, controls, 32, &r0, &r3);
}

/* The same probes in 64-bit mode: long.S runs them all, in the order of
 * probes[], then returns. PUSH CS is the one that does not exist there. */
static void measure_long(const struct probe *probes, unsigned n,
			 const char *controls)
{
	static struct run r0, r3;
	struct probe p;

	pg_long_study();
	if (pg64_failed) {
		gprintf("pg: the 64-bit half took an unexpected exception\n");
		return;
	}
	expect_idt = pg64_idt;
	expect_tr = 0x50;
	for (unsigned i = 0; i < n; i++) {
		r0.trap = pg64_out[i].trap0 == -1 ? -1 : pg64_out[i].trap0;
		r3.trap = pg64_out[i].trap3 == -1 ? -1 : pg64_out[i].trap3;
		for (int k = 0; k < 4; k++) {
			r0.res[k] = pg64_out[i].res0[k];
			r3.res[k] = pg64_out[i].res3[k];
		}
		r0.before = pg64_before[i];
		r0.after = pg64_after[i];
		p = probes[i];
		if (!strcmp(p.name, "PUSH-CS"))
			p = (struct probe){ p.name, 0, 0, 0, n_ud };
		print_row(&p, controls, 64, &r0, &r3);
	}
}

/* RDTSC with CR4.TSD set: privileged at ring 3, so a monitor could trap
 * it (at the price of every time read). */
static void measure_tsd(const char *controls)
{
	struct run r3;
	uint32_t cr4;

	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | CR4_TSD));
	run(p_rdtsc, 1, &r3);
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4));
	gprintf("pg|%s|32|RDTSC-TSD|ring3=%s|differs=-|exits=-|native=-|"
		"RDTSC with CR4.TSD set: privileged, so a monitor may trap every "
		"time read\n", controls, trap_name(r3.trap));
}

/* UMIP (CR4 bit 11): SGDT, SIDT, SLDT, STR and SMSW fault at CPL > 0, so a
 * monitor could trap them. Where the CPU offers it, they are measured
 * again with it on, as rows NAME-UMIP. */
#define CR4_UMIP (1u << 11)

static void umip_rows(const char *controls)
{
	static const char *const names[] = { "SGDT", "SIDT", "SLDT", "STR",
					     "SMSW" };
	uint32_t r[4], cr4;

	cpuid(7, 0, r);
	if (!(r[2] & 4)) {
		gprintf("pg|%s|32|UMIP|ring3=-|differs=-|exits=-|native=-|not "
			"offered by this CPU model: SGDT, SIDT, SLDT, STR, SMSW "
			"cannot be made to trap at ring 3\n", controls);
		return;
	}
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | CR4_UMIP));
	for (unsigned i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		struct probe p = probes[i];
		char name[16];
		unsigned k = 0;

		for (unsigned j = 0; j < 5; j++)
			if (!strcmp(p.name, names[j]))
				k = 1;
		if (!k)
			continue;
		for (k = 0; p.name[k] && k < sizeof(name) - 6; k++)
			name[k] = p.name[k];
		for (const char *t = "-UMIP"; *t; t++)
			name[k++] = *t;
		name[k] = 0;
		p.name = name;
		measure(&p, controls);
	}
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4));
}

int guest_main(uint32_t magic, uint32_t info);
int guest_main(uint32_t magic, uint32_t info)
{
	struct guest_boot b;
	const char *controls;
	uint64_t msr;

	guest_boot_parse(magic, info, &b);
	guest_set_cmdline(b.cmdline);
	controls = cmdline_has("strict") ? "strict" : "default";
	setup_rings();
	expect_idt = pg_idtr.base;
	try_rdmsr(0x174, &msr);
	pg_msr_lo = (uint32_t)msr;
	pg_msr_hi = (uint32_t)(msr >> 32);
	gprintf("pg: study guest, %s VMX controls, %u probes\n", controls,
		(unsigned)(sizeof(probes) / sizeof(probes[0])));
	for (unsigned i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		measure(&probes[i], controls);
	measure_tsd(controls);
	umip_rows(controls);
	measure_long(probes, sizeof(probes) / sizeof(probes[0]), controls);
	gprintf("pg: done\n");
	return 0;
}
