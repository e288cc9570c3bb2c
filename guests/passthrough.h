/* SPDX-License-Identifier: MIT */
/*
 * PCI passthrough: a host PCI function owned by one VM. Its DMA goes
 * through a VT-d domain holding exactly the VM's RAM (IOVA = guest
 * physical address); its MSI is remapped to a host vector whose handler
 * delivers the guest's vector; the VM sees it on its own PCI bus with the
 * configuration space of drivers/vpt.c, its BARs mapped into EPT where
 * the guest places them. Reset (FLR where offered) before the VM gets it
 * and after the VM stops. Without DMA remapping there is no passthrough.
 */
#ifndef GUESTS_PASSTHROUGH_H
#define GUESTS_PASSTHROUGH_H

struct vm;

/* Takes the functions the VM's config names (pci =); 0, or a negative
 * error with the VM refused by name. */
int passthrough_attach(struct vm *vm);
/* Gives them back: bus mastering off, DMA blocked, reset. */
void passthrough_release(struct vm *vm);

#endif
