/* memmap.c: struct page decoding, bulk memmap reads and the page census (see memmap.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "memmap.h"
#include "folio.h"

void dt_page_decode(const struct dt_layout *l, const unsigned char *b, uint64_t pfn,
		    uint64_t addr, struct dt_page *p)
{
	memset(p, 0, sizeof(*p));
	p->pfn = pfn;
	p->addr = addr;
	p->flags = dt_get_u64(b, l->pg_flags >= 0 ? l->pg_flags : 0);
	long w1 = l->pg_compound_head >= 0 ? l->pg_compound_head : 8;
	p->word1 = dt_get_u64(b, w1);
	p->mapping = dt_get_u64(b, l->pg_mapping);
	p->index = l->pg_index >= 0 ? dt_get_u64(b, l->pg_index) : 0;
	p->pgmap = l->pg_pgmap >= 0 ? dt_get_u64(b, l->pg_pgmap) : 0;
	p->refcount = (int32_t)dt_get_u32(b, l->pg_refcount);
	p->mapcount_raw = l->pg_mapcount >= 0 ? (int32_t)dt_get_u32(b, l->pg_mapcount) : -1;
	/* compound_head / compound_info: bit 0 set on tail pages (include/linux/page-flags.h) */
	p->tail = l->pg_compound_head >= 0 && (p->word1 & 1);
	p->head = p->tail ? dt_compound_head(l->pg_compound_info, p->word1, addr) : addr;
}

int dt_pfn_to_page(const struct dt_target *t, const struct dt_layout *l, uint64_t pfn,
		   uint64_t *addr)
{
	if (t->pfn_to_page)
		return t->pfn_to_page(t->ctx, pfn, addr) == 0 ? 0 : -1;
	/* SPARSEMEM_VMEMMAP on x86_64: vmemmap_base (a variable under KASLR) */
	uint64_t sym, base;
	if (dt_symbol(t, "vmemmap_base", &sym) || dt_read_u64(t, sym, &base))
		return -1;
	*addr = base + pfn * (uint64_t)l->page_size;
	return 0;
}

int dt_page_read(const struct dt_target *t, const struct dt_layout *l, uint64_t pfn,
		 struct dt_page *p)
{
	unsigned char b[256];
	uint64_t a;
	if (l->page_size <= 0 || l->page_size > (long)sizeof(b) || dt_pfn_to_page(t, l, pfn, &a) ||
	    dt_read(t, a, b, (size_t)l->page_size))
		return -1;
	dt_page_decode(l, b, pfn, a, p);
	return 0;
}

const unsigned char *dt_memmap_window_get(const struct dt_target *t, const struct dt_layout *l,
					  struct dt_memmap_window *w, uint64_t pfn,
					  uint64_t *addr)
{
	size_t ps = (size_t)l->page_size;
	if (ps == 0 || ps > sizeof(w->one) || dt_pfn_to_page(t, l, pfn, addr))
		return NULL;
	uint64_t win = *addr & ~(uint64_t)(DT_MEMMAP_WINDOW - 1), off = *addr - win;
	if (off + ps <= DT_MEMMAP_WINDOW) {
		if (!w->state || w->addr != win) {
			w->addr = win;
			w->reads++;
			w->state = dt_read(t, win, w->buf, DT_MEMMAP_WINDOW) == 0 ? 1 : -1;
		}
		if (w->state == 1)
			return w->buf + off;
	}
	/* straddles two vmemmap pages, or its page did not read as a whole */
	w->reads++;
	return dt_read(t, *addr, w->one, ps) == 0 ? w->one : NULL;
}

static void hist_add(struct dt_census *c, int32_t rc)
{
	int i;
	for (i = 0; i < c->nr_buckets; i++)
		if (c->hist[i].refcount == rc) {
			c->hist[i].pages++;
			return;
		}
	if (c->nr_buckets == 64) {
		c->hist_other++;
		return;
	}
	/* keep buckets sorted by refcount */
	for (i = c->nr_buckets; i > 0 && c->hist[i - 1].refcount > rc; i--)
		c->hist[i] = c->hist[i - 1];
	c->hist[i].refcount = rc;
	c->hist[i].pages = 1;
	c->nr_buckets++;
}

