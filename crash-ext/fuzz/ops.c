/* ops.c: the fuzzed entry points (see ops.h). */
#include <stdio.h>
#include <string.h>
#include "mapping.h"
#include "ops.h"

void op_entry(uint64_t raw, unsigned era_sel)
{
	char buf[128];
	int sib = -1;
	for (int i = 0; i < dt_nr_eras; i++) {
		const struct dt_era *era = &dt_eras[(i + (int)era_sel) % dt_nr_eras];
		struct dt_entry e;
		if (dt_entry_decode(era, raw, &e) == 0) {
			dt_flag_letters(e.flags, buf, sizeof(buf));
			dt_flag_names(&e, buf, (size_t)1 + era_sel % sizeof(buf));
		}
	}
	dt_slot_name(dt_xa_classify(raw, 64, &sib));
	dt_slot_name(dt_radix_classify(raw, raw & ~0xfffULL, 64, &sib));
	dt_flag_letters((unsigned)raw, buf, 8);
}

/* The layout with the tree container of flavor, on the recording's node offsets. */
static void flavor_layout(const struct dt_layout *l, unsigned flavor, struct dt_layout *out)
{
	*out = *l;
	if ((flavor & 3) < 2)
		return;
	out->tree = DT_CONT_RADIX;
	out->era = dt_era_find((flavor & 3) == 2 ? "4.17" : "4.5");
	if ((flavor & 3) == 3) {
		out->n_path = out->n_shift;	/* a u32 holding height and offset */
		out->n_shift = -1;
		out->n_offset = -1;
		out->root_height = out->xa_flags;
	}
}

static int count_cb(void *arg, uint64_t index, uint64_t nr, uint64_t raw, enum dt_slot kind,
		    uint64_t node, int slot)
{
	(void)index, (void)nr, (void)raw, (void)kind, (void)node, (void)slot;
	return ++*(unsigned *)arg > 100000;
}

void op_tree(const struct dt_target *t, const struct dt_layout *l, uint64_t mapping,
	     unsigned flavor, uint64_t index)
{
	struct dt_layout fl;
	flavor_layout(l, flavor, &fl);
	struct dt_mapping m;
	char err[200];
	if (dt_mapping_load(t, &fl, mapping, &m, err, sizeof(err)) == 0) {
		for (int i = 0; i < m.nr && i < 64; i++) {
			struct dt_entry e;
			dt_entry_decode(fl.era, m.slots[i].raw, &e);
		}
		dt_mapping_free(&m);
	}
	uint64_t raw;
	dt_tree_load(t, &fl, fl.tree, mapping + (uint64_t)fl.as_i_pages, index, &raw, err,
		     sizeof(err));
	/* the walker with small caps: the cap paths */
	struct dt_walk_limits lim = { .max_nodes = 3, .max_depth = 2 };
	struct dt_walk_stats st;
	unsigned n = 0;
	dt_tree_walk(t, &fl, fl.tree, mapping + (uint64_t)fl.as_i_pages, &lim, count_cb, &n, &st);
}

static int census_cb(void *arg, const struct dt_page *p, int idle)
{
	(void)p, (void)idle;
	return ++*(unsigned *)arg > 4096;
}

void op_pgmap(const struct dt_target *t, const struct dt_layout *l, uint64_t addr)
{
	static struct dt_pgmap_set set;
	dt_pgmaps_collect(t, l, &set);
	for (int i = 0; i < set.n; i++) {
		const struct dt_pgmap *pm = &set.pm[i];
		if (pm->nr_range <= 0)
			continue;
		/* a bounded census: the first 128 pfns of the first range */
		uint64_t start = pm->pfn_first[0], end = pm->pfn_end[0];
		if (end > start + 128)
			end = start + 128;
		struct dt_census c;
		unsigned n = 0;
		dt_census_range(t, l, pm, start, end, census_cb, &n, &c);
		dt_pgmap_of_pfn(&set, start);
	}
	struct dt_pgmap pm;
	char err[200];
	dt_pgmap_read(t, l, addr, &pm, err, sizeof(err));
	struct dt_pref_raw r;
	struct dt_pref_state s;
	if (dt_pref_read(t, l, addr + (uint64_t)(l->pm_ref > 0 ? l->pm_ref : 0), &r, err,
			 sizeof(err)) == 0)
		dt_pref_evaluate(&r, &s);
}
