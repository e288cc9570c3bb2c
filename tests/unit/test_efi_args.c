/* SPDX-License-Identifier: MIT */
/* boot/efi_args.c: efi_image_folder, efi_load_options, efi_take_option and
 * efi_join on device paths, load options and command lines built here.
 * Every input and output lives in a heap block of exactly its size, so
 * that ASan sees any access past either end. */
#include "unit.h"

#include "boot/efi.h"

/* ---- a builder for UEFI device paths ----------------------------------- */

#define DP_BYTES 16384
#define RESULT_MAX 8192

struct dp {
	uint8_t b[DP_BYTES];
	size_t n;
};

static void dp_init(struct dp *d)
{
	memset(d, 0, sizeof(*d));
}

/* A node whose length field says lenfield, followed by plen payload
 * bytes (which need not agree with lenfield). */
static void dp_raw(struct dp *d, uint8_t type, uint8_t sub, uint16_t lenfield,
		   const uint8_t *payload, size_t plen)
{
	assert_true(d->n + 4 + plen <= DP_BYTES);
	d->b[d->n] = type;
	d->b[d->n + 1] = sub;
	d->b[d->n + 2] = (uint8_t)lenfield;
	d->b[d->n + 3] = (uint8_t)(lenfield >> 8);
	if (plen)
		memcpy(d->b + d->n + 4, payload, plen);
	d->n += 4 + plen;
}

/* A node of plen payload bytes holding UCS-2 'Q's (and a NUL at the end
 * when there is room), so that reading it as a file path would show. */
static void dp_node(struct dp *d, uint8_t type, uint8_t sub, size_t plen)
{
	uint8_t p[256];

	assert_true(plen <= sizeof(p));
	for (size_t i = 0; i < plen; i++)
		p[i] = i % 2 ? 0 : 'Q';
	if (plen >= 2)
		p[plen - 2] = p[plen - 1] = 0;
	dp_raw(d, type, sub, (uint16_t)(4 + plen), p, plen);
}

/* A media file-path node (type 4, subtype 4) of n UCS-2 characters,
 * NUL-terminated when nul, plus extra junk bytes counted in its length. */
static void dp_file16(struct dp *d, const uint16_t *s, size_t n, int nul,
		      size_t extra)
{
	uint8_t p[1024];
	size_t plen = 0;

	assert_true(2 * (n + 1) + extra <= sizeof(p));
	for (size_t i = 0; i < n; i++) {
		p[plen++] = (uint8_t)s[i];
		p[plen++] = (uint8_t)(s[i] >> 8);
	}
	if (nul) {
		p[plen++] = 0;
		p[plen++] = 0;
	}
	for (size_t i = 0; i < extra; i++)
		p[plen++] = 'Z';
	dp_raw(d, 4, 4, (uint16_t)(4 + plen), p, plen);
}

/* A NUL-terminated media file-path node holding the ASCII string s. */
static void dp_file(struct dp *d, const char *s)
{
	uint16_t u[512];
	size_t n = strlen(s);

	assert_true(n <= ARRAY_SIZE(u));
	for (size_t i = 0; i < n; i++)
		u[i] = (uint8_t)s[i];
	dp_file16(d, u, n, 1, 0);
}

static void dp_end_sub(struct dp *d, uint8_t sub)
{
	dp_raw(d, 0x7f, sub, 4, NULL, 0);
}

static void dp_end(struct dp *d)
{
	dp_end_sub(d, 0xff);
}

/* ---- calling efi_image_folder ------------------------------------------ */

static char result[RESULT_MAX];

/* Checks that out (len bytes) holds a string and copies it to result. */
static const char *take_result(char *out, size_t len)
{
	assert_true(len <= RESULT_MAX);
	if (!memchr(out, 0, len))
		fail_msg("output of %zu bytes is not NUL-terminated", len);
	strcpy(result, out);
	free(out);
	return result;
}

static char *junk_buffer(size_t len)
{
	char *out = malloc(len);

	assert_non_null(out);
	memset(out, 'Z', len);
	return out;
}

/* The folder from the first dp_len bytes of bytes, in a dir of len. */
static const char *folder_bytes(const uint8_t *bytes, size_t dp_len,
				size_t len)
{
	uint8_t *dp = malloc(dp_len);
	char *dir = junk_buffer(len);

	if (dp_len)
		assert_non_null(dp);
	if (dp_len)
		memcpy(dp, bytes, dp_len);
	efi_image_folder(dp, dp_len, dir, len);
	free(dp);
	return take_result(dir, len);
}

static const char *folder_len(const struct dp *d, size_t dp_len, size_t len)
{
	assert_true(dp_len <= d->n);
	return folder_bytes(d->b, dp_len, len);
}

static const char *folder(const struct dp *d)
{
	return folder_len(d, d->n, 256);
}

/* ---- efi_image_folder --------------------------------------------------- */

/* GRUB's chainloader: the directory and the file in a node each. */
static void test_folder_grub_chainloader(void **state)
{
	struct dp d;

	dp_init(&d);
	dp_file(&d, "\\EFI\\hv");
	dp_file(&d, "hv.efi");
	dp_end(&d);
	assert_string_equal(folder(&d), "\\EFI\\hv");
}

