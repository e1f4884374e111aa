/*
 * faulty.h: a fault-injecting struct dt_target over another target (the recorded-bytes fake).
 *
 * Faults are edits of the dump's memory, not of single reads: a corrupted word reads the same
 * every time and through every overlapping read, as a corrupted dump would.  Kinds: a hole
 * (reads overlapping it fail, as an excluded page would), bytes replaced by a value (garbage,
 * non-canonical, NULL, misaligned, self, ancestor/earlier-element pointers: cycles), and bit
 * flips.  Debuginfo answers (symbols, offsets, sizes, enumerators) pass through unchanged.
 *
 * The target also keeps the trace of reads of a clean run (faulty_trace_*), which the fault
 * generator (faulty_generate) uses to place faults where the command actually looks, typed by
 * the layout the core probed (xa_node, struct page, dev_pagemap), and caches the inner
 * target's answers so thousands of variants do not re-scan the recording.
 */
#ifndef FAULTY_H
#define FAULTY_H

#include <stddef.h>
#include <stdint.h>
#include "layout.h"

enum fault_kind { FAULT_HOLE, FAULT_BYTES, FAULT_FLIP };

struct fault {
	enum fault_kind kind;
	uint64_t addr;
	size_t len;		/* HOLE: bytes; BYTES: 1, 2, 4 or 8 */
	uint64_t value;		/* BYTES: the new little-endian value; FLIP: the bit (0-7) */
	char what[96];		/* "xa_node ffff...+0x28 slot[0] = parent node (cycle)" */
};

#define FAULTY_MAX_FAULTS 4

struct faulty;

struct faulty *faulty_new(const struct dt_target *inner);
void faulty_free(struct faulty *fy);
void faulty_target(struct faulty *fy, struct dt_target *t);

/* Start recording the reads made through the target (clean run), stop, and clear faults. */
void faulty_trace_start(struct faulty *fy);
void faulty_trace_stop(struct faulty *fy);
int faulty_trace_len(const struct faulty *fy);

/* Install n faults (replacing any), count reads from zero. */
void faulty_set(struct faulty *fy, const struct fault *f, int n);
/* Choose 1-4 faults for seed from the current trace; returns how many. */
int faulty_generate(struct faulty *fy, const struct dt_layout *l, uint64_t seed,
		    struct fault *out);

/* Reads made since faulty_set; after max_reads reads every read calls on_runaway (the
 * driver's watchdog: a walk that never ends reads forever). */
uint64_t faulty_reads(const struct faulty *fy);
void faulty_watchdog(struct faulty *fy, uint64_t max_reads, void (*on_runaway)(void));

#endif
