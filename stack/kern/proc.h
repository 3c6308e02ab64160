/*
 * proc.h -- simulated processes: what an application LWP belongs to.
 *
 * A process has a name and the network stack (brane) it uses; its LWPs
 * share both, and the threads it creates inherit them.  chbrane() moves a
 * process to another brane, like chroot(2) for networking: sockets it
 * opens from then on live in the new brane; sockets already open stay in
 * theirs.
 */
#ifndef _STACK_KERN_PROC_H_
#define _STACK_KERN_PROC_H_

#include <sys/kern.h>

struct brane;

/* Legend: c = constant after creation, b = changed only by chbrane. */
struct proc {
	char p_comm[16];                /* c */
	u_int p_pid;                    /* c */
	struct brane *p_brane;          /* b */
};

/*
 * A new process named comm (cut to fit) in brane br, with the host's next
 * pid (from 1).  Processes are never freed: their threads may outlive the
 * one that made them.  => may sleep
 */
struct proc *proc_create(const char *comm, struct brane *br);
/* The calling LWP's process, or NULL for a kernel thread. */
struct proc *curproc(void);
/* Make p the calling LWP's process (and its future threads'). */
void	proc_adopt(struct proc *p);
int	chbrane(struct proc *p, struct brane *br);

#endif /* _STACK_KERN_PROC_H_ */
