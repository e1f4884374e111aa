/* fake.c: recorded-bytes target for the unit tests (see fake.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake.h"

struct region {
	uint64_t addr;
	size_t len;
	unsigned char *b;	/* NULL: a hole */
};

struct kv {
	char *key;
	long v;
	int ok;
};

struct name {
	uint64_t addr;
	char *name;	/* NULL: no symbol */
};

struct fake {
	struct name *names;
	int nnames, capnames;
	struct region *r;
	int nr, capr;
	struct kv *kv;
	int nkv, capkv;
	uint64_t vmemmap;
	long page_size;
	int have_vmemmap;
};

struct fake *fake_new(void)
{
	return calloc(1, sizeof(struct fake));
}

void fake_free(struct fake *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->nr; i++)
		free(f->r[i].b);
	for (int i = 0; i < f->nkv; i++)
		free(f->kv[i].key);
	for (int i = 0; i < f->nnames; i++)
		free(f->names[i].name);
	free(f->names);
	free(f->r);
	free(f->kv);
	free(f);
}

static void add_region(struct fake *f, uint64_t addr, const void *bytes, size_t len)
{
	if (f->nr == f->capr) {
		f->capr = f->capr ? f->capr * 2 : 64;
		f->r = realloc(f->r, (size_t)f->capr * sizeof(*f->r));
	}
	struct region *r = &f->r[f->nr++];
	r->addr = addr;
	r->len = len;
	r->b = NULL;
	if (bytes) {
		r->b = malloc(len);
		memcpy(r->b, bytes, len);
	}
}

void fake_mem(struct fake *f, uint64_t addr, const void *bytes, size_t len)
{
	add_region(f, addr, bytes, len);
}

void fake_u64(struct fake *f, uint64_t addr, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	add_region(f, addr, b, 8);
}

void fake_hole(struct fake *f, uint64_t addr, size_t len)
{
	add_region(f, addr, NULL, len);
}

static void set_kv(struct fake *f, const char *key, long v, int ok)
{
	for (int i = 0; i < f->nkv; i++)
		if (strcmp(f->kv[i].key, key) == 0) {
			f->kv[i].v = v;
			f->kv[i].ok = ok;
			return;
		}
	if (f->nkv == f->capkv) {
		f->capkv = f->capkv ? f->capkv * 2 : 64;
		f->kv = realloc(f->kv, (size_t)f->capkv * sizeof(*f->kv));
	}
	f->kv[f->nkv++] = (struct kv){ strdup(key), v, ok };
}

void fake_kv(struct fake *f, const char *key, long v)
{
	set_kv(f, key, v, 1);
}

static const struct kv *get_kv(const struct fake *f, const char *key)
{
	/* later entries win: search backwards */
	for (int i = f->nkv - 1; i >= 0; i--)
		if (strcmp(f->kv[i].key, key) == 0)
			return &f->kv[i];
	return NULL;
}

void fake_vmemmap(struct fake *f, uint64_t base, long page_size)
{
	f->vmemmap = base;
	f->page_size = page_size;
	f->have_vmemmap = 1;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

void fake_name(struct fake *f, uint64_t addr, const char *name)
{
	if (f->nnames == f->capnames) {
		f->capnames = f->capnames ? f->capnames * 2 : 64;
		f->names = realloc(f->names, (size_t)f->capnames * sizeof(*f->names));
	}
	f->names[f->nnames++] = (struct name){ addr, name ? strdup(name) : NULL };
}

int fake_load(struct fake *f, const char *path)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return -1;
	size_t cap = 1 << 16;
	char *line = malloc(cap);
	while (fgets(line, (int)cap, fp)) {
		size_t n = strlen(line);
		while (n == cap - 1 && line[n - 1] != '\n') {
			cap *= 2;
			line = realloc(line, cap);
			if (!fgets(line + n, (int)(cap - n), fp))
				break;
			n = strlen(line);
		}
		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		char key[300], a[128], b[128];
		unsigned long long addr, v;
		long lv;
		switch (line[0]) {
		case 'R': {
			char sp;
			size_t len;
			int off = 0;
			if (sscanf(line, "R %c %llx %zu %n", &sp, &addr, &len, &off) < 3 || !off)
				break;
			const char *h = line + off;
			if (*h == '-') {
				add_region(f, addr, NULL, len);
				break;
			}
			unsigned char *bytes = malloc(len);
			for (size_t i = 0; i < len; i++)
				bytes[i] = (unsigned char)(hexval(h[2 * i]) << 4 | hexval(h[2 * i + 1]));
			add_region(f, addr, bytes, len);
			free(bytes);
			break;
		}
		case 'S':
			if (sscanf(line, "S %127s %llx", a, &v) == 2) {
				snprintf(key, sizeof(key), "S %s", a);
				set_kv(f, key, (long)v, v != 0);
			}
			break;
		case 'O':
		case 'Z':
			if (sscanf(line, "%*c %127s %127s %ld", a, b, &lv) == 3) {
				snprintf(key, sizeof(key), "%c %s %s", line[0], a, b);
				set_kv(f, key, lv, 1);
			}
			break;
		case 'T':
			if (sscanf(line, "T %127s %ld", a, &lv) == 2) {
				snprintf(key, sizeof(key), "T %s", a);
				set_kv(f, key, lv, 1);
			}
			break;
		case 'E':
			if (sscanf(line, "E %127s %127s", a, b) == 2) {
				snprintf(key, sizeof(key), "E %s", a);
				int bad = strcmp(b, "-") == 0;
				set_kv(f, key, bad ? 0 : strtol(b, NULL, 10), !bad);
			}
			break;
		case 'N': {
			char nm[256];
			if (sscanf(line, "N %llx %255s", &addr, nm) == 2)
				fake_name(f, addr, strcmp(nm, "-") ? nm : NULL);
			break;
		}
		case 'P': {
			unsigned long long pfn, page;
			if (sscanf(line, "P %llx %llx", &pfn, &page) == 2 && page && !f->have_vmemmap)
				fake_vmemmap(f, page - pfn * 64, 64);
			break;
		}
		default:
			break;
		}
	}
	free(line);
	fclose(fp);
	return 0;
}

