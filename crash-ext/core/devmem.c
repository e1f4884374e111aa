/* devmem.c: device-private and P2PDMA memory behind a pgmap (see devmem.h). */
#include <stdio.h>
#include <string.h>
#include "devmem.h"
#include "memmap.h"

#define DT_GEN_POOL_MAX_CHUNKS 64

static int count_allocated(void *arg, const struct dt_page *p, int idle)
{
	struct dt_devmem *dm = arg;
	(void)idle;
	/* the census hands over every page whose refcount is not the idle 0: allocated */
	if (p->tail)
		return 0;
	dm->allocated++;
	if (p->mapcount_raw == -1 && dm->unmapped++ == 0)
		dm->first_unmapped_pfn = p->pfn;
	return 0;
}

static int private_census(const struct dt_target *t, const struct dt_layout *l,
			  const struct dt_pgmap *pm, struct dt_devmem *dm)
{
	for (int r = 0; r < pm->nr_range && r < DT_MAX_RANGES; r++) {
		struct dt_census c;
		if (dt_census_range(t, l, pm, pm->start[r] >> 12, (pm->end[r] >> 12) + 1,
				    count_allocated, dm, &c)) {
			snprintf(dm->error, sizeof(dm->error), "memmap of range %d not readable", r);
			return -1;
		}
		dm->unreadable += c.unreadable;
	}
	dm->census_read = 1;
	return 0;
}

/* An offset that must exist; sets the error and returns -1 when the debuginfo lacks it. */
static long need_off(const struct dt_target *t, struct dt_devmem *dm, const char *type,
		     const char *member)
{
	long o = dt_member_offset(t, type, member);
	if (o < 0 && !dm->error[0])
		snprintf(dm->error, sizeof(dm->error), "no %s.%s in debuginfo", type, member);
	return o;
}

static int p2pdma_read(const struct dt_target *t, struct dt_devmem *dm, uint64_t pgmap)
{
	/* container_of(pgmap, struct pci_p2pdma_pagemap, pgmap) (6.1 drivers/pci/p2pdma.c) */
	long o_pgmap = need_off(t, dm, "pci_p2pdma_pagemap", "pgmap");
	long o_prov = need_off(t, dm, "pci_p2pdma_pagemap", "provider");
	long o_dev = need_off(t, dm, "pci_dev", "dev");
	long o_kobj = need_off(t, dm, "device", "kobj");
	long o_name = need_off(t, dm, "kobject", "name");
	long o_p2p = need_off(t, dm, "pci_dev", "p2pdma");
	long o_pool = need_off(t, dm, "pci_p2pdma", "pool");
	long o_chunks = need_off(t, dm, "gen_pool", "chunks");
	long o_next = need_off(t, dm, "gen_pool_chunk", "next_chunk");
	long o_avail = need_off(t, dm, "gen_pool_chunk", "avail");
	long o_start = need_off(t, dm, "gen_pool_chunk", "start_addr");
	long o_end = need_off(t, dm, "gen_pool_chunk", "end_addr");
	if (dm->error[0])
		return -1;
	uint64_t base = pgmap - (uint64_t)o_pgmap, namep, p2p;
	if (dt_read_u64(t, base + (uint64_t)o_prov, &dm->provider) || !dt_kptr_ok(dm->provider, 8)) {
		snprintf(dm->error, sizeof(dm->error), "pci_p2pdma_pagemap %#llx: provider unreadable",
			 (unsigned long long)base);
		return -1;
	}
	uint64_t dev = dm->provider + (uint64_t)o_dev;
	if (dt_read_u64(t, dev + (uint64_t)o_kobj + (uint64_t)o_name, &namep) ||
	    dt_read_str(t, namep, dm->provider_name, sizeof(dm->provider_name)))
		dm->provider_name[0] = 0;
	if (dt_read_u64(t, dm->provider + (uint64_t)o_p2p, &p2p) || !dt_kptr_ok(p2p, 8) ||
	    dt_read_u64(t, p2p + (uint64_t)o_pool, &dm->pool) || !dt_kptr_ok(dm->pool, 8)) {
		snprintf(dm->error, sizeof(dm->error), "pci_dev %#llx: p2pdma pool unreadable",
			 (unsigned long long)dm->provider);
		return -1;
	}
	/* gen_pool.chunks: list of gen_pool_chunk by next_chunk; end_addr is inclusive */
	uint64_t head = dm->pool + (uint64_t)o_chunks, pos;
	if (dt_read_u64(t, head, &pos))
		pos = 0;
	for (int n = 0; pos && pos != head; n++) {
		uint64_t ch = pos - (uint64_t)o_next, avail, s, e;
		if (n == DT_GEN_POOL_MAX_CHUNKS || dt_read_u64(t, ch + (uint64_t)o_avail, &avail) ||
		    dt_read_u64(t, ch + (uint64_t)o_start, &s) ||
		    dt_read_u64(t, ch + (uint64_t)o_end, &e) || e < s ||
		    dt_read_u64(t, pos, &pos)) {
			snprintf(dm->error, sizeof(dm->error), "gen_pool %#llx: chunk list unreadable",
				 (unsigned long long)dm->pool);
			return -1;
		}
		dm->pool_bytes += e - s + 1;
		dm->pool_avail += avail;
	}
	dm->p2p_read = 1;
	return 0;
}

int dt_devmem_read(const struct dt_target *t, const struct dt_layout *l,
		   const struct dt_pgmap *pm, struct dt_devmem *dm)
{
	memset(dm, 0, sizeof(*dm));
	switch (pm->type) {
	case DT_MT_PRIVATE:
	case DT_MT_COHERENT:
		/* the per-page rule is v6.1+; before, these pages idle at 1 like the rest */
		if (l->refmodel != DT_RM_6_1 && l->refmodel != DT_RM_6_15)
			return 0;
		return private_census(t, l, pm, dm);
	case DT_MT_PCI_P2PDMA:
		return p2pdma_read(t, dm, pm->addr);
	default:
		return 0;
	}
}
