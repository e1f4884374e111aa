"""Patch physical pages of a kdump-compressed vmcore (makedumpfile's "KDUMP   " format).

The corrupted-dump tests need a dump whose kernel objects hold garbage, zeroes, cycles or
flipped bits while everything crash needs to start stays intact.  The samples are
kdump-compressed (the in-guest kdump, and QEMU's dump-guest-memory in kdump format: QEMU
cannot write ELF there without paging), and makedumpfile does not turn them into ELF
("-E option is disable ... kdump compressed format").  So a page is patched in place of
its format: the new contents are appended uncompressed at the end of the file and the page's
descriptor is pointed at them (flags 0: not compressed), the way makedumpfile writes a page
that does not compress.

Layout (makedumpfile diskdump_mod.h, header_version 6, x86_64): block 0 struct
disk_dump_header (block_size at 428, sub_hdr_size 432, bitmap_blocks 436, max_mapnr 440);
sub_hdr_size blocks of struct kdump_sub_header; bitmap_blocks blocks of bitmaps (the second
half: the pages the file holds, bit = pfn, LSB first); then one struct page_desc per held
page in pfn order: {offset u64, size u32, flags u32, page_flags u64}.
"""
import struct

_HDR = struct.Struct("<iiII")      # block_size, sub_hdr_size, bitmap_blocks, max_mapnr @428
_DESC = struct.Struct("<QIIQ")     # page_desc
SIGNATURE = b"KDUMP   "


class KdumpFile:
    """A writable kdump-compressed file: held(pfn), patch_page(pfn, bytes)."""

    def __init__(self, path):
        self.f = open(path, "r+b")
        head = self.f.read(448)
        if head[:8] != SIGNATURE:
            raise ValueError(f"{path}: not a kdump-compressed file")
        self.block, sub, bitmap_blocks, self.max_mapnr = _HDR.unpack_from(head, 428)
        half = bitmap_blocks * self.block // 2
        self.f.seek((1 + sub) * self.block + half)
        self.bitmap2 = self.f.read(half)
        self.desc_base = (1 + sub + bitmap_blocks) * self.block
        # rank of each bitmap byte: how many held pages come before it
        self.rank = [0] * (len(self.bitmap2) + 1)
        for i, b in enumerate(self.bitmap2):
            self.rank[i + 1] = self.rank[i] + bin(b).count("1")

    def held(self, pfn):
        return 0 <= pfn < self.max_mapnr and bool(self.bitmap2[pfn >> 3] >> (pfn & 7) & 1)

    def patch_page(self, pfn, data):
        """Replace page pfn's contents with data (block_size bytes); False if not held."""
        assert len(data) == self.block
        if not self.held(pfn):
            return False
        byte = self.bitmap2[pfn >> 3]
        idx = self.rank[pfn >> 3] + bin(byte & ((1 << (pfn & 7)) - 1)).count("1")
        pos = self.desc_base + idx * _DESC.size
        self.f.seek(pos)
        _, _, _, page_flags = _DESC.unpack(self.f.read(_DESC.size))
        self.f.seek(0, 2)
        at = self.f.tell()
        self.f.write(data)
        self.f.seek(pos)
        self.f.write(_DESC.pack(at, self.block, 0, page_flags))
        return True

    def close(self):
        self.f.close()
