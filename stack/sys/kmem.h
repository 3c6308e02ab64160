/*
 * kmem.h -- kernel memory allocation (NetBSD's kmem(9)).
 *
 * The caller passes the size back to kmem_free; so does the reader.
 * Allocation is a scheduling point and costs kmem_alloc/kmem_free from the
 * host's cost table.  It is forbidden in interrupt context (a KASSERT on
 * the simulated machine): interrupt routines use what if_poll allocated
 * ahead of time.  KM_SLEEP never fails; KM_NOSLEEP may return NULL when
 * the host's memory limit is reached.
 */
#ifndef _STACK_SYS_KMEM_H_
#define _STACK_SYS_KMEM_H_

#include <sys/kern.h>

typedef unsigned int km_flag_t;
#define KM_SLEEP        0x01
#define KM_NOSLEEP      0x02

void	*kmem_alloc(size_t size, km_flag_t flags);
void	*kmem_zalloc(size_t size, km_flag_t flags);
void	kmem_free(void *p, size_t size);

#endif /* _STACK_SYS_KMEM_H_ */