/* The firmware's removable-media boot: one node holding the whole path. */
static void test_folder_removable_media(void **state)
{
	struct dp d;

	dp_init(&d);
	dp_file(&d, "\\EFI\\BOOT\\BOOTX64.EFI");
	dp_end(&d);
	assert_string_equal(folder(&d), "\\EFI\\BOOT");
}

static void test_folder_root(void **state)
{
	struct dp d;

	dp_init(&d);
	dp_file(&d, "\\hv.efi");
	dp_end(&d);
	assert_string_equal(folder(&d), "");

	/* a bare name without any separator is at the root as well */
	dp_init(&d);
	dp_file(&d, "hv.efi");
	dp_end(&d);
	assert_string_equal(folder(&d), "");
}

/* A deeper path split over three nodes, some with their own separators. */
static void test_folder_separators_between_nodes(void **state)
{
	struct dp d;

	dp_init(&d);
	dp_file(&d, "\\EFI");
	dp_file(&d, "\\hv");
	dp_file(&d, "hv.efi");
	dp_end(&d);
	assert_string_equal(folder(&d), "\\EFI\\hv");

	dp_init(&d);
	dp_file(&d, "\\EFI\\");
	dp_file(&d, "hv\\hv.efi");
	dp_end(&d);
	assert_string_equal(folder(&d), "\\EFI\\hv");

	dp_init(&d);
	dp_file(&d, "EFI");
	dp_file(&d, "a");
	dp_file(&d, "b");
	dp_file(&d, "hv.efi");
	dp_end(&d);
	assert_string_equal(folder(&d), "EFI\\a\\b");

	/* repeated separators before the file name all go */
	dp_init(&d);
	dp_file(&d, "\\EFI\\hv\\\\\\hv.efi");
	dp_end(&d);
	assert_string_equal(folder(&d), "\\EFI\\hv");
}

/* What a firmware puts before the file path: hardware, ACPI, messaging and
 * media hard-drive nodes, none of them part of the folder. */
static void test_folder_skips_other_nodes(void **state)
{
	struct dp d;

	dp_init(&d);
	dp_node(&d, 2, 1, 8);	/* ACPI _HID/_UID */
	dp_node(&d, 1, 1, 2);	/* hardware PCI */
	dp_node(&d, 3, 18, 6);	/* messaging SATA */
	dp_node(&d, 4, 1, 38);	/* media hard drive */
	dp_node(&d, 4, 3, 20);	/* media vendor: subtype is not 4 */
	dp_node(&d, 3, 4, 12);	/* messaging: subtype 4, type is not 4 */
	dp_file(&d, "\\EFI\\hv");
	dp_node(&d, 1, 4, 12);	/* between the file-path nodes as well */
	dp_file(&d, "hv.efi");
	dp_end(&d);
	assert_string_equal(folder(&d), "\\EFI\\hv");
}

/* Nodes after an end node (of the whole path or of an instance) are not
 * looked at. */
static void test_folder_end_node_stops(void **state)
{
	static const uint8_t subs[] = { 0xff, 0x01 };

	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		struct dp d;

		dp_init(&d);
		dp_file(&d, "\\EFI\\hv\\hv.efi");
		dp_end_sub(&d, subs[i]);
		dp_file(&d, "\\other\\x.efi");
		dp_end(&d);
		assert_string_equal(folder(&d), "\\EFI\\hv");
	}
}

/* Without an end node the walk stops at dp_len, reading nothing past it. */
static void test_folder_missing_end_node(void **state)
{
	struct dp d;

	dp_init(&d);
	dp_node(&d, 4, 1, 38);
	dp_file(&d, "\\EFI\\hv");
	dp_file(&d, "hv.efi");
	assert_string_equal(folder_len(&d, d.n, 256), "\\EFI\\hv");

	/* dp_len ending inside a node's header: 1 to 3 bytes of it */
	for (size_t cut = 1; cut < 4; cut++) {
		dp_init(&d);
		dp_file(&d, "\\EFI\\hv\\hv.efi");
		dp_file(&d, "\\more\\x.efi");
		size_t whole = 4 + 2 * 15;

		assert_string_equal(folder_len(&d, whole + cut, 256),
				    "\\EFI\\hv");
	}
}

/* A node whose length runs past dp_len ends the walk and is not read. */
static void test_folder_truncated_node(void **state)
{
	struct dp d;
	size_t first;

	dp_init(&d);
	dp_file(&d, "\\EFI\\hv\\hv.efi");
	first = d.n;
	dp_file(&d, "\\junk\\x.efi");
	/* the second node claims two bytes more than dp_len holds */
	d.b[first + 2] += 2;
	assert_string_equal(folder_len(&d, d.n, 256), "\\EFI\\hv");

	/* or is cut anywhere inside its payload */
	for (size_t cut = first + 4; cut < d.n; cut++)
		assert_string_equal(folder_len(&d, cut, 256), "\\EFI\\hv");

	/* a huge length on the first node */
	dp_init(&d);
	dp_raw(&d, 4, 4, 0xffff, (const uint8_t *)"\\\0E\0F\0I\0", 8);
	assert_string_equal(folder(&d), "");
}

