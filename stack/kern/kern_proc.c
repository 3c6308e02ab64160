/*
 * kern_proc.c -- simulated processes and chbrane(2).
 *
 * A process is the stack's struct proc hung on an LWP through the
 * machine's per-LWP pointer; the LWPs it creates inherit it.  Its brane
 * decides where the sockets it opens live.
 */
#include <sys/kern.h>
#include <sys/kmem.h>
#include <sys/kthread.h>
#include <sys/race.h>

#include <kern/proc.h>

#include <string.h>

#include <net/brane.h>
#include <net/netsys.h>

struct proc *
proc_create(const char *comm, struct brane *br)
{
	struct proc *p = kmem_zalloc(sizeof(*p), KM_SLEEP);
	size_t n = MIN(strlen(comm), sizeof(p->p_comm) - 1);

	KASSERT(br != NULL);
	memcpy(p->p_comm, comm, n);
	p->p_comm[n] = '\0';
	/* Programs start on several CPUs at once (netsys.h says why ++). */
	p->p_pid = data_race(++net_sys()->ns_next_pid, "no scheduling point "
	    "inside the increment, so no other CPU runs within it");
	p->p_brane = br;
	return p;
}

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
