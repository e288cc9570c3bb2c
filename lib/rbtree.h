/* SPDX-License-Identifier: MIT */
/*
 * An intrusive red-black tree with a Linux-like API. Nodes live inside the
 * caller's objects (rb_entry() gets back to the object); the tree never
 * allocates. Ordering is the caller's: rb_add() and rb_add_cached() take a
 * "less" callback, and keys that compare equal keep their insertion order
 * (a new node goes after its equals), which the scheduler relies on for
 * round-robin among equal vruntimes.
 *
 * The _cached variants also keep the leftmost node, so rb_first_cached()
 * is O(1): the scheduler picks the leftmost entity on every switch.
 */
#ifndef LIB_RBTREE_H
#define LIB_RBTREE_H

#include <stdbool.h>
#include <stddef.h>

#define RB_RED 0
#define RB_BLACK 1

struct rb_node {
	struct rb_node *rb_parent;
	struct rb_node *rb_left, *rb_right;
	int rb_color;
};

struct rb_root {
	struct rb_node *rb_node;
};

struct rb_root_cached {
	struct rb_root rb_root;
	struct rb_node *rb_leftmost;
};

#define RB_ROOT ((struct rb_root){ NULL })
#define RB_ROOT_CACHED ((struct rb_root_cached){ { NULL }, NULL })

#define rb_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define rb_entry_safe(ptr, type, member)                               \
	({                                                             \
		struct rb_node *rb_p_ = (ptr);                         \
		rb_p_ ? rb_entry(rb_p_, type, member) : (type *)NULL;  \
	})

typedef bool (*rb_less_fn)(const struct rb_node *a, const struct rb_node *b);

static inline bool rb_empty(const struct rb_root *root)
{
	return !root->rb_node;
}

/* Links a new node below parent at *link (the NULL child slot a search
 * ended on); rb_insert_color() then rebalances. For callers that walk the
 * tree themselves. */
static inline void rb_link_node(struct rb_node *node, struct rb_node *parent,
				struct rb_node **link)
{
	node->rb_parent = parent;
	node->rb_left = node->rb_right = NULL;
	node->rb_color = RB_RED;
	*link = node;
}

void rb_insert_color(struct rb_node *node, struct rb_root *root);
void rb_erase(struct rb_node *node, struct rb_root *root);

/* In-order walking; NULL past the ends. */
struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_last(const struct rb_root *root);
struct rb_node *rb_next(const struct rb_node *node);
struct rb_node *rb_prev(const struct rb_node *node);

/* Inserts node in order. */
void rb_add(struct rb_node *node, struct rb_root *root, rb_less_fn less);

/* ---- with the leftmost node cached --------------------------------------- */

static inline struct rb_node *rb_first_cached(const struct rb_root_cached *t)
{
	return t->rb_leftmost;
}

/* leftmost: node was linked as the new leftmost node. */
void rb_insert_color_cached(struct rb_node *node, struct rb_root_cached *t,
			    bool leftmost);
void rb_erase_cached(struct rb_node *node, struct rb_root_cached *t);
/* Inserts node in order; returns node when it became the leftmost, else
 * NULL (like Linux). */
struct rb_node *rb_add_cached(struct rb_node *node, struct rb_root_cached *t,
			      rb_less_fn less);

#endif
