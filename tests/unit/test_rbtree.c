/* SPDX-License-Identifier: MIT */
/* lib/rbtree.c: random insert/erase sequences checked against the
 * red-black rules and a sorted reference after every operation. */
#include "unit.h"

#include "lib/rbtree.h"

struct item {
	struct rb_node node;
	unsigned key;
	unsigned seq; /* insertion order, to check equal keys stay stable */
	bool in;
};

static bool item_less(const struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct item, node)->key <
	       rb_entry(b, struct item, node)->key;
}

/* Checks the subtree under n; returns its black height (NULL leaves
 * count 1). Counts the nodes into *count. */
static int check_subtree(const struct rb_node *n, const struct rb_node *parent,
			 unsigned *count)
{
	int lh, rh;

	if (!n)
		return 1;
	assert_ptr_equal(n->rb_parent, parent);
	assert_true(n->rb_color == RB_RED || n->rb_color == RB_BLACK);
	if (n->rb_color == RB_RED) {
		assert_true(!n->rb_left || n->rb_left->rb_color == RB_BLACK);
		assert_true(!n->rb_right || n->rb_right->rb_color == RB_BLACK);
	}
	lh = check_subtree(n->rb_left, n, count);
	rh = check_subtree(n->rb_right, n, count);
	assert_int_equal(lh, rh);
	(*count)++;
	return lh + (n->rb_color == RB_BLACK);
}

/* The red-black rules, the cached leftmost, and in-order walks both ways
 * that are sorted by (key, insertion order) and see exactly `expect`
 * nodes. */
static void check_tree(const struct rb_root_cached *t, unsigned expect)
{
	const struct rb_root *root = &t->rb_root;
	const struct rb_node *n, *prev = NULL;
	unsigned count = 0, walked = 0;

	if (root->rb_node)
		assert_int_equal(root->rb_node->rb_color, RB_BLACK);
	check_subtree(root->rb_node, NULL, &count);
	assert_int_equal(count, expect);
	assert_ptr_equal(rb_first_cached(t), rb_first(root));
	for (n = rb_first(root); n; prev = n, n = rb_next(n), walked++) {
		const struct item *it = rb_entry(n, struct item, node);

		assert_true(it->in);
		if (prev) {
			const struct item *p =
				rb_entry(prev, struct item, node);

			assert_true(p->key < it->key ||
				    (p->key == it->key && p->seq < it->seq));
			assert_ptr_equal(rb_prev(n), prev);
		} else {
			assert_null(rb_prev(n));
		}
	}
	assert_int_equal(walked, expect);
	assert_ptr_equal(rb_last(root), prev);
}

static void test_empty(void **state)
{
	struct rb_root_cached t = RB_ROOT_CACHED;

	assert_true(rb_empty(&t.rb_root));
	assert_null(rb_first_cached(&t));
	assert_null(rb_first(&t.rb_root));
	assert_null(rb_last(&t.rb_root));
}

static void test_sorted_inserts_stay_balanced(void **state)
{
	static struct item items[1023];
	struct rb_root_cached t = RB_ROOT_CACHED;
	unsigned count = 0;
	int bh;

	for (unsigned i = 0; i < ARRAY_SIZE(items); i++) {
		items[i] = (struct item){ .key = i, .seq = i, .in = true };
		/* Ascending keys: only the first insert is the leftmost. */
		struct rb_node *lm = rb_add_cached(&items[i].node, &t,
						   item_less);

		assert_ptr_equal(lm, i ? NULL : &items[i].node);
	}
	check_tree(&t, ARRAY_SIZE(items));
	assert_ptr_equal(rb_first_cached(&t), &items[0].node);
	/* Height <= 2 log2(n + 1) = 20 for 1023 nodes; black height >= 5. */
	bh = check_subtree(t.rb_root.rb_node, NULL, &count);
	assert_in_range(bh, 6, 11);
}

