/*
 * fault.c -- the scenario's faults: built onto their targets, written
 * to the database, sampled, torn down (see fault.h).
 *
 * The one idea: most faults are windows a target judges by itself as
 * things pass it -- a link judges each frame, the DMA NIC each transfer,
 * kmem each allocation -- so they cost nothing where nothing passes and
 * add no event to the run; what strikes by itself is in fault_strike.c.
 * Every fault is built in scenario order, and each window is hung on its
 * target in that order, so which judges first never depends on anything
 * but the file.
 *
 * Never draws from a stream that is not the fault's own, never touches
 * the machine when the scenario has no faults (m->faults stays NULL).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/fault/fault.h"
#include "sim/fault/fault_impl.h"
#include "sim/record/record.h"
#include "sim/wire/topology.h"

#define FAULT_STREAM_MAX        64
#define FAULT_PARAMS_MAX        512
#define FAULT_NAME_MAX          64

/* ---- Building. ---- */

static void
fault_stream(const struct fault *f, const char *suffix, char *buf,
    size_t len)
{
	snprintf(buf, len, "fault.%u.%s%s%s", f->index,
	    sc_fault_kind_names[f->sc->kind], suffix[0] ? "." : "", suffix);
}

/* A link fault's window, as the scenario gives it. */
static void
fault_link_window(const struct fault *f, struct sim_link_fault *lf)
{
	memset(lf, 0, sizeof(*lf));
	lf->start_ns = f->sc->start_ns;
	lf->end_ns = f->sc->end_ns;
	lf->count = f->sc->count;
}

/* Loss or duplication: a window a direction, each with its own stream. */
static int
fault_build_loss(struct fault *f, struct sim_link *l)
{
	const struct sc_fault *s = f->sc;
	static const char *const tag[2] = { "ab", "ba" };
	char stream[FAULT_STREAM_MAX];

	for (int d = SIM_LINK_AB; d <= SIM_LINK_BA; d++) {
		struct sim_link_fault *lf;

		if ((s->dir == SC_DIR_AB && d != SIM_LINK_AB) ||
		    (s->dir == SC_DIR_BA && d != SIM_LINK_BA))
			continue;
		lf = &f->lf[f->nlf++];
		fault_link_window(f, lf);
		fault_stream(f, tag[d], stream, sizeof(stream));
		if (s->kind == SC_FAULT_DUPLICATE) {
			lf->dup = true;
			lf->dup_delay_ns = s->delay_ns;
			sim_loss_init_bernoulli(&lf->loss, s->probability,
			    f->m->seed, stream);
		} else if (s->model == SC_LOSS_GILBERT)
			sim_loss_init_gilbert(&lf->loss, s->to_bad, s->to_good,
			    s->loss_good, s->loss_bad, f->m->seed, stream);
		else
			sim_loss_init_bernoulli(&lf->loss, s->loss, f->m->seed,
			    stream);
		if (sim_link_add_fault(l, (enum sim_link_dirn)d, lf) != 0)
			return -1;
	}
	return 0;
}

/* A flap is one window, judged by both directions: the link is down. */
static int
fault_build_flap(struct fault *f, struct sim_link *l)
{
	struct sim_link_fault *lf = &f->lf[f->nlf++];

	fault_link_window(f, lf);
	lf->flap = true;
	lf->down_ns = f->sc->down_ns;
	lf->up_ns = f->sc->up_ns;
	return sim_link_add_fault(l, SIM_LINK_AB, lf) != 0 ||
	    sim_link_add_fault(l, SIM_LINK_BA, lf) != 0 ? -1 : 0;
}

/* The frames a storm or a burst makes: to the NIC, from no one. */
static void
fault_frames(struct fault *f)
{
	const struct sc_fault *s = f->sc;
	const struct sc_nic *n = &f->host->sc->nics[s->sub];
	struct sim_gen_params *p = &f->frame;

	memset(p, 0, sizeof(*p));
	p->frame_len = (uint32_t)s->size;
	memcpy(p->dst, n->mac, sizeof(p->dst));
	/* Locally administered, unicast: 02:fa:17:00 and the fault's index. */
	p->src[0] = 0x02;
	p->src[1] = 0xfa;
	p->src[2] = 0x17;
	p->src[4] = (uint8_t)(f->index >> 8);
	p->src[5] = (uint8_t)f->index;
	p->ethertype = SIM_GEN_ETHERTYPE;
}

static int
fault_build_paced(struct fault *f)
{
	const struct sc_fault *s = f->sc;

	f->dev = sim_nic_device(f->host, s->sub);
	f->port = sim_topology_nic_port(f->m, s->host, s->sub);
	f->raise = s->kind == SC_FAULT_INTR_STORM &&
	    f->host->sc->nics[s->sub].type == SC_NIC_DMA;
	if (s->kind == SC_FAULT_BURST || s->frames)
		fault_frames(f);
	return 0;
}

