/*
 * fake.h: a struct dt_target over recorded bytes and layouts.
 *
 * fake_load() reads a recording made with DAXTRIAGE_RECORD (see dax.c): every read, symbol,
 * member offset/size, type size, enumerator and pfn_to_page answer the core got from crash
 * on a real dump.  Synthetic tests add their own memory regions and layout entries.
 */
#ifndef FAKE_H
#define FAKE_H

#include "target.h"

struct fake;

struct fake *fake_new(void);
void fake_free(struct fake *f);
/* Load a recording; returns 0, or -1 if the file cannot be read. */
int fake_load(struct fake *f, const char *path);
void fake_mem(struct fake *f, uint64_t addr, const void *bytes, size_t len);
void fake_u64(struct fake *f, uint64_t addr, uint64_t v);
/* Make [addr, addr+len) fail to read (as an excluded page would). */
void fake_hole(struct fake *f, uint64_t addr, size_t len);
void fake_kv(struct fake *f, const char *key, long v);	/* "O page _refcount", "S pgmap_array", ... */
void fake_name(struct fake *f, uint64_t addr, const char *name);	/* symbol_name answer */
void fake_vmemmap(struct fake *f, uint64_t base, long page_size);
void fake_target(struct fake *f, struct dt_target *t);
/* Path of a fixture file under tests/fixtures. */
const char *fixture(const char *name);

#endif
