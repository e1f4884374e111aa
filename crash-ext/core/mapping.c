/* mapping.c: DAX entries of an address_space, checked (see mapping.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mapping.h"

/* Leaves and nodes a mapping walk collects: 8 M leaves (32 GiB of a file in 4 KiB entries, 256
 * MiB of dt_slot_rec) and the 2^18 nodes they need; beyond, the walk stops and says so. */
#define MAX_LEAVES (1u << 23)
#define MAX_NODES (1u << 18)

static int collect_cb(void *arg, uint64_t index, uint64_t nr, uint64_t raw, enum dt_slot kind,
		      uint64_t node, int slot)
{
	struct dt_mapping *m = arg;
	(void)node;
	(void)slot;
	if (m->nr == m->cap) {
		if (m->cap >= (int)MAX_LEAVES)
			return 1;
		int nc = m->cap ? m->cap * 2 : 64;
		struct dt_slot_rec *ns = realloc(m->slots, (size_t)nc * sizeof(*ns));
		if (!ns)
			return 1;
		m->slots = ns;
		m->cap = nc;
	}
	m->slots[m->nr++] = (struct dt_slot_rec){ index, nr, raw, kind };
	return 0;
}

int dt_mapping_load(const struct dt_target *t, const struct dt_layout *l, uint64_t mapping,
		    struct dt_mapping *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	m->mapping = mapping;
	m->i_pages = mapping + (uint64_t)l->as_i_pages;
	if (!dt_kptr_ok(mapping, 8) || dt_read_u64(t, mapping + (uint64_t)l->as_host, &m->host) ||
	    dt_read_u64(t, mapping + (uint64_t)l->as_nrpages, &m->nrpages)) {
		snprintf(err, errlen, "address_space %#llx not readable", (unsigned long long)mapping);
		return -1;
	}
	if (dt_kptr_ok(m->host, 8)) {
		uint16_t mode = 0;
		dt_read_u64(t, m->host + (uint64_t)l->i_ino, &m->ino);
		dt_read_u32(t, m->host + (uint64_t)l->i_flags, &m->i_flags);
		dt_read(t, m->host + (uint64_t)l->i_mode, &mode, 2);
		m->i_mode = mode;
	}
	struct dt_walk_limits lim = { .max_nodes = MAX_NODES, .max_depth = 12 };
	if (dt_tree_walk(t, l, l->tree, m->i_pages, &lim, collect_cb, m, &m->walk))
		m->walk_failed = 1;
	if (m->walk.stopped && m->nr >= (int)MAX_LEAVES) {
		/* the leaf cap, not the end of the tree: say so rather than show a short mapping */
		if (!m->walk.errors++)
			snprintf(m->walk.error, sizeof(m->walk.error),
				 "stopped after %d leaves (the walk's cap); the rest is not shown", m->nr);
	}
	m->win = calloc(1, sizeof(*m->win));	/* NULL: entries read their struct pages alone */
	return 0;
}

void dt_mapping_free(struct dt_mapping *m)
{
	free(m->slots);
	m->slots = NULL;
	m->nr = m->cap = 0;
	free(m->win);
	m->win = NULL;
}

/* addr is an address_space if its host inode points back to it */
static int is_mapping(const struct dt_target *t, const struct dt_layout *l, uint64_t a)
{
	uint64_t host, back;
	return dt_kptr_ok(a, 8) && dt_read_u64(t, a + (uint64_t)l->as_host, &host) == 0 &&
	       dt_kptr_ok(host, 8) && dt_read_u64(t, host + (uint64_t)l->i_mapping, &back) == 0 &&
	       back == a;
}

