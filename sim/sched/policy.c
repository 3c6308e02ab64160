/*
 * policy.c -- the interleaving policies: who acts next among the CPUs
 * that may (see machine.h, struct sim_policy; the README's "How the
 * policies reorder" says exactly what each may and may not reorder).
 *
 *   time    the runnable CPU with the earliest clock; CPUs whose clocks
 *           fall in one tie window go in the order of their tiebreaks,
 *           each drawn from the CPU's own stream (salted from the seeded
 *           stream "cpu.tiebreak") when it gets in line or its host's
 *           CPUs overtake it.  The default, and the only policy during
 *           boot.
 *   random  at every decision, a CPU drawn uniformly from those that may
 *           act (a random walk, within the skew bound).
 *   pct     probabilistic concurrency testing (Burckhardt, Kothari,
 *           Musuvathi, Nagarakatte, ASPLOS 2010): every context gets a
 *           random priority when it first takes part, and the CPU whose
 *           context has the highest acts; at d - 1 change points, drawn
 *           uniformly among the k scheduling points of the run, the
 *           context acting is demoted below every other.  A bug that
 *           needs d ordering constraints among n contexts shows with
 *           probability at least 1/(n*k^(d-1)) per run -- for schedules
 *           the skew bound allows (the bound lets the highest priority
 *           run at most that far ahead, where PCT would let it run on).
 *   pos     partial order sampling (Yuan, Yang, Gu, CAV 2018): every
 *           pending action -- what a CPU's context waits at its turn to
 *           do -- gets a random priority when it becomes pending, and the
 *           highest acts; when an action runs, every pending action that
 *           races with it (an access to the same word) draws a new
 *           priority.  So the order of racing accesses is sampled afresh
 *           each time one happens, while independent work keeps its
 *           order: interleavings that differ only in the order of
 *           independent steps (one partial order) are not sampled over
 *           and over, as a random walk samples them.
 *
 * The one idea: a policy only ranks.  Which CPUs may act, how a CPU held
 * back pays for it and when events run is the scheduler's (sched.c), the
 * same for every policy, so each policy is a few lines and every policy
 * keeps virtual time consistent.
 *
 * Every draw comes from the seeded stream "policy.<name>" (and time's
 * salts from "cpu.tiebreak"): a policy is a pure function of the seed.
 */
#include <stdio.h>
#include <string.h>

#include "sim/sched/machine.h"
#include "stack/sys/atomic.h"

/* --- time ------------------------------------------------------------------ */

const struct sim_policy sim_policy_time = {
	.name = "time",
};

/* --- random ---------------------------------------------------------------- */

/* The highest of fresh uniform draws: a uniform choice among them. */
static uint64_t
random_rank(struct sim_machine *m, struct cpu_info *ci)
{
	(void)ci;
	return sim_rng_next(&m->pol.rng);
}

static const struct sim_policy policy_random = {
	.name = "random",
	.rank = random_rank,
};

/* --- pct ------------------------------------------------------------------- */

/* Initial priorities are above every change point's (1 .. d - 1). */
#define PCT_PRIO_BASE   (1ULL << 63)

/*
 * Draw the d - 1 change points, distinct, uniformly among the scheduling
 * points 1 .. k after boot; the i-th drawn demotes to priority i (PCT's
 * rule).  Kept in the order they come.
 */
static void
pct_start(struct sim_machine *m)
{
	struct sim_pol_state *ps = &m->pol;
	u_int want = ps->depth - 1;

	KASSERT(ps->depth >= 1 && ps->depth <= SIM_PCT_DEPTH_MAX);
	if (ps->steps < want)
		want = (u_int)ps->steps;
	ps->ncp = 0;
	while (ps->ncp < want) {
		uint64_t at = 1 + sim_rng_below(&ps->rng, ps->steps);
		u_int i;
		bool dup = false;

		for (i = 0; i < ps->ncp; i++)
			dup |= ps->cp_at[i] == at;
		if (dup)
			continue;       /* want <= k: a free one exists */
		/* Insert in order of time, keeping the draw's priority. */
		for (i = ps->ncp; i > 0 && ps->cp_at[i - 1] > at; i--) {
			ps->cp_at[i] = ps->cp_at[i - 1];
			ps->cp_prio[i] = ps->cp_prio[i - 1];
		}
		ps->ncp++;
		ps->cp_at[i] = at;
		ps->cp_prio[i] = ps->ncp;
	}
	ps->next_cp = 0;
}