static int f_read(void *ctx, uint64_t addr, enum dt_space sp, void *buf, size_t len)
{
	struct fake *f = ctx;
	(void)sp;
	/* a read that wraps past 2^64 is in no region (and addr + len below would wrap) */
	if (addr + len < addr)
		return -1;
	/* later regions win (synthetic overrides and holes) */
	for (int i = f->nr - 1; i >= 0; i--) {
		struct region *r = &f->r[i];
		if (addr >= r->addr && len <= r->len && addr - r->addr <= r->len - len) {
			if (!r->b)
				return -1;
			memcpy(buf, r->b + (addr - r->addr), len);
			return 0;
		}
		if (!r->b && addr < r->addr + r->len && addr + len > r->addr)
			return -1;	/* overlaps a hole */
	}
	return -1;
}

static int f_symbol(void *ctx, const char *name, uint64_t *addr)
{
	char key[256];
	snprintf(key, sizeof(key), "S %s", name);
	const struct kv *kv = get_kv(ctx, key);
	if (!kv || !kv->ok)
		return -1;
	*addr = (uint64_t)kv->v;
	return 0;
}

static long lookup(void *ctx, char kind, const char *a, const char *b)
{
	char key[256];
	if (b)
		snprintf(key, sizeof(key), "%c %s %s", kind, a, b);
	else
		snprintf(key, sizeof(key), "%c %s", kind, a);
	const struct kv *kv = get_kv(ctx, key);
	return kv && kv->ok ? kv->v : -1;
}

static long f_off(void *ctx, const char *t, const char *m) { return lookup(ctx, 'O', t, m); }
static long f_msize(void *ctx, const char *t, const char *m) { return lookup(ctx, 'Z', t, m); }
static long f_tsize(void *ctx, const char *t) { return lookup(ctx, 'T', t, NULL); }

static int f_enum(void *ctx, const char *name, long *v)
{
	char key[256];
	snprintf(key, sizeof(key), "E %s", name);
	const struct kv *kv = get_kv(ctx, key);
	if (!kv || !kv->ok)
		return -1;
	*v = kv->v;
	return 0;
}

static int f_pfn_to_page(void *ctx, uint64_t pfn, uint64_t *page)
{
	struct fake *f = ctx;
	if (!f->have_vmemmap)
		return -1;
	*page = f->vmemmap + pfn * (uint64_t)f->page_size;
	return 0;
}

static const char *f_symbol_name(void *ctx, uint64_t addr, char *buf, size_t len)
{
	struct fake *f = ctx;
	for (int i = f->nnames - 1; i >= 0; i--)
		if (f->names[i].addr == addr) {
			if (!f->names[i].name)
				return NULL;
			snprintf(buf, len, "%s", f->names[i].name);
			return buf;
		}
	return NULL;
}

void fake_target(struct fake *f, struct dt_target *t)
{
	memset(t, 0, sizeof(*t));
	t->ctx = f;
	t->read = f_read;
	t->symbol = f_symbol;
	t->member_offset = f_off;
	t->member_size = f_msize;
	t->type_size = f_tsize;
	t->enum_value = f_enum;
	t->pfn_to_page = f_pfn_to_page;
	t->symbol_name = f_symbol_name;
}

const char *fixture(const char *name)
{
	static char buf[4096];
	const char *dir = getenv("DAXTRIAGE_FIXTURES");
	snprintf(buf, sizeof(buf), "%s/%s", dir ? dir : "tests/fixtures", name);
	return buf;
}
