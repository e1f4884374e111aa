/*
 * radix-4.15.c: the layouts daxtriage reads on v4.14-v4.16 (transcribed from v4.15).  DAX
 * entry era "4.14": as "4.10" with RADIX_DAX_HZP renamed RADIX_DAX_ZERO_PAGE and 4k read
 * holes stored as ZERO_PAGE entries ("dax: use common 4k zero page for dax mmap reads",
 * v4.14); still sector payloads.  The node has a root back-pointer instead of
 * private_data (between v4.10 and v4.13).  HMM added dev_pagemap.type/page_fault/page_free
 * (v4.14) and "mm, devm_memremap_pages: use multi-order radix for ZONE_DEVICE lookups"
 * (v4.14) keys pgmap_radix by pfn with multi-order entries; the values are still struct
 * page_map * until v4.16.
 *
 * Sources: DepSurf/struct (4.15) r/radix_tree_node.md, r/radix_tree_root.md,
 * a/address_space.md, r/resource.md, d/dev_pagemap.md, p/page.md; include/linux/memremap.h
 * of v4.14/v4.15 (enum memory_type); kernel/memremap.c of v4.14 (order_at(),
 * foreach_order_pgoff(), __radix_tree_insert(&pgmap_radix, pfn, order, page_map)).
 */
#include "common.h"
#include "page-4.5.h"

#define RADIX_TREE_MAP_SIZE 64
#define RADIX_TREE_MAX_TAGS 3
#define RADIX_TREE_TAG_LONGS 1

struct radix_tree_root;

struct radix_tree_node {
	unsigned char shift;
	unsigned char offset;
	unsigned char count;
	unsigned char exceptional;
	struct radix_tree_node *parent;
	struct radix_tree_root *root;
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

struct rb_root_cached {
	struct rb_root rb_root;
	struct rb_node *rb_leftmost;
};

struct address_space {
	struct inode *host;
	struct radix_tree_root page_tree;
	spinlock_t tree_lock;
	atomic_t i_mmap_writable;
	struct rb_root_cached i_mmap;
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
	unsigned int wb_err;
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

enum memory_type {
	MEMORY_DEVICE_HOST = 0,
	MEMORY_DEVICE_PRIVATE,
	MEMORY_DEVICE_PUBLIC,
};

struct vm_area_struct;
typedef int (*dev_page_fault_t)(struct vm_area_struct *vma, unsigned long addr,
				const struct page *page, unsigned int flags, void *pmdp);
typedef void (*dev_page_free_t)(struct page *page, void *data);

struct dev_pagemap {
	dev_page_fault_t page_fault;
	dev_page_free_t page_free;
	struct vmem_altmap *altmap;
	const struct resource *res;
	struct percpu_ref *ref;
	struct device *dev;
	void *data;
	enum memory_type type;
};

struct page_map {
	struct resource res;
	struct percpu_ref *ref;
	struct dev_pagemap pgmap;
	struct vmem_altmap altmap;
};

struct radix_tree_root pgmap_radix;
