/*
 * ks_kern.c -- kern.h, atomic.h and sdt.h on the simulated machine: the
 * calling context, virtual time, random numbers, scheduling points and
 * their prices, assertions and panics.
 *
 * Every function here that stack code calls is a scheduling point (wait
 * for the turn, act, charge), except the pure readers of the caller's own
 * state listed in kern.h.  Nothing here reads the wall clock.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/race/race.h"
#include "sim/sched/machine.h"
#include "sim/scenario/scenario.h"
#include "sim/sys/ks.h"
#include "sim/record/record.h"
#include "sim/record/trace.h"
#include "stack/sys/atomic.h"
#include "stack/sys/intr.h"
#include "stack/sys/sdt.h"

/* The machine interface this machine implements (stack/sys/README.md). */
_Static_assert(KERN_IFACE_VERSION == 6, "the machine interface changed "
    "(stack/sys/README.md): implement it here, then say so");

/* kern_printf output folded into the fingerprint in full (longer: cut). */
#define KS_PRINTF_MAX   512

static inline struct cpu_info *
ks_cpu(void)
{
	return sim_cpu_current();
}

/* --- the calling context (not scheduling points) ------------------------ */

u_int
cpu_number(void)
{
	return ks_cpu()->index;
}

struct cpu_info *
curcpu(void)
{
	return ks_cpu();
}

lwp_t *
kern_curlwp(void)
{
	return ks_cpu()->cur;
}

u_int
kern_ncpu(void)
{
	return ks_cpu()->host->ncpu;
}

int
kern_hz(void)
{
	return ks_cpu()->host->sc->tick_hz;
}

struct cpu_info *
cpu_lookup(u_int i)
{
	struct sim_host *h = ks_cpu()->host;

	return i < h->ncpu ? &h->cpus[i] : NULL;
}

struct kern_globals *
kern_globals(void)
{
	return &ks_cpu()->host->kg;
}

struct cpu_data *
cpu_data(struct cpu_info *ci)
{
	return &ci->cd;
}

u_int
cpu_index(const struct cpu_info *ci)
{
	return ci->index;
}

const char *
lwp_name(const lwp_t *l)
{
	return l->name;
}

u_int
lwp_id(const lwp_t *l)
{
	return l->id;
}

void
lwp_set_daemon(lwp_t *l)
{
	if (!l->daemon && l->state != LWP_ZOMBIE) {
		l->daemon = true;
		l->host->live--;
	}
}

bool
cpu_intr_p(void)
{
	struct cpu_info *ci = sim_cur_cpu;

	return ci != NULL && ci->cur != NULL && ci->cur->prio >= IPL_VM;
}

/*
 * spl(9): each a plain scheduling point, then the level.  The common case
 * -- the point plain (the turn had and no jitter: sim_cpu_has_turn;
 * nothing waiting that might preempt: sim_cpu_preempt_may reads only the
 * run queues and the level, which the count and the charge leave as
 * they are), the contract kept,
 * no lock held above the new level -- in line, calling nothing (so saving
 * no registers); anything else the whole, called last.  Either way the
 * same point, the same charge, the same checks in the same order.
 */
static inline __attribute__((__always_inline__)) bool
ks_spl_plain(const struct cpu_info *ci)
{
	return sim_cpu_has_turn(ci) && !sim_cpu_preempt_may(ci);
}

static __attribute__((__noinline__)) int
ks_splraise_whole(struct cpu_info *ci, int ipl)
{
	int old;

	sim_point_ci(ci, PT_CALL, SIM_COST_call, NULL);
	old = ci->ipl;
	KASSERT(ipl >= IPL_NONE && ipl <= IPL_HIGH);
	if (ipl > old) {
		SIM_RACE_HOOK(sim_race_spl(ci, old, ipl));
		sim_cpu_set_ipl(ci, ipl);
	}
	return old;
}