static int
fault_build_one(struct fault *f)
{
	const struct sc_fault *s = f->sc;
	struct sim_machine *m = f->m;
	char stream[FAULT_STREAM_MAX];

	switch (s->kind) {
	case SC_FAULT_LOSS:
	case SC_FAULT_DUPLICATE:
		return fault_build_loss(f, m->topo->links[s->link]);
	case SC_FAULT_FLAP:
		return fault_build_flap(f, m->topo->links[s->link]);
	case SC_FAULT_DMA_DELAY:
		f->delay = (struct sim_nic_delay){ .start_ns = s->start_ns,
		    .end_ns = s->end_ns, .count = s->count,
		    .delay_ns = s->delay_ns };
		return sim_nic_dma_add_delay(sim_nic_device(f->host, s->sub),
		    &f->delay);
	case SC_FAULT_MBUF_EXHAUSTION:
		f->kmem = (struct sim_kmem_fault){ .start_ns = s->start_ns,
		    .end_ns = s->end_ns, .count = s->count, .fail = s->fail };
		fault_stream(f, "", stream, sizeof(stream));
		sim_rng_init(&f->kmem.rng, m->seed, stream);
		sim_kmem_add_fault(f->host, &f->kmem);
		return 0;
	case SC_FAULT_INTR_STORM:
	case SC_FAULT_BURST:
		return fault_build_paced(f);
	case SC_FAULT_CPU_HOG:
	case SC_NFAULTKINDS:
		break;
	}
	return 0;
}

int
sim_faults_build(struct sim_machine *m)
{
	const struct scenario *sc = m->sc;
	struct sim_faults *fs;

	KASSERT(m->faults == NULL && m->topo != NULL);
	if (sc->nfaults == 0)
		return 0;
	if ((fs = calloc(1, sizeof(*fs))) == NULL ||
	    (fs->f = calloc(sc->nfaults, sizeof(*fs->f))) == NULL) {
		free(fs);
		return -1;
	}
	m->faults = fs;
	for (unsigned i = 0; i < sc->nfaults; i++) {
		struct fault *f = &fs->f[i];

		f->sc = &sc->faults[i];
		f->index = i;
		f->m = m;
		if (f->sc->kind != SC_FAULT_LOSS && f->sc->kind != SC_FAULT_FLAP &&
		    f->sc->kind != SC_FAULT_DUPLICATE)
			f->host = &m->hosts[f->sc->host];
		fs->n++;
		if (fault_build_one(f) != 0) {
			fprintf(stderr, "netsim: fault %u (%s on %s): its target "
			    "takes at most %d windows\n", i,
			    sc_fault_kind_names[f->sc->kind], f->sc->target,
			    f->sc->kind == SC_FAULT_DMA_DELAY ?
			    SIM_NIC_DELAYS_MAX : SIM_LINK_FAULTS_MAX);
			errno = 0;
			return -1;
		}
	}
	return 0;
}

/* ---- What each did. ---- */

/* Whether the fault's count is used up at t (or, for most, ever). */
static bool
fault_spent_at(const struct fault *f, uint64_t t)
{
	const struct sc_fault *s = f->sc;
	uint64_t frames = 0;

	if (s->count == 0)
		return false;
	switch (s->kind) {
	case SC_FAULT_LOSS:
	case SC_FAULT_DUPLICATE:
		for (unsigned i = 0; i < f->nlf; i++)
			frames += f->lf[i].seen;
		/* Each direction has its own count: spent when all are. */
		return frames >= (uint64_t)f->nlf * s->count;
	case SC_FAULT_FLAP:
		return t >= s->start_ns && (t - s->start_ns) /
		    (s->down_ns + s->up_ns) >= s->count;
	case SC_FAULT_DMA_DELAY:
		return f->delay.delayed >= s->count;
	case SC_FAULT_MBUF_EXHAUSTION:
		return f->kmem.refused >= s->count;
	default:
		return f->strikes >= s->count;
	}
}

bool
fault_spent(const struct fault *f)
{
	return fault_spent_at(f, f->m->eng.now);
}

/* Is the fault striking at t: its window open, its count not used up? */
static bool
fault_active(const struct fault *f, uint64_t t)
{
	const struct sc_fault *s = f->sc;

	if (t < s->start_ns || t >= s->end_ns || fault_spent_at(f, t))
		return false;
	/* A flap strikes while the link is down. */
	return s->kind != SC_FAULT_FLAP || sim_link_fault_down(&f->lf[0], t);
}

