/* fuzz_pgmap.c: libFuzzer harness for the pgmap registry, dev_pagemap and percpu_ref decoders
 * and the memmap census over a fuzzer-built memory image (image.h).  Input: the image; its
 * first region is a dev_pagemap (the registry is found by the recording's pgmap_array). */
#include <stdint.h>
#include <stddef.h>
#include "image.h"
#include "ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct image im;
	uint64_t addr = image_parse(&im, data, size);
	op_pgmap(&im.t, im.l, addr);
	return 0;
}
