/* SPDX-License-Identifier: MIT */
/*
 * A guest's physical address space: RAM regions backed by host pages and
 * mapped in its EPT, and MMIO regions that are deliberately left out of
 * the EPT so that every access exits and reaches their handler. Any other
 * guest-physical address is simply absent: touching it stops the VM.
 *
 * Pure: EPT tables come through the pt engine's env, host memory through
 * a phys→virt callback, so the address-space rules are unit-tested.
 */
#ifndef EPT_GPA_H
#define EPT_GPA_H

#include <stdbool.h>
#include <stdint.h>

#include "ept/pt.h"

/* EPT entry bits (SDM Vol. 3C, 29.3.2). */
#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)
#define EPT_MT_UC (0ull << 3)
#define EPT_MT_WB (6ull << 3)
#define EPT_IGNORE_PAT (1ull << 6)

/* EPTP: WB paging-structure memory type, 4-level walk (SDM 25.6.11). */
#define EPTP_WB 6ull
#define EPTP_WALK4 (3ull << 3)

#define GPA_MAX_RAM 4
#define GPA_MAX_MMIO 16

struct vcpu;

/* Emulates one access of size 1, 2, 4 or 8 bytes at gpa; for reads it
 * stores the value in *val. Returns 0, or a negative error that stops
 * the VM. */
typedef int (*mmio_fn)(void *ctx, struct vcpu *v, uint64_t gpa, unsigned size,
		       uint64_t *val, bool write);

struct gpa_ram {
	uint64_t gpa, hpa, size;
};

struct gpa_mmio {
	uint64_t gpa, size;
	mmio_fn fn;
	void *ctx;
	const char *name;
	uint64_t hits; /* accesses emulated (ept/violation.c counts) */
};

struct gpa_space {
	struct pt ept;
	void *(*virt)(uint64_t hpa);
	unsigned n_ram, n_mmio;
	struct gpa_ram ram[GPA_MAX_RAM];
	struct gpa_mmio mmio[GPA_MAX_MMIO];
};

/* max_leaf_level: 3 where the CPU has 1 GiB EPT pages, else 2. */
int gpa_init(struct gpa_space *s, const struct pt_env *env,
	     unsigned max_leaf_level, void *(*virt)(uint64_t hpa));
void gpa_destroy(struct gpa_space *s);
uint64_t gpa_eptp(const struct gpa_space *s);

/* Maps host memory [hpa, hpa+size) at gpa: read, write, execute, WB. */
int gpa_add_ram(struct gpa_space *s, uint64_t gpa, uint64_t hpa,
		uint64_t size);
/* Claims [gpa, gpa+size) for an emulated device. Fails with -EEXIST on
 * overlap with RAM or another device. */
int gpa_add_mmio(struct gpa_space *s, uint64_t gpa, uint64_t size, mmio_fn fn,
		 void *ctx, const char *name);
const struct gpa_mmio *gpa_find_mmio(const struct gpa_space *s, uint64_t gpa);
/* Maps the page at gpa, inside a device's MMIO range, to host page hpa
 * (read/write, no execute): for a device the CPU virtualizes itself,
 * the local APIC's APIC-access page (SDM 29.4). It stays MMIO for
 * gpa_find_mmio and is not RAM for gpa_to_hva. */
int gpa_back_mmio(struct gpa_space *s, uint64_t gpa, uint64_t hpa);

/* Maps a passed-through device's memory [hpa, hpa+size) at gpa: read,
 * write, uncached, never executed; -EEXIST over RAM or an emulated
 * device. gpa_unmap_device takes it away again. The caller flushes the
 * EPT TLBs (INVEPT). */
int gpa_map_device(struct gpa_space *s, uint64_t gpa, uint64_t hpa,
		   uint64_t size);
int gpa_unmap_device(struct gpa_space *s, uint64_t gpa, uint64_t size);

/* A host pointer to [gpa, gpa+len) when all of it is guest RAM, else NULL:
 * how the hypervisor reads or writes guest memory. */
void *gpa_to_hva(const struct gpa_space *s, uint64_t gpa, uint64_t len);
/* Copies between guest RAM and the host; 0 or -EFAULT. */
int gpa_read(const struct gpa_space *s, uint64_t gpa, void *dst, uint64_t len);
int gpa_write(const struct gpa_space *s, uint64_t gpa, const void *src,
	      uint64_t len);

#endif
