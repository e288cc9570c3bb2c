/* SPDX-License-Identifier: MIT */
/*
 * The VM configuration file: one text file describes every VM, passed to
 * the hypervisor as a GRUB module. Pure: parsing takes the bytes and
 * reports problems through a callback, naming file, line and key. A VM
 * with a bad line is marked invalid (and later skipped); the rest stand.
 *
 *   # comment
 *   [vm NAME]
 *   kernel  = FILE            module holding the image (required)
 *   memory  = 16M             RAM, with K/M/G suffix (default 16M)
 *   vcpus   = 1               1..VMCFG_MAX_VCPUS (default 1)
 *   cmdline = TEXT            the guest's command line
 *   module  = FILE [ARGS]     a module given to the guest (repeatable)
 *   format  = auto            auto | multiboot | flat | linux
 *   initrd  = FILE            initial RAM disk of a Linux kernel
 *   load    = 0x7c00          load address and real-mode entry of flat images
 *   devices = testdev         comma-separated optional devices
 *   weight  = 1024            scheduler weight, 1..1000000 (default 1024)
 *   cpus    = 0-3,5           physical CPUs the VM may run on (default all)
 *   cpus.N  = 1               physical CPUs its vCPU N may run on
 *   pci     = 03:00.0,04:00.1 host PCI functions passed through (repeatable)
 *   controls = default        default | strict: every sensitive instruction
 *                             the CPU can trap exits (the Popek-Goldberg study)
 */
#ifndef GUESTS_CONFIG_H
#define GUESTS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMCFG_MAX_VMS 16
#define VMCFG_MAX_VCPUS 8
#define VMCFG_MAX_MODULES 8
#define VMCFG_MAX_PCI 4
#define VMCFG_NAME_MAX 32
#define VMCFG_FILE_MAX 64
#define VMCFG_ARGS_MAX 256
#define VMCFG_DEFAULT_MEMORY (16ull << 20)
#define VMCFG_MIN_MEMORY (1ull << 20)
#define VMCFG_MAX_MEMORY (3ull << 30) /* RAM ends below the PCI hole */
#define VMCFG_DEFAULT_WEIGHT 1024

enum vm_format { VM_FORMAT_AUTO, VM_FORMAT_MULTIBOOT, VM_FORMAT_FLAT,
		 VM_FORMAT_LINUX };

/* Optional devices (devices = ...). */
#define VM_DEV_TESTDEV (1u << 0)

struct vm_module_cfg {
	char file[VMCFG_FILE_MAX];
	char args[VMCFG_ARGS_MAX];
};

struct vm_config {
	char name[VMCFG_NAME_MAX];
	unsigned line; /* of the [vm] header */
	bool valid;    /* false: a line was bad, the VM is skipped */
	char error[160];
	char kernel[VMCFG_FILE_MAX];
	char initrd[VMCFG_FILE_MAX];
	uint64_t memory;
	unsigned vcpus;
	char cmdline[VMCFG_ARGS_MAX];
	unsigned n_modules;
	struct vm_module_cfg module[VMCFG_MAX_MODULES];
	enum vm_format format;
	uint64_t load;
	uint32_t devices;
	uint32_t weight;
	uint64_t cpus; /* bit mask; 0 = any */
	uint64_t vcpu_cpus[VMCFG_MAX_VCPUS]; /* cpus.N; 0 = as cpus */
	bool strict; /* controls = strict */
	unsigned n_pci;
	uint16_t pci[VMCFG_MAX_PCI]; /* bus << 8 | dev << 3 | fn, segment 0 */
};

struct vm_config_set {
	unsigned n;
	struct vm_config vm[VMCFG_MAX_VMS];
	unsigned problems; /* lines reported */
};

typedef void (*vmcfg_report_fn)(void *ctx, const char *msg);

/* Parses len bytes of text; file names the file in messages. Returns the
 * number of problems reported. */
int vmcfg_parse(const char *text, size_t len, const char *file,
		struct vm_config_set *set, vmcfg_report_fn report, void *ctx);

/* "16M" → 16 MiB; false when s is not a size. */
bool vmcfg_parse_size(const char *s, uint64_t *out);

#endif
