/* fuzz_entry.c: libFuzzer harness for the DAX entry decoder and the slot classifiers.
 * Input: an era selector byte and up to 8 bytes of slot word (little-endian). */
#include <stdint.h>
#include <stddef.h>
#include "ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint64_t raw = 0;
	for (size_t i = 1; i < size && i <= 8; i++)
		raw |= (uint64_t)data[i] << (8 * (i - 1));
	op_entry(raw, data[0]);
	return 0;
}