int dt_resolve_mapping(const struct dt_target *t, const struct dt_layout *l, uint64_t addr,
		       uint64_t *mapping, const char **kind)
{
	uint64_t v, ino;
	if (!dt_kptr_ok(addr, 8))
		return -1;
	if (is_mapping(t, l, addr)) {
		*mapping = addr;
		*kind = "address_space";
		return 0;
	}
	if (dt_read_u64(t, addr + (uint64_t)l->i_mapping, &v) == 0 && is_mapping(t, l, v)) {
		*mapping = v;
		*kind = "inode";
		return 0;
	}
	if (l->f_mapping >= 0 && dt_read_u64(t, addr + (uint64_t)l->f_mapping, &v) == 0 &&
	    is_mapping(t, l, v)) {
		*mapping = v;
		*kind = "file";
		return 0;
	}
	if (l->d_inode >= 0 && dt_read_u64(t, addr + (uint64_t)l->d_inode, &ino) == 0 &&
	    dt_kptr_ok(ino, 8) && dt_read_u64(t, ino + (uint64_t)l->i_mapping, &v) == 0 &&
	    is_mapping(t, l, v)) {
		*mapping = v;
		*kind = "dentry";
		return 0;
	}
	return -1;
}

/* Does the tree span of an entry disagree with its decoded order?  v4.5-v4.6 kernels store
 * a PMD entry in one slot at the PMD-aligned index (layout.h pmd_single_slot). */
static int span_mismatch(const struct dt_layout *l, const struct dt_entry *e, uint64_t nr)
{
	if (!e->order)
		return nr != 1;
	return nr != (1ULL << e->order) && !(l->pmd_single_slot && nr == 1);
}

static int pfn_in_pgmaps(const struct dt_pgmap_set *pms, uint64_t pfn)
{
	return pms && dt_pgmap_of_pfn(pms, pfn) != NULL;
}

void dt_era_choose(const struct dt_layout *l, const struct dt_pgmap_set *pms,
		   struct dt_mapping *const *maps, int nmaps, const struct dt_era *forced,
		   struct dt_era_choice *out)
{
	memset(out, 0, sizeof(*out));
	if (forced) {
		out->era = forced;
		out->forced = 1;
		snprintf(out->why, sizeof(out->why), "era %s forced with --era", forced->id);
		return;
	}
	int best = -1, best_score = -(1 << 30), best_real = 0, best_cons = 0;
	for (int i = 0; i < dt_nr_eras; i++) {
		const struct dt_era *era = &dt_eras[i];
		if (era->container != l->tree)
			continue;
		int score = 0, real = 0, cons = 0;
		for (int k = 0; k < nmaps; k++)
			for (int j = 0; j < maps[k]->nr && j < DT_ERA_SAMPLE; j++) {
				struct dt_entry e;
				if (dt_entry_decode(era, maps[k]->slots[j].raw, &e))
					continue;
				if (e.unknown_bits || ((e.flags & DT_F_ZERO) && (e.flags & DT_F_EMPTY)) ||
				    (e.order && span_mismatch(l, &e, maps[k]->slots[j].nr))) {
					score -= 2;
					continue;
				}
				if (!dt_entry_is_real(&e))
					continue;
				real++;
				if (era->payload == DT_PAYLOAD_PFN && pfn_in_pgmaps(pms, e.payload) &&
				    (e.payload & ((1ULL << e.order) - 1)) == 0) {
					cons++;
					score += 2;
				}
			}
		/* mainline eras first in the table: ties keep the probed default */
		if (era == l->era)
			score += 1;
		if (score > best_score) {
			best = i, best_score = score, best_real = real, best_cons = cons;
		}
	}
	out->era = best >= 0 ? &dt_eras[best] : l->era;
	out->real = best_real;
	out->consistent = best_cons;
	if (out->era == l->era)
		snprintf(out->why, sizeof(out->why),
			 "era %s (%s): container probed from debuginfo; %d/%d real entries land in "
			 "pgmap ranges", out->era->id, out->era->kernels, best_cons, best_real);
	else
		snprintf(out->why, sizeof(out->why),
			 "era %s (%s) chosen over the probed %s by consistency: %d/%d real entries "
			 "land in pgmap ranges with sane flags", out->era->id, out->era->kernels,
			 l->era->id, best_cons, best_real);
}

