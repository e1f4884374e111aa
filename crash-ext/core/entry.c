/* entry.c: DAX entry decoding driven by dt_eras[] (see entry.h). */
#include <stdio.h>
#include <string.h>
#include "entry.h"

const struct dt_era *dt_era_find(const char *id)
{
	for (int i = 0; i < dt_nr_eras; i++)
		if (strcmp(dt_eras[i].id, id) == 0)
			return &dt_eras[i];
	return NULL;
}

int dt_entry_decode(const struct dt_era *era, uint64_t raw, struct dt_entry *out)
{
	memset(out, 0, sizeof(*out));
	out->era = era;
	out->raw = raw;
	if (raw == 0 || (raw & era->entry_mask) != era->entry_value)
		return -1;
	out->is_entry = 1;
	uint64_t pm = era->payload_mask ? era->payload_mask : ~0ULL;
	out->payload = (raw & pm) >> era->payload_shift;
	uint64_t flag_bits = 0;
	for (int i = 0; i < era->nr_flags; i++) {
		const struct dt_era_flag *f = &era->flags[i];
		flag_bits |= f->mask;
		if ((raw & f->mask) == f->value) {
			out->flags |= f->role;
			if (f->order > out->order)
				out->order = f->order;
		}
	}
	/* Bits below the payload that neither the container tag nor a flag explains. */
	uint64_t below = era->payload_shift >= 64 ? ~0ULL : ((1ULL << era->payload_shift) - 1);
	out->unknown_bits = raw & below & ~era->known_mask & ~era->entry_mask & ~flag_bits;
	return 0;
}

const char *dt_flag_letters(unsigned flags, char *buf, size_t len)
{
	static const struct { unsigned f; char c; } L[] = {
		{ DT_F_LOCKED, 'L' }, { DT_F_PMD, 'P' }, { DT_F_PUD, 'U' },
		{ DT_F_ZERO, 'Z' }, { DT_F_EMPTY, 'E' }, { DT_F_ZAP, 'X' },
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(L) / sizeof(L[0]) && n + 1 < len; i++)
		if (flags & L[i].f)
			buf[n++] = L[i].c;
	if (n == 0 && len > 1)
		buf[n++] = '-';
	buf[n < len ? n : len - 1] = '\0';
	return buf;
}

const char *dt_flag_names(const struct dt_entry *e, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (int i = 0; e->is_entry && i < e->era->nr_flags; i++) {
		const struct dt_era_flag *f = &e->era->flags[i];
		if ((e->raw & f->mask) != f->value)
			continue;
		int w = snprintf(buf + n, len - n, "%s%s", n ? "|" : "", f->name);
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
	if (n == 0)
		snprintf(buf, len, "%s", e->is_entry ? "none" : "not an entry");
	return buf;
}