/* A length below the 4-byte header ends the walk rather than looping on
 * the same node or reading a payload of (l - 4) / 2 wrapped around. */
static void test_folder_short_node_length(void **state)
{
	for (uint16_t l = 0; l < 4; l++) {
		struct dp d;

		dp_init(&d);
		dp_file(&d, "\\EFI\\hv\\hv.efi");
		dp_raw(&d, 4, 4, l, NULL, 0);
		dp_file(&d, "\\other\\dir\\x.efi");
		dp_end(&d);
		assert_string_equal(folder(&d), "\\EFI\\hv");

		/* as the first node */
		dp_init(&d);
		dp_raw(&d, 4, 4, l, NULL, 0);
		dp_file(&d, "\\other\\dir\\x.efi");
		assert_string_equal(folder(&d), "");
	}
}

/* An odd payload length: the last byte is half a character, ignored. */
static void test_folder_odd_payload_length(void **state)
{
	static const uint16_t path[] = { '\\', 'E', 'F', 'I', '\\', 'h', 'v',
					 '\\', 'h', 'v', '.', 'e', 'f', 'i' };
	struct dp d;

	/* no NUL and one byte over, ending the buffer: ASan watches it */
	dp_init(&d);
	dp_file16(&d, path, ARRAY_SIZE(path), 0, 1);
	assert_string_equal(folder(&d), "\\EFI\\hv");

	/* a node of one payload byte between two file-path nodes */
	dp_init(&d);
	dp_file(&d, "\\EFI\\hv");
	dp_raw(&d, 4, 4, 5, (const uint8_t *)"x", 1);
	dp_file(&d, "hv.efi");
	dp_end(&d);
	assert_string_equal(folder(&d), "\\EFI\\hv");

	/* a file-path node with no payload at all */
	dp_init(&d);
	dp_file(&d, "\\EFI\\hv");
	dp_raw(&d, 4, 4, 4, NULL, 0);
	dp_file(&d, "hv.efi");
	dp_end(&d);
	assert_string_equal(folder(&d), "\\EFI\\hv");
}

/* A file-path node holding only its NUL adds nothing to the path: not
 * between two names, and not after the file's name either. */
static void test_folder_empty_file_node(void **state)
{
	struct dp d;

	dp_init(&d);
	dp_file(&d, "\\EFI\\hv");
	dp_file(&d, "");
	dp_file(&d, "hv.efi");
	dp_end(&d);
	assert_string_equal(folder(&d), "\\EFI\\hv");

	dp_init(&d);
	dp_file(&d, "\\EFI\\hv\\hv.efi");
	dp_file(&d, "");
	dp_end(&d);
	assert_string_equal(folder(&d), "\\EFI\\hv");
}

/* A NUL inside a node ends its name; the rest of the node is skipped. */
static void test_folder_nul_inside_node(void **state)
{
	static const uint16_t path[] = { '\\', 'E', 'F', 'I', 0, 'x', '\\',
					 'y' };
	struct dp d;

	dp_init(&d);
	dp_file16(&d, path, ARRAY_SIZE(path), 1, 0);
	dp_file(&d, "hv.efi");
	dp_end(&d);
	assert_string_equal(folder(&d), "\\EFI");
}

/* A dir buffer smaller than the path: truncated, never overrun, still a
 * string, a prefix of the folder and never ending in a separator. */
static void test_folder_truncation(void **state)
{
	struct dp d;
	const char *want = "\\EFI\\hv";
	const char *full = "\\EFI\\hv\\hv.efi";

	dp_init(&d);
	dp_file(&d, "\\EFI\\hv");
	dp_file(&d, "hv.efi");
	dp_end(&d);
	for (size_t len = 1; len <= strlen(full) + 4; len++) {
		const char *got = folder_len(&d, d.n, len);
		size_t n = strlen(got);

		assert_true(n < len);
		if (strncmp(got, want, n))
			fail_msg("len %zu: '%s' is not a prefix of '%s'", len,
				 got, want);
		if (n && got[n - 1] == '\\')
			fail_msg("len %zu: '%s' ends in a separator", len, got);
		if (len > strlen(full))
			assert_string_equal(got, want);
	}
	assert_string_equal(folder_len(&d, d.n, 1), "");

	/* one node holding the whole path */
	dp_init(&d);
	dp_file(&d, "\\EFI\\BOOT\\BOOTX64.EFI");
	dp_end(&d);
	assert_string_equal(folder_len(&d, d.n, 22), "\\EFI\\BOOT");
	for (size_t len = 1; len < 22; len++) {
		const char *got = folder_len(&d, d.n, len);

		assert_true(strlen(got) < len);
		assert_int_equal(strncmp(got, "\\EFI\\BOOT", strlen(got)), 0);
	}
}

