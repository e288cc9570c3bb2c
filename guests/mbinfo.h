/* SPDX-License-Identifier: MIT */
/* The multiboot v1/v2 information a guest kernel finds in EBX: memory
 * size and map, command line, modules (placed in its RAM after the
 * kernel), the loader's name. Pure. */
#ifndef GUESTS_MBINFO_H
#define GUESTS_MBINFO_H

#include <stddef.h>

#include "guests/loader.h"

#define MBINFO_LOADER_NAME "hv"

/* Guest memory map: [0, 0x9fc00) and [1 MiB, RAM end) usable; the
 * firmware area [0xe0000, 1 MiB) holds the ACPI tables. */
#define GUEST_LOW_END 0x9fc00ull

/* Places the modules and the information after res->kernel_end and fills
 * res->eax/ebx/info_gpa. 0, or a negative error named in err. */
int mbinfo_build(struct gpa_space *mem, const struct load_request *req,
		 struct load_result *res, char *err, size_t errlen);

#endif
