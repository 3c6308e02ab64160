/*
 * fault_strike.c -- the faults that strike by themselves: interrupt
 * storms and bursts, at a pace, and hogs, a busy thread on a CPU.
 *
 * A storm or a burst is one engine event at a time, at its pace
 * (framegen.h's exact pace: the average gap is exactly what the rate
 * says), from its start until its end or count.  Each strike of a storm
 * raises the DMA NIC's line with a receive cause though nothing was
 * written (sim_nic_dma_raise) and, with frames, first hands the NIC a
 * frame as if its link had delivered it; a burst only hands frames, at
 * the rate given or back to back at the NIC's link's rate.  Frames are
 * a frame generator's (ethertype 0x88b5, to the NIC's MAC), so the
 * stack counts them in the interface's rx_sink.
 *
 * A hog is an LWP bound to its CPU at thread priority, a daemon (not
 * part of the workload, though while it runs its CPU is busy, so the run
 * goes on until its end), made at its start, that does nothing but
 * charge its CPU in slices of FAULT_HOG_SLICE_NS until its end: interrupts
 * take the CPU from it between slices, and other threads share the CPU
 * with it a quantum at a time, as with any busy thread.
 *
 * Nothing here draws a random number: a strike's time is its pace's.
 */
#include <errno.h>
#include <stdio.h>

#include "sim/fault/fault_impl.h"
#include "sim/wire/topology.h"

#define NS_PER_S                1000000000ULL
#define FAULT_HOG_SLICE_NS      1000    /* a hog's work between two points */

/* One strike of a storm or a burst at now. */
static void
fault_strike(struct fault *f, uint64_t now)
{
	struct sim_frame *fr;

	if (f->frame.frame_len != 0) {
		fr = sim_gen_frame(&f->m->topo->pool, &f->frame, f->frames, now);
		f->frames++;
		if (fr == NULL || sim_port_inject(f->port, fr, now) != 0)
			f->dropped++;
	}
	if (f->raise)
		sim_nic_dma_raise(f->dev, now);
	if (f->strikes++ == 0)
		f->first_ns = now;
	f->last_ns = now;
}

static void
fault_tick(void *arg)
{
	struct fault *f = arg;
	uint64_t now = f->m->eng.now;

	KASSERT(now >= f->pace.due_ns && now < f->sc->end_ns);
	if (f->m->stop_status >= 0)
		return;
	fault_strike(f, now);
	sim_pace_advance(&f->pace);
	if (f->pace.due_ns < f->sc->end_ns && !fault_spent(f))
		sim_machine_at(f->m, f->pace.due_ns, fault_tick, f);
}

/* The hog's LWP: busy on its CPU until its end. */
static void
fault_hog_main(void *arg)
{
	struct fault *f = arg;
	struct cpu_info *ci = sim_cpu_current();
	uint64_t end = f->sc->end_ns, slice, before;

	KASSERT(ci->host == f->host && ci->index == f->sc->sub);
	while (ci->clock < end) {
		slice = end - ci->clock < FAULT_HOG_SLICE_NS ?
		    end - ci->clock : FAULT_HOG_SLICE_NS;
		sim_cpu_turn_for(ci, PT_CALL, NULL);
		sim_cpu_point_count(ci);
		before = ci->clock;
		sim_cpu_charge(ci, slice);
		f->busy_ns += ci->clock - before;
		sim_cpu_maybe_preempt(ci);
	}
}

static void
fault_hog_start(void *arg)
{
	struct fault *f = arg;
	struct sim_host *h = f->host;
	char name[32];
	struct lwp *l;

	if (f->m->stop_status >= 0)
		return;
	snprintf(name, sizeof(name), "hog%u", f->index);
	l = sim_lwp_create(h, &h->cpus[f->sc->sub], fault_hog_main, f, false,
	    name);
	if (l == NULL) {
		/* The real process has no stack for it: the run stops. */
		sim_lwp_exhausted(h, name, errno);
		return;
	}
	lwp_set_daemon(l);
}

void
fault_strike_start(struct fault *f)
{
	const struct sc_fault *s = f->sc;
	const struct sim_link_params *lp;

	switch (s->kind) {
	case SC_FAULT_INTR_STORM:
		sim_pace_init(&f->pace, s->start_ns, NS_PER_S, s->rate_pps);
		break;
	case SC_FAULT_BURST:
		if (s->rate_pps != 0) {
			sim_pace_init(&f->pace, s->start_ns, NS_PER_S,
			    s->rate_pps);
			break;
		}
		/* Back to back at the rate of the link into the NIC. */
		lp = sim_port_rx_params(f->port);
		KASSERTMSG(lp != NULL, "a burst at line rate on a NIC on no "
		    "link (the loader refuses it)");
		sim_pace_init(&f->pace, s->start_ns, 8 * (uint64_t)
		    SIM_FRAME_WIRE_BYTES(s->size) * NS_PER_S, lp->rate_bps);
		break;
	case SC_FAULT_CPU_HOG:
		sim_machine_at(f->m, s->start_ns, fault_hog_start, f);
		return;
	default:
		return;
	}
	sim_machine_at(f->m, s->start_ns, fault_tick, f);
}
