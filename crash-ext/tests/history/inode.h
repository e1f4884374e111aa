/*
 * inode.h: the members of struct inode that daxtriage reads, at their v4.x x86_64
 * offsets for the head of the struct (i_mode 0, i_flags 12, i_sb 40, i_mapping 48, i_ino
 * 64, i_size 80: include/linux/fs.h; the same head as the recorded 6.1 layout).  Members
 * the tools do not read are left out after i_size, so the later offsets are not the
 * kernel's: the tools take every offset from debuginfo.  The address_space is the
 * fixture's own (it changed by era) and is embedded as i_data.
 */
#ifndef HISTORY_INODE_H
#define HISTORY_INODE_H

struct inode {
	umode_t i_mode;
	unsigned short i_opflags;
	unsigned int i_uid;
	unsigned int i_gid;
	unsigned int i_flags;
	void *i_acl;
	void *i_default_acl;
	const void *i_op;
	struct super_block *i_sb;
	struct address_space *i_mapping;
	void *i_security;
	unsigned long i_ino;
	union {
		const unsigned int i_nlink;
		unsigned int __i_nlink;
	};
	unsigned int i_rdev;
	loff_t i_size;
	unsigned long i_state;
	struct hlist_node i_hash;
	struct list_head i_sb_list;
	struct address_space i_data;
};

#endif
