/*
 * ks_mem.c -- kmem(9) and evcnt(9) on the simulated machine.
 *
 * Kernel memory comes from the host's arena (kmem_arena.h), never from
 * malloc, so addresses -- and so cache-line sharing and what an atomic
 * costs -- are the same in every run.  kmem_alloc fills fresh memory with
 * 0xa5 so code that forgets to initialise fails the same way every time.
 *
 * Event counters are kept per host in attach order; the machine samples
 * them into the counters time series (never iterating anything unordered),
 * and with them each host's kernel memory in use, kmem.inuse_bytes (the
 * arena's blocks handed out and not freed, whole blocks).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/race/race.h"
#include "sim/sys/ks.h"
#include "sim/scenario/scenario.h"
#include "sim/sched/exhaust.h"
#include "sim/sched/machine.h"
#include "sim/record/record.h"
#include "stack/sys/evcnt.h"
#include "stack/sys/intr.h"
#include "stack/sys/kmem.h"

/*
 * The real process could not give host h's kernel memory another chunk:
 * stop the run (never returns: called in a context).
 */
static void
ks_mem_exhausted(struct sim_host *h, size_t size, int err)
{
	char why[SIM_EXHAUST_WHY_MAX];
	/* The chunk it wanted: at least doubling what the arena holds. */
	size_t want = h->arena.mapped > size ? h->arena.mapped : size;

	sim_exhaust_why(err, want, why, sizeof(why));
	sim_machine_exhausted(h->m, "out of address space for kernel memory: "
	    "host %s holds %zu KiB in %u chunks and could not map more for "
	    "kmem_alloc(%zu): %s", h->sc->name, h->arena.mapped / 1024,
	    h->arena.nchunks, size, why);
}

void
sim_host_malloc_failed(struct sim_host *h, const char *what, size_t bytes)
{
	char why[SIM_EXHAUST_WHY_MAX];

	sim_exhaust_why(ENOMEM, bytes, why, sizeof(why));
	sim_machine_exhausted(h->m, "out of memory for host %s's %s: %s",
	    h->sc->name, what, why);
}

void
sim_kmem_add_fault(struct sim_host *h, struct sim_kmem_fault *f)
{
	struct sim_kmem_fault **pp;

	KASSERT(f->start_ns < f->end_ns && f->fail >= 0 && f->fail <= 1);
	for (pp = &h->kmem_faults; *pp != NULL; pp = &(*pp)->next)
		continue;
	f->next = NULL;
	*pp = f;
}

/* Does a fault refuse a KM_NOSLEEP allocation at t?  Each open one judges. */
static bool
ks_kmem_refused(struct sim_host *h, uint64_t t)
{
	bool refused = false;

	for (struct sim_kmem_fault *f = h->kmem_faults; f != NULL; f = f->next) {
		if (t < f->start_ns || t >= f->end_ns ||
		    (f->count != 0 && f->refused >= f->count))
			continue;
		f->asked++;
		if (sim_rng_chance(&f->rng, f->fail)) {
			f->refused++;
			refused = true;
		}
	}
	return refused;
}

/*
 * A block from the host's arena with every byte set to fill.
 * => NULL only under KM_NOSLEEP when the host's kernel memory (its
 *    arena's limit) is used up, as a real kernel's would be, or a fault
 *    refuses it
 */
static void *
ks_alloc(size_t size, km_flag_t flags, int fill, uintptr_t pc)
{
	struct cpu_info *ci;
	void *p;
	int err;

	KASSERT(flags == KM_SLEEP || flags == KM_NOSLEEP);
	sim_point(PT_KMEM, SIM_COST_kmem_alloc);
	ci = sim_running_cpu();
	KASSERTMSG(ci->cur->prio < IPL_VM, "kmem_alloc(%zu) in interrupt "
	    "context: interrupt routines use what if_poll allocated", size);
	/* Boot is the machine's set-up, not the run: nothing is refused. */
	if (__builtin_expect(ci->host->kmem_faults != NULL, 0) &&
	    flags == KM_NOSLEEP && !ci->host->booting &&
	    ks_kmem_refused(ci->host, ci->clock))
		return NULL;
	/* Zeroes only what is not zero already: new pages stay untouched. */
	p = fill == 0 ? sim_arena_zalloc(&ci->host->arena, size, &err) :
	    sim_arena_alloc(&ci->host->arena, size, &err);
	if (p == NULL && err != 0)
		ks_mem_exhausted(ci->host, size, err);
	if (p == NULL && flags == KM_SLEEP)
		panic("kmem_alloc(%zu, KM_SLEEP): host %s is out of kernel "
		    "memory", size, ci->host->sc->name);
	if (p != NULL) {
		if (fill != 0)
			memset(p, fill, size);
		SIM_RACE_HOOK(sim_race_kmem_alloc(ci->host, p, size, pc));
	}
	return p;
}