int
splraise(int ipl)
{
	struct cpu_info *ci = ks_cpu();
	int old = ci->ipl;

	if (__predict_false(!ks_spl_plain(ci) || (unsigned)ipl > IPL_HIGH))
		return ks_splraise_whole(ci, ipl);
	sim_cpu_point_count(ci);
	ci->clock += ci->host->cost[SIM_COST_call];
	if (ipl > old) {
		SIM_RACE_HOOK(sim_race_spl(ci, old, ipl));
		sim_cpu_set_ipl(ci, ipl);
	}
	return old;
}

static __attribute__((__noinline__)) void
ks_splx_whole(struct cpu_info *ci, int s)
{
	sim_point_ci(ci, PT_CALL, SIM_COST_call, NULL);
	KASSERTMSG(s <= ci->ipl, "splx(%d) raises the level from %d", s,
	    ci->ipl);
	KASSERTMSG(s >= (int)ci->cur->prio, "splx(%d) below the level of "
	    "the interrupt being handled (%u)", s, ci->cur->prio);
	SIM_RACE_HOOK(sim_race_spl(ci, ci->ipl, s));
	sim_cpu_set_ipl(ci, s);
	if (ci->cur->nheld != 0)
		sim_witness_spl(ci);    /* what is held, held lower now */
	/* Work held off by the raised level may run now. */
	sim_cpu_maybe_preempt(ci);
}

void
splx(int s)
{
	struct cpu_info *ci = ks_cpu();
	const struct lwp *l = ci->cur;

	if (__predict_false(!ks_spl_plain(ci) || s > ci->ipl ||
	    s < (int)l->prio)) {
		ks_splx_whole(ci, s);
		return;
	}
	/* What is held, held lower now: sim_witness_spl's test, first. */
	for (u_int i = 0; i < l->nheld; i++)
		if (__predict_false(s < l->held[i].ipl)) {
			ks_splx_whole(ci, s);
			return;
		}
	sim_cpu_point_count(ci);
	ci->clock += ci->host->cost[SIM_COST_call];
	SIM_RACE_HOOK(sim_race_spl(ci, ci->ipl, s));
	sim_cpu_set_ipl(ci, s);
	/* Work held off by the raised level may run now. */
	sim_cpu_maybe_preempt(ci);
}

void
kpreempt_disable(void)
{
	ks_cpu()->cur->nopreempt++;
}

void
kpreempt_enable(void)
{
	struct lwp *l = ks_cpu()->cur;

	KASSERT(l->nopreempt > 0);
	l->nopreempt--;
}

/*
 * Continuation time (intr.h): the context's flag makes sim_cpu_charge
 * count what it is charged, on whichever CPU, as the continuation's.
 * No point, no charge: the schedule does not see it.
 */
void
cpu_kcont_enter(void)
{
	struct cpu_info *ci = ks_cpu();
	struct lwp *l = ci->cur;

	KASSERTMSG(l->prio < IPL_VM, "cpu_kcont_enter in a hardware "
	    "interrupt (level %u)", l->prio);
	KASSERTMSG(!l->in_kcont, "cpu_kcont_enter: lwp %s already runs a "
	    "continuation", l->name);
	sim_cpu_account(ci);	/* the time so far, as before */
	l->in_kcont = true;
}

void
cpu_kcont_exit(void)
{
	struct cpu_info *ci = ks_cpu();
	struct lwp *l = ci->cur;

	KASSERTMSG(l->in_kcont, "cpu_kcont_exit: lwp %s runs no "
	    "continuation", l->name);
	sim_cpu_account(ci);	/* the time so far, as before */
	l->in_kcont = false;
}

bool
kpreempt_disabled(void)
{
	struct cpu_info *ci = ks_cpu();

	return ci->cur->nopreempt > 0 || ci->ipl > IPL_NONE;
}

/* --- scheduling points ---------------------------------------------------- */

/*
 * The memory access after its turn, whole: the count, the line wherever
 * it is (sim_lines_access), the charge (stretched, with jitter).
 */
static __attribute__((__noinline__)) void
ks_mem_point_far(struct cpu_info *ci, const volatile void *p,
    enum kern_mem_op op)
{
	struct sim_host *h = ci->host;

