/*
 * init_main.c -- a host's kernel start.
 *
 * kern_boot() runs once per host, in an LWP on CPU 0, before any program:
 * each subsystem sets up its per-host and per-CPU roots (kernvar.h) in a
 * fixed order, lowest layer first.  The machine charges nothing for it, so
 * a scenario's timeline starts with a booted kernel at virtual time 0.
 */
#include <sys/kern.h>
#include <sys/kernvar.h>

#include <kern/autoconf.h>
#include <kern/kcont.h>
#include <kern/mbuf.h>

#include <net/if.h>
#include <netinet/ip_var.h>

void
kern_boot(void)
{
	struct kern_globals *kg = kern_globals();

	KASSERT(kg != NULL);
	KASSERT(kg->kg_mbuf == NULL && kg->kg_kcont == NULL);
	/* Lowest layer first. */
	kcont_sysinit();
	mbinit();
	if_sysinit();
	config_attach_all();
	/* After the drivers: their interfaces go into branes. */
	net_boot();
}
