/*
 * oopsmap.h: which member of which DAX/pgmap structure a small fault address is (CHK-D3).
 *
 * A NULL struct pointer dereferenced at member M faults at offsetof(M) (seed 000: CR2 0x440 =
 * dax_device.ops in fs_dax_release; seed 001: 0x8 = percpu_ref.percpu_count_ptr's neighbour
 * in percpu_ref_kill_and_confirm).  The faulting function says which structures are
 * candidates (percpu_ref_* -> percpu_ref, percpu_ref_data; dax_*, fs_dax_* -> dax_device,
 * dax_operations; pgmap and memremap functions -> dev_pagemap); the running kernel's debuginfo
 * says which member holds that offset.
 */
#ifndef DT_OOPSMAP_H
#define DT_OOPSMAP_H

#include "target.h"

#define DT_OOPSMAP_MAX 4

struct dt_oopsmap_hit {
	char type[32];		/* struct name */
	char member[40];	/* member containing the offset, "" if none of the known ones */
	long member_offset;	/* its offset */
	long type_size;
};

struct dt_oopsmap {
	int related;		/* the faulting function is a DAX / pgmap / percpu_ref one */
	int nr;
	struct dt_oopsmap_hit hits[DT_OOPSMAP_MAX];
};

/* Map fault address addr (< 4096) in function func; returns the number of hits. */
int dt_oopsmap(const struct dt_target *t, const char *func, uint64_t addr, struct dt_oopsmap *m);

#endif