int dt_census_range(const struct dt_target *t, const struct dt_layout *l,
		    const struct dt_pgmap *pm, uint64_t start, uint64_t end, dt_census_cb cb,
		    void *arg, struct dt_census *c)
{
	memset(c, 0, sizeof(*c));
	c->start = start;
	c->end = end;
	size_t ps = (size_t)l->page_size;
	if (ps == 0 || ps > 256 || end < start)
		return -1;
	unsigned char *buf = malloc(ps * DT_MEMMAP_CHUNK);
	if (!buf)
		return -1;
	uint64_t skip_to = pm && pm->nr_range > 0 ? pm->pfn_first[0] : start;
	int stop = 0;
	uint64_t run = 0;	/* unreadable pfns in a row */
	for (uint64_t pfn = start; pfn < end && !stop;) {
		uint64_t n = end - pfn < DT_MEMMAP_CHUNK ? end - pfn : DT_MEMMAP_CHUNK;
		uint64_t a;
		/* altmap-reserved pfns at the start of range 0 hold the memmap itself: skipped in
		 * one step (the offset is the dump's word, maybe corrupted into 2^60) */
		if (pm && pm->altmap_valid && pfn < skip_to && pfn >= (pm->start[0] >> 12)) {
			uint64_t k = (skip_to < end ? skip_to : end) - pfn;
			c->altmap_skipped += k;
			pfn += k;
			continue;
		}
		if (run >= DT_MEMMAP_UNREADABLE_RUN) {
			c->unread_from = pfn;
			c->unreadable += end - pfn;
			break;
		}
		uint64_t unreadable_before = c->unreadable;
		if (pm && pm->altmap_valid && pfn < skip_to && pfn + n > skip_to)
			n = skip_to - pfn;
		if (dt_pfn_to_page(t, l, pfn, &a)) {
			c->unreadable += n;
			if (!c->unreadable_why[0])
				snprintf(c->unreadable_why, sizeof(c->unreadable_why),
					 "no struct page address for pfn %#llx", (unsigned long long)pfn);
			run += n;
			pfn += n;
			continue;
		}
		/* per-chunk validity: all at once, else per 4 KiB vmemmap page */
		unsigned char ok[DT_MEMMAP_CHUNK];
		c->reads++;
		if (dt_read(t, a, buf, ps * n) == 0) {
			memset(ok, 1, n);
		} else {
			uint64_t per = 4096 / ps;
			for (uint64_t i = 0; i < n; i += per) {
				uint64_t k = n - i < per ? n - i : per;
				c->reads++;
				int r = dt_read(t, a + i * ps, buf + i * ps, ps * k) == 0;
				memset(ok + i, r, k);
				if (!r && !c->unreadable_why[0])
					snprintf(c->unreadable_why, sizeof(c->unreadable_why),
						 "struct pages at %#llx (pfn %#llx) are not in the dump "
						 "(memmap on the device with map=dev, or excluded by makedumpfile)",
						 (unsigned long long)(a + i * ps),
						 (unsigned long long)(pfn + i));
			}
		}
		for (uint64_t i = 0; i < n; i++) {
			if (!ok[i]) {
				c->unreadable++;
				continue;
			}
			struct dt_page p;
			dt_page_decode(l, buf + i * ps, pfn + i, a + i * ps, &p);
			c->pages++;
			if (p.tail)
				c->tails++;
			hist_add(c, p.refcount);
			int idle = dt_idle_refcount(l->refmodel, pm ? pm->type : DT_MT_UNKNOWN, p.tail);
			if (p.refcount != idle) {
				c->nonidle_total++;
				if (p.tail)
					c->nonidle_tails++;
				if (cb && cb(arg, &p, idle))
					stop = 1;
			}
		}
		run = c->unreadable - unreadable_before == n ? run + n : 0;
		pfn += n;
	}
	free(buf);
	return 0;
}
