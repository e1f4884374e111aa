/*
 * devmem.h: device memory that is not DAX, read for its pgmap: device-private (HMM:
 * lib/test_hmm.c, nouveau) and PCI P2PDMA.  What the expected-count model (refmodel.h) needs
 * beyond the pgmap itself, and who owns the memory.
 *
 * Device-private (v6.1+, ef233450898f "mm: free device private pages have zero refcount"):
 * a free page sits in the driver's allocator at refcount 0; zone_device_page_init() sets 1
 * and takes one pgmap reference per allocated page, free_zone_device_page() drops it
 * (6.1 mm/memremap.c).  An allocated page is normally mapped by the process it was migrated
 * from (a device-private swap entry, counted in _mapcount): one that no process maps is held
 * by the driver alone.
 *
 * P2PDMA (6.1 drivers/pci/p2pdma.c): the pgmap lives in struct pci_p2pdma_pagemap
 * { pgmap; provider (struct pci_dev *); bus_offset }; its pages idle at 1 with the bulk refs
 * of every type, and each pci_alloc_p2pmem() allocation takes one more pgmap reference
 * (percpu_ref_tryget_live_rcu) that pci_free_p2pmem() drops.  Allocations come from the
 * provider's gen_pool (pdev->p2pdma->pool, granule PAGE_SIZE), so the number of outstanding
 * allocations is between 1 and the allocated pages when any page is allocated, else 0.
 */
#ifndef DT_DEVMEM_H
#define DT_DEVMEM_H

#include <stdint.h>
#include "target.h"

struct dt_layout;
struct dt_pgmap;

struct dt_devmem {
	/* device-private / coherent: census of the pgmap's memmap */
	int census_read;
	uint64_t allocated;		/* pages with refcount != 0 */
	uint64_t unmapped;		/* of those, _mapcount -1: mapped by no process */
	uint64_t first_unmapped_pfn;
	uint64_t unreadable;		/* struct pages not in the dump */
	/* P2PDMA */
	int p2p_read;
	uint64_t provider;		/* struct pci_dev * */
	char provider_name[48];		/* dev_name(&provider->dev) */
	uint64_t pool;			/* struct gen_pool * */
	uint64_t pool_bytes, pool_avail;
	char error[160];
};

/* Fill dm for pm (nothing to do for other types: dm zeroed).  0, or -1 with dm->error. */
int dt_devmem_read(const struct dt_target *t, const struct dt_layout *l,
		   const struct dt_pgmap *pm, struct dt_devmem *dm);

#endif
