/* target.c: checked accessors over struct dt_target. */
#include <stdio.h>
#include <string.h>
#include "target.h"
#include "escape.h"

int dt_read(const struct dt_target *t, uint64_t addr, void *buf, size_t len)
{
	if (!t || !t->read || len == 0)
		return -1;
	return t->read(t->ctx, addr, DT_KVADDR, buf, len) == 0 ? 0 : -1;
}

int dt_read_u64(const struct dt_target *t, uint64_t addr, uint64_t *v)
{
	unsigned char b[8];
	if (dt_read(t, addr, b, 8))
		return -1;
	*v = dt_get_u64(b, 0);
	return 0;
}

int dt_read_u32(const struct dt_target *t, uint64_t addr, uint32_t *v)
{
	unsigned char b[4];
	if (dt_read(t, addr, b, 4))
		return -1;
	*v = dt_get_u32(b, 0);
	return 0;
}

int dt_read_u8(const struct dt_target *t, uint64_t addr, uint8_t *v)
{
	return dt_read(t, addr, v, 1);
}

int dt_read_str(const struct dt_target *t, uint64_t addr, char *buf, size_t len)
{
	if (len == 0)
		return -1;
	buf[0] = '\0';
	/* Byte-wise so that a string ending just before an unreadable page still reads. */
	for (size_t i = 0; i + 1 < len; i++) {
		char c;
		if (dt_read(t, addr + i, &c, 1)) {
			if (!i)
				return -1;
			break;
		}
		buf[i] = c;
		buf[i + 1] = '\0';
		if (!c)
			break;
	}
	dt_escape_inplace(buf, len);
	return 0;
}

int dt_symbol(const struct dt_target *t, const char *name, uint64_t *addr)
{
	uint64_t a = 0;
	if (!t->symbol || t->symbol(t->ctx, name, &a) || !a)
		return -1;
	*addr = a;
	return 0;
}

int dt_enum(const struct dt_target *t, const char *name, long *v)
{
	return t->enum_value && t->enum_value(t->ctx, name, v) == 0 ? 0 : -1;
}

const char *dt_symname(const struct dt_target *t, uint64_t addr, char *buf, size_t len)
{
	if (!addr || !t->symbol_name)
		return NULL;
	const char *s = t->symbol_name(t->ctx, addr, buf, len);
	if (!s || !len)
		return s;
	/* module symbol names come from the dump's kallsyms: their display form (escape.h) */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p >= 0x7f || *p == '\\') {
			if (s != buf)
				snprintf(buf, len, "%s", s);
			dt_escape_inplace(buf, len);
			return buf;
		}
	return s;
}

long dt_member_offset(const struct dt_target *t, const char *type, const char *member)
{
	return t->member_offset ? t->member_offset(t->ctx, type, member) : -1;
}

long dt_member_size(const struct dt_target *t, const char *type, const char *member)
{
	return t->member_size ? t->member_size(t->ctx, type, member) : -1;
}

long dt_type_size(const struct dt_target *t, const char *type)
{
	return t->type_size ? t->type_size(t->ctx, type) : -1;
}