/* Characters outside ASCII become '_', whatever their high byte. */
static void test_folder_non_ascii(void **state)
{
	static const uint16_t path[] = { '\\', 'E', 'F', 'I', '\\', 'h',
					 0x00e9, 'v', 0x0080, 0x263a, 0x7f,
					 0x0161, '\\', 'h', 'v', '.', 'e', 'f',
					 'i' };
	struct dp d;

	dp_init(&d);
	dp_file16(&d, path, ARRAY_SIZE(path), 1, 0);
	dp_end(&d);
	assert_string_equal(folder(&d), "\\EFI\\h_v__\x7f_");

	/* a non-ASCII file name goes with the last component */
	static const uint16_t name[] = { 0x4e2d, '.', 'e', 'f', 'i' };

	dp_init(&d);
	dp_file(&d, "\\EFI\\hv");
	dp_file16(&d, name, ARRAY_SIZE(name), 1, 0);
	dp_end(&d);
	assert_string_equal(folder(&d), "\\EFI\\hv");
}

/* 70 file-path nodes "d00" .. "d69" without an end node: only the first
 * 64 are walked, so "d63" is taken for the file name. */
static void test_folder_node_limit(void **state)
{
	char want[512] = "", name[16];
	struct dp d;

	dp_init(&d);
	for (int i = 0; i < 70; i++) {
		snprintf(name, sizeof(name), "d%02d", i);
		dp_file(&d, name);
	}
	for (int i = 0; i < 63; i++) {
		snprintf(name, sizeof(name), "%sd%02d", i ? "\\" : "", i);
		strcat(want, name);
	}
	assert_string_equal(folder_len(&d, d.n, 512), want);

	/* skipped nodes count too: 63 others, then the file path */
	dp_init(&d);
	for (int i = 0; i < 63; i++)
		dp_node(&d, 1, 1, 2);
	dp_file(&d, "\\EFI\\hv\\hv.efi");
	dp_file(&d, "\\late\\x.efi");
	assert_string_equal(folder(&d), "\\EFI\\hv");

	/* one more and the file path is past the limit */
	dp_init(&d);
	for (int i = 0; i < 64; i++)
		dp_node(&d, 1, 1, 2);
	dp_file(&d, "\\EFI\\hv\\hv.efi");
	assert_string_equal(folder(&d), "");
}

static void test_folder_empty_input(void **state)
{
	char *dir = junk_buffer(8);
	struct dp d;

	efi_image_folder(NULL, 4096, dir, 8);
	assert_string_equal(take_result(dir, 8), "");

	/* fewer bytes than a header, the first bytes being a file node */
	dp_init(&d);
	dp_file(&d, "\\EFI\\hv\\hv.efi");
	for (size_t n = 0; n < 4; n++)
		assert_string_equal(folder_len(&d, n, 64), "");

	/* only an end node */
	dp_init(&d);
	dp_end(&d);
	assert_string_equal(folder(&d), "");
}

/* ---- random device paths against a model of the walk ------------------- */

/* The folder as described: file-path nodes joined with a backslash where
 * the next does not start with one, up to the end node, a bad length,
 * dp_len or 64 nodes; then the last component and separators stripped.
 * Returns whether an empty file-path node (a NUL first character) was
 * walked: what it should do is test_folder_empty_file_node's business,
 * so the random tests do not judge those paths. */
static bool model_folder(const uint8_t *dp, size_t dp_len, char *dir)
{
	bool empty = false;

	size_t k = 0, off = 0;

	for (int n = 0; n < 64 && dp_len - off >= 4; n++) {
		const uint8_t *q = dp + off;
		size_t l = q[2] | (size_t)q[3] << 8;

		if (q[0] == 0x7f || l < 4 || l > dp_len - off)
			break;
		if (q[0] == 4 && q[1] == 4) {
			size_t chars = (l - 4) / 2;

			if (chars && !(q[4] | q[5]))
				empty = true;

			for (size_t i = 0; i < chars; i++) {
				uint16_t c = q[4 + 2 * i] | q[5 + 2 * i] << 8;

				if (!c)
					break;
				if (i == 0 && k && dir[k - 1] != '\\' &&
				    c != '\\')
					dir[k++] = '\\';
				dir[k++] = c < 0x80 ? (char)c : '_';
			}
		}
		off += l;
	}
	while (k && dir[k - 1] != '\\' && dir[k - 1] != '/')
		k--;
	while (k && (dir[k - 1] == '\\' || dir[k - 1] == '/'))
		k--;
	dir[k] = 0;
	return empty;
}

static uint16_t random_char(struct rng *r)
{
	switch (rng_below(r, 8)) {
	case 0:
	case 1:
		return '\\';
	case 2:
		return (uint16_t)rng_below(r, 0x10000);
	case 3:
		return (uint16_t)(0x80 + rng_below(r, 0x80));
	default:
		return (uint16_t)('a' + rng_below(r, 26));
	}
}

/* Node sequences with plausible and implausible headers. The file-path
 * nodes made here do not start with a NUL (model_folder's empty case), so
 * that only a misparse after a lying length can make one. */
