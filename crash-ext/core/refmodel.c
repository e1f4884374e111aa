/* refmodel.c: expected pgmap and page reference counts by era (see refmodel.h). */
#include "refmodel.h"

void dt_expected_pgmap_count(const struct dt_model_in *in, struct dt_expect *out)
{
	out->applies = 0;
	out->expected = 0;
	out->expected_max = 0;
	out->bulk = 0;
	/* a corrupted vmemmap_shift (the kernel's is at most PUD_SHIFT - PAGE_SHIFT) must not
	 * be a shift by 64 or more: no pfn_len is that large, so such a range adds nothing */
	for (int i = 0; i < in->nr_range && i < DT_MAX_RANGES; i++)
		if (in->pfn_end[i] > in->pfn_first[i] && in->vmemmap_shift < 64)
			out->bulk += (int64_t)((in->pfn_end[i] - in->pfn_first[i]) >> in->vmemmap_shift);
	int private = in->type == DT_MT_PRIVATE || in->type == DT_MT_COHERENT;
	switch (in->model) {
	case DT_RM_6_1:
	case DT_RM_6_15:
		out->applies = 1;
		if (in->dead) {
			out->rule = "killed: expected 0 (memunmap_pages dropped initial and bulk refs)";
			return;
		}
		if (private) {
			/* 0dc45ca1ce18 (v6.1): one ref per allocated device-private page */
			out->expected = 1 + (int64_t)in->allocated_pages;
			out->rule = "1 + allocated pages (PRIVATE/COHERENT, v6.1+)";
		} else if (in->type == DT_MT_PCI_P2PDMA && in->p2p_pool_known) {
			/* pci_alloc_p2pmem() takes one ref per allocation, of >= 1 page each */
			out->expected = 1 + out->bulk + (in->p2p_pool_pages ? 1 : 0);
			out->expected_max = 1 + out->bulk + (int64_t)in->p2p_pool_pages;
			out->rule = "1 + sum pfn_len + p2pmem allocations (1..pool pages, PCI_P2PDMA)";
		} else {
			out->expected = 1 + out->bulk;
			out->rule = "1 + sum pfn_len (memremap_pages bulk refs)";
		}
		if (out->expected_max < out->expected)
			out->expected_max = out->expected;
		return;
	case DT_RM_5_17:
		out->applies = 1;
		if (in->dead) {
			out->rule = "killed: expected 0";
			return;
		}
		out->expected = out->expected_max = 1 + out->bulk;
		out->rule = "1 + sum pfn_len (every type, v5.17-v6.0)";
		return;
	case DT_RM_4_14:
		if (in->ref_internal) {
			/* 24917f6b1041 (v5.3): memremap_pages() initialises &pgmap->internal_ref
			 * (count 1) when the driver brings no ref, then takes pfn_end - pfn_first
			 * refs per range, for every type */
			out->applies = 1;
			if (in->dead) {
				out->rule = "killed: expected 0";
				return;
			}
			out->expected = out->expected_max = 1 + out->bulk;
			out->rule = "1 + sum pfn_len (&pgmap->internal_ref, v5.3-v5.16)";
			return;
		}
		out->rule = "owner's ref (pointer): also counts the owner's users; report only";
		return;
	case DT_RM_4_5:
		out->rule = "owner's ref, page gets add pgmap refs; report only";
		return;
	default:
		out->rule = "unknown refcount model";
		return;
	}
}

const char *dt_count_verdict(const struct dt_expect *e, int count_known, int64_t true_count)
{
	if (!e->applies || !count_known)
		return "n/a";
	if (true_count >= e->expected && true_count <= (e->expected_max > e->expected ?
							  e->expected_max : e->expected))
		return "ok";
	if (e->expected == 0)
		return "residual";
	return true_count > e->expected ? "excess" : "deficit";
}

int dt_idle_refcount(enum dt_refmodel model, enum dt_mtype type, int tail)
{
	if (tail)
		return 0;
	switch (type) {
	case DT_MT_FS_DAX:
		/* 1-based until "fs/dax: properly refcount fs dax pages" (38607c62b34b, v6.15) */
		return model == DT_RM_6_15 ? 0 : 1;
	case DT_MT_PRIVATE:
	case DT_MT_COHERENT:
		/* ef233450898f "mm: free device private pages have zero refcount" (v6.1) */
		return model == DT_RM_6_1 || model == DT_RM_6_15 ? 0 : 1;
	default:
		return 1;
	}
}
