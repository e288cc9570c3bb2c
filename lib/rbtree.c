/* SPDX-License-Identifier: MIT */
/*
 * Red-black tree (Cormen et al., "Introduction to Algorithms", ch. 13),
 * without a sentinel: a NULL child is a black leaf. The rules kept:
 * every node is red or black, the root is black, a red node has no red
 * child, and every path from a node down to a leaf has the same number of
 * black nodes. Together they bound the height to 2 log2(n + 1).
 *
 * Left and right cases are mirror images, so the code is written once for
 * a direction `dir` (0 = left, 1 = right) and its opposite `!dir`.
 */
#include "lib/rbtree.h"

static inline struct rb_node **child(struct rb_node *n, int dir)
{
	return dir ? &n->rb_right : &n->rb_left;
}

static inline bool is_black(const struct rb_node *n)
{
	return !n || n->rb_color == RB_BLACK;
}

/* Makes parent (or the root when parent is NULL) point at new instead
 * of old. */
static void replace_child(struct rb_root *root, struct rb_node *parent,
			  struct rb_node *old, struct rb_node *new)
{
	if (!parent)
		root->rb_node = new;
	else if (parent->rb_left == old)
		parent->rb_left = new;
	else
		parent->rb_right = new;
}

/* Rotates x down towards dir: its child on the other side takes its place
 * and x becomes that child's dir-side child. Order is unchanged. */
static void rotate(struct rb_root *root, struct rb_node *x, int dir)
{
	struct rb_node *y = *child(x, !dir);
	struct rb_node *inner = *child(y, dir);

	*child(x, !dir) = inner;
	if (inner)
		inner->rb_parent = x;
	y->rb_parent = x->rb_parent;
	replace_child(root, x->rb_parent, x, y);
	*child(y, dir) = x;
	x->rb_parent = y;
}

void rb_insert_color(struct rb_node *node, struct rb_root *root)
{
	struct rb_node *p, *g, *uncle;

	/* Only the red-red rule can be broken, between node and p. */
	while ((p = node->rb_parent) && p->rb_color == RB_RED) {
		g = p->rb_parent; /* exists: a red node is never the root */
		int dir = g->rb_right == p;

		uncle = *child(g, !dir);
		if (!is_black(uncle)) {
			/* Push g's blackness down; the problem moves up. */
			p->rb_color = uncle->rb_color = RB_BLACK;
			g->rb_color = RB_RED;
			node = g;
			continue;
		}
		if (node == *child(p, !dir)) {
			/* Inner grandchild: make it outer first. */
			rotate(root, p, dir);
			node = p;
			p = node->rb_parent;
		}
		p->rb_color = RB_BLACK;
		g->rb_color = RB_RED;
		rotate(root, g, !dir);
		break;
	}
	root->rb_node->rb_color = RB_BLACK;
}

/* x (possibly NULL, a child of parent) lacks one black on its paths. */
static void erase_fixup(struct rb_root *root, struct rb_node *x,
			struct rb_node *parent)
{
	while (x != root->rb_node && is_black(x)) {
		int dir = parent->rb_right == x;
		/* Non-NULL: its side has at least one black more than x's. */
		struct rb_node *w = *child(parent, !dir);

		if (w->rb_color == RB_RED) {
			w->rb_color = RB_BLACK;
			parent->rb_color = RB_RED;
			rotate(root, parent, dir);
			w = *child(parent, !dir);
		}
		if (is_black(w->rb_left) && is_black(w->rb_right)) {
			w->rb_color = RB_RED;
			x = parent;
			parent = x->rb_parent;
			continue;
		}
		if (is_black(*child(w, !dir))) {
			(*child(w, dir))->rb_color = RB_BLACK;
			w->rb_color = RB_RED;
			rotate(root, w, !dir);
			w = *child(parent, !dir);
		}
		w->rb_color = parent->rb_color;
		parent->rb_color = RB_BLACK;
		(*child(w, !dir))->rb_color = RB_BLACK;
		rotate(root, parent, dir);
		x = root->rb_node;
		break;
	}
	if (x)
		x->rb_color = RB_BLACK;
}

