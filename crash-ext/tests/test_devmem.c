/* test_devmem.c: device-private census and P2PDMA provider/pool reading (core/devmem.c) on
 * synthetic memory: the recorded 6.1 layout (fsdax-ext4-6.1.rec) for struct page, and the
 * 6.1 shapes of struct pci_p2pdma_pagemap / pci_dev / pci_p2pdma / gen_pool(_chunk) with
 * made-up offsets (the core takes every offset from the target, none is built in). */
#include <stdlib.h>
#include <string.h>
#include "fake.h"
#include "devmem.h"
#include "memmap.h"
#include "unit.h"

#define VMEMMAP 0xffffea0000000000ULL
#define START 0x3f0000ULL	/* device-private memory: pfns above RAM */
#define NPAGES 256ULL

static void put_page(unsigned char *b, const struct dt_layout *l, int32_t refcount,
		     int32_t mapcount)
{
	memset(b, 0, 64);
	memcpy(b + l->pg_refcount, &refcount, 4);
	memcpy(b + l->pg_mapcount, &mapcount, 4);
}

TEST(test_devmem_private_census_counts_allocated_and_unmapped)
{
	struct fake *f = fake_new();
	if (fake_load(f, fixture("fsdax-ext4-6.1.rec")))
		SKIP("fixture not readable");
	struct dt_target t;
	struct dt_layout l;
	fake_target(f, &t);
	CHECK_EQ(dt_layout_probe(&t, &l), 0);
	CHECK_EQ(l.refmodel, DT_RM_6_1);
	fake_vmemmap(f, VMEMMAP, 64);
	/* free pages at 0 (the driver's free list), 5 allocated and mapped (_mapcount 0), 2
	 * allocated that no process maps (_mapcount -1) */
	unsigned char *mm = malloc(NPAGES * 64);
	for (uint64_t i = 0; i < NPAGES; i++)
		put_page(mm + i * 64, &l, 0, -1);
	for (uint64_t i = 10; i < 15; i++)
		put_page(mm + i * 64, &l, 1, 0);
	put_page(mm + 100 * 64, &l, 1, -1);
	put_page(mm + 200 * 64, &l, 1, -1);
	fake_mem(f, VMEMMAP + START * 64, mm, NPAGES * 64);
	struct dt_pgmap pm;
	memset(&pm, 0, sizeof(pm));
	pm.type = DT_MT_PRIVATE;
	pm.nr_range = 1;
	pm.start[0] = START << 12;
	pm.end[0] = ((START + NPAGES) << 12) - 1;
	pm.pfn_first[0] = START;
	pm.pfn_end[0] = START + NPAGES;
	struct dt_devmem dm;
	CHECK_EQ(dt_devmem_read(&t, &l, &pm, &dm), 0);
	CHECK(dm.census_read);
	CHECK_EQ(dm.allocated, 7);
	CHECK_EQ(dm.unmapped, 2);
	CHECK_EQ(dm.first_unmapped_pfn, START + 100);
	CHECK_EQ(dm.unreadable, 0);
	/* other types: nothing read */
	pm.type = DT_MT_FS_DAX;
	CHECK_EQ(dt_devmem_read(&t, &l, &pm, &dm), 0);
	CHECK(!dm.census_read && !dm.p2p_read && !dm.error[0]);
	free(mm);
	fake_free(f);
}

#define PGMAP 0xffff888100010000ULL	/* &p2p_pgmap->pgmap, at offset 0 */
#define PDEV 0xffff888100020000ULL
#define NAME 0xffff888100030000ULL
#define P2P 0xffff888100040000ULL
#define POOL 0xffff888100050000ULL
#define CHUNK1 0xffff888100060000ULL
#define CHUNK2 0xffff888100070000ULL

static void p2p_layout(struct fake *f)
{
	fake_kv(f, "O pci_p2pdma_pagemap pgmap", 0);
	fake_kv(f, "O pci_p2pdma_pagemap provider", 0x100);
	fake_kv(f, "O pci_dev dev", 0xc0);
	fake_kv(f, "O device kobj", 0);
	fake_kv(f, "O kobject name", 0);
	fake_kv(f, "O pci_dev p2pdma", 0x800);
	fake_kv(f, "O pci_p2pdma pool", 0);
	fake_kv(f, "O gen_pool chunks", 0x18);
	fake_kv(f, "O gen_pool_chunk next_chunk", 0);
	fake_kv(f, "O gen_pool_chunk avail", 0x10);
	fake_kv(f, "O gen_pool_chunk start_addr", 0x20);
	fake_kv(f, "O gen_pool_chunk end_addr", 0x28);
}

TEST(test_devmem_p2pdma_provider_and_pool)
{
	struct fake *f = fake_new();
	struct dt_target t;
	struct dt_layout l;
	memset(&l, 0, sizeof(l));
	fake_target(f, &t);
	p2p_layout(f);
	fake_u64(f, PGMAP + 0x100, PDEV);
	fake_u64(f, PDEV + 0xc0, NAME);
	fake_mem(f, NAME, "0000:00:04.0", 13);
	fake_u64(f, PDEV + 0x800, P2P);
	fake_u64(f, P2P, POOL);
	/* two chunks (64 MiB + 4 MiB), 128 KiB and 8 KiB of them allocated */
	fake_u64(f, POOL + 0x18, CHUNK1);
	fake_u64(f, CHUNK1, CHUNK2);
	fake_u64(f, CHUNK1 + 0x10, (64ULL << 20) - (128 << 10));
	fake_u64(f, CHUNK1 + 0x20, 0xfd000000ULL);
	fake_u64(f, CHUNK1 + 0x28, 0xfd000000ULL + (64ULL << 20) - 1);
	fake_u64(f, CHUNK2, POOL + 0x18);
	fake_u64(f, CHUNK2 + 0x10, (4ULL << 20) - (8 << 10));
	fake_u64(f, CHUNK2 + 0x20, 0xfe000000ULL);
	fake_u64(f, CHUNK2 + 0x28, 0xfe000000ULL + (4ULL << 20) - 1);
	struct dt_pgmap pm;
	memset(&pm, 0, sizeof(pm));
	pm.type = DT_MT_PCI_P2PDMA;
	pm.addr = PGMAP;
	struct dt_devmem dm;
	CHECK_EQ(dt_devmem_read(&t, &l, &pm, &dm), 0);
	CHECK(dm.p2p_read);
	CHECK_EQ(dm.provider, PDEV);
	CHECK_STR(dm.provider_name, "0000:00:04.0");
	CHECK_EQ(dm.pool, POOL);
	CHECK_EQ(dm.pool_bytes, 68ULL << 20);
	CHECK_EQ(dm.pool_bytes - dm.pool_avail, 136ULL << 10);
	/* a cyclic chunk list ends at the bound with an error, not a hang */
	fake_u64(f, CHUNK2, CHUNK1);
	CHECK_EQ(dt_devmem_read(&t, &l, &pm, &dm), -1);
	CHECK(!dm.p2p_read && strstr(dm.error, "chunk list"));
	/* no provider: one line of error */
	fake_u64(f, PGMAP + 0x100, 0);
	CHECK_EQ(dt_devmem_read(&t, &l, &pm, &dm), -1);
	CHECK(strstr(dm.error, "provider"));
	fake_free(f);
}
