/*
 * oops.c: pick the first oops report out of the kernel log (see oops.h).
 *
 * The wording parsed is the x86 page-fault oops of arch/x86/mm/fault.c show_fault_oops()
 * (4.x-7.x: "BUG: kernel NULL pointer dereference, address: %px" since 5.1, "BUG: unable to
 * handle kernel NULL pointer dereference at %px" before; "BUG: unable to handle page fault
 * for address: %px"), the register dump of __show_regs() ("RIP: 0010:sym+off/len", 0010 =
 * __KERNEL_CS; "RIP: 0033:" is user space and ignored) and the "CPU: N PID: P Comm: C" line
 * of dump_stack_print_info(); "CR2: %016lx" is printed by both __show_regs() and the oops
 * summary.  Only the first oops counts: later ones are usually consequences of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oops.h"
#include "escape.h"

void dt_oops_init(struct dt_oops *o)
{
	memset(o, 0, sizeof(*o));
	o->pid = -1;
}

static void copy_line(char *dst, size_t len, const char *src)
{
	size_t n = strcspn(src, "\r\n");
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* The hex number after "marker" in line, if any. */
static int hex_after(const char *line, const char *marker, uint64_t *v)
{
	const char *p = strstr(line, marker);
	char *end;
	if (!p)
		return 0;
	p += strlen(marker);
	while (*p == ' ')
		p++;
	*v = strtoull(p, &end, 16);
	return end != p;
}

void dt_oops_line(struct dt_oops *o, const char *line)
{
	uint64_t v;
	o->lines++;
	/* printk timestamp prefix */
	if (line[0] == '[') {
		const char *e = strchr(line, ']');
		if (e)
			line = e + 1;
	}
	while (*line == ' ')
		line++;
	if (!strncmp(line, "Kernel panic - not syncing:", 27) && !o->panic[0]) {
		copy_line(o->panic, sizeof(o->panic), line);
		dt_escape_inplace(o->panic, sizeof(o->panic));	/* log text: display form */
	}
	if (!o->found) {
		if (!strncmp(line, "BUG: kernel NULL pointer dereference", 36) ||
		    !strncmp(line, "BUG: unable to handle", 21)) {
			o->found = 1;
			copy_line(o->bug, sizeof(o->bug), line);
			dt_escape_inplace(o->bug, sizeof(o->bug));
			o->null_deref = strstr(line, "NULL pointer") != NULL;
			if (hex_after(line, "address:", &v) || hex_after(line, " at ", &v)) {
				o->address = v;
				o->have_address = 1;
			}
		} else if (!strncmp(line, "Oops:", 5)) {
			o->found = 1;
			copy_line(o->bug, sizeof(o->bug), line);
			dt_escape_inplace(o->bug, sizeof(o->bug));
		}
		return;
	}
	/* Details of the first oops only: stop at the next report. */
	if (o->rip[0] && o->pid >= 0 && o->have_address)
		return;
	if (o->pid < 0 && !strncmp(line, "CPU: ", 5) && strstr(line, " PID: ")) {
		const char *p = strstr(line, " PID: ") + 6, *c = strstr(line, " Comm: ");
		o->pid = atoi(p);
		if (c) {
			c += 7;
			size_t n = strcspn(c, " \r\n");
			if (n > 16)	/* TASK_COMM_LEN */
				n = 16;
			memcpy(o->comm, c, n);
			o->comm[n] = 0;
			dt_escape_inplace(o->comm, sizeof(o->comm));	/* a comm: any bytes */
		}
	} else if (!o->rip[0] && (!strncmp(line, "RIP: 0010:", 10) || !strncmp(line, "IP: ", 4))) {
		/* "IP: sym+off/len" is the pre-4.17 show_fault_oops() line (seed 000) */
		copy_line(o->rip, sizeof(o->rip), line + (line[0] == 'I' ? 4 : 10));
		size_t n = strcspn(o->rip, "+ ");
		if (n > sizeof(o->func) - 1)
			n = sizeof(o->func) - 1;
		memcpy(o->func, o->rip, n);
		o->func[n] = 0;
		dt_escape_inplace(o->rip, sizeof(o->rip));
		dt_escape_inplace(o->func, sizeof(o->func));
	} else if (!o->have_address && hex_after(line, "CR2:", &v)) {
		o->address = v;
		o->have_address = 1;
	}
}
