/*
 * radix-4.8.c: the layouts daxtriage reads on v4.7-v4.9 (transcribed from v4.8).  DAX
 * entry era "4.7": sector payloads, RADIX_DAX_SHIFT 5, RADIX_DAX_ENTRY_LOCK 0x4,
 * RADIX_DAX_PTE 0x8, RADIX_DAX_PMD 0x10 (fs/dax.c and include/linux/dax.h after the
 * dax-locking-for-4.7 merge).  Radix nodes carry shift/offset from "radix-tree: replace
 * node->height with node->shift" (v4.7); every child pointer is tagged
 * RADIX_TREE_INTERNAL_NODE.
 *
 * Sources: DepSurf/struct (4.8) r/radix_tree_node.md, r/radix_tree_root.md,
 * a/address_space.md, r/resource.md, d/dev_pagemap.md, p/page.md; kernel/memremap.c of
 * v4.5-v4.13 (struct page_map, section-keyed pgmap_radix, get_zone_device_page()).
 */
#include "common.h"
#include "page-4.5.h"

#define RADIX_TREE_MAP_SIZE 64
#define RADIX_TREE_MAX_TAGS 3
#define RADIX_TREE_TAG_LONGS 1

struct radix_tree_node {
	unsigned char shift;
	unsigned char offset;
	unsigned int count;
	union {
		struct {
			struct radix_tree_node *parent;
			void *private_data;
		};
		struct callback_head rcu_head;
	};
	struct list_head private_list;
	void *slots[RADIX_TREE_MAP_SIZE];
	unsigned long tags[RADIX_TREE_MAX_TAGS][RADIX_TREE_TAG_LONGS];
};

struct radix_tree_root {
	gfp_t gfp_mask;
	struct radix_tree_node *rnode;
};

struct address_space {
	struct inode *host;
	struct radix_tree_root page_tree;
	spinlock_t tree_lock;
	atomic_t i_mmap_writable;
	struct rb_root i_mmap;
	struct rw_semaphore i_mmap_rwsem;
	unsigned long nrpages;
	unsigned long nrexceptional;
	pgoff_t writeback_index;
	const void *a_ops;
	unsigned long flags;
	spinlock_t private_lock;
	struct list_head private_list;
	void *private_data;
};

#include "inode.h"

struct resource {
	resource_size_t start;
	resource_size_t end;
	const char *name;
	unsigned long flags;
	unsigned long desc;
	struct resource *parent, *sibling, *child;
};

struct dev_pagemap {
	struct vmem_altmap *altmap;
	const struct resource *res;
	struct percpu_ref *ref;
	struct device *dev;
};

struct page_map {
	struct resource res;
	struct percpu_ref *ref;
	struct dev_pagemap pgmap;
	struct vmem_altmap altmap;
};

struct radix_tree_root pgmap_radix;

void get_zone_device_page(struct page *page)
{
	(void)page;
}
