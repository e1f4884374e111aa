/* escape.c: the display form of bytes read from the dump (see escape.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "escape.h"

int dt_escape_utf8_len(const unsigned char *s, size_t n)
{
	int len;
	uint32_t cp;
	if (n == 0 || s[0] < 0x80)
		return 0;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if ((size_t)len > n)
		return 0;
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;	/* overlong, surrogate or out of range: not UTF-8 */
	if (cp <= 0x9f)
		return 0;	/* C1 control (CSI U+009B, NEL U+0085, ...): a terminal command */
	return len;
}

size_t dt_escape(const void *src, size_t n, char *dst, size_t cap)
{
	const unsigned char *s = src;
	size_t i = 0, o = 0;
	if (cap == 0)
		return 0;
	while (i < n) {
		char unit[8];
		size_t ulen, used;
		int u8;
		if (s[i] == '\\') {
			memcpy(unit, "\\\\", 2);
			ulen = 2, used = 1;
		} else if (s[i] >= 0x20 && s[i] < 0x7f) {
			unit[0] = (char)s[i];
			ulen = 1, used = 1;
		} else if ((u8 = dt_escape_utf8_len(s + i, n - i)) > 0) {
			memcpy(unit, s + i, (size_t)u8);
			ulen = used = (size_t)u8;
		} else {
			snprintf(unit, sizeof(unit), "\\x%02x", s[i]);
			ulen = 4, used = 1;
		}
		if (o + ulen > cap - 1)
			break;
		memcpy(dst + o, unit, ulen);
		o += ulen;
		i += used;
	}
	dst[o] = '\0';
	return i;
}

void dt_escape_inplace(char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	char *raw = malloc(n + 1);
	if (!raw) {
		/* no memory for the copy: blank the unsafe bytes instead of printing them */
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
				s[i] = '?';
		return;
	}
	memcpy(raw, s, n);
	dt_escape(raw, n, s, cap);
	free(raw);
}
