/*
 * radix-4.10.c: the layouts daxtriage reads on v4.10-v4.13 (transcribed from v4.10).  DAX
 * entry era "4.10": sector payloads, RADIX_DAX_SHIFT 6, ENTRY_LOCK 0x4, PMD 0x8, HZP 0x10,
 * EMPTY 0x20 (include/linux/dax.h, dax-4.10-iomap-pmd); PMD entries are multi-order radix
 * entries (canonical slot + 7 sibling slots in a shift-6 node); 4k read holes are still
 * page-cache pages.  The node gains u8 count and u8 exceptional (v4.10).
 *
 * Sources: DepSurf/struct (4.10) r/radix_tree_node.md, r/radix_tree_root.md,
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
	unsigned char count;
	unsigned char exceptional;
	struct radix_tree_node *parent;
	void *private_data;
	union {
		struct list_head private_list;
		struct callback_head rcu_head;
	};
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
	gfp_t gfp_mask;
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
