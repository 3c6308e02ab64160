/*
 * ks_asan.c -- asan.h on the simulated machine: in the sanitizer build
 * kasan_mark poisons and unpoisons AddressSanitizer's shadow; in the
 * others asan.h makes it an inline that only checks its arguments, and
 * this file is empty.  Never a scheduling point, never charged, so the
 * sanitizer build runs the same schedule as the release build.
 */
#include "sim/sched/machine.h"
#include "stack/sys/asan.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>

void
kasan_mark(const void *addr, size_t size, size_t sz_with_redz, uint8_t code)
{
	(void)code;
	KASSERT(size <= sz_with_redz);
	ASAN_UNPOISON_MEMORY_REGION(addr, size);
	ASAN_POISON_MEMORY_REGION((const char *)addr + size,
	    sz_with_redz - size);
}
#endif
