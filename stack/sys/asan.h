/*
 * asan.h -- telling the sanitizer which memory may be touched (NetBSD's
 * kasan_mark(9)).
 *
 * An allocator that keeps memory after its user is done with it -- a pool
 * cache never gives objects back to kmem -- hides uses after free from
 * AddressSanitizer unless it says which bytes are dead.  kasan_mark makes
 * [addr, addr + size) addressable and [addr + size, addr + sz_with_redz)
 * not: a free object is marked with size 0, a handed-out one with its
 * size, the padding after it staying a red zone.  code says why (for
 * reports; the sanitizer here ignores it).
 *
 * In the AddressSanitizer build the machine poisons and unpoisons the
 * shadow memory; otherwise this does nothing but check its arguments,
 * here, inline (a pool get and put each mark twice: a call apiece in
 * every build was ~140 instructions a datagram for nothing).  Not a
 * scheduling point, never charged: it is bookkeeping for the checker,
 * not work the simulated kernel does.
 */
#ifndef _STACK_SYS_ASAN_H_
#define _STACK_SYS_ASAN_H_

#include <sys/kern.h>

#define KASAN_POOL_REDZONE      0x82    /* padding after a pool object */
#define KASAN_POOL_FREED        0x83    /* a free object in a pool cache */

#if defined(__SANITIZE_ADDRESS__)
void	kasan_mark(const void *addr, size_t size, size_t sz_with_redz,
	    uint8_t code);
#else
static inline void
kasan_mark(const void *addr, size_t size, size_t sz_with_redz, uint8_t code)
{
	(void)addr;
	(void)code;
	KASSERT(size <= sz_with_redz);
}
#endif

#endif /* _STACK_SYS_ASAN_H_ */