static size_t random_path(struct rng *r, struct dp *d)
{
	int nodes = (int)rng_below(r, 80);

	dp_init(d);
	for (int i = 0; i < nodes; i++) {
		switch (rng_below(r, 10)) {
		case 0: {
			uint8_t type = (uint8_t)rng_below(r, 6);
			uint8_t sub = (uint8_t)rng_below(r, 6);

			if (type == 4 && sub == 4)
				sub = 1;
			dp_node(d, type, sub, 2 * rng_below(r, 10));
			break;
		}
		case 1:
			dp_end_sub(d, rng_below(r, 2) ? 0xff : 0x01);
			break;
		case 2: {
			uint8_t junk[8];

			for (size_t j = 0; j < sizeof(junk); j++)
				junk[j] = (uint8_t)rng_next(r);
			junk[0] |= 1;
			dp_raw(d, 4, 4, (uint16_t)rng_below(r, 24), junk,
			       rng_below(r, 9));
			break;
		}
		default: {
			uint16_t s[24];
			size_t n = 1 + rng_below(r, ARRAY_SIZE(s));

			for (size_t j = 0; j < n; j++)
				s[j] = random_char(r);
			if (!s[0])
				s[0] = 'x';
			dp_file16(d, s, n, (int)rng_below(r, 4),
				  rng_below(r, 4) ? 0 : 1);
			break;
		}
		}
	}
	return d->n ? rng_below(r, d->n + 1) : 0;
}

static void test_folder_random_paths(void **state)
{
	static struct dp d;
	static char want[DP_BYTES];
	struct rng r = { 0x9e3779b97f4a7c15ull };

	for (int iter = 0; iter < 20000; iter++) {
		size_t dp_len = random_path(&r, &d), len;
		const char *got;
		bool empty;

		if (rng_below(&r, 2))
			dp_len = d.n;
		empty = model_folder(d.b, dp_len, want);
		assert_true(strlen(want) < RESULT_MAX);
		got = folder_len(&d, dp_len, RESULT_MAX);
		if (!empty && strcmp(got, want))
			fail_msg("iteration %d: '%s', expected '%s'", iter, got,
				 want);

		/* in a small dir: a prefix of the same folder */
		len = 1 + rng_below(&r, 24);
		got = folder_len(&d, dp_len, len);
		assert_true(strlen(got) < len);
		if (!empty && strncmp(got, want, strlen(got)))
			fail_msg("iteration %d, len %zu: '%s' not a prefix of "
				 "'%s'", iter, len, got, want);
	}
}

/* Random bytes, and valid paths with random bytes changed: only what
 * holds for anything, and ASan watching every read. */
static void test_folder_random_bytes(void **state)
{
	static struct dp d;
	struct rng r = { 0x0123456789abcdefull };

	for (int iter = 0; iter < 20000; iter++) {
		size_t dp_len, len = 1 + rng_below(&r, 40);
		const char *got;

		if (iter % 2) {
			dp_init(&d);
			d.n = rng_below(&r, 200);
			for (size_t i = 0; i < d.n; i++)
				d.b[i] = (uint8_t)(rng_below(&r, 3) ?
						   rng_below(&r, 8) : rng_next(&r));
		} else {
			random_path(&r, &d);
			for (int m = 0; m < 4 && d.n; m++)
				d.b[rng_below(&r, d.n)] = (uint8_t)rng_next(&r);
		}
		dp_len = d.n;
		got = folder_len(&d, dp_len, len);
		assert_true(strlen(got) < len);
		for (const char *c = got; *c; c++)
			assert_true((unsigned char)*c < 0x80);
		if (*got && (got[strlen(got) - 1] == '\\' ||
			     got[strlen(got) - 1] == '/'))
			fail_msg("iteration %d: '%s' ends in a separator", iter,
				 got);
	}
}

/* ---- efi_load_options --------------------------------------------------- */

/* UCS-2 LE of the first n characters of s (NULs included) into b. */
static size_t ucs2(uint8_t *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		b[2 * i] = (uint8_t)s[i];
		b[2 * i + 1] = 0;
	}
	return 2 * n;
}

/* The command line from exactly bytes bytes of b, in an out of len. */
static const char *load_bytes(const uint8_t *b, size_t bytes, size_t len)
{
	uint8_t *opts = malloc(bytes);
	char *out = junk_buffer(len);

	if (bytes) {
		assert_non_null(opts);
		memcpy(opts, b, bytes);
	}
	efi_load_options(opts, bytes, out, len);
	free(opts);
	return take_result(out, len);
}

/* ... of the string s as UCS-2, without a terminating NUL. */
static const char *load_len(const char *s, size_t len)
{
	uint8_t b[2048];

	assert_true(2 * strlen(s) <= sizeof(b));
	return load_bytes(b, ucs2(b, s, strlen(s)), len);
}

static const char *load(const char *s)
{
	return load_len(s, 512);
}

static void test_load_options_plain(void **state)
{
	char all[96];

	assert_string_equal(load("loglevel=debug console=serial"),
			    "loglevel=debug console=serial");
	assert_string_equal(load(""), "");
	assert_string_equal(load("x"), "x");

	/* every printable character, 0x20 to 0x7e, is kept */
	for (int c = 0x21; c <= 0x7e; c++)
		all[c - 0x21] = (char)c;
	all[0x7e - 0x21 + 1] = ' ';
	all[0x7e - 0x21 + 2] = 0;
	assert_string_equal(load(all), all);

	/* with the terminating NUL counted in the size, as firmware does */
	uint8_t b[64];
	size_t n = ucs2(b, "a=1 b=2", 8);

	assert_string_equal(load_bytes(b, n, 64), "a=1 b=2");
}