/* Puts y (node's in-order successor, leftmost of its right subtree) in
 * node's place. Returns where a black went missing: *x under *parent. */
static void splice_successor(struct rb_root *root, struct rb_node *node,
			     struct rb_node *y, struct rb_node **x,
			     struct rb_node **parent)
{
	*x = y->rb_right;
	if (y->rb_parent == node) {
		*parent = y;
	} else {
		*parent = y->rb_parent;
		(*parent)->rb_left = *x;
		if (*x)
			(*x)->rb_parent = *parent;
		y->rb_right = node->rb_right;
		y->rb_right->rb_parent = y;
	}
	replace_child(root, node->rb_parent, node, y);
	y->rb_parent = node->rb_parent;
	y->rb_left = node->rb_left;
	y->rb_left->rb_parent = y;
}

void rb_erase(struct rb_node *node, struct rb_root *root)
{
	struct rb_node *x, *parent;
	int removed_color;

	if (!node->rb_left || !node->rb_right) {
		x = node->rb_left ? node->rb_left : node->rb_right;
		parent = node->rb_parent;
		removed_color = node->rb_color;
		replace_child(root, parent, node, x);
		if (x)
			x->rb_parent = parent;
	} else {
		struct rb_node *y = node->rb_right;

		while (y->rb_left)
			y = y->rb_left;
		/* y takes node's colour, so the colour lost is y's own. */
		removed_color = y->rb_color;
		splice_successor(root, node, y, &x, &parent);
		y->rb_color = node->rb_color;
	}
	if (removed_color == RB_BLACK)
		erase_fixup(root, x, parent);
}

static struct rb_node *extreme(struct rb_node *n, int dir)
{
	if (n)
		while (*child(n, dir))
			n = *child(n, dir);
	return n;
}

/* The neighbour of node towards dir in order. */
static struct rb_node *step(const struct rb_node *node, int dir)
{
	struct rb_node *n = (struct rb_node *)node;

	if (*child(n, dir))
		return extreme(*child(n, dir), !dir);
	while (n->rb_parent && n == *child(n->rb_parent, dir))
		n = n->rb_parent;
	return n->rb_parent;
}

struct rb_node *rb_first(const struct rb_root *root)
{
	return extreme(root->rb_node, 0);
}

struct rb_node *rb_last(const struct rb_root *root)
{
	return extreme(root->rb_node, 1);
}

struct rb_node *rb_next(const struct rb_node *node)
{
	return step(node, 1);
}

struct rb_node *rb_prev(const struct rb_node *node)
{
	return step(node, 0);
}

/* Links node in order; returns whether it went down only left turns,
 * i.e. became the leftmost node. */
static bool link_ordered(struct rb_node *node, struct rb_root *root,
			 rb_less_fn less)
{
	struct rb_node **link = &root->rb_node, *parent = NULL;
	bool leftmost = true;

	while (*link) {
		parent = *link;
		if (less(node, parent)) {
			link = &parent->rb_left;
		} else {
			/* Equal keys go right: insertion order is kept. */
			link = &parent->rb_right;
			leftmost = false;
		}
	}
	rb_link_node(node, parent, link);
	return leftmost;
}

void rb_add(struct rb_node *node, struct rb_root *root, rb_less_fn less)
{
	link_ordered(node, root, less);
	rb_insert_color(node, root);
}

void rb_insert_color_cached(struct rb_node *node, struct rb_root_cached *t,
			    bool leftmost)
{
	if (leftmost)
		t->rb_leftmost = node;
	rb_insert_color(node, &t->rb_root);
}

void rb_erase_cached(struct rb_node *node, struct rb_root_cached *t)
{
	if (t->rb_leftmost == node)
		t->rb_leftmost = rb_next(node);
	rb_erase(node, &t->rb_root);
}

struct rb_node *rb_add_cached(struct rb_node *node, struct rb_root_cached *t,
			      rb_less_fn less)
{
	bool leftmost = link_ordered(node, &t->rb_root, less);

	rb_insert_color_cached(node, t, leftmost);
	return leftmost ? node : NULL;
}
