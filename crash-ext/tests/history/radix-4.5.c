/*
 * radix-4.5.c: the layouts daxtriage reads on v4.5 (also v4.6: the same structs; only the
 * tagging of child pointers changed, which the generator models).  DAX entry era "4.5":
 * sector payloads, RADIX_DAX_PTE 0x6 / RADIX_DAX_PMD 0xa type nibble, RADIX_DAX_SHIFT 4
 * (include/linux/radix-tree.h, v4.5).
 *
 * Sources: DepSurf/struct r/radix_tree_node.md, r/radix_tree_root.md, a/address_space.md,
 * r/resource.md (4.4: the layouts are unchanged in v4.5-v4.6 for these members);
 * include/linux/radix-tree.h of v4.5 (node->path, root->height); d/dev_pagemap.md (4.8:
 * the struct as v4.5 introduced it); kernel/memremap.c of v4.5-v4.13 (struct page_map,
 * get_zone_device_page(), pgmap_radix keyed by section).
 */
#define PAGE_REFCOUNT_IS_COUNT 1
#include "common.h"
#include "page-4.5.h"

#define RADIX_TREE_MAP_SHIFT 6
#define RADIX_TREE_MAP_SIZE (1UL << RADIX_TREE_MAP_SHIFT)
#define RADIX_TREE_MAX_TAGS 3
#define RADIX_TREE_TAG_LONGS 1

struct radix_tree_node {
	unsigned int path;	/* offset in parent << RADIX_TREE_HEIGHT_SHIFT | height */
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
	unsigned int height;
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
	unsigned long nrexceptional;	/* fs/dax.c dax_radix_entry() counts DAX entries here */
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

/* kernel/memremap.c: static RADIX_TREE(pgmap_radix, GFP_KERNEL) */
struct radix_tree_root pgmap_radix;

void get_zone_device_page(struct page *page)
{
	(void)page;
}
