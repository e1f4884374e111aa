/*
 * ops.h: what each fuzz harness runs over a target; the seed generator (seeds.c) runs the
 * same functions over the recording to capture the reads that become the first corpus.
 */
#ifndef DT_FUZZ_OPS_H
#define DT_FUZZ_OPS_H

#include "layout.h"

/* Every era's decoder and both slot classifiers on one word. */
void op_entry(uint64_t raw, unsigned era_sel);
/*
 * The address_space at mapping: dt_mapping_load (the bounded walk) and dt_tree_load of index.
 * flavor & 3: 0/1 the layout's XArray, 2 radix nodes with shift (v4.7-v4.19),
 * 3 radix nodes with a height in path (v4.5-v4.6), emulated on the same node layout.
 */
void op_tree(const struct dt_target *t, const struct dt_layout *l, uint64_t mapping,
	     unsigned flavor, uint64_t index);
/* The pgmap registry, each pgmap, its percpu_ref and a bounded census; then the dev_pagemap
 * and the percpu_ref at addr. */
void op_pgmap(const struct dt_target *t, const struct dt_layout *l, uint64_t addr);

#endif
