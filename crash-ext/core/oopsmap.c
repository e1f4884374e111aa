/*
 * oopsmap.c: map a small fault address to a member of the structure a DAX function
 * dereferenced through a NULL pointer (oopsmap.h).
 *
 * Members are looked up by name in the running kernel's debuginfo (offsets differ between
 * builds: seed 000's dax_device.ops was at 0x440 on 4.16-rc; on Debian 6.1 dax_device.flags
 * is at 0x2e8), so the tables below only name candidates; a member missing from a kernel is
 * skipped.  struct dax_device is private to drivers/dax/super.c but is in the debuginfo of
 * whatever holds that file (vmlinux or dax.ko).
 */
#include <string.h>

#include "oopsmap.h"

struct owner {
	const char *prefix;	/* function name prefix (or exact name with exact=1) */
	int exact;
	const char *types[2];
};

static const struct owner owners[] = {
	{ "percpu_ref_", 0, { "percpu_ref_data", "percpu_ref" } },
	{ "fs_dax_", 0, { "dax_device", "dax_operations" } },
	{ "dax_", 0, { "dax_device", "dax_operations" } },
	{ "kill_dax", 1, { "dax_device", NULL } },
	{ "put_dax", 1, { "dax_device", NULL } },
	{ "memunmap_pages", 1, { "dev_pagemap", "percpu_ref" } },
	{ "memremap_pages", 1, { "dev_pagemap", "percpu_ref" } },
	{ "devm_memremap_pages", 1, { "dev_pagemap", NULL } },
	{ "get_dev_pagemap", 1, { "dev_pagemap", NULL } },
	{ "pgmap_", 0, { "dev_pagemap", NULL } },
};

/* Candidate members per structure, from every era (absent ones are skipped). */
static const char *const members_dax_device[] = {
	"list", "inode", "cdev", "private", "flags", "ops", "holder_data", "holder_ops",
	"alive", "host", "pgmap", NULL };
static const char *const members_dax_operations[] = {
	"direct_access", "dax_supported", "copy_from_iter", "copy_to_iter", "zero_page_range",
	"recovery_write", "fs_claim", "fs_release", NULL };
static const char *const members_percpu_ref[] = {
	"count", "percpu_count_ptr", "release", "confirm_switch", "force_atomic",
	"allow_reinit", "rcu", "data", NULL };
static const char *const members_percpu_ref_data[] = {
	"count", "release", "confirm_switch", "force_atomic", "allow_reinit", "rcu", "ref", NULL };
static const char *const members_dev_pagemap[] = {
	"altmap", "altmap_valid", "res", "range", "ranges", "ref", "internal_ref", "done", "kill",
	"cleanup", "dev", "data", "type", "flags", "vmemmap_shift", "ops", "owner", "nr_range",
	"page_fault", "page_free", NULL };

static const char *const *members_of(const char *type)
{
	if (!strcmp(type, "dax_device"))
		return members_dax_device;
	if (!strcmp(type, "dax_operations"))
		return members_dax_operations;
	if (!strcmp(type, "percpu_ref"))
		return members_percpu_ref;
	if (!strcmp(type, "percpu_ref_data"))
		return members_percpu_ref_data;
	return members_dev_pagemap;
}

static const struct owner *owner_of(const char *func)
{
	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
		const struct owner *o = &owners[i];
		if (o->exact ? !strcmp(func, o->prefix) : !strncmp(func, o->prefix, strlen(o->prefix)))
			return o;
	}
	return NULL;
}

int dt_oopsmap(const struct dt_target *t, const char *func, uint64_t addr, struct dt_oopsmap *m)
{
	const struct owner *o = owner_of(func ? func : "");
	memset(m, 0, sizeof(*m));
	if (!o || addr >= 4096)
		return 0;
	m->related = 1;
	for (int k = 0; k < 2 && o->types[k] && m->nr < DT_OOPSMAP_MAX; k++) {
		const char *type = o->types[k];
		long size = dt_type_size(t, type);
		if (size <= 0 || (uint64_t)size <= addr)
			continue;	/* not in this kernel, or too small to hold that offset */
		struct dt_oopsmap_hit *h = &m->hits[m->nr++];
		strncpy(h->type, type, sizeof(h->type) - 1);
		h->type_size = size;
		h->member_offset = -1;
		for (const char *const *mb = members_of(type); *mb; mb++) {
			long off = dt_member_offset(t, type, *mb), sz = dt_member_size(t, type, *mb);
			if (off < 0 || sz <= 0)
				continue;
			if (addr >= (uint64_t)off && addr < (uint64_t)(off + sz)) {
				strncpy(h->member, *mb, sizeof(h->member) - 1);
				h->member_offset = off;
				break;
			}
		}
	}
	return m->nr;
}
