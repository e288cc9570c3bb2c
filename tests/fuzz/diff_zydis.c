/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: vmx/decode.c against Zydis (zydis_diff.h) on the
 * input, in 16-, 32- and 64-bit mode, from an exactly-sized heap copy. A
 * mismatch aborts, so libFuzzer reports it as a crash with the input.
 * enum_zydis.c runs the same check on a deterministic enumeration.
 */
#include <stdlib.h>

#include "tests/fuzz/zydis_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned modes[] = { 16, 32, 64 };
	static struct zd z;
	static int ready;
	uint8_t *b;

	if (!ready) {
		zd_init(&z);
		ready = 1;
	}
	b = malloc(size ? size : 1);
	if (!b)
		abort();
	memcpy(b, data, size);
	for (unsigned i = 0; i < 3; i++) {
		if (zd_check(&z, b, size, modes[i])) {
			char hex[64];

			zd_hex(hex, sizeof(hex), b, size);
			fprintf(stderr, "diff_zydis: %u-bit [%s]: %s\n",
				modes[i], hex, z.why);
			abort();
		}
	}
	free(b);
	return 0;
}
