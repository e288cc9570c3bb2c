/* SPDX-License-Identifier: MIT */
/* Host exceptions and interrupts (the hypervisor's own, not the guests'). */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <stdint.h>

/* Layout pushed by arch/isr.S, lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

#define VEC_SPURIOUS 0xff

typedef void (*irq_handler_fn)(struct trap_frame *f);

void idt_init(void);
void idt_load(void);
void irq_register(uint8_t vector, irq_handler_fn fn);
void trap_entry(struct trap_frame *f);
/* Runs the handler of a host interrupt taken at a VM exit, then EOI. */
void irq_dispatch(uint8_t vector);

/* Stops the machine after a fatal error in the hypervisor itself. */
void __attribute__((noreturn)) panic(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif
