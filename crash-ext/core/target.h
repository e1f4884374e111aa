/*
 * target.h: the only way the core sees a dump.
 *
 * A front end (the crash glue in dax.c, the unit tests' recorded-bytes target) fills a
 * struct dt_target.  Every callback reports failure instead of aborting: the core checks each
 * result and turns it into a one-line diagnostic.  Optional callbacks may be NULL; the core
 * then derives the answer from symbols and memory (see target.c).
 */
#ifndef DT_TARGET_H
#define DT_TARGET_H

#include <stddef.h>
#include <stdint.h>

enum dt_space { DT_KVADDR, DT_PHYSADDR };

#define DT_MAX_CPUS 8192

struct dt_target {
	void *ctx;
	/* Read len bytes at addr; 0 on success, -1 if any byte is unavailable. */
	int (*read)(void *ctx, uint64_t addr, enum dt_space space, void *buf, size_t len);
	/* Address of a symbol; 0 on success, -1 if unknown. */
	int (*symbol)(void *ctx, const char *name, uint64_t *addr);
	/* Offset / size of a member (anonymous unions included); -1 if absent. */
	long (*member_offset)(void *ctx, const char *type, const char *member);
	long (*member_size)(void *ctx, const char *type, const char *member);
	/* Size of a struct/union type ("page" means struct page); -1 if unknown. */
	long (*type_size)(void *ctx, const char *type);
	/* Value of an enumerator; 0 on success, -1 if unknown. */
	int (*enum_value)(void *ctx, const char *name, long *value);
	/* Optional: "name+0xoff" for an address, or NULL. */
	const char *(*symbol_name)(void *ctx, uint64_t addr, char *buf, size_t len);
	/* Optional: possible CPUs (ids into cpus[]), count or -1. */
	int (*possible_cpus)(void *ctx, int *cpus, int max);
	/* Optional: __per_cpu_offset[cpu]; 0 on success. */
	int (*percpu_offset)(void *ctx, int cpu, uint64_t *off);
	/* Optional: struct page address of a pfn; 0 on success. */
	int (*pfn_to_page)(void *ctx, uint64_t pfn, uint64_t *page);
};

int dt_read(const struct dt_target *t, uint64_t addr, void *buf, size_t len);
int dt_read_u64(const struct dt_target *t, uint64_t addr, uint64_t *v);
int dt_read_u32(const struct dt_target *t, uint64_t addr, uint32_t *v);
int dt_read_u8(const struct dt_target *t, uint64_t addr, uint8_t *v);
/* Read a NUL-terminated string of at most len-1 bytes, escaped for display in place
 * (escape.h: controls and invalid UTF-8 as \xNN, truncated to whole escapes); 0 on success.
 * Every name the core reads from the dump comes through here. */
int dt_read_str(const struct dt_target *t, uint64_t addr, char *buf, size_t len);
int dt_symbol(const struct dt_target *t, const char *name, uint64_t *addr);
int dt_enum(const struct dt_target *t, const char *name, long *v);
const char *dt_symname(const struct dt_target *t, uint64_t addr, char *buf, size_t len);
/* Member offset / member size / type size from the front end's debuginfo; -1 if absent. */
long dt_member_offset(const struct dt_target *t, const char *type, const char *member);
long dt_member_size(const struct dt_target *t, const char *type, const char *member);
long dt_type_size(const struct dt_target *t, const char *type);

/* Little-endian field access into a buffer already read. */
static inline uint64_t dt_get_u64(const void *buf, long off)
{
	const unsigned char *p = (const unsigned char *)buf + off;
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}
static inline uint32_t dt_get_u32(const void *buf, long off)
{
	const unsigned char *p = (const unsigned char *)buf + off;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint8_t dt_get_u8(const void *buf, long off)
{
	return ((const unsigned char *)buf)[off];
}

/* a + b on 32-bit kernel counters as the kernel computes them (atomic_t arithmetic wraps;
 * the kernel builds with -fno-strict-overflow): _mapcount + 1 of a corrupted 0x7fffffff must
 * not be undefined behaviour here */
static inline int32_t dt_add32(int32_t a, int32_t b)
{
	return (int32_t)((uint32_t)a + (uint32_t)b);
}

/* A plausible kernel pointer (x86_64 / arm64 kernel half, aligned as asked). */
static inline int dt_kptr_ok(uint64_t p, uint64_t align)
{
	return p >= 0xffff000000000000ULL && (align == 0 || (p & (align - 1)) == 0);
}

#endif
