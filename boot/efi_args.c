/* SPDX-License-Identifier: MIT */
/* hv.efi's reading of where it was loaded from and what it was told:
 * device paths, load options, name=value options, ESP paths (pure). */
#include "boot/efi.h"

#include "lib/format.h"
#include "lib/string.h"

#define DP_END 0x7f
#define DP_MEDIA 4
#define DP_MEDIA_FILE_PATH 4
#define DP_MAX_NODES 64

static uint16_t ucs2_at(const uint8_t *p, size_t i)
{
	return (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
}

void efi_image_folder(const uint8_t *dp, size_t dp_len, char *dir,
		      size_t len)
{
	size_t k = 0, off = 0;

	if (!len)
		return;
	for (int n = 0; dp && n < DP_MAX_NODES && off + 4 <= dp_len; n++) {
		const uint8_t *node = dp + off;
		unsigned type = node[0], sub = node[1];
		size_t l = node[2] | node[3] << 8;
		bool file = type == DP_MEDIA && sub == DP_MEDIA_FILE_PATH;

		if (type == DP_END || l < 4 || l > dp_len - off)
			break;
		/* one node may hold the whole path, or one name each */
		if (file && k && dir[k - 1] != '\\' && l >= 6 &&
		    ucs2_at(node + 4, 0) && ucs2_at(node + 4, 0) != '\\' &&
		    k < len - 1)
			dir[k++] = '\\';
		for (size_t i = 0; file && i < (l - 4) / 2 && k < len - 1; i++) {
			uint16_t c = ucs2_at(node + 4, i);

			if (!c)
				break;
			dir[k++] = c < 0x80 ? (char)c : '_';
		}
		off += l;
	}
	while (k > 0 && dir[k - 1] != '\\' && dir[k - 1] != '/')
		k--;
	while (k > 0 && (dir[k - 1] == '\\' || dir[k - 1] == '/'))
		k--;
	dir[k] = 0;
}

/* Whether the first word of the n UCS-2 characters ends in ".efi"; its
 * length (and the spaces after it) in *skip. */
static bool program_name(const uint8_t *opts, size_t n, size_t *skip)
{
	size_t w = 0;

	while (w < n && ucs2_at(opts, w) && ucs2_at(opts, w) != ' ')
		w++;
	if (w < 4)
		return false;
	for (size_t i = 0; i < 4; i++) {
		uint16_t c = ucs2_at(opts, w - 4 + i);

		if (c != (uint16_t)".efi"[i] && c != (uint16_t)".EFI"[i])
			return false;
	}
	while (w < n && ucs2_at(opts, w) == ' ')
		w++;
	*skip = w;
	return true;
}

void efi_load_options(const uint8_t *opts, size_t bytes, char *out,
		      size_t len)
{
	size_t n = opts ? bytes / 2 : 0, k = 0, from = 0;

	if (!len)
		return;
	for (size_t i = 0; i < n && ucs2_at(opts, i); i++) {
		uint16_t c = ucs2_at(opts, i);

		if (c < 0x20 || c > 0x7e) { /* binary data: no command line */
			out[0] = 0;
			return;
		}
	}
	program_name(opts, n, &from); /* the shell's "prog.efi args" */
	for (size_t i = from; i < n && ucs2_at(opts, i) && k < len - 1; i++)
		out[k++] = (char)ucs2_at(opts, i);
	out[k] = 0;
}

bool efi_take_option(char *cmdline, const char *name, char *val, size_t len)
{
	size_t n = strlen(name);

	for (char *p = cmdline; *p;) {
		char *end = p;

		while (*end && *end != ' ')
			end++;
		if (!strncmp(p, name, n) && p[n] == '=') {
			size_t v = end - (p + n + 1);

			if (val && len)
				str_copy(val, p + n + 1, v + 1 < len ? v + 1 : len);
			while (*end == ' ')
				end++;
			memmove(p, end, strlen(end) + 1);
			for (size_t k = strlen(cmdline); k && cmdline[k - 1] == ' ';)
				cmdline[--k] = 0;
			return true;
		}
		p = *end ? end + 1 : end;
	}
	return false;
}

void efi_join(char *out, size_t len, const char *dir, const char *name)
{
	if (name[0] == '\\' || name[0] == '/')
		ksnprintf(out, len, "%s", name);
	else
		ksnprintf(out, len, "%s\\%s", dir, name);
}
