/* SPDX-License-Identifier: MIT */
#include "guests/focus.h"

#define CTRL_A 0x01

static enum focus_action move_to(struct focus *f, int vm, unsigned n,
				 const bool *running)
{
	if (vm < 0 || (unsigned)vm >= n || !running[vm])
		return FOCUS_NONE;
	f->vm = vm;
	return FOCUS_MOVED;
}

enum focus_action focus_key(struct focus *f, int *byte, unsigned n,
			    const bool *running)
{
	if (!f->escape) {
		if (*byte == CTRL_A) {
			f->escape = true;
			return FOCUS_NONE;
		}
		return (unsigned)f->vm < n && running[f->vm] ? FOCUS_SEND :
							      FOCUS_NONE;
	}
	f->escape = false;
	if (*byte == CTRL_A)
		return (unsigned)f->vm < n && running[f->vm] ? FOCUS_SEND :
							      FOCUS_NONE;
	if (*byte >= '1' && *byte <= '9')
		return move_to(f, *byte - '1', n, running);
	if (*byte == 'n') {
		for (unsigned i = 1; i <= n; i++)
			if (move_to(f, (int)((f->vm + i) % n), n, running))
				return FOCUS_MOVED;
	}
	return FOCUS_NONE;
}
