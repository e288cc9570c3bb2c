/* SPDX-License-Identifier: MIT */
#include "guests/lib/mbinfo.h"

#include "lib/string.h"

static void mmap_add(struct guest_boot *b, const uint8_t *e)
{
	if (b->n_mmap < 16) {
		memcpy(&b->mmap[b->n_mmap].base, e, 8);
		memcpy(&b->mmap[b->n_mmap].len, e + 8, 8);
		memcpy(&b->mmap[b->n_mmap].type, e + 16, 4);
		b->n_mmap++;
	}
}

static void parse_mb1(const uint32_t *i, struct guest_boot *b)
{
	b->version = 1;
	if (i[0] & 1) {
		b->mem_lower_kb = i[1];
		b->mem_upper_kb = i[2];
	}
	if (i[0] & 4)
		b->cmdline = (const char *)i[4];
	if (i[0] & 8) {
		const uint32_t *m = (const uint32_t *)i[6];
		for (unsigned n = 0; n < i[5] && n < 8; n++, m += 4) {
			b->mod[n].start = m[0];
			b->mod[n].end = m[1];
			b->mod[n].string = (const char *)m[2];
			b->n_mods++;
		}
	}
	if (i[0] & 64)
		for (uint32_t off = 0; off < i[11];) {
			const uint8_t *e = (const uint8_t *)(i[12] + off);
			uint32_t size;
			memcpy(&size, e, 4);
			mmap_add(b, e + 4);
			off += size + 4;
		}
	if (i[0] & 512)
		b->loader = (const char *)i[16];
}

static void parse_mb2(const uint8_t *p, struct guest_boot *b)
{
	uint32_t total, off = 8;

	memcpy(&total, p, 4);
	b->version = 2;
	while (off + 8 <= total) {
		const uint8_t *t = p + off;
		uint32_t type, size;

		memcpy(&type, t, 4);
		memcpy(&size, t + 4, 4);
		if (type == 0 || size < 8)
			break;
		if (type == 1)
			b->cmdline = (const char *)(t + 8);
		else if (type == 2)
			b->loader = (const char *)(t + 8);
		else if (type == 4) {
			memcpy(&b->mem_lower_kb, t + 8, 4);
			memcpy(&b->mem_upper_kb, t + 12, 4);
		} else if (type == 3 && b->n_mods < 8) {
			memcpy(&b->mod[b->n_mods].start, t + 8, 4);
			memcpy(&b->mod[b->n_mods].end, t + 12, 4);
			b->mod[b->n_mods++].string = (const char *)(t + 16);
		} else if (type == 6) {
			uint32_t esize;
			memcpy(&esize, t + 8, 4);
			for (uint32_t e = 16; esize && e + esize <= size; e += esize)
				mmap_add(b, t + e);
		}
		off += (size + 7) & ~7u;
	}
}

void guest_boot_parse(uint32_t magic, uint32_t info, struct guest_boot *b)
{
	memset(b, 0, sizeof(*b));
	b->cmdline = "";
	b->loader = "";
	if (magic == 0x2badb002)
		parse_mb1((const uint32_t *)info, b);
	else if (magic == 0x36d76289)
		parse_mb2((const uint8_t *)info, b);
}