/* The UEFI shell passes the program's path first. */
static void test_load_options_shell_form(void **state)
{
	assert_string_equal(load("fs0:\\EFI\\hv\\hv.efi loglevel=info"),
			    "loglevel=info");
	assert_string_equal(load("HV.EFI  a  b"), "a  b");
	assert_string_equal(load("hv.efi"), "");
	assert_string_equal(load("hv.efi   "), "");
	assert_string_equal(load(".efi x"), "x");
}

/* Only a first word ending in .efi is a program name. */
static void test_load_options_not_program_name(void **state)
{
	assert_string_equal(load("a hv.efi b"), "a hv.efi b");
	assert_string_equal(load("hv.efi.bak x"), "hv.efi.bak x");
	assert_string_equal(load("config=hv.efix a"), "config=hv.efix a");
	assert_string_equal(load("efi x"), "efi x");
	assert_string_equal(load("hvefi x"), "hvefi x");
}

/* Binary data (a boot entry's optional data) gives no command line. */
static void test_load_options_binary(void **state)
{
	static const uint8_t one[] = { 0x01, 0x00 };
	/* "ab", one of these (outside 0x20..0x7e), "cd" */
	static const uint16_t bad[] = { 0x01, 0x09, 0x0a, 0x1f, 0x7f, 0x80,
					0xe9, 0x0161, 0x6100, 0xfffe };
	uint8_t b[16];

	assert_string_equal(load_bytes(one, sizeof(one), 64), "");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		ucs2(b, "ab", 2);
		b[4] = (uint8_t)bad[i];
		b[5] = (uint8_t)(bad[i] >> 8);
		ucs2(b + 6, "cd", 2);
		if (*load_bytes(b, 10, 64))
			fail_msg("character %#x: '%s', expected ''", bad[i],
				 result);
	}

	/* big-endian text is binary too */
	static const uint8_t be[] = { 0, 'a', 0, 'b' };

	assert_string_equal(load_bytes(be, sizeof(be), 64), "");

	/* binary past what fits in out still counts */
	uint8_t longb[64];
	size_t n = ucs2(longb, "abcdefghijklmnop", 16);

	longb[n] = 0x01;
	longb[n + 1] = 0;
	assert_string_equal(load_bytes(longb, n + 2, 4), "");

	/* after the first NUL anything goes */
	n = ucs2(longb, "ab\0", 3);
	longb[n] = 0x01;
	longb[n + 1] = 0x02;
	assert_string_equal(load_bytes(longb, n + 2, 64), "ab");
}

/* An odd byte count: the last byte is half a character, ignored (and not
 * read beyond: the heap copy ends there). */
static void test_load_options_odd_bytes(void **state)
{
	uint8_t b[16];
	size_t n = ucs2(b, "ab", 2);

	b[n] = 'c';
	assert_string_equal(load_bytes(b, n + 1, 64), "ab");
	assert_string_equal(load_bytes(b, 1, 64), "");

	/* an odd binary byte at the end does not make the rest binary */
	b[n] = 0x01;
	assert_string_equal(load_bytes(b, n + 1, 64), "ab");
}

static void test_load_options_nul_ends(void **state)
{
	uint8_t b[32];
	size_t n = ucs2(b, "ab\0cd", 5);

	assert_string_equal(load_bytes(b, n, 64), "ab");
	n = ucs2(b, "\0cd", 3);
	assert_string_equal(load_bytes(b, n, 64), "");
	n = ucs2(b, "hv.efi x\0y", 10);
	assert_string_equal(load_bytes(b, n, 64), "x");
}

static void test_load_options_truncation(void **state)
{
	const char *s = "console=serial loglevel=info";

	for (size_t len = 1; len <= strlen(s) + 2; len++) {
		const char *got = load_len(s, len);
		size_t want = len - 1 < strlen(s) ? len - 1 : strlen(s);

		assert_int_equal(strlen(got), want);
		assert_memory_equal(got, s, want);
	}
}

/* The program name goes before the line is cut to len - 1 characters:
 * it neither takes room from the command line nor can truncation make a
 * first word end in ".efi". */
static void test_load_options_truncation_after_program_name(void **state)
{
	assert_string_equal(load_len("hv.efi loglevel=info", 10), "loglevel=");
	assert_string_equal(load_len("fs0:\\EFI\\hv\\hv.efi a=1 b=2", 6),
			    "a=1 b");
	assert_string_equal(load_len("hv.efix a", 7), "hv.efi");
}

static void test_load_options_null(void **state)
{
	char *out = junk_buffer(16);

	efi_load_options(NULL, 64, out, 16);
	assert_string_equal(take_result(out, 16), "");
	out = junk_buffer(1);
	efi_load_options(NULL, 0, out, 1);
	assert_string_equal(take_result(out, 1), "");
}

/* ---- efi_take_option ---------------------------------------------------- */

static char cmd[1024];

/* Takes name from a heap copy of line into a val of len (a heap block of
 * exactly len, or NULL when len is 0 and !with_val); the line left is in
 * cmd, the value in result. */