/* Sum of what the fault's link windows counted (lost: or duplicated). */
static void
fault_link_sums(const struct fault *f, uint64_t *seen, uint64_t *lost,
    uint64_t *runs, uint64_t *run_max)
{
	*seen = *lost = *runs = *run_max = 0;
	for (unsigned i = 0; i < f->nlf; i++) {
		*seen += f->lf[i].seen;
		*lost += f->lf[i].dup ? f->lf[i].duplicated : f->lf[i].lost;
		*runs += f->lf[i].runs;
		if (f->lf[i].run_max > *run_max)
			*run_max = f->lf[i].run_max;
	}
}

/* The one count over time that says what the fault is doing. */
static const char *
fault_measure(const struct fault *f, int64_t *v)
{
	uint64_t seen, lost, runs, run_max;

	switch (f->sc->kind) {
	case SC_FAULT_INTR_STORM:
		*v = (int64_t)f->strikes;
		return "raised";
	case SC_FAULT_BURST:
		*v = (int64_t)f->frames;
		return "frames";
	case SC_FAULT_LOSS:
	case SC_FAULT_FLAP:
		fault_link_sums(f, &seen, &lost, &runs, &run_max);
		*v = (int64_t)lost;
		return "lost";
	case SC_FAULT_DUPLICATE:
		fault_link_sums(f, &seen, &lost, &runs, &run_max);
		*v = (int64_t)lost;
		return "duplicated";
	case SC_FAULT_DMA_DELAY:
		*v = (int64_t)f->delay.delayed;
		return "delayed";
	case SC_FAULT_MBUF_EXHAUSTION:
		*v = (int64_t)f->kmem.refused;
		return "refused";
	default:
		*v = (int64_t)f->busy_ns;
		return "busy_ns";
	}
}

void
sim_faults_sample(struct sim_machine *m, uint64_t t)
{
	struct sim_faults *fs = m->faults;
	char name[FAULT_NAME_MAX];

	if (fs == NULL || m->rec == NULL || !m->sc->record.counters)
		return;
	for (unsigned i = 0; i < fs->n; i++) {
		struct fault *f = &fs->f[i];
		const char *host = f->host != NULL ? f->host->sc->name : NULL;
		int64_t v[2];
		const char *what[2] = { "active", fault_measure(f, &v[1]) };

		v[0] = fault_active(f, t);
		for (int k = 0; k < 2; k++) {
			if (f->sampled && f->last[k] == v[k])
				continue;
			f->last[k] = v[k];
			snprintf(name, sizeof(name), "fault.%u.%s", i, what[k]);
			sim_record_counter(m->rec, name, host, -1, t, v[k]);
		}
		f->sampled = true;
	}
}

/* Down periods of a flap begun before t_end. */
static uint64_t
fault_flap_downs(const struct sc_fault *s, uint64_t t_end)
{
	uint64_t until = s->end_ns < t_end ? s->end_ns : t_end, period, n;

	if (until <= s->start_ns)
		return 0;
	period = s->down_ns + s->up_ns;
	n = (until - s->start_ns + period - 1) / period;
	return s->count != 0 && n > s->count ? s->count : n;
}

static void
fault_effects(struct sim_recorder *rec, const struct fault *f, uint64_t t_end)
{
	const struct sc_fault *s = f->sc;
	unsigned i = f->index;
	uint64_t seen, lost, runs, run_max;

	switch (s->kind) {
	case SC_FAULT_INTR_STORM:
	case SC_FAULT_BURST:
		if (s->kind == SC_FAULT_INTR_STORM)
			sim_record_fault_effect(rec, i, "raised",
			    (int64_t)f->strikes);
		if (s->kind == SC_FAULT_BURST || s->frames) {
			sim_record_fault_effect(rec, i, "frames",
			    (int64_t)f->frames);
			sim_record_fault_effect(rec, i, "dropped",
			    (int64_t)f->dropped);
		}
		if (f->strikes > 0) {
			sim_record_fault_effect(rec, i, "first_ns",
			    (int64_t)f->first_ns);
			sim_record_fault_effect(rec, i, "last_ns",
			    (int64_t)f->last_ns);
		}
		break;
	case SC_FAULT_LOSS:
	case SC_FAULT_FLAP:
		fault_link_sums(f, &seen, &lost, &runs, &run_max);
		if (s->kind == SC_FAULT_FLAP)
			sim_record_fault_effect(rec, i, "downs",
			    (int64_t)fault_flap_downs(s, t_end));
		sim_record_fault_effect(rec, i, "frames", (int64_t)seen);
		sim_record_fault_effect(rec, i, "lost", (int64_t)lost);
		sim_record_fault_effect(rec, i, "runs", (int64_t)runs);
		sim_record_fault_effect(rec, i, "longest_run", (int64_t)run_max);
		break;
	case SC_FAULT_DUPLICATE:
		fault_link_sums(f, &seen, &lost, &runs, &run_max);
		sim_record_fault_effect(rec, i, "frames", (int64_t)seen);
		sim_record_fault_effect(rec, i, "duplicated", (int64_t)lost);
		break;
	case SC_FAULT_DMA_DELAY:
		sim_record_fault_effect(rec, i, "delayed",
		    (int64_t)f->delay.delayed);
		break;
	case SC_FAULT_MBUF_EXHAUSTION:
		sim_record_fault_effect(rec, i, "asked", (int64_t)f->kmem.asked);
		sim_record_fault_effect(rec, i, "refused",
		    (int64_t)f->kmem.refused);
		break;
	default:
		sim_record_fault_effect(rec, i, "busy_ns", (int64_t)f->busy_ns);
		break;
	}
}

