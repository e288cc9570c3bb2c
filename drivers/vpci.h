/* SPDX-License-Identifier: MIT */
/*
 * A VM's PCI bus as configuration mechanism #1 shows it (PCI Local Bus
 * Specification 3.0, 3.2.2.3.2): CONFIG_ADDRESS at 0xcf8 (dword accesses
 * only), CONFIG_DATA at 0xcfc-0xcff. Functions register as struct
 * vpci_fn; a function nobody registered reads all-ones and drops writes,
 * so a probe of its vendor ID finds nothing (a configuration read nobody
 * claims ends in Master-Abort, which the host bridge returns as all 1s).
 *
 * Function callbacks see config space accesses naturally aligned: offset
 * a multiple of size (1, 2 or 4), offset < 256 here (4096 once ECAM
 * arrives; vpci_cfg_read/write take such accesses). A word access at
 * 0xcfd is split in two byte accesses for them.
 *
 * Built in: the host bridge at 00:00.0, a Q35 "DRAM controller" (8086:
 * 29c0, the MCH of the Intel 3 Series / Q35, the host bridge of QEMU's
 * q35 machine, known to Linux, Windows and OVMF). Its configuration
 * space is a bare type 0 header: no BARs, no capabilities; see
 * drivers/vpci.c for the values.
 *
 * The port bus routes an access by its first port: register 0xcf8 with
 * length 1 (0xcf9 is the reset control register, drivers/vreset.c;
 * byte/word accesses to 0xcf8-0xcfb are not config accesses anyway) and
 * 0xcfc with length 4.
 *
 * Not thread-safe: CONFIG_ADDRESS is VM-wide state; the caller serialises
 * the pair of accesses (as the guest itself must).
 */
#ifndef DRIVERS_VPCI_H
#define DRIVERS_VPCI_H

#include <stdbool.h>
#include <stdint.h>

#define VPCI_PORT_ADDRESS 0xcf8
#define VPCI_PORT_DATA 0xcfc
#define VPCI_MAX_FNS 32

/* CONFIG_ADDRESS fields (figure 3-1). */
#define VPCI_ADDR_ENABLE 0x80000000u
#define VPCI_ADDR_MASK 0x80fffffcu /* 30:24 reserved, 1:0 read as 0 */

/* The built-in host bridge. */
#define VPCI_HB_VENDOR 0x8086
#define VPCI_HB_DEVICE 0x29c0
#define VPCI_HB_CLASS 0x060000 /* bridge, host bridge, prog-if 0 */

/* Configuration header offsets (PCI 3.0, figure 6-1). */
#define VPCI_CFG_VENDOR_ID 0x00
#define VPCI_CFG_DEVICE_ID 0x02
#define VPCI_CFG_COMMAND 0x04
#define VPCI_CFG_STATUS 0x06
#define VPCI_CFG_REVISION 0x08
#define VPCI_CFG_CLASS_PROG 0x09
#define VPCI_CFG_HEADER_TYPE 0x0e

struct vpci_fn {
	uint8_t bus, dev, fn;
	uint32_t (*read)(void *ctx, unsigned offset, unsigned size);
	void (*write)(void *ctx, unsigned offset, unsigned size, uint32_t val);
	void *ctx;
};

/* The host bridge's few writable bits. */
struct vpci_hostbridge {
	uint16_t command;
};

struct vpci {
	uint32_t address; /* CONFIG_ADDRESS */
	unsigned n;
	struct vpci_fn fns[VPCI_MAX_FNS];
	struct vpci_hostbridge hb;
};

/* An empty bus but for the host bridge at 00:00.0. */
void vpci_init(struct vpci *p);
/* VM reset: CONFIG_ADDRESS and the host bridge to their reset values.
 * Registered functions stay (their own state is theirs to reset). */
void vpci_reset(struct vpci *p);
/* 0; -EINVAL dev > 31, fn > 7 or a callback missing; -EEXIST the
 * bus/dev/fn is taken (00:00.0 by the host bridge); -ENOSPC. */
int vpci_register(struct vpci *p, const struct vpci_fn *f);

/* Port accesses, size 1, 2 or 4. true when mechanism #1 claims the
 * access; false otherwise (reads still store all-ones, writes are
 * dropped): byte/word accesses to 0xcf8-0xcfb, data accesses that cross
 * 0xcff, data accesses while CONFIG_ADDRESS bit 31 is clear, and ports
 * outside 0xcf8-0xcff. */
bool vpci_read(struct vpci *p, uint16_t port, unsigned size, uint32_t *val);
bool vpci_write(struct vpci *p, uint16_t port, unsigned size, uint32_t val);

/* One configuration access by address (for mechanism #1, and later for
 * ECAM): offset + size within the function's space, any alignment. */
uint32_t vpci_cfg_read(struct vpci *p, uint8_t bus, uint8_t dev, uint8_t fn,
		       unsigned offset, unsigned size);
void vpci_cfg_write(struct vpci *p, uint8_t bus, uint8_t dev, uint8_t fn,
		    unsigned offset, unsigned size, uint32_t val);

#endif
