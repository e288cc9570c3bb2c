/* SPDX-License-Identifier: MIT */
/* The console focus keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <cmocka.h>

#include "guests/focus.h"

static const bool all3[3] = { true, true, true };

static enum focus_action key(struct focus *f, int c, const bool *run)
{
	return focus_key(f, &c, 3, run);
}

static void plain_bytes_go_to_the_focus(void **state)
{
	struct focus f = { 0, false };
	int c = 'x';

	(void)state;
	assert_int_equal(focus_key(&f, &c, 3, all3), FOCUS_SEND);
	assert_int_equal(c, 'x');
	assert_int_equal(f.vm, 0);
}

static void escape_n_cycles_running_vms(void **state)
{
	struct focus f = { 0, false };
	const bool middle_stopped[3] = { true, false, true };

	(void)state;
	assert_int_equal(key(&f, 0x01, all3), FOCUS_NONE);
	assert_int_equal(key(&f, 'n', all3), FOCUS_MOVED);
	assert_int_equal(f.vm, 1);
	key(&f, 0x01, middle_stopped);
	assert_int_equal(key(&f, 'n', middle_stopped), FOCUS_MOVED);
	assert_int_equal(f.vm, 2);
	key(&f, 0x01, middle_stopped);
	assert_int_equal(key(&f, 'n', middle_stopped), FOCUS_MOVED);
	assert_int_equal(f.vm, 0); /* wraps, skipping the stopped VM 1 */
}

static void escape_digit_picks_a_vm(void **state)
{
	struct focus f = { 0, false };
	const bool third_stopped[3] = { true, true, false };

	(void)state;
	key(&f, 0x01, all3);
	assert_int_equal(key(&f, '3', all3), FOCUS_MOVED);
	assert_int_equal(f.vm, 2);
	key(&f, 0x01, all3);
	assert_int_equal(key(&f, '9', all3), FOCUS_NONE); /* no VM 9 */
	assert_int_equal(f.vm, 2);
	key(&f, 0x01, third_stopped);
	assert_int_equal(key(&f, '1', third_stopped), FOCUS_MOVED);
	key(&f, 0x01, third_stopped);
	assert_int_equal(key(&f, '3', third_stopped), FOCUS_NONE); /* stopped */
	assert_int_equal(f.vm, 0);
}

static void double_escape_sends_one(void **state)
{
	struct focus f = { 1, false };
	int c = 0x01;

	(void)state;
	assert_int_equal(focus_key(&f, &c, 3, all3), FOCUS_NONE);
	assert_int_equal(focus_key(&f, &c, 3, all3), FOCUS_SEND);
	assert_int_equal(c, 0x01);
	assert_false(f.escape);
	/* an unknown escape key is swallowed, and the next byte is plain */
	key(&f, 0x01, all3);
	assert_int_equal(key(&f, 'q', all3), FOCUS_NONE);
	assert_int_equal(key(&f, 'q', all3), FOCUS_SEND);
}

static void stopped_focus_drops_input(void **state)
{
	struct focus f = { 2, false };
	const bool third_stopped[3] = { true, true, false };

	(void)state;
	assert_int_equal(key(&f, 'a', third_stopped), FOCUS_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_bytes_go_to_the_focus),
		cmocka_unit_test(escape_n_cycles_running_vms),
		cmocka_unit_test(escape_digit_picks_a_vm),
		cmocka_unit_test(double_escape_sends_one),
		cmocka_unit_test(stopped_focus_drops_input),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
