/*
 * folio.h: compound pages (folios): which page heads a tail, the order of a compound page,
 * and its mapcounts and pincount, for every layout the kernel has used.
 *
 *   tail word    struct page.compound_head (head | 1) up to 7.x's rename to compound_info,
 *                which may instead hold a mask | 1 that turns the tail's own address into
 *                the head's (HugeTLB vmemmap optimisation, power-of-two struct page);
 *   order        page[1].compound_order (<= 6.1), folio._folio_order (6.2-6.5), the low byte
 *                of folio._flags_1 (6.6+);
 *   mapcounts    page[1].compound_mapcount (<= 6.1), folio._entire_mapcount (6.2+) and
 *                folio._large_mapcount (folio_mapcount() of a large folio, 6.10+);
 *   pincount     page[2].hpage_pinned_refcount (5.8-5.x), page[1].compound_pincount (<= 6.1),
 *                folio._pincount (6.2+).
 * Probed once (dt_folio_probe, from dt_layout_probe); the commits are cited in folio.c.
 */
#ifndef DT_FOLIO_H
#define DT_FOLIO_H

#include "layout.h"

/* Fill the folio members of l (called by dt_layout_probe). */
void dt_folio_probe(const struct dt_target *t, struct dt_layout *l);

/* The head page of the tail page at addr whose tail word (bit 0 set) is word; compound_info:
 * the word is struct page.compound_info (dt_layout.pg_compound_info), which may be a mask. */
uint64_t dt_compound_head(int compound_info, uint64_t word, uint64_t addr);

struct dt_folio {
	int order;			/* -1 unknown */
	int32_t entire_mapcount;	/* +1 applied: PMD mappings of the whole folio */
	int32_t pincount;		/* FOLL_PIN pins counted apart (large folios) */
	int32_t mapcount;		/* folio_mapcount() (large: _large_mapcount + 1), -1 unknown */
	int entire_known, pin_known;
};

/* The compound fields of the large folio headed by the struct page at head. 0 if its order
 * could be read. */
int dt_folio_read(const struct dt_target *t, const struct dt_layout *l, uint64_t head,
		  struct dt_folio *f);

#endif