/* One struct page of an entry: busy count, and the forward association (CHK-P1). */
static void assoc_page(const struct dt_layout *l, const struct dt_mapping *m,
		       const struct dt_slot_rec *s, struct dt_map_entry *out, const struct dt_page *pg,
		       uint64_t i, uint64_t *mism, uint64_t *shared, dt_page_cb pcb, void *parg)
{
	int idle = dt_idle_refcount(l->refmodel, out->pgmap ? out->pgmap->type : DT_MT_FS_DAX,
				    pg->tail);
	if (pg->refcount != idle) {
		out->busy++;
		if (pcb)
			pcb(parg, out, pg, idle);
	}
	if (pg->mapping == m->mapping && pg->index == s->index + i)
		return;
	/* a tail of the folio the entry's first page heads: from v6.15 ("fs/dax: properly
	 * refcount fs dax pages", 38607c62b34b) a PMD entry is one folio and only its head
	 * carries mapping/index (kernel-facts CHK-P1) */
	if (pg->tail && out->page_ok && pg->head == out->page)
		return;
	/* shared (reflinked): mapping PAGE_MAPPING_DAX_COW / _SHARED (0x1, v6.0-v6.14) with the
	 * share count in index; from "fs/dax: remove PAGE_MAPPING_DAX_SHARED mapping flag"
	 * (v6.15) mapping NULL and folio->share (same word) > 0 */
	if ((pg->mapping == DT_PAGE_MAPPING_DAX_COW ||
	     (pg->mapping == 0 && l->refmodel == DT_RM_6_15)) && pg->index >= 1) {
		(*shared)++;
		return;
	}
	if (!(*mism)++)
		out->assoc_bad_pfn = pg->pfn;
}

void dt_entry_analyse(const struct dt_target *t, const struct dt_layout *l,
		      const struct dt_pgmap_set *pms, const struct dt_mapping *m,
		      const struct dt_era *era, const struct dt_slot_rec *s,
		      struct dt_map_entry *out, dt_page_cb pcb, void *parg)
{
	memset(out, 0, sizeof(*out));
	out->s = *s;
	out->assoc = "-";
	if (dt_entry_decode(era, s->raw, &out->e))
		return;
	out->order_mismatch = span_mismatch(l, &out->e, s->nr);
	if (era->payload != DT_PAYLOAD_PFN)
		return;
	out->pfn = out->e.payload;
	out->pgmap = pms ? dt_pgmap_of_pfn(pms, out->pfn) : NULL;
	struct dt_page p;
	const unsigned char *pb = NULL;
	uint64_t pa = 0;
	if (m->win)
		pb = dt_memmap_window_get(t, l, m->win, out->pfn, &pa);
	if (pb)
		dt_page_decode(l, pb, out->pfn, pa, &p);
	if (pb || (!m->win && dt_page_read(t, l, out->pfn, &p) == 0)) {
		out->page_ok = 1;
		out->page = p.addr;
		out->refcount = p.refcount;
		out->mapcount_raw = p.mapcount_raw;
	} else {
		dt_pfn_to_page(t, l, out->pfn, &out->page);
	}
	if (!dt_entry_is_real(&out->e))
		return;
	/* forward association (CHK-P1) over every pfn of the entry, read in bulk */
	uint64_t n = 1ULL << out->e.order;
	if (n > (1u << 18))
		n = 1u << 18;
	size_t ps = (size_t)l->page_size;
	uint64_t mism = 0, shared = 0;
	unsigned char *buf = NULL;
	if (m->win && n * ps <= DT_MEMMAP_WINDOW) {
		/* small entries (4 KiB ones: most of a big mapping) through the window */
		for (uint64_t i = 0; i < n; i++) {
			const unsigned char *b = dt_memmap_window_get(t, l, m->win, out->pfn + i, &pa);
			if (!b) {
				out->unreadable++;
				continue;
			}
			struct dt_page pg;
			dt_page_decode(l, b, out->pfn + i, pa, &pg);
			assoc_page(l, m, s, out, &pg, i, &mism, &shared, pcb, parg);
		}
		goto verdict;
	}
	buf = malloc(ps * DT_MEMMAP_CHUNK);
	if (!buf)
		return;
	for (uint64_t i = 0; i < n; i += DT_MEMMAP_CHUNK) {
		uint64_t k = n - i < DT_MEMMAP_CHUNK ? n - i : DT_MEMMAP_CHUNK, a;
		if (dt_pfn_to_page(t, l, out->pfn + i, &a) || dt_read(t, a, buf, ps * k)) {
			out->unreadable += k;
			continue;
		}
		for (uint64_t j = 0; j < k; j++) {
			struct dt_page pg;
			dt_page_decode(l, buf + j * ps, out->pfn + i + j, a + j * ps, &pg);
			assoc_page(l, m, s, out, &pg, i + j, &mism, &shared, pcb, parg);
		}
	}
verdict:
	free(buf);
	if (out->unreadable == n)
		out->assoc = "unreadable";
	else if (mism)
		out->assoc = "mismatch";
	else if (shared)
		out->assoc = "shared";
	else
		out->assoc = "ok";
}

