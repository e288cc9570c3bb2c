/* SPDX-License-Identifier: MIT */
/*
 * Deterministic differential run of vmx/decode.c against Zydis
 * (zydis_diff.h), in 16-, 32- and 64-bit modes:
 *
 *  1. every one-byte and 0F opcode × every ModRM × a few prefix sets and
 *     operand tails (coverage: nothing Zydis decodes as one of our
 *     mnemonics with a memory operand may be rejected);
 *  2. the opcodes we decode (and their neighbours) × every ModRM × many
 *     prefix combinations (66 67 F0 F2 F3, segments, every REX, REX in
 *     the wrong place) × tails that vary immediates and displacements;
 *  3. those opcodes × SIB-using ModRMs × every SIB byte;
 *  4. seeded random prefix soups and random bytes, at random lengths.
 *
 * Each input is also decoded with exactly its length (same result) and
 * one byte less (-ENODATA). Prints the first mismatches and a summary;
 * exits 1 on any mismatch. With -s DIR it also writes a seed corpus for
 * the fuzz targets (one file per accepted input of part 2, thinned out).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "tests/fuzz/zydis_diff.h"

static struct zd z;
static unsigned long long inputs, accepted, mismatches, seeds;
static const char *seed_dir;

static void report(const uint8_t *b, size_t n, unsigned mode, const char *why)
{
	char hex[64];

	if (++mismatches <= 40) {
		zd_hex(hex, sizeof(hex), b, n);
		printf("MISMATCH %u-bit [%s]: %s\n", mode, hex, why);
	}
}

static void write_seed(const uint8_t *b, size_t n)
{
	char path[512], hex[64];
	FILE *f;

	zd_hex(hex, sizeof(hex), b, n);
	for (char *p = hex; *p; p++)
		if (*p == ' ')
			*p = '_';
	snprintf(path, sizeof(path), "%s/%s", seed_dir, hex);
	f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(b, 1, n, f);
	fclose(f);
	seeds++;
}

static void check(const uint8_t *b, size_t n, unsigned mode, bool seed)
{
	struct x86_insn in, again;
	int r;

	inputs++;
	if (zd_check(&z, b, n, mode)) {
		report(b, n, mode, z.why);
		return;
	}
	r = x86_decode(b, (unsigned)n, mode, &in);
	if (r)
		return;
	accepted++;
	if (seed && seed_dir && accepted % 997 == 0)
		write_seed(b, in.len);
	/* exactly the instruction's bytes: the same; one less: too short */
	if (x86_decode(b, in.len, mode, &again) || !zd_same(&in, &again))
		report(b, in.len, mode, "ours: differs at its exact length");
	if (x86_decode(b, in.len - 1u, mode, &again) != -ENODATA)
		report(b, in.len - 1u, mode, "ours: cut short is not -ENODATA");
	if (zd_check(&z, b, in.len, mode))
		report(b, in.len, mode, z.why);
}

/* ---- inputs ------------------------------------------------------------- */

struct seq {
	uint8_t n, b[4];
};

/* Prefix sets: few for part 1, many for part 2. */
static const struct seq few[] = {
	{ 0 }, { 1, { 0x66 } }, { 1, { 0x67 } }, { 1, { 0xf0 } },
	{ 1, { 0xf3 } }, { 2, { 0x66, 0xf2 } },
};
static const struct seq legacy[] = {
	{ 0 },
	{ 1, { 0x66 } }, { 1, { 0x67 } }, { 1, { 0xf0 } }, { 1, { 0xf2 } },
	{ 1, { 0xf3 } }, { 1, { 0x26 } }, { 1, { 0x2e } }, { 1, { 0x36 } },
	{ 1, { 0x3e } }, { 1, { 0x64 } }, { 1, { 0x65 } },
	{ 2, { 0x66, 0x67 } }, { 2, { 0x67, 0x66 } }, { 2, { 0xf0, 0x66 } },
	{ 2, { 0x66, 0xf0 } }, { 2, { 0xf3, 0x66 } }, { 2, { 0x66, 0xf3 } },
	{ 2, { 0xf2, 0xf0 } }, { 2, { 0xf0, 0xf3 } }, { 2, { 0xf2, 0xf3 } },
	{ 2, { 0xf3, 0xf2 } }, { 2, { 0x66, 0x66 } }, { 2, { 0x64, 0x67 } },
	{ 3, { 0x3e, 0x66, 0x67 } }, { 4, { 0x65, 0x66, 0x67, 0xf0 } },
};
/* a REX followed by a legacy prefix: ignored */
static const struct seq rex_first[] = {
	{ 2, { 0x48, 0x66 } }, { 2, { 0x44, 0x67 } }, { 2, { 0x40, 0xf0 } },
	{ 2, { 0x41, 0x64 } }, { 2, { 0x4f, 0xf3 } }, { 3, { 0x48, 0x66, 0x41 } },
};

