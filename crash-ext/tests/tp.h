/* tp.h: the truncate-pinned recording (fixtures/truncate-pinned-6.1.rec) and the values the
 * guest kernel recorded for it in samples/out/6.1.0-56-amd64/truncate-pinned/truth.json. */
#ifndef TP_H
#define TP_H

#include <string.h>
#include "fake.h"
#include "layout.h"
#include "unit.h"

#define TP_HOLDER_TASK 0xffff8902c23fa100ULL	/* pid 139 daxhold: vmsplice'd the page */
#define TP_BLOCKED_TASK 0xffff8902c4b3a100ULL	/* pid 141 daxhold: wchan ext4_break_layouts */
#define TP_PAGE 0xfffffcc604218100ULL		/* pfn 0x108604, refcount 2 */
#define TP_PFN 0x108604ULL
#define TP_MAPPING 0xffff8902c1466c88ULL	/* /mnt/victim.dat, ino 12 */
#define TP_INODE 0xffff8902c1466b10ULL
#define TP_SB 0xffff8902c239c800ULL
#define TP_FSDAX_PGMAP 0xffff8902c1a66ab0ULL
#define TP_PMEM 0xffff8902c1a66a28ULL		/* the FS_DAX pgmap's owner */
#define TP_DEVDAX_PGMAP 0xffff89032197e480ULL

static inline struct fake *tp_load(struct dt_target *t, struct dt_layout *l)
{
	struct fake *f = fake_new();
	if (fake_load(f, fixture("truncate-pinned-6.1.rec")))
		SKIP("fixture %s not readable", fixture("truncate-pinned-6.1.rec"));
	fake_target(f, t);
	CHECK_EQ(dt_layout_probe(t, l), 0);
	return f;
}

/* Insert a second superblock of TP_SB's type (ext4) after TP_SB in super_blocks: named id,
 * no s_fs_info, no s_bdev; its s_inodes list head points at inodes (0: an empty list).
 * Returns its address. */
static inline uint64_t tp_add_sb(struct fake *f, const struct dt_target *t,
				 const struct dt_layout *l, const char *id, uint64_t inodes)
{
	static unsigned char sb[4096];
	const uint64_t x = 0xffff8902c0ff0000ULL;
	uint64_t next = 0, type = 0, ih = inodes ? inodes : x + (uint64_t)l->sb_inodes;
	memset(sb, 0, sizeof(sb));
	CHECK_EQ(dt_read_u64(t, TP_SB + (uint64_t)l->sb_list, &next), 0);
	CHECK_EQ(dt_read_u64(t, TP_SB + (uint64_t)l->sb_type, &type), 0);
	memcpy(sb + l->sb_list, &next, 8);
	memcpy(sb + l->sb_type, &type, 8);
	memcpy(sb + l->sb_inodes, &ih, 8);
	strncpy((char *)sb + l->sb_id, id, 31);
	fake_mem(f, x, sb, sizeof(sb));
	fake_u64(f, TP_SB + (uint64_t)l->sb_list, x + (uint64_t)l->sb_list);
	return x;
}

#endif
