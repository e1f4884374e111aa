/*
 * radix-4.18.c: the layouts daxtriage reads on v4.17-v4.19 (transcribed from v4.18).  DAX
 * entry era "4.17": the same bits as "4.14" but the payload is the pfn (3fe0791c295c "dax:
 * store pfns in the radix", v4.17), and dax_associate_entry() sets page->mapping/index of
 * every pfn of a real entry (d2c997c0f145, v4.17).  b93b016313b3 "page cache: use
 * xa_lock" (v4.17) renamed page_tree to i_pages and moved the lock into the root.  The
 * struct page rework (v4.18) moved pgmap to offset 8; dev_pagemap embeds its altmap (with
 * altmap_valid) and its resource (v4.16); pgmap_radix holds struct dev_pagemap * (page_map
 * removed in v4.16); MEMORY_DEVICE_FS_DAX is new in v4.18 (libnvdimm-for-4.18).
 *
 * Sources: DepSurf/struct (4.18) r/radix_tree_node.md, r/radix_tree_root.md,
 * a/address_space.md, r/resource.md, d/dev_pagemap.md, p/page.md; "[PATCH v10] mm:
 * introduce MEMORY_DEVICE_FS_DAX and CONFIG_DEV_PAGEMAP_OPS" (enum memory_type, v4.18).
 */
#include "common.h"
#include "page-4.18.h"

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
	spinlock_t xa_lock;
	gfp_t gfp_mask;
	struct radix_tree_node *rnode;
};

struct rb_root_cached {
	struct rb_root rb_root;
	struct rb_node *rb_leftmost;
};

struct address_space {
	struct inode *host;
	struct radix_tree_root i_pages;
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
	MEMORY_DEVICE_PRIVATE = 1,
	MEMORY_DEVICE_PUBLIC,
	MEMORY_DEVICE_FS_DAX,
};

struct vm_area_struct;
typedef int (*dev_page_fault_t)(struct vm_area_struct *vma, unsigned long addr,
				const struct page *page, unsigned int flags, void *pmdp);
typedef void (*dev_page_free_t)(struct page *page, void *data);

struct dev_pagemap {
	dev_page_fault_t page_fault;
	dev_page_free_t page_free;
	struct vmem_altmap altmap;
	bool altmap_valid;
	struct resource res;
	struct percpu_ref *ref;
	struct device *dev;
	void *data;
	enum memory_type type;
};

struct radix_tree_root pgmap_radix;

/* arch/x86/kernel/head64.c (v4.8+, KASLR): the struct page array of SPARSEMEM_VMEMMAP */
unsigned long vmemmap_base;
