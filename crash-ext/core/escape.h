/*
 * escape.h: the one display form of bytes read from the dump (file and device names, task
 * comms, superblock ids, ...), so that data from the dump can neither drive the terminal
 * (newlines, ESC sequences, C1 controls) nor break a JSON document, and the bytes can still
 * be recovered exactly (docs/json-schema.md "Strings from the dump"):
 *
 *   - printable ASCII 0x20-0x7e is kept, except '\' which becomes "\\";
 *   - a valid UTF-8 sequence (shortest form, no surrogate, at most U+10FFFF) is kept unless
 *     its code point is a C1 control (U+0080-U+009F);
 *   - every other byte (C0 controls, DEL, the bytes of a C1 control, bytes that do not start
 *     a valid UTF-8 sequence) becomes "\xNN", lowercase hex.
 *
 * The result is valid UTF-8 with no control character; reading "\\" as '\' and "\xNN" as
 * the byte NN gives the original bytes.  The drgn front end's twin is
 * drgn/daxtriage/escape.py (escape_bytes), identical output and truncation.
 */
#ifndef DT_ESCAPE_H
#define DT_ESCAPE_H

#include <stddef.h>

/* A task comm (TASK_COMM_LEN 16: at most 16 bytes read) escaped: 4 bytes per byte + NUL. */
#define DT_COMM_BUF 65

/* Escape the n bytes at src into dst (cap bytes, NUL included).  Whole escapes only: the
 * first unit that does not fit ends the output.  Returns the number of source bytes
 * consumed (n if everything fit). */
size_t dt_escape(const void *src, size_t n, char *dst, size_t cap);

/* Escape the NUL-terminated string s in place (buffer of cap bytes, s included). */
void dt_escape_inplace(char *s, size_t cap);

/* Length of the valid, non-C1 UTF-8 sequence at s[0..n), or 0 (the display rule above). */
int dt_escape_utf8_len(const unsigned char *s, size_t n);

#endif