static bool take_len(const char *line, const char *name, size_t len,
		     int with_val)
{
	char *c = strdup(line), *val = NULL;
	bool found;

	assert_non_null(c);
	if (with_val)
		val = junk_buffer(len ? len : 1);
	found = efi_take_option(c, name, val, len);
	assert_true(strlen(c) < sizeof(cmd));
	strcpy(cmd, c);
	free(c);
	if (!with_val) {
		result[0] = 0;
	} else if (!found) {
		free(val);
		result[0] = 0;
	} else if (!len) {
		/* nothing may be written */
		assert_int_equal(val[0], 'Z');
		free(val);
		result[0] = 0;
	} else {
		take_result(val, len);
	}
	return found;
}

static bool take(const char *line, const char *name)
{
	return take_len(line, name, 128, 1);
}

static void test_take_first_middle_last_only(void **state)
{
	assert_true(take("config=a.cfg loglevel=info", "config"));
	assert_string_equal(result, "a.cfg");
	assert_string_equal(cmd, "loglevel=info");

	assert_true(take("loglevel=info config=a.cfg console=serial",
			 "config"));
	assert_string_equal(result, "a.cfg");
	assert_string_equal(cmd, "loglevel=info console=serial");

	assert_true(take("loglevel=info console=serial config=a.cfg",
			 "config"));
	assert_string_equal(result, "a.cfg");
	assert_string_equal(cmd, "loglevel=info console=serial");

	assert_true(take("config=a.cfg", "config"));
	assert_string_equal(result, "a.cfg");
	assert_string_equal(cmd, "");

	/* names with dots, values with '=' and path separators */
	assert_true(take("a=1 efi.stale_key=1 b=2", "efi.stale_key"));
	assert_string_equal(result, "1");
	assert_string_equal(cmd, "a=1 b=2");
	assert_true(take("config=\\x\\y=z.cfg", "config"));
	assert_string_equal(result, "\\x\\y=z.cfg");
	assert_string_equal(cmd, "");
}

/* Spaces left at the end once the word is gone are trimmed. */
static void test_take_trims_trailing_spaces(void **state)
{
	assert_true(take("a=1   config=x", "config"));
	assert_string_equal(cmd, "a=1");
	assert_true(take("a=1 config=x   ", "config"));
	assert_string_equal(cmd, "a=1");
	assert_true(take("config=x   a=1", "config"));
	assert_string_equal(cmd, "a=1");
	assert_true(take("  config=x  ", "config"));
	assert_string_equal(cmd, "");
}

static void test_take_absent(void **state)
{
	const char *lines[] = { "", "loglevel=info console=serial", "   ",
				"a=1  b=2" };

	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		assert_false(take(lines[i], "config"));
		assert_string_equal(cmd, lines[i]);
	}
}

/* A word that only starts with the name, or holds it later, is another
 * option. */
static void test_take_prefix_is_not_a_match(void **state)
{
	const char *lines[] = { "configx=1", "config", "config x=1",
				"xconfig=1", "a=config=1", "confi=1",
				"CONFIG=1", "config:1 configuration=2" };

	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		if (take(lines[i], "config"))
			fail_msg("'%s' matched config, value '%s'", lines[i],
				 result);
		assert_string_equal(cmd, lines[i]);
	}

	/* ... and does not hide the real one after it */
	assert_true(take("configx=1 config=2", "config"));
	assert_string_equal(result, "2");
	assert_string_equal(cmd, "configx=1");
}

static void test_take_value_truncation(void **state)
{
	const char *v = "\\EFI\\hv\\guests.cfg";

	for (size_t len = 1; len <= strlen(v) + 2; len++) {
		size_t want = len - 1 < strlen(v) ? len - 1 : strlen(v);

		assert_true(take_len("a=1 config=\\EFI\\hv\\guests.cfg b=2",
				     "config", len, 1));
		assert_int_equal(strlen(result), want);
		assert_memory_equal(result, v, want);
		assert_string_equal(cmd, "a=1 b=2");
	}

	/* len 0: found and removed, nothing written */
	assert_true(take_len("config=x a=1", "config", 0, 1));
	assert_string_equal(cmd, "a=1");
}

static void test_take_val_null(void **state)
{
	assert_true(take_len("a=1 config=x b=2", "config", 0, 0));
	assert_string_equal(cmd, "a=1 b=2");
	assert_true(take_len("a=1 config=x b=2", "config", 16, 0));
	assert_string_equal(cmd, "a=1 b=2");
	assert_false(take_len("a=1 b=2", "config", 16, 0));
	assert_string_equal(cmd, "a=1 b=2");
}

static void test_take_empty_value(void **state)
{
	assert_true(take("config=", "config"));
	assert_string_equal(result, "");
	assert_string_equal(cmd, "");

	assert_true(take("a=1 config= b=2", "config"));
	assert_string_equal(result, "");
	assert_string_equal(cmd, "a=1 b=2");
}

