/* page.c: dump_page()-style description of one struct page (see page.h). */
#include <stdio.h>
#include <string.h>
#include "page.h"
#include "folio.h"

/* include/trace/events/mmflags.h names, looked up as PG_<name> enumerators */
static const char *const pgflags[] = {
	"locked", "waiters", "error", "referenced", "uptodate", "dirty", "lru", "active",
	"workingset", "owner_priv_1", "arch_1", "reserved", "private", "private_2",
	"writeback", "head", "mappedtodisk", "reclaim", "swapbacked", "unevictable", "mlocked",
	"uncached", "hwpoison", "young", "idle", "arch_2", "arch_3", NULL
};

int dt_zone_shift(const struct dt_target *t, int *zone_shift, int *zone_bits, int *node_shift,
		  long *zone_device)
{
	long maxz, nm = t->type_size ? t->type_size(t->ctx, "nodemask_t") : -1;
	if (nm <= 0 && t->member_size)
		nm = t->member_size(t->ctx, "task_struct", "mems_allowed");
	if (dt_enum(t, "__MAX_NR_ZONES", &maxz) || dt_enum(t, "ZONE_DEVICE", zone_device) ||
	    nm <= 0 || maxz < 2)
		return -1;
	/* MAX_NUMNODES = 1 << NODES_SHIFT bits; nodemask_t rounds up to longs (exact >= 64) */
	int ns = 0;
	while ((8L * nm) > (1L << ns))
		ns++;
	if (ns <= 6)
		ns = 6;	/* below 64 nodes the size cannot tell: NODES_SHIFT <= 6 [assumed 6] */
	int zb = 0;
	while ((1L << zb) < maxz)
		zb++;
	*zone_bits = zb;
	*node_shift = ns;
	*zone_shift = 64 - ns - zb;
	return 0;
}

int dt_page_to_pfn(const struct dt_target *t, const struct dt_layout *l, uint64_t page,
		   uint64_t *pfn)
{
	uint64_t base;
	if (l->page_size <= 0 || dt_pfn_to_page(t, l, 0, &base) || page < base ||
	    (page - base) % (uint64_t)l->page_size)
		return -1;
	*pfn = (page - base) / (uint64_t)l->page_size;
	return 0;
}

static void describe_flags(const struct dt_target *t, struct dt_page_info *pi)
{
	uint64_t f = pi->hp.flags;
	long nr = 0;
	size_t n = (size_t)snprintf(pi->flagstr, sizeof(pi->flagstr), "%#llx(",
				    (unsigned long long)f);
	int first = 1;
	pi->reserved = -1;
	if (dt_enum(t, "__NR_PAGEFLAGS", &nr) == 0 && nr > 0 && nr < 64) {
		for (int i = 0; pgflags[i]; i++) {
			char en[32];
			long bit;
			snprintf(en, sizeof(en), "PG_%s", pgflags[i]);
			if (dt_enum(t, en, &bit) || bit < 0 || bit >= nr)
				continue;
			if (strcmp(pgflags[i], "reserved") == 0)
				pi->reserved = (f >> bit) & 1;
			if (!((f >> bit) & 1))
				continue;
			n += (size_t)snprintf(pi->flagstr + n, sizeof(pi->flagstr) - n, "%s%s",
					      first ? "" : "|", pgflags[i]);
			first = 0;
			if (n >= sizeof(pi->flagstr))
				n = sizeof(pi->flagstr) - 1;
		}
	}
	int zs, zb, ns;
	long zd;
	if (dt_zone_shift(t, &zs, &zb, &ns, &zd) == 0) {
		pi->zone_known = 1;
		pi->zone = (int)((f >> zs) & ((1ULL << zb) - 1));
		pi->node = (int)(f >> (64 - ns));
		snprintf(pi->flagstr + n, sizeof(pi->flagstr) - n, "%snode=%d|zone=%d)",
			 first ? "" : "|", pi->node, pi->zone);
	} else {
		snprintf(pi->flagstr + n, sizeof(pi->flagstr) - n, ")");
	}
}