	sim_cpu_point_count(ci);
	sim_cpu_charge(ci, sim_lines_access(&h->lines, h->cost, ci->line_bit,
	    p, op));
	sim_cpu_maybe_preempt(ci);
}

/*
 * The same, the line at its first look (sim_lines_access's common case,
 * last written by a device or not: a descriptor, a frame) and no jitter
 * to stretch the charge, in line, calling nothing but last; else
 * ks_mem_point_far.  Functions of their own, so that sim_mem_point_slow
 * saves registers only around the wait for the turn, ks_mem_point_far
 * only around the probe and the jitter's draw, and this one none.
 */
static __attribute__((__noinline__)) void
ks_mem_point_had(struct cpu_info *ci, const volatile void *p,
    enum kern_mem_op op)
{
	struct sim_host *h = ci->host;
	struct sim_line *l;
	bool dev;

	if (__predict_false(op == KERN_MEM_BARRIER || ci->m->jitter_q16 != 0 ||
	    (l = sim_lines_first_dev(&h->lines, sim_lines_tag(p), &dev)) ==
	    NULL)) {
		ks_mem_point_far(ci, p, op);
		return;
	}
	sim_cpu_point_count(ci);
	ci->clock += sim_lines_take(l, h->cost, ci->line_bit, op, dev);
	sim_cpu_maybe_preempt(ci);
}

/* The memory access, wherever its turn and its line are (ks.h). */
__attribute__((__noinline__)) void
sim_mem_point_slow(const volatile void *p, enum kern_mem_op op,
    struct cpu_info *ci)
{
	sim_cpu_turn_for(ci, PT_LOAD + (unsigned)op, p);
	ks_mem_point_had(ci, p, op);
}

/*
 * The common case inline (sim_mem_point_ci), calling nothing but last
 * (so it saves no registers): the CPU has its turn, the line is where its
 * hash points (sim_lines_first), it is a load, store or read-modify-write,
 * and no jitter stretches the charge.
 */
void
kern_mem_point(const volatile void *p, enum kern_mem_op op)
{
	sim_mem_point_ci(ks_cpu(), p, op);
}

/*
 * A probe's price, then a preemption (ks_sdt_fire), for a CPU whose
 * host prices some probe (cpu_info's probes_priced): a probe of the
 * all-free lists -- every host's while it boots, and most scenarios'
 * after -- does not come here.  Sub-nanosecond prices accumulate
 * exactly, in picoseconds; a free probe charges nothing and leaves the
 * remainder as it is (it is below 1000).
 */
static __attribute__((__noinline__)) void
ks_sdt_charge(struct cpu_info *ci, enum sdt_probe_id id, uintptr_t a0)
{
	const struct sim_probe_cost *pc = &ci->host->probe_cost[id];
	uint64_t ps;

	if ((pc->fixed_ps | pc->per_unit_ps) != 0) {
		ps = ci->frac_ps + pc->fixed_ps + pc->per_unit_ps * (uint64_t)a0;
		ci->frac_ps = ps % 1000;
		sim_cpu_charge(ci, ps / 1000);
	}
	sim_cpu_maybe_preempt(ci);
}

/* The probe, the CPU having its turn (and no tracer, unless traced). */
static inline __attribute__((__always_inline__)) void
ks_sdt_fire(struct cpu_info *ci, enum sdt_probe_id id, uintptr_t a0,
    uintptr_t a1, uintptr_t a2, uintptr_t a3, bool traced)
{
	sim_cpu_point_count(ci);
	/*
	 * The packet is at this stage when the probe fires, before its cost;
	 * in a thread, in the thread's program (0 for the kernel's).
	 */
	if (traced && ci->m->tracing) {
		if (ci->m->trace_stage[id] != NULL)
			sim_trace_packet(ci->m, (uint64_t)a1, ci->cur->prio > 0 ?
			    ci->m->trace_stage_intr[id] : ci->m->trace_stage[id],
			    ci->host, (int)ci->index, ci->clock,
			    ci->cur->prio > 0 ? 0 : ci->cur->flow);
		if (ci->m->trace_probe[id])
			sim_trace_probe(ci->m, id, ci->host, ci->clock,
			    (uint64_t)a0, (uint64_t)a1, (uint64_t)a2,
			    (uint64_t)a3);
	}
	if (__predict_false(ci->probes_priced)) {
		ks_sdt_charge(ci, id, a0);
		return;
	}
	sim_cpu_maybe_preempt(ci);
}

