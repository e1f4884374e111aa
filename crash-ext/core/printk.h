/*
 * printk.h: the kernel log of the dump, read from the printk ring buffer in memory.
 *
 * The lockless ring buffer of kernel/printk/printk_ringbuffer.c ("printk: use the lockless
 * ringbuffer", 896fbe20b4e2, v5.10) is the log of every kernel this tool meets in practice;
 * older kernels' log_buf of struct printk_log records is not read (the caller is told why).
 * Used to find the oops of the dump (oops.h): its fault address is nowhere else.
 */
#ifndef DT_PRINTK_H
#define DT_PRINTK_H

#include <stddef.h>
#include "target.h"

/* Records read at most (the ring holds far fewer: 2^CONFIG_LOG_BUF_SHIFT / 32). */
#define DT_PRINTK_MAX_RECORDS 1000000

/* Call fn once per line of every readable record, oldest first (text is NUL-terminated).
 * Returns the number of records read, or -1 with why set when the log cannot be read. */
long dt_printk_for_each(const struct dt_target *t, void (*fn)(void *arg, const char *line),
			void *arg, char *why, size_t whylen);

#endif
