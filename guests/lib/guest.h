/* SPDX-License-Identifier: MIT */
/* The small runtime of the test guests: console, exceptions caught and
 * reported, interrupts counted, hypercalls, exit. 32-bit protected mode. */
#ifndef GUESTS_LIB_GUEST_H
#define GUESTS_LIB_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "include/hv/hypercall.h"

struct trap_frame {
	uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
	uint32_t vector, error, eip, cs, eflags;
};

void gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For application processors: load the IDT and enable the APIC. */
void idt_load(void);
/* Points IDT vector v at handler, as an interrupt gate of privilege dpl. */
void idt_set_gate(unsigned v, uint32_t handler, unsigned dpl);
void __attribute__((noreturn)) guest_exit(int status);
bool cmdline_has(const char *word); /* words of the multiboot command line */
void guest_set_cmdline(const char *s);

/* Exceptions: the last one raised inside a try_* helper. */
extern volatile uint32_t trap_vector, trap_error, trap_resume;
extern volatile uint32_t irq_count[256];
extern volatile uint64_t irq_last_tsc; /* TSC at the latest interrupt */
/* Called for every interrupt (vector >= 32 or NMI) before its EOI. */
void guest_irq(unsigned vector);

static inline void outb(uint16_t p, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(p));
}
static inline void outw(uint16_t p, uint16_t v)
{
	__asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(p));
}
static inline void outl(uint16_t p, uint32_t v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(p));
}
static inline uint8_t inb(uint16_t p)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p));
	return v;
}
static inline uint16_t inw(uint16_t p)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(p));
	return v;
}
static inline uint32_t inl(uint16_t p)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p));
	return v;
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

/* Each returns the vector of the exception the instruction raised, or -1. */
int try_rdmsr(uint32_t msr, uint64_t *val);
int try_wrmsr(uint32_t msr, uint64_t val);
int try_write_cr4(uint32_t val);
int try_read32(uint32_t addr, uint32_t *val);
int try_write32(uint32_t addr, uint32_t val);
int try_ud2(void);
int try_vmxon(void);
int try_int3(void);
int try_divide_by_zero(void);
int try_xsetbv(uint32_t xcr, uint64_t val);

/* One check: prints "NAME: ok" or "NAME: FAIL (why)", counts failures. */
extern unsigned checks_failed, checks_run;
void check(const char *name, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
