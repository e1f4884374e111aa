/*
 * common.h: kernel types that kept their x86_64 layout from v4.5 to v4.19, shared by the
 * radix-era layout fixtures (radix-4.*.c).  Each fixture transcribes the structs of one era
 * that daxtriage reads; this header holds the ones that did not change over those eras.
 *
 * Sources: DepSurf/struct (DWARF of Ubuntu 4.4, 4.8, 4.10, 4.13, 4.15, 4.18 generic kernels):
 * p/percpu_ref.md (unchanged 4.4-5.0), v/vmem_altmap.md (unchanged 4.8-5.3); the basic
 * types from include/linux/types.h.  Not kernel code: a transcription of layouts, compiled
 * with -g -fno-eliminate-unused-debug-types so that the DWARF answers member and type
 * questions the way a vmlinux of that era would.
 */
#ifndef HISTORY_COMMON_H
#define HISTORY_COMMON_H

typedef _Bool bool;
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef u64 resource_size_t;
typedef u64 sector_t;
typedef unsigned int gfp_t;
typedef unsigned long pgoff_t;
typedef long long loff_t;
typedef unsigned short umode_t;

typedef struct {
	int counter;
} atomic_t;

typedef struct {
	long counter;
} atomic_long_t;

struct list_head {
	struct list_head *next, *prev;
};

struct hlist_node {
	struct hlist_node *next, **pprev;
};

struct callback_head {
	struct callback_head *next;
	void (*func)(struct callback_head *head);
};

/* without spinlock debugging: one 32-bit word */
typedef struct spinlock {
	unsigned int rlock;
} spinlock_t;

struct rb_node {
	unsigned long __rb_parent_color;
	struct rb_node *rb_right;
	struct rb_node *rb_left;
};

struct rb_root {
	struct rb_node *rb_node;
};

struct rw_semaphore {
	atomic_long_t count;
	struct list_head wait_list;
	unsigned int wait_lock;
	atomic_t osq;
	void *owner;
};

/* include/linux/percpu-refcount.h before the v5.9 split (DepSurf 4.4-5.0) */
struct percpu_ref;
typedef void (percpu_ref_func_t)(struct percpu_ref *);

struct percpu_ref {
	atomic_long_t count;
	unsigned long percpu_count_ptr;
	percpu_ref_func_t *release;
	percpu_ref_func_t *confirm_switch;
	bool force_atomic:1;
	struct callback_head rcu;
};

/* include/linux/memremap.h (v4.5: "mm: introduce vmem_altmap"; DepSurf 4.8-5.3) */
struct vmem_altmap {
	const unsigned long base_pfn;
	const unsigned long reserve;
	unsigned long free;
	unsigned long align;
	unsigned long alloc;
};

/* include/linux/cpumask.h with NR_CPUS = 64 */
struct cpumask {
	unsigned long bits[1];
};

struct device;
struct super_block;

/* The CPU and per-CPU symbols the percpu_ref true count reads (kernel/smp.c, mm/percpu.c). */
struct cpumask __cpu_possible_mask;
int nr_cpu_ids;
unsigned long __per_cpu_offset[64];

/* A release callback for the fixtures' percpu_refs (block/blk-core.c, v4.x: pmem's
 * pgmap->ref is its request_queue's q_usage_counter). */
void blk_queue_usage_counter_release(struct percpu_ref *ref)
{
	(void)ref;
}

#endif