/*
 * Past a change point: the context that took that scheduling point (the
 * one granted last: contexts change only at a decision) is demoted.
 */
static void
pct_decide(struct sim_machine *m)
{
	struct sim_pol_state *ps = &m->pol;
	uint64_t done = m->points - ps->boot_points;

	while (ps->next_cp < ps->ncp && done >= ps->cp_at[ps->next_cp]) {
		if (ps->last != NULL)
			ps->last->pol_prio = ps->cp_prio[ps->next_cp];
		ps->next_cp++;
	}
}

/* The priority of the context that acts next on ci, drawn on first use. */
static uint64_t
pct_rank(struct sim_machine *m, struct cpu_info *ci)
{
	struct lwp *l = sim_cpu_next_lwp(ci);

	KASSERT(l != NULL);
	if (l->pol_prio == 0) {
		l->pol_prio = sim_rng_next(&m->pol.rng) | PCT_PRIO_BASE;
		m->pol.contexts++;
	}
	return l->pol_prio;
}

static void
pct_report(const struct sim_machine *m, char *buf, size_t len)
{
	const struct sim_pol_state *ps = &m->pol;
	double nk = ps->contexts > 0 ? ps->contexts : 1;

	if (ps->steps == 0) {
		snprintf(buf, len, "; pct: n = %u contexts took part, k = 0 "
		    "scheduling points (%s), d = %u: no change points, no bound",
		    ps->contexts, ps->steps_from != NULL ? ps->steps_from :
		    "given", ps->depth);
		return;
	}
	for (u_int i = 1; i < ps->depth; i++)
		nk *= (double)ps->steps;
	snprintf(buf, len, "; pct: n = %u contexts took part, k = %llu "
	    "scheduling points (%s), d = %u: a bug of depth d or less shows "
	    "with probability at least 1/(n*k^(d-1)) = 1/%.4g = %.3g per run",
	    ps->contexts, (unsigned long long)ps->steps,
	    ps->steps_from != NULL ? ps->steps_from : "given", ps->depth, nk,
	    1.0 / nk);
}

static const struct sim_policy policy_pct = {
	.name = "pct",
	.start = pct_start,
	.decide = pct_decide,
	.rank = pct_rank,
	.report = pct_report,
};

/* --- pos ------------------------------------------------------------------- */

/* A new pending action: a fresh priority. */
static void
pos_pending(struct sim_machine *m, struct cpu_info *ci)
{
	ci->pol_prio = sim_rng_next(&m->pol.rng);
}

static uint64_t
pos_rank(struct sim_machine *m, struct cpu_info *ci)
{
	(void)m;
	return ci->pol_prio;
}

/*
 * Two pending accesses race: the same word (barriers name none).  Two
 * reads count too, where the paper's dependence leaves them out: a read
 * is usually followed by a write that depends on it (an increment split
 * into a load and a store, as in lost-update), and the read that lost to
 * the other's would keep its priority -- one that just lost, so likely
 * low -- against the fresh one of the write that follows the other's:
 * it would overtake that write only one time in three, not one in two.
 */
static bool
pos_races(const struct cpu_info *a, const struct cpu_info *b)
{
	return a->pend_obj != NULL && a->pend_obj == b->pend_obj &&
	    a->pend_op != KERN_MEM_BARRIER && b->pend_op != KERN_MEM_BARRIER;
}

/* x's action runs: those that race with it are sampled afresh. */
static void
pos_granted(struct sim_machine *m, struct cpu_info *x)
{
	for (u_int i = 0; i < m->heap_n; i++) {
		struct cpu_info *y = m->heap[i].ci;

		if (pos_races(x, y))
			y->pol_prio = sim_rng_next(&m->pol.rng);
	}
}

static const struct sim_policy policy_pos = {
	.name = "pos",
	.rank = pos_rank,
	.pending = pos_pending,
	.granted = pos_granted,
};

/* --- the table ------------------------------------------------------------- */

static const struct sim_policy *const policies[] = {
	&sim_policy_time, &policy_random, &policy_pct, &policy_pos,
};

const struct sim_policy *
sim_policy_find(const char *name)
{
	KASSERT(name != NULL);
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
		if (strcmp(policies[i]->name, name) == 0)
			return policies[i];
	return NULL;
}
