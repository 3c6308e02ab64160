/*
 * native_kern.h -- extras of the native kernel-services backend that only
 * native tests and benchmarks use.
 */
#ifndef TESTS_NATIVE_NATIVE_KERN_H
#define TESTS_NATIVE_NATIVE_KERN_H

#include <stdint.h>

/* Tell the backend which "CPU" the calling thread is (cpu_number()). */
void	native_set_cpu(unsigned cpu, unsigned ncpus);
/* kmem_alloc/kmem_zalloc calls made so far, by every thread. */
uint64_t native_kmem_allocs(void);
/* Run the soft interrupts pending on the calling thread's CPU; how many. */
int	native_softint_run(void);
/* Pin the calling thread to a real core (best effort; 0 on success). */
int	native_pin(unsigned core);

#endif
