/* SPDX-License-Identifier: MIT */
/*
 * The guest's own page tables, walked in software: guest-linear →
 * guest-physical for every paging mode (none, 32-bit, PAE, 4-level).
 * Used to fetch an instruction the hypervisor emulates, or the buffer of
 * a string I/O instruction. Pure: memory comes through a read callback.
 */
#ifndef VMX_GWALK_H
#define VMX_GWALK_H

#include <stdint.h>

struct gwalk {
	uint64_t cr0, cr3, cr4, efer;
	uint64_t pdpte[4]; /* PAE paging: the PDPTEs the CPU holds */
	int (*read)(void *ctx, uint64_t gpa, void *buf, unsigned len);
	void *ctx;
};

/* 0 and *gpa, or -EFAULT when a level is not present or unreadable.
 * Access rights are not checked: callers translate addresses the guest
 * itself has just used. */
int gwalk_translate(const struct gwalk *w, uint64_t gla, uint64_t *gpa);

/* Copies len bytes at guest-linear gla (crossing pages as needed). */
int gwalk_read(const struct gwalk *w, uint64_t gla, void *buf, unsigned len);

#endif