void
sim_faults_record_end(struct sim_machine *m, uint64_t t_end)
{
	struct sim_faults *fs = m->faults;

	if (fs == NULL || m->rec == NULL)
		return;
	for (unsigned i = 0; i < fs->n; i++)
		fault_effects(m->rec, &fs->f[i], t_end);
}

/* ---- Starting. ---- */

/* The fault's other keys as a JSON object, for its row. */
static void
fault_params(const struct fault *f, char *buf, size_t len)
{
	const struct sc_fault *s = f->sc;

	switch (s->kind) {
	case SC_FAULT_INTR_STORM:
		snprintf(buf, len, "{\"rate_pps\": %" PRIu64 ", \"frames\": "
		    "%s, \"size\": %" PRIu64 "}", s->rate_pps,
		    s->frames ? "true" : "false", s->size);
		break;
	case SC_FAULT_BURST:
		snprintf(buf, len, "{\"rate_pps\": %" PRIu64 ", \"line_rate_bps\": "
		    "%" PRIu64 ", \"size\": %" PRIu64 "}", s->rate_pps,
		    s->rate_pps == 0 ? f->pace.den : 0, s->size);
		break;
	case SC_FAULT_LOSS:
		if (s->model == SC_LOSS_BERNOULLI)
			snprintf(buf, len, "{\"model\": \"bernoulli\", \"loss\": "
			    "%.15g, \"dir\": \"%s\"}", s->loss,
			    sc_fault_dir_names[s->dir]);
		else
			snprintf(buf, len, "{\"model\": \"gilbert\", \"to_bad\": "
			    "%.15g, \"to_good\": %.15g, \"loss_good\": %.15g, "
			    "\"loss_bad\": %.15g, \"dir\": \"%s\", "
			    "\"loss_rate\": %.15g}", s->to_bad, s->to_good,
			    s->loss_good, s->loss_bad, sc_fault_dir_names[s->dir],
			    sim_loss_rate(&f->lf[0].loss));
		break;
	case SC_FAULT_FLAP:
		snprintf(buf, len, "{\"down_ns\": %" PRIu64 ", \"up_ns\": %"
		    PRIu64 "}", s->down_ns, s->up_ns);
		break;
	case SC_FAULT_DUPLICATE:
		snprintf(buf, len, "{\"probability\": %.15g, \"dir\": \"%s\", "
		    "\"delay_ns\": %" PRIu64 "}", s->probability,
		    sc_fault_dir_names[s->dir], s->delay_ns);
		break;
	case SC_FAULT_DMA_DELAY:
		snprintf(buf, len, "{\"delay_ns\": %" PRIu64 "}", s->delay_ns);
		break;
	case SC_FAULT_MBUF_EXHAUSTION:
		snprintf(buf, len, "{\"fail\": %.15g}", s->fail);
		break;
	default:
		snprintf(buf, len, "{\"cpu\": %u}", s->sub);
		break;
	}
}

void
sim_faults_start(struct sim_machine *m)
{
	struct sim_faults *fs = m->faults;
	char params[FAULT_PARAMS_MAX];

	if (fs == NULL)
		return;
	for (unsigned i = 0; i < fs->n; i++) {
		struct fault *f = &fs->f[i];
		const struct sc_fault *s = f->sc;

		fault_strike_start(f);
		if (m->rec == NULL)
			continue;
		fault_params(f, params, sizeof(params));
		sim_record_fault(m->rec, i, sc_fault_kind_names[s->kind],
		    s->target, s->start_ns, s->end_ns, s->count, params);
	}
}

void
sim_faults_destroy(struct sim_machine *m)
{
	if (m->faults == NULL)
		return;
	free(m->faults->f);
	free(m->faults);
	m->faults = NULL;
}