int dt_for_each_dax_inode(const struct dt_target *t, const struct dt_layout *l,
			  dt_inode_cb cb, void *arg, char *err, size_t errlen)
{
	if (!l->super_blocks || l->sb_list < 0 || l->sb_inodes < 0 || l->i_sb_list < 0) {
		snprintf(err, errlen, "super_blocks or list members not in debuginfo");
		return -1;
	}
	uint64_t head = l->super_blocks, pos;
	int broken = 0;		/* an s_inodes list ended early: the others are still walked */
	if (dt_read_u64(t, head, &pos)) {
		snprintf(err, errlen, "super_blocks list not readable");
		return -1;
	}
	uint64_t sb_mark = head;	/* Brent's cycle detection, as for s_inodes below */
	int sb_lap = 1, sb_steps = 0;
	for (int nsb = 0; pos != head; nsb++) {
		if (pos == sb_mark) {
			snprintf(err, errlen, "super_blocks list: cycle at %#llx that misses the head",
				 (unsigned long long)pos);
			return -1;
		}
		if (++sb_steps == sb_lap)
			sb_mark = pos, sb_lap *= 2, sb_steps = 0;
		if (nsb > 4096 || !dt_kptr_ok(pos, 8)) {
			snprintf(err, errlen, "super_blocks list broken or too long at %#llx",
				 (unsigned long long)pos);
			return -1;
		}
		uint64_t sb = pos - (uint64_t)l->sb_list;
		uint64_t ih = sb + (uint64_t)l->sb_inodes, ip;
		/* Brent's cycle detection: a list corrupted into a loop that misses its head is
		 * found within twice the loop's length, not after the 4M-element cap */
		uint64_t mark = ih;
		int lap = 1, steps = 0;
		if (dt_read_u64(t, ih, &ip) == 0) {
			for (int ni = 0; ip != ih; ni++) {
				if (ip == mark) {
					if (!broken++)
						snprintf(err, errlen, "s_inodes list of sb %#llx: cycle at "
							 "%#llx that misses the list head",
							 (unsigned long long)sb, (unsigned long long)ip);
					break;
				}
				if (++steps == lap)
					mark = ip, lap *= 2, steps = 0;
				if (ni > (1 << 22) || !dt_kptr_ok(ip, 8)) {
					if (!broken++)
						snprintf(err, errlen, "s_inodes list of sb %#llx broken",
							 (unsigned long long)sb);
					break;
				}
				uint64_t inode = ip - (uint64_t)l->i_sb_list;
				uint32_t fl;
				if (dt_read_u32(t, inode + (uint64_t)l->i_flags, &fl) == 0 &&
				    (fl & l->s_dax) && cb(arg, sb, inode))
					return 0;
				if (dt_read_u64(t, ip, &ip))
					break;
			}
		}
		if (dt_read_u64(t, pos, &pos)) {
			snprintf(err, errlen, "super_blocks list not readable at %#llx",
				 (unsigned long long)pos);
			return -1;
		}
	}
	return broken ? -1 : 0;
}
