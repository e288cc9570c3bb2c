/* SPDX-License-Identifier: MIT */
/* A multiboot v1 guest: prints what its loader told it (magic, memory,
 * command line, modules with their first bytes, memory map) and powers
 * off through the Bochs shutdown port. */
#include "guests/lib/guest.h"
#include "guests/lib/mbinfo.h"

int guest_main(uint32_t magic, uint32_t info);
int guest_main(uint32_t magic, uint32_t info)
{
	struct guest_boot b;

	guest_boot_parse(magic, info, &b);
	gprintf("mb1info: magic %#x, loader '%s'\n", magic, b.loader);
	gprintf("mb1info: mem_lower %u KiB, mem_upper %u KiB\n", b.mem_lower_kb,
		b.mem_upper_kb);
	gprintf("mb1info: cmdline '%s'\n", b.cmdline);
	for (unsigned i = 0; i < b.n_mods; i++)
		gprintf("mb1info: module %u '%s' at %#x, %u bytes, starts '%.8s'\n",
			i, b.mod[i].string, b.mod[i].start,
			b.mod[i].end - b.mod[i].start, (const char *)b.mod[i].start);
	for (unsigned i = 0; i < b.n_mmap; i++)
		gprintf("mb1info: mmap %#llx-%#llx type %u\n",
			(unsigned long long)b.mmap[i].base,
			(unsigned long long)(b.mmap[i].base + b.mmap[i].len - 1),
			b.mmap[i].type);
	if (magic != 0x2badb002)
		return 1;
	for (const char *p = "Shutdown"; *p; p++)
		outb(0x8900, (uint8_t)*p);
	return 2; /* not reached */
}