void *
kmem_alloc(size_t size, km_flag_t flags)
{
	return ks_alloc(size, flags, 0xa5,
	    (uintptr_t)__builtin_return_address(0));
}

void *
kmem_zalloc(size_t size, km_flag_t flags)
{
	return ks_alloc(size, flags, 0,
	    (uintptr_t)__builtin_return_address(0));
}

void
kmem_free(void *p, size_t size)
{
	struct cpu_info *ci;

	sim_point(PT_KMEM, SIM_COST_kmem_free);
	ci = sim_running_cpu();
	KASSERTMSG(sim_arena_owns(&ci->host->arena, p), "kmem_free of memory "
	    "host %s did not allocate", ci->host->sc->name);
	if (ci->cur->nheld != 0)
		sim_witness_free(ci, p, size);
	SIM_RACE_HOOK(sim_race_kmem_free(ci->host, p, size,
	    (uintptr_t)__builtin_return_address(0)));
	sim_arena_free(&ci->host->arena, p, size);
}

/* --- event counters ---------------------------------------------------------- */

/*
 * Write a counter's sample, if its value changed since the last one
 * written (or none was): a time series of a value that stands still is
 * one row, and counter_last still gives its value at the end.
 */
static void
evcnt_record(struct sim_machine *m, struct sim_host *h, const struct evcnt *ev,
    uint64_t t)
{
	struct sim_evlast *last = &h->evlast[ev->ev_slot];
	char name[128];

	if (m->rec == NULL || !m->sc->record.counters)
		return;
	if (last->valid && last->value == ev->ev_count)
		return;
	last->valid = true;
	last->value = ev->ev_count;
	snprintf(name, sizeof(name), "%s.%s", ev->ev_group, ev->ev_name);
	sim_record_counter(m->rec, name, h->sc->name, ev->ev_cpu, t,
	    (int64_t)ev->ev_count);
}

static void
evcnt_attach(struct evcnt *ev, int type, int cpu, const char *group,
    const char *name)
{
	struct cpu_info *ci;
	struct sim_host *h;

	KASSERT(group != NULL && name != NULL);
	sim_point(PT_CALL, SIM_COST_call);
	ci = sim_running_cpu();
	h = ci->host;
	if (h->nevcnts == h->evcnts_cap) {
		u_int cap = h->evcnts_cap ? 2 * h->evcnts_cap : 16;
		struct evcnt **a = realloc(h->evcnts, cap * sizeof(*a));
		struct sim_evlast *l = realloc(h->evlast, cap * sizeof(*l));

		/* Each realloc'd array is kept, even if the other failed. */
		if (a != NULL)
			h->evcnts = a;
		if (l != NULL)
			h->evlast = l;
		if (a == NULL || l == NULL)
			sim_host_malloc_failed(h, "event counters",
			    cap * (sizeof(*a) + sizeof(*l)));
		h->evcnts_cap = cap;
	}
	h->evlast[h->nevcnts].valid = false;
	ev->ev_type = type;
	ev->ev_group = group;
	ev->ev_name = name;
	ev->ev_cpu = cpu;
	ev->ev_slot = h->nevcnts;
	h->evcnts[h->nevcnts++] = ev;
}

void
evcnt_attach_dynamic(struct evcnt *ev, int type, const struct evcnt *parent,
    const char *group, const char *name)
{
	(void)parent;
	evcnt_attach(ev, type, -1, group, name);
}

void
evcnt_attach_cpu(struct evcnt *ev, int type, u_int cpu, const char *group,
    const char *name)
{
	evcnt_attach(ev, type, (int)cpu, group, name);
}