/* Operand tails: SIB/displacement/immediate bytes after ModRM. */
static const uint8_t tails[][14] = {
	{ 0x25, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
	  0xbb, 0xcc, 0xdd },
	{ 0x00, 0x80, 0xff, 0x7f, 0x01, 0xfe, 0x00, 0x80, 0x00, 0x00, 0x80,
	  0xff, 0xff, 0xff },
	{ 0x64, 0xf0, 0x00, 0xff, 0x7f, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00 },
};

/* The opcodes we decode, and close ones. */
static bool interesting_one(unsigned op)
{
	return op < 0x40 || (op >= 0x60 && op <= 0x63) ||
	       (op >= 0x80 && op <= 0x8f) || (op >= 0xa0 && op <= 0xaf) ||
	       op == 0xc6 || op == 0xc7 || op == 0xf6 || op == 0xf7 ||
	       op == 0xfe || op == 0xff || op == 0xc4 || op == 0xc5;
}

static bool interesting_two(unsigned op)
{
	return (op >= 0xa0 && op <= 0xc3) || op == 0x38 || op == 0x3a;
}

static size_t build(uint8_t *buf, const struct seq *p1, const struct seq *p2,
		    const uint8_t *opc, unsigned opn, int modrm,
		    const uint8_t *tail, unsigned tailn)
{
	size_t n = 0;

	for (unsigned i = 0; p1 && i < p1->n; i++)
		buf[n++] = p1->b[i];
	for (unsigned i = 0; p2 && i < p2->n; i++)
		buf[n++] = p2->b[i];
	for (unsigned i = 0; i < opn; i++)
		buf[n++] = opc[i];
	if (modrm >= 0)
		buf[n++] = (uint8_t)modrm;
	for (unsigned i = 0; i < tailn && n < 15; i++)
		buf[n++] = tail[i];
	return n;
}

static void opcode_bytes(unsigned k, uint8_t *opc, unsigned *opn)
{
	if (k < 256) {
		opc[0] = (uint8_t)k;
		*opn = 1;
	} else {
		opc[0] = 0x0f;
		opc[1] = (uint8_t)(k - 256);
		*opn = 2;
	}
}

static bool interesting(unsigned k)
{
	return k < 256 ? interesting_one(k) : interesting_two(k - 256);
}

static const unsigned modes[] = { 16, 32, 64 };

/* Part 1: all opcodes × all ModRMs × a few prefixes and tails. */
static void part_all_opcodes(void)
{
	uint8_t buf[16], opc[2];
	unsigned opn;

	for (unsigned mi = 0; mi < 3; mi++)
		for (unsigned k = 0; k < 512; k++) {
			opcode_bytes(k, opc, &opn);
			for (unsigned p = 0; p < sizeof(few) / sizeof(few[0]);
			     p++)
				for (int m = 0; m < 256; m++)
					for (unsigned t = 0; t < 2; t++) {
						size_t n = build(buf, &few[p],
								 NULL, opc, opn,
								 m, tails[t],
								 14);
						check(buf, n, modes[mi], false);
					}
		}
}

static void part_prefixes(unsigned mode, const struct seq *p1,
			  const struct seq *p2)
{
	uint8_t buf[16], opc[2];
	unsigned opn;

	for (unsigned k = 0; k < 512; k++) {
		if (!interesting(k))
			continue;
		opcode_bytes(k, opc, &opn);
		for (int m = 0; m < 256; m++)
			for (unsigned t = 0; t < 3; t++) {
				size_t n = build(buf, p1, p2, opc, opn, m,
						 tails[t], 14);

				check(buf, n, mode, t == 0 && !p2);
			}
	}
}

/* Part 2: our opcodes × all ModRMs × many prefix combinations. */
static void part_our_opcodes(void)
{
	for (unsigned mi = 0; mi < 3; mi++)
		for (unsigned p = 0; p < sizeof(legacy) / sizeof(legacy[0]);
		     p++) {
			part_prefixes(modes[mi], &legacy[p], NULL);
			if (modes[mi] != 64)
				continue;
			for (unsigned rex = 0x40; rex <= 0x4f; rex++) {
				struct seq r = { 1, { (uint8_t)rex } };

				part_prefixes(64, &legacy[p], &r);
			}
		}
	for (unsigned p = 0; p < sizeof(rex_first) / sizeof(rex_first[0]); p++)
		part_prefixes(64, &rex_first[p], NULL);
}

