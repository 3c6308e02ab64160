/*
 * evcnt.h -- event counters (NetBSD's evcnt(9)).
 *
 * The stack counts things in struct evcnt fields it owns (plain
 * increments under whatever protects the object); the machine samples
 * every attached counter of a host into the run's counters time series at
 * the scenario's record interval, at detach, and at the end of the run.
 * A counter's name in the database is "group.name".  Attach and detach
 * are scheduling points; incrementing ev_count is not.
 */
#ifndef _STACK_SYS_EVCNT_H_
#define _STACK_SYS_EVCNT_H_

#include <sys/kern.h>

#define EVCNT_TYPE_MISC 0
#define EVCNT_TYPE_INTR 1
#define EVCNT_TYPE_TRAP 2

struct evcnt {
	uint64_t ev_count;              /* rw: the count */
	int ev_type;                    /* c: EVCNT_TYPE_* */
	const char *ev_group;           /* c: must outlive the attachment */
	const char *ev_name;            /* c: must outlive the attachment */
	int ev_cpu;                     /* c: CPU it counts for, or -1 */
	uint32_t ev_slot;               /* private to the machine */
};

void	evcnt_attach_dynamic(struct evcnt *, int type,
	    const struct evcnt *parent, const char *group, const char *name);
/* As above, for a counter that belongs to one CPU of the host. */
void	evcnt_attach_cpu(struct evcnt *, int type, u_int cpu,
	    const char *group, const char *name);
void	evcnt_detach(struct evcnt *);

#endif /* _STACK_SYS_EVCNT_H_ */