/* The probe waiting for its turn, or traced (kern_sdt_fire's arguments). */
static __attribute__((__noinline__)) void
ks_sdt_fire_turn(enum sdt_probe_id id, uintptr_t a0, uintptr_t a1,
    uintptr_t a2, uintptr_t a3)
{
	struct cpu_info *ci = ks_cpu();

	sim_cpu_turn_for(ci, PT_PROBE + ((unsigned)id << 4), NULL);
	ks_sdt_fire(ci, id, a0, a1, a2, a3, true);
}

void
kern_sdt_fire(enum sdt_probe_id id, uintptr_t a0, uintptr_t a1,
    uintptr_t a2, uintptr_t a3)
{
	struct cpu_info *ci = ks_cpu();

	/*
	 * The turn had and the point plain (so per-packet records are off):
	 * nothing here calls out but the last.
	 */
	if (sim_cpu_has_turn(ci))
		ks_sdt_fire(ci, id, a0, a1, a2, a3, false);
	else
		ks_sdt_fire_turn(id, a0, a1, a2, a3);
}

void
preempt_point(void)
{
	sim_point_ci(ks_cpu(), PT_CALL, SIM_COST_call, NULL);
}

/* --- time and randomness ---------------------------------------------------- */

uint64_t
getnanouptime(void)
{
	struct cpu_info *ci = ks_cpu();

	sim_point_ci(ci, PT_CALL, SIM_COST_call, NULL);
	return ci->clock;
}

int
getticks(void)
{
	struct cpu_info *ci = ks_cpu();

	sim_point_ci(ci, PT_CALL, SIM_COST_call, NULL);
	return (int)(ci->clock / ci->host->tick_ns);
}

int
mstohz(int ms)
{
	int h = kern_hz();

	return (int)(((int64_t)ms * h + 999) / 1000);
}

int
hztoms(int ticks)
{
	int h = kern_hz();

	return (int)(((int64_t)ticks * 1000 + h - 1) / h);
}

/*
 * A deadline already passed is 0 ticks, never the unsigned difference:
 * a sender behind its schedule once got 2^64 - x clamped to INT32_MAX
 * ticks, a sleep of 24.8 virtual days.
 */
int
ticks_until(uint64_t deadline_ns)
{
	struct cpu_info *ci = ks_cpu();
	uint64_t tick_ns, now, ticks;

	sim_point_ci(ci, PT_CALL, SIM_COST_call, NULL);
	tick_ns = ci->host->tick_ns;
	now = ci->clock;
	if (deadline_ns <= now)
		return 0;
	ticks = howmany(deadline_ns, tick_ns) - now / tick_ns;
	KASSERT(ticks >= 1);
	return ticks > (uint64_t)INT32_MAX ? INT32_MAX : (int)ticks;
}

uint64_t
cprng_fast64(void)
{
	struct cpu_info *ci = ks_cpu();

	sim_point_ci(ci, PT_CALL, SIM_COST_call, NULL);
	return sim_rng_next(&ci->host->cprng);
}

uint32_t
cprng_fast32(void)
{
	return (uint32_t)(cprng_fast64() >> 32);
}

/* The stream lives in the caller's storage: xoshiro256**'s state. */
CTASSERT(sizeof(struct sim_rng) <= sizeof(cprng_stream_t));

