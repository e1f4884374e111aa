/*
 * oops.h: the oops (or panic) a dump was taken for, read from the kernel log.
 *
 * A fault address (CR2) is not saved anywhere in a kdump except the kernel's own oops report
 * ("BUG: kernel NULL pointer dereference, address: ...", "CR2: ..."), so the log is the
 * evidence: the front end supplies its lines (crash: `log -t`; drgn: the printk records) and
 * this file picks out the first oops, its faulting address and instruction, and the task.
 * Used by CHK-D3 (a small address = a member of a NULL struct pointer: oopsmap.h).
 */
#ifndef DT_OOPS_H
#define DT_OOPS_H

#include <stdint.h>
#include "escape.h"

struct dt_oops {
	int found;		/* a kernel oops report is in the log */
	int have_address;	/* its fault address is known (BUG line or CR2) */
	int null_deref;		/* "BUG: kernel NULL pointer dereference" (address < PAGE_SIZE) */
	uint64_t address;
	char bug[160];		/* the "BUG: ..." (or "Oops: ...") line */
	char rip[128];		/* kernel "RIP: 0010:" symbol+off/len */
	char func[96];		/* the function of rip */
	int pid;		/* "CPU: N PID: P Comm: C" of the oopsing task; -1 if not seen */
	char comm[DT_COMM_BUF];	/* escaped (escape.h) */
	char panic[160];	/* "Kernel panic - not syncing: ..." if any */
	long lines;		/* log lines read */
};

/* Feed one log line (no trailing newline needed; timestamps "[   1.23] " are skipped). */
void dt_oops_line(struct dt_oops *o, const char *line);
void dt_oops_init(struct dt_oops *o);

#endif
