/*
 * kern_proc.c -- simulated processes and chbrane(2).
 *
 * A process is the stack's struct proc hung on an LWP through the
 * machine's per-LWP pointer; the LWPs it creates inherit it.  Its brane
 * decides where the sockets it opens live.
 */
#include <sys/kern.h>
#include <sys/proc.h>

#include <net/brane.h>

struct proc *
curproc(void)
{
	return lwp_getproc(curlwp);
}

void
proc_adopt(struct proc *p)
{
	lwp_setproc(curlwp, p);
}

int
chbrane(struct proc *p, struct brane *br)
{
	KASSERT(p != NULL);
	if (br == NULL)
		return EINVAL;
	/* Sockets already open keep their brane; new ones use this. */
	p->p_brane = br;
	return 0;
}