void
cprng_stream_init(cprng_stream_t *cs, const char *name)
{
	struct cpu_info *ci = ks_cpu();
	char stream[160];

	KASSERT(cs != NULL && name != NULL && name[0] != '\0');
	snprintf(stream, sizeof(stream), "host.%s.stream.%.63s",
	    ci->host->sc->name, name);
	memset(cs, 0, sizeof(*cs));
	sim_rng_init((struct sim_rng *)(void *)cs, ci->m->seed, stream);
}

uint64_t
cprng_stream64(cprng_stream_t *cs)
{
	sim_point(PT_CALL, SIM_COST_call);
	return sim_rng_next((struct sim_rng *)(void *)cs);
}

uint64_t
cprng_stream_exp(cprng_stream_t *cs, uint64_t mean)
{
	sim_point(PT_CALL, SIM_COST_call);
	KASSERT(mean <= (1ULL << 53));  /* exact as a double */
	return sim_rng_exp((struct sim_rng *)(void *)cs, (double)mean);
}

/* --- output ----------------------------------------------------------------- */

/*
 * What programs print is their result, so the text is folded into the
 * fingerprint -- printed or not (--quiet).  A message longer than the
 * buffer is folded in as far as it goes, with its full length.
 */
void
kern_vprintf(const char *fmt, va_list ap)
{
	struct cpu_info *ci = ks_cpu();
	struct sim_machine *m = ci->m;
	char buf[KS_PRINTF_MAX];
	va_list aq;
	int n;

	sim_point_ci(ci, PT_CALL, SIM_COST_call, NULL);
	va_copy(aq, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, aq);
	va_end(aq);
	KASSERT(n >= 0);
	sim_fp_mix(&m->eng, (uint64_t)n);
	sim_fp_mix_bytes(&m->eng, buf, MIN((size_t)n, sizeof(buf) - 1));
	if (m->log == NULL)
		return;
	fprintf(m->log, "[%12.6f ms] %s/cpu%u %s: ", (double)ci->clock / 1e6,
	    ci->host->sc->name, ci->index, ci->cur ? ci->cur->name : "-");
	if ((size_t)n < sizeof(buf))
		fputs(buf, m->log);
	else
		vfprintf(m->log, fmt, ap);
}

void
kern_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kern_vprintf(fmt, ap);
	va_end(ap);
}

/* --- assertions and panics ----------------------------------------------- */

void
sim_context_report(const char *kind, const char *file, int line,
    const char *msg, const char *detail)
{
	struct cpu_info *ci = ks_cpu();
	struct sim_machine *m = ci->m;
	struct lwp *l = ci->cur;

	if (!m->no_reports)
		fprintf(stderr, "netsim: %s: %s\n"
	    "  at %s:%d\n"
	    "  seed %llu, virtual time %llu ns, host %s, cpu %u, lwp %s (id %u)\n"
	    "%s"
	    "  replay: %s\n",
	    kind, msg, file, line, (unsigned long long)m->seed,
	    (unsigned long long)ci->clock, ci->host->sc->name, ci->index,
	    l ? l->name : "-", l ? l->id : 0, detail != NULL ? detail : "",
	    m->replay);
	if (m->rec != NULL)
		sim_record_violation(m->rec, ci->clock, ci->host->sc->name,
		    (int)ci->index, l ? l->name : NULL, kind, file, line, msg);
}

void
sim_context_stop(const char *kind, const char *file, int line,
    const char *msg)
{
	struct cpu_info *ci = ks_cpu();
	struct sim_machine *m = ci->m;
	struct lwp *l = ci->cur;

	sim_context_report(kind, file, line, msg, NULL);
	sim_machine_stop(m, SIM_EXIT_VIOLATION, "%s at %s:%d: %s", kind, file,
	    line, msg);
	/* Never resumed: the machine stops; the stack is freed at the end. */
	sim_cpu_release(ci);
	sim_machine_set_running(m, NULL);
	for (;;)
		sim_coro_switch(&l->coro, &m->sched);
}

void
kern_assert_fail(const char *expr, const char *file, int line)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "assertion \"%s\" failed", expr);
	sim_context_stop("KASSERT", file, line, msg);
}

void
kern_panic(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sim_context_stop("panic", file, line, msg);
}