void
evcnt_detach(struct evcnt *ev)
{
	struct cpu_info *ci;
	struct sim_host *h;

	sim_point(PT_CALL, SIM_COST_call);
	ci = sim_running_cpu();
	h = ci->host;
	KASSERTMSG(ev->ev_slot < h->nevcnts && h->evcnts[ev->ev_slot] == ev,
	    "evcnt_detach of a counter not attached on host %s",
	    h->sc->name);
	/* The final value, at the time it stops being counted. */
	evcnt_record(ci->m, h, ev, ci->clock);
	sim_fp_mix(&ci->m->eng, ev->ev_count);
	/* Keep attach order: close the gap. */
	for (u_int i = ev->ev_slot + 1; i < h->nevcnts; i++) {
		h->evcnts[i - 1] = h->evcnts[i];
		h->evlast[i - 1] = h->evlast[i];
		h->evcnts[i - 1]->ev_slot = i - 1;
	}
	h->nevcnts--;
}

void
sim_evcnt_fingerprint(struct sim_machine *m)
{
	for (u_int i = 0; i < m->nhosts; i++) {
		const struct sim_host *h = &m->hosts[i];

		sim_fp_mix(&m->eng, h->nevcnts);
		for (u_int j = 0; j < h->nevcnts; j++)
			sim_fp_mix(&m->eng, h->evcnts[j]->ev_count);
	}
}

void
sim_cpu_intr_ns(const struct cpu_info *ci, uint64_t *intr_ns,
    uint64_t *softint_ns)
{
	*intr_ns = *softint_ns = 0;
	for (u_int p = 1; p < SIM_NPRIO; p++) {
		if (p >= IPL_VM)
			*intr_ns += sim_cpu_prio_ns(ci, p);
		else
			*softint_ns += sim_cpu_prio_ns(ci, p);
	}
}

/*
 * Where a CPU's busy time went, as cpu.intr_ns, cpu.softint_ns (soft
 * interrupts' own time: the continuations they ran excluded) and
 * cpu.kcont_ns (continuations, whether a soft interrupt or a thread ran
 * them).  The rest of cpu.busy_ns is threads' own time.
 */
static void
evcnt_record_levels(struct sim_machine *m, struct cpu_info *ci, uint64_t t)
{
	uint64_t intr, soft, kcont;

	sim_cpu_intr_ns(ci, &intr, &soft);
	KASSERT(sim_cpu_kcont_ns(ci, 1) <= soft);
	soft -= sim_cpu_kcont_ns(ci, 1);
	kcont = sim_cpu_kcont_ns(ci, 0) + sim_cpu_kcont_ns(ci, 1);
	if (intr != ci->intr_last)
		sim_record_counter(m->rec, "cpu.intr_ns", ci->host->sc->name,
		    (int)ci->index, t, (int64_t)intr);
	if (soft != ci->softint_last)
		sim_record_counter(m->rec, "cpu.softint_ns", ci->host->sc->name,
		    (int)ci->index, t, (int64_t)soft);
	if (kcont != ci->kcont_last)
		sim_record_counter(m->rec, "cpu.kcont_ns", ci->host->sc->name,
		    (int)ci->index, t, (int64_t)kcont);
	ci->intr_last = intr;
	ci->softint_last = soft;
	ci->kcont_last = kcont;
}

void
sim_evcnt_sample_all(struct sim_machine *m, uint64_t t)
{
	if (m->rec == NULL || !m->sc->record.counters)
		return;
	for (u_int i = 0; i < m->nhosts; i++) {
		struct sim_host *h = &m->hosts[i];

		for (u_int j = 0; j < h->nevcnts; j++)
			evcnt_record(m, h, h->evcnts[j], t);
		/* Kernel memory in use: the arena's blocks out (bytes). */
		if (!h->kmem_last.valid || h->kmem_last.value != h->arena.inuse) {
			h->kmem_last.valid = true;
			h->kmem_last.value = h->arena.inuse;
			sim_record_counter(m->rec, "kmem.inuse_bytes",
			    h->sc->name, -1, t, (int64_t)h->arena.inuse);
		}
		for (u_int c = 0; c < h->ncpu; c++) {
			struct cpu_info *ci = &h->cpus[c];
			uint64_t busy = sim_cpu_busy_ns(ci, t);

			if (ci->busy_recorded && ci->busy_last == busy)
				continue;
			ci->busy_recorded = true;
			ci->busy_last = busy;
			sim_record_counter(m->rec, "cpu.busy_ns", h->sc->name,
			    (int)c, t, (int64_t)busy);
			evcnt_record_levels(m, ci, t);
		}
	}
}