/* Part 3: SIB forms. */
static void part_sib(void)
{
	static const struct seq pre[] = {
		{ 0 }, { 1, { 0x67 } }, { 1, { 0x66 } }, { 1, { 0x41 } },
		{ 1, { 0x42 } }, { 1, { 0x4b } }, { 2, { 0x67, 0x43 } },
	};
	static const uint8_t disp[] = { 0x78, 0x56, 0x34, 0x12, 0x01, 0x02,
					0x03, 0x04, 0x05 };
	uint8_t buf[16], opc[2], tail[10];
	unsigned opn;

	for (unsigned mi = 0; mi < 3; mi++)
		for (unsigned k = 0; k < 512; k++) {
			if (!interesting(k))
				continue;
			opcode_bytes(k, opc, &opn);
			for (unsigned p = 0; p < sizeof(pre) / sizeof(pre[0]);
			     p++) {
				if (modes[mi] != 64 && pre[p].n &&
				    (pre[p].b[pre[p].n - 1] & 0xf0) == 0x40)
					continue;
				for (unsigned mod = 0; mod < 3; mod++)
					for (unsigned reg = 0; reg < 8;
					     reg += 3)
						for (unsigned sib = 0;
						     sib < 256; sib++) {
							size_t n;

							tail[0] = (uint8_t)sib;
							memcpy(tail + 1, disp,
							       sizeof(disp));
							n = build(buf, &pre[p],
								  NULL, opc,
								  opn,
								  (int)(mod << 6 | reg << 3 | 4),
								  tail, 10);
							check(buf, n,
							      modes[mi], false);
						}
			}
		}
}

/* ---- part 4: random -------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static void part_random(unsigned long count)
{
	static const uint8_t pool[] = { 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26,
					0x2e, 0x36, 0x3e, 0x64, 0x65, 0x40,
					0x41, 0x44, 0x48, 0x4c, 0x4f };
	static const uint8_t ours[] = {
		0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11,
		0x12, 0x13, 0x18, 0x19, 0x1a, 0x1b, 0x20, 0x21, 0x22, 0x23,
		0x28, 0x29, 0x2a, 0x2b, 0x30, 0x31, 0x32, 0x33, 0x38, 0x39,
		0x3a, 0x3b, 0x63, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86,
		0x87, 0x88, 0x89, 0x8a, 0x8b, 0xa0, 0xa1, 0xa2, 0xa3, 0xaa,
		0xab, 0xc6, 0xc7, 0xf6, 0xf7, 0x0f,
	};
	static const uint8_t ours0f[] = { 0xa3, 0xab, 0xb3, 0xbb, 0xba, 0xb6,
					  0xb7, 0xbe, 0xbf };
	uint8_t buf[16];

	for (unsigned long i = 0; i < count; i++) {
		unsigned mode = modes[rnd() % 3], n = 0, np;
		size_t len;

		if (i % 4 == 3) {
			for (n = 0; n < 15; n++)
				buf[n] = (uint8_t)rnd();
		} else {
			np = (unsigned)(rnd() % 6);
			for (unsigned j = 0; j < np; j++)
				buf[n++] = pool[rnd() % sizeof(pool)];
			buf[n] = ours[rnd() % sizeof(ours)];
			if (buf[n++] == 0x0f)
				buf[n++] = ours0f[rnd() % sizeof(ours0f)];
			while (n < 15)
				buf[n++] = (uint8_t)rnd();
		}
		/* mostly the whole buffer, sometimes cut anywhere */
		len = i % 8 == 5 ? (size_t)(rnd() % 16) : 15;
		check(buf, len, mode, false);
	}
}

int main(int argc, char **argv)
{
	unsigned long random_count = 4000000;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			seed_dir = argv[++i];
			mkdir(seed_dir, 0777);
		} else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			random_count = strtoul(argv[++i], NULL, 0);
		} else {
			fprintf(stderr, "usage: %s [-s SEED_DIR] [-n RANDOM]\n",
				argv[0]);
			return 2;
		}
	}
	zd_init(&z);
	part_all_opcodes();
	printf("all opcodes x ModRM:  %llu inputs, %llu accepted\n", inputs,
	       accepted);
	part_our_opcodes();
	printf("+ prefix combinations: %llu inputs, %llu accepted\n", inputs,
	       accepted);
	part_sib();
	printf("+ SIB forms:          %llu inputs, %llu accepted\n", inputs,
	       accepted);
	part_random(random_count);
	printf("+ random:             %llu inputs, %llu accepted\n", inputs,
	       accepted);
	if (seed_dir)
		printf("wrote %llu seeds to %s\n", seeds, seed_dir);
	printf("zydis: %llu passed, %llu failed\n", inputs - mismatches,
	       mismatches);
	return mismatches ? 1 : 0;
}