static void describe_mapping(const struct dt_target *t, const struct dt_layout *l,
			     struct dt_page_info *pi)
{
	uint64_t m = pi->hp.mapping;
	if (!m)
		return;
	if (m & 3) {		/* PAGE_MAPPING_ANON 1, PAGE_MAPPING_MOVABLE 2; 0x1 = DAX_COW */
		pi->mapping_kind = 2;
		return;
	}
	long ops = dt_member_offset(t, "address_space", "a_ops");
	if (dt_read_u64(t, m + (uint64_t)l->as_host, &pi->host) ||
	    (ops >= 0 && dt_read_u64(t, m + (uint64_t)ops, &pi->a_ops))) {
		pi->mapping_kind = 3;
		return;
	}
	if (!dt_symname(t, pi->a_ops, pi->aops, sizeof(pi->aops)))
		snprintf(pi->aops, sizeof(pi->aops), "%#llx", (unsigned long long)pi->a_ops);
	char *plus = strchr(pi->aops, '+');
	if (plus && strcmp(plus, "+0x0") == 0)
		*plus = '\0';
	if (!pi->host) {
		pi->mapping_kind = 4;
		return;
	}
	pi->mapping_kind = 1;
	dt_read_u64(t, pi->host + (uint64_t)l->i_ino, &pi->ino);
	dt_inode_dentry(t, l, pi->host, &pi->dentry, pi->dname, sizeof(pi->dname));
}

int dt_inode_dentry(const struct dt_target *t, const struct dt_layout *l, uint64_t inode,
		    uint64_t *dentry, char *name, size_t len)
{
	*dentry = 0;
	if (len)
		name[0] = '\0';
	long idn = dt_member_offset(t, "inode", "i_dentry"), alias = dt_member_offset(t, "dentry", "d_u");
	/* d_alias heads the named union d_u (6.1); in the 7.2 sample the union is anonymous
	 * (first release not verified) */
	if (alias < 0)
		alias = dt_member_offset(t, "dentry", "d_alias");
	uint64_t first;
	if (idn < 0 || alias < 0 || !dt_kptr_ok(inode, 8) ||
	    dt_read_u64(t, inode + (uint64_t)idn, &first) || !dt_kptr_ok(first, 8))
		return -1;
	*dentry = first - (uint64_t)alias;	/* hlist_node d_alias in the d_u union */
	uint64_t p;
	if (l->d_name_name >= 0 && dt_read_u64(t, *dentry + (uint64_t)l->d_name_name, &p) == 0 &&
	    dt_kptr_ok(p, 1))
		dt_read_str(t, p, name, len);
	return 0;
}

int dt_page_describe(const struct dt_target *t, const struct dt_layout *l, uint64_t pfn,
		     struct dt_page_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->order = -1;
	uint64_t a;
	if (l->page_size <= 0 || l->page_size > 256 || dt_pfn_to_page(t, l, pfn, &a) ||
	    dt_read(t, a, pi->raw, (size_t)l->page_size))
		return -1;
	pi->raw_len = l->page_size;
	dt_page_decode(l, pi->raw, pfn, a, &pi->p);
	pi->hp = pi->p;
	pi->head = a;
	long hf = -1;
	if (dt_enum(t, "PG_head", &hf) == 0 && hf >= 0 && hf < 64 && ((pi->p.flags >> hf) & 1))
		pi->compound = 1;
	if (pi->p.tail) {
		uint64_t hpfn;
		unsigned char hb[256];
		pi->compound = 1;
		pi->head = pi->p.head;
		if (dt_page_to_pfn(t, l, pi->head, &hpfn) == 0 &&
		    dt_read(t, pi->head, hb, (size_t)l->page_size) == 0)
			dt_page_decode(l, hb, hpfn, pi->head, &pi->hp);
	}
	pi->mapcount = dt_add32(pi->p.mapcount_raw, 1);
	if (pi->compound) {
		/* order, entire mapcount and pincount live in the head's tail pages (folio.h) */
		struct dt_folio fo;
		pi->folio_wording = l->fo_folio_wording;
		if (dt_folio_read(t, l, pi->head, &fo) == 0) {
			pi->order = fo.order;
			pi->compound_known = 1;
			pi->compound_mapcount = fo.entire_mapcount;
			pi->compound_pincount = fo.pincount;
		}
		pi->mapcount += pi->compound_mapcount;
	}
	describe_mapping(t, l, pi);
	describe_flags(t, pi);
	return 0;
}
