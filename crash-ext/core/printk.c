/*
 * printk.c: walk the lockless printk ring buffer (printk.h).
 *
 * Layout (kernel/printk/printk_ringbuffer.h, v5.10+; members probed from debuginfo):
 *   prb -> struct printk_ringbuffer { desc_ring { count_bits, descs, infos, head_id, tail_id },
 *                                     text_data_ring { size_bits, data, ... } }
 *   descs[id & mask].state_var: bits 62-63 the state (committed 1 / finalized 2 are readable),
 *     the rest the descriptor id, which must equal the id looked up;
 *   descs[...].text_blk_lpos { begin, next }: logical positions in data; a block starts with
 *     its descriptor id (one long) then the text; a block that would cross the end of the
 *     ring is stored at offset 0 instead (get_data()); begin & 1 marks a record without text;
 *   infos[id & mask].text_len: the text's length.
 * This is how drgn's _get_printk_records_lockless and crash's dump_lockless() read it too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "printk.h"

#define DESC_SV_BITS 64
#define DESC_FLAGS_SHIFT (DESC_SV_BITS - 2)
#define DESC_ID_MASK (~(3ULL << DESC_FLAGS_SHIFT))
#define DESC_COMMITTED 1ULL
#define DESC_FINALIZED 2ULL

struct off {
	long rb_desc_ring, rb_text_ring, dr_count_bits, dr_descs, dr_infos, dr_head, dr_tail,
	     tr_size_bits, tr_data, d_size, d_state, d_text_lpos, lpos_begin, lpos_next,
	     i_size, i_text_len;
};

static int probe(const struct dt_target *t, struct off *o)
{
	o->rb_desc_ring = dt_member_offset(t, "printk_ringbuffer", "desc_ring");
	o->rb_text_ring = dt_member_offset(t, "printk_ringbuffer", "text_data_ring");
	o->dr_count_bits = dt_member_offset(t, "prb_desc_ring", "count_bits");
	o->dr_descs = dt_member_offset(t, "prb_desc_ring", "descs");
	o->dr_infos = dt_member_offset(t, "prb_desc_ring", "infos");
	o->dr_head = dt_member_offset(t, "prb_desc_ring", "head_id");
	o->dr_tail = dt_member_offset(t, "prb_desc_ring", "tail_id");
	o->tr_size_bits = dt_member_offset(t, "prb_data_ring", "size_bits");
	o->tr_data = dt_member_offset(t, "prb_data_ring", "data");
	o->d_size = dt_type_size(t, "prb_desc");
	o->d_state = dt_member_offset(t, "prb_desc", "state_var");
	o->d_text_lpos = dt_member_offset(t, "prb_desc", "text_blk_lpos");
	o->lpos_begin = dt_member_offset(t, "prb_data_blk_lpos", "begin");
	o->lpos_next = dt_member_offset(t, "prb_data_blk_lpos", "next");
	o->i_size = dt_type_size(t, "printk_info");
	o->i_text_len = dt_member_offset(t, "printk_info", "text_len");
	const long *v = &o->rb_desc_ring;
	for (size_t i = 0; i < sizeof(*o) / sizeof(long); i++)
		if (v[i] < 0)
			return -1;
	return 0;
}

static void emit_lines(char *text, void (*fn)(void *, const char *), void *arg)
{
	char *p = text;
	while (p) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		if (*p)
			fn(arg, p);
		p = nl ? nl + 1 : NULL;
	}
}

long dt_printk_for_each(const struct dt_target *t, void (*fn)(void *arg, const char *line),
			void *arg, char *why, size_t whylen)
{
	struct off o;
	uint64_t prb, descs, infos, data, head, tail;
	uint32_t count_bits, size_bits;
	char buf[1100];
	long n = 0;

	if (probe(t, &o)) {
		snprintf(why, whylen, "no lockless printk ring buffer in the debuginfo (kernels before "
			 "5.10 keep a log_buf this tool does not read)");
		return -1;
	}
	if (dt_symbol(t, "prb", &prb) || dt_read_u64(t, prb, &prb) || !dt_kptr_ok(prb, 8)) {
		snprintf(why, whylen, "prb (the printk ring buffer pointer) is not readable");
		return -1;
	}
	uint64_t dr = prb + o.rb_desc_ring, tr = prb + o.rb_text_ring;
	if (dt_read_u32(t, dr + o.dr_count_bits, &count_bits) || dt_read_u64(t, dr + o.dr_descs, &descs) ||
	    dt_read_u64(t, dr + o.dr_infos, &infos) || dt_read_u64(t, dr + o.dr_head, &head) ||
	    dt_read_u64(t, dr + o.dr_tail, &tail) || dt_read_u32(t, tr + o.tr_size_bits, &size_bits) ||
	    dt_read_u64(t, tr + o.tr_data, &data) || count_bits > 30 || size_bits > 40 ||
	    !dt_kptr_ok(descs, 8) || !dt_kptr_ok(infos, 8) || !dt_kptr_ok(data, 8)) {
		snprintf(why, whylen, "the printk ring buffer at %#llx is not readable or not sane",
			 (unsigned long long)prb);
		return -1;
	}
	uint64_t mask = (1ULL << count_bits) - 1, size = 1ULL << size_bits;
	head &= DESC_ID_MASK;
	tail &= DESC_ID_MASK;
	for (uint64_t id = tail, k = 0; k <= mask && k < DT_PRINTK_MAX_RECORDS; id = (id + 1) & DESC_ID_MASK, k++) {
		uint64_t sv, begin, next;
		uint64_t d = descs + (id & mask) * o.d_size;
		if (!dt_read_u64(t, d + o.d_state, &sv) && (sv & DESC_ID_MASK) == id &&
		    ((sv >> DESC_FLAGS_SHIFT) == DESC_COMMITTED || (sv >> DESC_FLAGS_SHIFT) == DESC_FINALIZED) &&
		    !dt_read_u64(t, d + o.d_text_lpos + o.lpos_begin, &begin) &&
		    !dt_read_u64(t, d + o.d_text_lpos + o.lpos_next, &next) && !(begin & 1)) {
			uint32_t len16 = 0;
			unsigned char lb[2];
			if (!dt_read(t, infos + (id & mask) * o.i_size + o.i_text_len, lb, 2))
				len16 = lb[0] | lb[1] << 8;
			/* get_data(): a regular block lies in one wrap; a wrapping block (one wrap
			 * behind next) keeps its data at the ring's start. */
			uint64_t boff, avail;
			if ((begin >> size_bits) == (next >> size_bits) && begin < next) {
				boff = begin & (size - 1);
				avail = next - begin;
			} else if (((begin + size) >> size_bits) == (next >> size_bits)) {
				boff = 0;
				avail = next & (size - 1);
			} else {
				avail = 0, boff = 0;
			}
			avail = avail > 8 ? avail - 8 : 0;	/* the block's leading id */
			size_t len = len16 < avail ? len16 : avail;
			if (len > sizeof(buf) - 1)
				len = sizeof(buf) - 1;
			if (len && !dt_read(t, data + boff + 8, buf, len)) {
				buf[len] = 0;
				emit_lines(buf, fn, arg);
				n++;
			}
		}
		if (id == head)
			break;
	}
	return n;
}