static void test_equal_keys_keep_insertion_order(void **state)
{
	static struct item items[64];
	struct rb_root_cached t = RB_ROOT_CACHED;
	struct rb_node *n;
	unsigned seq = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(items); i++) {
		items[i] = (struct item){ .key = 7, .seq = i, .in = true };
		rb_add_cached(&items[i].node, &t, item_less);
	}
	check_tree(&t, ARRAY_SIZE(items));
	for (n = rb_first_cached(&t); n; n = rb_next(n))
		assert_int_equal(rb_entry(n, struct item, node)->seq, seq++);
	/* Erasing the leftmost moves the cache to the next in line. */
	rb_erase_cached(&items[0].node, &t);
	items[0].in = false;
	assert_ptr_equal(rb_first_cached(&t), &items[1].node);
	check_tree(&t, ARRAY_SIZE(items) - 1);
}

#define POOL 600
#define OPS 20000 /* inserts + erases */

static void random_ops(uint64_t seed, unsigned key_range)
{
	static struct item items[POOL];
	struct rb_root_cached t = RB_ROOT_CACHED;
	struct rng r = { seed };
	unsigned n = 0, seq = 0, inserts = 0, erases = 0, peak = 0;

	memset(items, 0, sizeof(items));
	while (inserts + erases < OPS) {
		struct item *it = &items[rng_below(&r, POOL)];
		/* Phases that fill the tree up, then drain it. */
		bool grow = ((inserts + erases) / 2000) % 2 == 0 ?
				    rng_below(&r, 4) != 0 :
				    rng_below(&r, 4) == 0;

		if (!it->in && grow) {
			it->key = (unsigned)rng_below(&r, key_range);
			it->seq = seq++;
			it->in = true;
			struct rb_node *lm = rb_add_cached(&it->node, &t,
							   item_less);
			assert_ptr_equal(lm, rb_first_cached(&t) == &it->node ?
						     &it->node :
						     NULL);
			n++, inserts++;
		} else if (it->in && !grow) {
			rb_erase_cached(&it->node, &t);
			it->in = false;
			n--, erases++;
		} else {
			continue;
		}
		peak = n > peak ? n : peak;
		check_tree(&t, n);
	}
	/* Both operations ran at volume on trees of hundreds of nodes. */
	assert_true(inserts > OPS / 3 && erases > OPS / 3);
	assert_true(peak > POOL / 2);
}

static void test_random_distinct_keys(void **state)
{
	random_ops(0x5eed1234abcdull, 1u << 30);
}

static void test_random_many_equal_keys(void **state)
{
	random_ops(0xfeedfacecafeull, 16);
}

/* rb_link_node + rb_insert_color_cached: the caller-walked insertion
 * path Linux code uses. */
static void test_manual_link(void **state)
{
	static struct item items[200];
	struct rb_root_cached t = RB_ROOT_CACHED;
	struct rng r = { 42 };

	for (unsigned i = 0; i < ARRAY_SIZE(items); i++) {
		struct rb_node **link = &t.rb_root.rb_node, *parent = NULL;
		bool leftmost = true;

		items[i] = (struct item){ .key = (unsigned)rng_below(&r, 1000),
					  .seq = i,
					  .in = true };
		while (*link) {
			parent = *link;
			if (item_less(&items[i].node, parent)) {
				link = &parent->rb_left;
			} else {
				link = &parent->rb_right;
				leftmost = false;
			}
		}
		rb_link_node(&items[i].node, parent, link);
		rb_insert_color_cached(&items[i].node, &t, leftmost);
		check_tree(&t, i + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_sorted_inserts_stay_balanced),
		cmocka_unit_test(test_equal_keys_keep_insertion_order),
		cmocka_unit_test(test_random_distinct_keys),
		cmocka_unit_test(test_random_many_equal_keys),
		cmocka_unit_test(test_manual_link),
	};

	return cmocka_run_group_tests_name("rbtree", tests, NULL, NULL);
}
