/* fuzz_tree.c: libFuzzer harness for the XArray / radix walker and xa_load over a fuzzer-built
 * memory image (image.h).  Input: a flavor byte (ops.h op_tree), 8 bytes of index, then the
 * image; its first region is the address_space. */
#include <stdint.h>
#include <stddef.h>
#include "image.h"
#include "ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct image im;
	if (size < 9)
		return 0;
	uint64_t index = 0;
	for (int i = 8; i >= 1; i--)
		index = index << 8 | data[i];
	uint64_t root = image_parse(&im, data + 9, size - 9);
	if (root)
		op_tree(&im.t, im.l, root, data[0], index);
	return 0;
}
