/* folio.c: compound pages and folios across layouts (see folio.h). */
#include "folio.h"

/* An offset inside struct folio, or inside page[n] counted from the head, or DT_NO. */
static long in_folio(const struct dt_target *t, const char *member)
{
	return dt_member_offset(t, "folio", member);
}

static long in_page(const struct dt_target *t, const struct dt_layout *l, int n, const char *member)
{
	long o = dt_member_offset(t, "page", member);
	return o >= 0 && l->page_size > 0 ? n * l->page_size + o : DT_NO;
}

void dt_folio_probe(const struct dt_target *t, struct dt_layout *l)
{
	/*
	 * The tail word: compound_head until Kiryl Shutsemau's "mm: Rename the 'compound_head'
	 * field in the 'struct page' to 'compound_info'" (first seen in the 7.2 sample), whose
	 * series also lets it hold a mask instead of the head pointer (compound_info_has_mask():
	 * CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP and a power-of-two struct page, neither of which
	 * DWARF shows; dt_compound_head() recognises the mask by its shape).
	 */
	l->pg_compound_info = 0;
	if (l->pg_compound_head < 0) {
		l->pg_compound_head = dt_member_offset(t, "page", "compound_info");
		l->pg_compound_info = l->pg_compound_head >= 0;
	}
	l->fo_order = l->fo_entire = l->fo_pincount = l->fo_large_mapcount = DT_NO;
	l->fo_folio_wording = 0;
	if ((l->fo_order = in_page(t, l, 1, "compound_order")) >= 0) {
		/* <= 6.1: the first tail page holds order, compound_mapcount, compound_pincount
		 * (5.x: hpage_pinned_refcount in the second tail, "mm/gup: page->hpage_pinned_refcount:
		 * exact pin counts for huge pages", v5.7) */
		l->fo_entire = in_page(t, l, 1, "compound_mapcount");
		l->fo_pincount = in_page(t, l, 1, "compound_pincount");
		if (l->fo_pincount < 0)
			l->fo_pincount = in_page(t, l, 2, "hpage_pinned_refcount");
	} else {
		/* 6.2+ (page[1].compound_* gone; first release not verified): the folio's own
		 * fields.  The order is folio._folio_order until "mm: free up a word in the first
		 * tail page" (ebc1baf5c9b4, v6.6) moved it to the low byte of _flags_1
		 * (folio_order() = folio->_flags_1 & 0xff, include/linux/mm.h of 6.12 and 7.2) */
		l->fo_order = in_folio(t, "_folio_order");
		if (l->fo_order < 0)
			l->fo_order = in_folio(t, "_flags_1");
		l->fo_entire = in_folio(t, "_entire_mapcount");
		l->fo_pincount = in_folio(t, "_pincount");
		/* folio_mapcount() of a large folio is _large_mapcount + 1 ("mm: track mapcount of
		 * large folios in single value", v6.10; include/linux/mm.h of 6.12 and 7.2) */
		l->fo_large_mapcount = in_folio(t, "_large_mapcount");
		l->fo_folio_wording = l->fo_order >= 0;
	}
}

/* Ones from bit 63 down to some bit, zeros below: the shape of a compound_info mask. */
static int high_mask(uint64_t v)
{
	uint64_t inv = ~v;
	return (v >> 63) && (inv & (inv + 1)) == 0;
}

uint64_t dt_compound_head(int compound_info, uint64_t word, uint64_t addr)
{
	uint64_t info = word & ~1ULL;
	/* page-flags.h (7.2) _compound_head(): with a mask, head = tail address & mask; a
	 * struct page pointer (vmemmap, page aligned to its size) never has the mask's shape */
	if (compound_info && high_mask(info))
		return addr & info;
	return info;
}

int dt_folio_read(const struct dt_target *t, const struct dt_layout *l, uint64_t head,
		  struct dt_folio *f)
{
	uint8_t ord;
	uint32_t v;
	f->order = -1;
	f->entire_mapcount = f->pincount = 0;
	f->mapcount = -1;
	f->entire_known = f->pin_known = 0;
	if (l->fo_order < 0 || dt_read_u8(t, head + (uint64_t)l->fo_order, &ord) || ord > 63)
		return -1;
	f->order = ord;
	if (l->fo_entire >= 0 && dt_read_u32(t, head + (uint64_t)l->fo_entire, &v) == 0) {
		f->entire_mapcount = dt_add32((int32_t)v, 1);
		f->entire_known = 1;
	}
	if (l->fo_pincount >= 0 && dt_read_u32(t, head + (uint64_t)l->fo_pincount, &v) == 0) {
		f->pincount = (int32_t)v;
		f->pin_known = 1;
	}
	if (l->fo_large_mapcount >= 0 && dt_read_u32(t, head + (uint64_t)l->fo_large_mapcount, &v) == 0)
		f->mapcount = dt_add32((int32_t)v, 1);
	return 0;
}
