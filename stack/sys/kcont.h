/*
 * kcont.h -- kernel continuations: one object in place of callout(9),
 * softint(9) and workqueue(9).
 *
 * Planned, arrives with the primitives issue (stack/kern/kern_kcont.c).
 */
#ifndef _STACK_SYS_KCONT_H_
#define _STACK_SYS_KCONT_H_

#include <sys/kern.h>

#endif /* _STACK_SYS_KCONT_H_ */