/* Only the first of two is taken; the second stays for the next call. */
static void test_take_two_occurrences(void **state)
{
	assert_true(take("config=a.cfg x=1 config=b.cfg", "config"));
	assert_string_equal(result, "a.cfg");
	assert_string_equal(cmd, "x=1 config=b.cfg");

	assert_true(take(cmd, "config"));
	assert_string_equal(result, "b.cfg");
	assert_string_equal(cmd, "x=1");
	assert_false(take(cmd, "config"));
}

/* ---- efi_join ----------------------------------------------------------- */

static const char *join_len(size_t len, const char *dir, const char *name)
{
	char *out = junk_buffer(len);

	efi_join(out, len, dir, name);
	return take_result(out, len);
}

static void test_join_relative(void **state)
{
	assert_string_equal(join_len(64, "\\EFI\\hv", "hv.cfg"),
			    "\\EFI\\hv\\hv.cfg");
	assert_string_equal(join_len(64, "\\EFI\\hv", "guests\\a.cfg"),
			    "\\EFI\\hv\\guests\\a.cfg");
	/* the folder at the root is "" */
	assert_string_equal(join_len(64, "", "hv.cfg"), "\\hv.cfg");
}

static void test_join_absolute(void **state)
{
	assert_string_equal(join_len(64, "\\EFI\\hv", "\\other\\x.cfg"),
			    "\\other\\x.cfg");
	assert_string_equal(join_len(64, "\\EFI\\hv", "/other/x.cfg"),
			    "/other/x.cfg");
	assert_string_equal(join_len(64, "", "\\x.cfg"), "\\x.cfg");
}

static void test_join_truncation(void **state)
{
	const char *full = "\\EFI\\hv\\hv.cfg";

	for (size_t len = 1; len <= strlen(full) + 2; len++) {
		const char *got = join_len(len, "\\EFI\\hv", "hv.cfg");
		size_t want = len - 1 < strlen(full) ? len - 1 : strlen(full);

		assert_int_equal(strlen(got), want);
		assert_memory_equal(got, full, want);
	}
	assert_string_equal(join_len(4, "\\EFI", "\\abs\\x.cfg"), "\\ab");
}

/* ---- together, as efi_main uses them ------------------------------------ */

static void test_config_path_from_grub(void **state)
{
	char dir[64], line[128];
	struct dp d;

	dp_init(&d);
	dp_node(&d, 2, 1, 8);
	dp_node(&d, 1, 1, 2);
	dp_node(&d, 4, 1, 38);
	dp_file(&d, "\\EFI\\hv");
	dp_file(&d, "hv.efi");
	dp_end(&d);
	snprintf(dir, sizeof(dir), "%s", folder(&d));
	snprintf(line, sizeof(line), "%s",
		 load("fs0:\\EFI\\hv\\hv.efi config=guests.cfg loglevel=debug"));
	assert_true(take(line, "config"));
	assert_string_equal(cmd, "loglevel=debug");
	assert_string_equal(join_len(64, dir, result),
			    "\\EFI\\hv\\guests.cfg");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folder_grub_chainloader),
		cmocka_unit_test(test_folder_removable_media),
		cmocka_unit_test(test_folder_root),
		cmocka_unit_test(test_folder_separators_between_nodes),
		cmocka_unit_test(test_folder_skips_other_nodes),
		cmocka_unit_test(test_folder_end_node_stops),
		cmocka_unit_test(test_folder_missing_end_node),
		cmocka_unit_test(test_folder_truncated_node),
		cmocka_unit_test(test_folder_short_node_length),
		cmocka_unit_test(test_folder_odd_payload_length),
		cmocka_unit_test(test_folder_empty_file_node),
		cmocka_unit_test(test_folder_nul_inside_node),
		cmocka_unit_test(test_folder_truncation),
		cmocka_unit_test(test_folder_non_ascii),
		cmocka_unit_test(test_folder_node_limit),
		cmocka_unit_test(test_folder_empty_input),
		cmocka_unit_test(test_folder_random_paths),
		cmocka_unit_test(test_folder_random_bytes),
		cmocka_unit_test(test_load_options_plain),
		cmocka_unit_test(test_load_options_shell_form),
		cmocka_unit_test(test_load_options_not_program_name),
		cmocka_unit_test(test_load_options_binary),
		cmocka_unit_test(test_load_options_odd_bytes),
		cmocka_unit_test(test_load_options_nul_ends),
		cmocka_unit_test(test_load_options_truncation),
		cmocka_unit_test(test_load_options_truncation_after_program_name),
		cmocka_unit_test(test_load_options_null),
		cmocka_unit_test(test_take_first_middle_last_only),
		cmocka_unit_test(test_take_trims_trailing_spaces),
		cmocka_unit_test(test_take_absent),
		cmocka_unit_test(test_take_prefix_is_not_a_match),
		cmocka_unit_test(test_take_value_truncation),
		cmocka_unit_test(test_take_val_null),
		cmocka_unit_test(test_take_empty_value),
		cmocka_unit_test(test_take_two_occurrences),
		cmocka_unit_test(test_join_relative),
		cmocka_unit_test(test_join_absolute),
		cmocka_unit_test(test_join_truncation),
		cmocka_unit_test(test_config_path_from_grub),
	};

	return cmocka_run_group_tests_name("efi_args", tests, NULL, NULL);
}
