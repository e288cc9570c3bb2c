/* SPDX-License-Identifier: MIT */
/*
 * QEMU's firmware configuration device, traditional I/O interface only
 * (QEMU docs/specs/fw_cfg.rst): a 16-bit write to the selector port picks
 * an item and rewinds it; byte reads of the data port return the item's
 * bytes one after the other. Past the end of an item, and for every key
 * this model does not know, the data port reads 0. No DMA interface
 * (FW_CFG_ID bit 1 clear), no file items (the directory is empty), and
 * nothing is writable: writes to the data port are dropped.
 *
 * Items: 0x0000 signature "QEMU", 0x0001 ID (1: traditional interface),
 * 0x0003 RAM size (64-bit LE), 0x0005 number of CPUs (16-bit LE), 0x000f
 * maximum CPUs (16-bit LE, the same number), 0x0019 file directory
 * (a 32-bit big-endian count of 0).
 *
 * Accesses the traditional interface does not define are not acted on:
 * the selector takes only 16-bit writes and reads 0 (as the MMIO selector
 * does); the data port takes only byte reads (other sizes read all-ones
 * and consume nothing). Pure: no callbacks, no hardware.
 */
#ifndef DRIVERS_VFWCFG_H
#define DRIVERS_VFWCFG_H

#include <stdint.h>

#define VFWCFG_PORT_SELECTOR 0x510
#define VFWCFG_PORT_DATA 0x511

/* Keys (fw_cfg.rst, "Selector (Control) Register" and the key list). */
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID 0x0001
#define FW_CFG_RAM_SIZE 0x0003
#define FW_CFG_NB_CPUS 0x0005
#define FW_CFG_MAX_CPUS 0x000f
#define FW_CFG_FILE_DIR 0x0019

#define FW_CFG_ID_TRADITIONAL 0x01u /* bit 0: the I/O (or MMIO) interface */
#define FW_CFG_ID_DMA 0x02u	    /* bit 1: DMA, not offered here */

struct vfwcfg {
	uint16_t key;	 /* the selected item */
	uint32_t offset; /* the next byte of it the data port returns */
	uint16_t n_cpus;
	uint64_t ram_size;
};

/* Power-on (and VM reset: nothing here outlives a reset): the signature
 * is selected, as QEMU's reset does. */
void vfwcfg_init(struct vfwcfg *f, uint16_t n_cpus, uint64_t ram_size);
/* port is 0x510 or 0x511, size 1, 2 or 4; other ports read all-ones. */
uint32_t vfwcfg_read(struct vfwcfg *f, uint16_t port, unsigned size);
void vfwcfg_write(struct vfwcfg *f, uint16_t port, unsigned size, uint32_t val);

#endif
