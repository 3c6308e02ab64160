/*
 * edge.c -- pacing a run to the wall clock with libev, and the TAP
 * devices its bridges meet Linux through (see edge.h).
 *
 * The one idea: the machine's loop asks before it runs anything at a
 * virtual time the wall clock has not reached (the pace hook); the edge
 * answers by waiting -- one ev_run of a loop that holds a timer for the
 * time asked and a watcher on every TAP device -- and by injecting what
 * the TAP devices had to say at the virtual time it was read.  The loop
 * then decides again, so a frame from Linux comes before whatever it
 * was waiting for.
 *
 * libev's select backend: its waits are microseconds (epoll's round up
 * to a millisecond), and a run has a handful of descriptors.
 *
 * Never: let this room's clock reach anything but the pace hook's
 * answer and the injection times; everything the machine does with
 * them is its own deterministic business, which is why a replay of the
 * kept frames is a faithful, reproducible run.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <linux/if.h>
#include <linux/if_tun.h>

#include <ev.h>

#include "sim/edge/edge.h"
#include "sim/sched/machine.h"
#include "sim/wire/bridge.h"
#include "sim/wire/topology.h"

/* Lag histogram: 16 buckets per power of two of nanoseconds. */
#define EDGE_SUB_BITS   4
#define EDGE_BUCKETS    (64 << EDGE_SUB_BITS)

struct edge_tap {
	struct sim_edge *edge;
	struct sim_bridge *br;
	unsigned index;                 /* in the topology's bridges */
	int fd;
	ev_io w;
};

struct sim_edge {
	struct sim_machine *m;
	struct ev_loop *loop;
	ev_timer timer;
	ev_signal sigint, sigterm;
	struct edge_tap *taps;
	unsigned ntaps;
	uint64_t wall0_ns;              /* CLOCK_MONOTONIC at virtual 0 */
	uint64_t polled_ns;             /* Linux last looked at (virtual) */
	int slack_ns;                   /* the thread's timer slack before */
	bool anchored;                  /* wall0_ns is set: hosts booted */
	bool warned;
	uint64_t hist[EDGE_BUCKETS];
	struct sim_edge_stats st;
	struct sim_edge_frame *kept;
	size_t nkept, kept_cap;
	uint64_t kept_bytes;
	uint8_t buf[65536];             /* one frame read from a TAP */
};

/* The run being paced (one at a time in a process). */
static struct sim_edge *edge_cur;

static uint64_t
edge_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The virtual time the wall clock has reached. */
static uint64_t
edge_virtual_now(struct sim_edge *e)
{
	e->st.clock_reads++;
	return edge_wall_ns() - e->wall0_ns;
}

/* --- lag ------------------------------------------------------------------ */

static unsigned
edge_bucket(uint64_t v)
{
	unsigned p, sub;

	if (v < (1u << EDGE_SUB_BITS))
		return (unsigned)v;
	p = 63 - (unsigned)__builtin_clzll(v);  /* >= EDGE_SUB_BITS */
	sub = (unsigned)(v >> (p - EDGE_SUB_BITS)) & ((1u << EDGE_SUB_BITS) - 1);
	return ((p - EDGE_SUB_BITS + 1) << EDGE_SUB_BITS) | sub;
}

/* The largest value bucket b holds. */
static uint64_t
edge_bucket_top(unsigned b)
{
	unsigned p = b >> EDGE_SUB_BITS, sub = b & ((1u << EDGE_SUB_BITS) - 1);
	unsigned __int128 top;

	if (p == 0)
		return sub;
	/* Highest bit p + EDGE_SUB_BITS - 1, the next ones sub. */
	top = (unsigned __int128)((1u << EDGE_SUB_BITS | sub) + 1) << (p - 1);
	return top - 1 > UINT64_MAX ? UINT64_MAX : (uint64_t)(top - 1);
}

static void
edge_lag(struct sim_edge *e, uint64_t lag, uint64_t t)
{
	e->hist[edge_bucket(lag)]++;
	e->st.lag_samples++;
	if (lag > e->st.lag_max_ns)
		e->st.lag_max_ns = lag;
	if (lag <= SIM_EDGE_BEHIND_NS)
		return;
	e->st.behind++;
	if (e->warned)
		return;
	e->warned = true;
	fprintf(stderr, "netsim: warning: the simulation cannot keep up with "
	    "the wall clock: at %.3f ms virtual it is %.3f ms late (what it "
	    "models takes longer to compute than to happen; the lag is in "
	    "the summary and the database)\n", (double)t / 1e6,
	    (double)lag / 1e6);
}

/* --- frames from Linux ------------------------------------------------------ */

/* Keep a copy of the frame for the database, while there is room. */
static void
edge_keep(struct sim_edge *e, unsigned bridge, uint64_t t, const uint8_t *p,
    uint32_t len)
{
	struct sim_edge_frame *f;

	if (e->nkept >= SIM_EDGE_FRAMES_MAX ||
	    e->kept_bytes + len > SIM_EDGE_KEPT_BYTES_MAX)
		goto full;
	if (e->nkept == e->kept_cap) {
		size_t ncap = e->kept_cap ? 2 * e->kept_cap : 256;

		f = realloc(e->kept, ncap * sizeof(*f));
		if (f == NULL)
			goto full;
		e->kept = f;
		e->kept_cap = ncap;
	}
	f = &e->kept[e->nkept];
	if ((f->data = malloc(len)) == NULL)
		goto full;
	memcpy(f->data, p, len);
	f->len = len;
	f->bridge = bridge;
	f->t_ns = t;
	e->nkept++;
	e->kept_bytes += len;
	e->st.kept++;
	return;
full:
	e->st.not_kept++;
}

/* A TAP device is readable: inject what it holds, at the time read. */
static void
edge_tap_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct edge_tap *tp = w->data;
	struct sim_edge *e = tp->edge;
	struct sim_machine *m = e->m;

	(void)loop;
	(void)revents;
	for (unsigned i = 0; i < SIM_EDGE_READS_MAX; i++) {
		ssize_t n = read(tp->fd, e->buf, sizeof(e->buf));
		uint64_t t;

		if (n < 0)
			break;          /* EAGAIN: drained; anything else: later */
		if (n < SIM_ETHER_HDR_LEN || n > SIM_FRAME_BYTES_MAX) {
			e->st.drops_in++;
			continue;
		}
		/* Never before what already ran, nor before an earlier one. */
		t = edge_virtual_now(e);
		if (t < m->eng.now)
			t = m->eng.now;
		if (e->nkept > 0 && t < e->kept[e->nkept - 1].t_ns)
			t = e->kept[e->nkept - 1].t_ns;
		if (sim_bridge_inject(tp->br, t, e->buf, (size_t)n) != 0) {
			e->st.drops_in++;
			continue;
		}
		e->st.frames_in++;
		edge_keep(e, tp->index, t, e->buf, (uint32_t)n);
	}
}

/* A frame the simulated side sent to the bridge: to Linux. */
static void
edge_tap_out(void *arg, struct sim_bridge *br, const struct sim_frame *f,
    uint64_t t)
{
	struct edge_tap *tp = arg;

	(void)br;
	(void)t;
	if (write(tp->fd, f->data, f->len) != (ssize_t)f->len) {
		tp->edge->st.drops_out++;
		return;
	}
	tp->edge->st.frames_out++;
}

/* --- pacing ----------------------------------------------------------------- */

static void
edge_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

/*
 * Sleep until the wall clock reaches virtual time target (it stands at
 * w), or Linux speaks: libev's select, with a timer, watching the TAP
 * devices.  Returns where the wall clock stands.
 */
static uint64_t
edge_wait(struct sim_edge *e, uint64_t target, uint64_t w)
{
	assert(target > w);
	e->st.sleeps++;
	ev_timer_set(&e->timer, (double)(target - w) * 1e-9, 0.);
	ev_timer_start(e->loop, &e->timer);
	ev_run(e->loop, EVRUN_ONCE);
	ev_timer_stop(e->loop, &e->timer);
	w = edge_virtual_now(e);
	e->polled_ns = w;               /* it watched the TAP devices */
	return w;
}

/*
 * The machine's pace hook: the next thing is due at t, at or past
 * pace_ns.  Measure the lag, or wait for the wall clock (and Linux).
 */
static void
edge_pace(struct sim_machine *m, uint64_t t)
{
	struct sim_edge *e = edge_cur;
	uint64_t w;

	assert(e != NULL && e->m == m);
	assert(t >= m->pace_ns);
	if (__builtin_expect(!e->anchored, 0)) {
		/*
		 * Booting is the machine's own business: it runs as fast as
		 * it can (Linux is not heard: its frames wait in the TAP
		 * device), and the wall clock starts where it stands when the
		 * loop first comes here after it -- at most a slice after the
		 * hosts have booted, and never later than what is due.
		 */
		if (m->after_boot != NULL) {
			m->pace_ns = t + SIM_EDGE_SLICE_NS;
			return;
		}
		e->wall0_ns = edge_wall_ns() - m->eng.now;
		e->anchored = true;
	}
	e->st.paces++;
	w = edge_virtual_now(e);
	/*
	 * Too early: wait until t is due, so that this one reading of the
	 * clock runs a batch -- t and whatever follows it within
	 * SIM_EDGE_AHEAD_NS -- not one event.
	 */
	if (w + SIM_EDGE_AHEAD_NS < t)
		w = edge_wait(e, t, w);
	/* Linux may have spoken meanwhile: look, now and then. */
	if (w >= e->polled_ns + SIM_EDGE_POLL_NS) {
		e->st.polls++;
		e->polled_ns = w;
		ev_run(e->loop, EVRUN_NOWAIT);
	}
	/* The thing at t runs now (unless Linux sent something first). */
	if (w + SIM_EDGE_AHEAD_NS >= t)
		edge_lag(e, w > t ? w - t : 0, t);
	/*
	 * Behind, the loop comes back every SIM_EDGE_SLICE_NS of virtual
	 * time: the lag is measured evenly, and Linux heard, as it catches
	 * up.
	 */
	if (w > t + SIM_EDGE_SLICE_NS)
		w = t + SIM_EDGE_SLICE_NS;
	m->pace_ns = w + SIM_EDGE_AHEAD_NS + 1;
}

/*
 * SIGINT or SIGTERM: the run ends now, as if its duration ended at the
 * virtual time it stands at -- its rows, frames and verdict recorded.
 */
static void
edge_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct sim_edge *e = w->data;
	struct sim_machine *m = e->m;

	(void)loop;
	(void)revents;
	if (e->st.interrupted != 0)
		return;
	e->st.interrupted = w->signum;
	e->st.interrupted_ns = m->eng.now;
	if (m->end_ns > m->eng.now)
		m->end_ns = m->eng.now;
}

/* --- TAP devices -------------------------------------------------------------- */

/* Open (creating if need be) the TAP device name; -1 with err. */
static int
edge_tap_open(const char *name, const char *link, char *err, size_t len)
{
	struct ifreq ifr;
	int fd, saved;

	if ((fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
		saved = errno;
		snprintf(err, len, "cannot open /dev/net/tun for the TAP device "
		    "%s of link %s: %s%s", name, link, strerror(saved),
		    saved == EACCES || saved == EPERM ? " (a TAP device needs "
		    "root, or CAP_NET_ADMIN)" : saved == ENOENT ? " (no tun "
		    "driver: modprobe tun)" : "");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		saved = errno;
		snprintf(err, len, "cannot create or attach the TAP device %s of "
		    "link %s: %s%s", name, link, strerror(saved),
		    saved == EPERM || saved == EACCES ? " (creating a TAP device "
		    "needs root, or CAP_NET_ADMIN)" : saved == EBUSY ||
		    saved == EINVAL ? " (is it another kind of device, or "
		    "attached to another program?)" : "");
		close(fd);
		return -1;
	}
	return fd;
}

struct sim_edge *
sim_edge_open(struct sim_machine *m, char *err, size_t len)
{
	struct sim_topology *t = m->topo;
	struct sim_edge *e;

	assert(m->policy == &sim_policy_time);
	assert(t != NULL);
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (t->nbridges > 0 &&
	    (e->taps = calloc(t->nbridges, sizeof(*e->taps))) == NULL)) {
		snprintf(err, len, "out of memory for the real-time edge");
		goto fail;
	}
	e->m = m;
	if ((e->loop = ev_loop_new(EVBACKEND_SELECT)) == NULL) {
		snprintf(err, len, "libev cannot make an event loop");
		goto fail;
	}
	ev_timer_init(&e->timer, edge_timer_cb, 0., 0.);
	ev_signal_init(&e->sigint, edge_signal_cb, SIGINT);
	ev_signal_init(&e->sigterm, edge_signal_cb, SIGTERM);
	e->sigint.data = e->sigterm.data = e;
	for (unsigned i = 0; i < t->nbridges; i++) {
		struct edge_tap *tp = &e->taps[i];
		struct sim_bridge *br = t->bridges[i];

		tp->edge = e;
		tp->br = br;
		tp->index = i;
		tp->fd = edge_tap_open(sim_bridge_tap(br), sim_bridge_name(br),
		    err, len);
		if (tp->fd < 0)
			goto fail;
		e->ntaps++;
		ev_io_init(&tp->w, edge_tap_readable, tp->fd, EV_READ);
		tp->w.data = tp;
		sim_bridge_set_out(br, edge_tap_out, tp);
	}
	return e;
fail:
	sim_edge_close(e);
	return NULL;
}

void
sim_edge_start(struct sim_edge *e)
{
	assert(edge_cur == NULL);
	edge_cur = e;
	for (unsigned i = 0; i < e->ntaps; i++)
		ev_io_start(e->loop, &e->taps[i].w);
	ev_signal_start(e->loop, &e->sigint);
	ev_signal_start(e->loop, &e->sigterm);
	e->wall0_ns = edge_wall_ns();
	/*
	 * Sleeps end when asked, not up to 50 us later (the default slack
	 * Linux may add to a timer, to wake fewer times): that is lag.
	 */
	e->slack_ns = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	sim_machine_set_pace(e->m, edge_pace, 0);
}

void
sim_edge_stats(const struct sim_edge *e, struct sim_edge_stats *st)
{
	uint64_t want, seen = 0;

	*st = e->st;
	st->lag_p99_ns = 0;
	if (e->st.lag_samples == 0)
		return;
	/* The least bucket at or under which 99% of the samples are. */
	want = e->st.lag_samples - e->st.lag_samples / 100;
	for (unsigned b = 0; b < EDGE_BUCKETS; b++) {
		seen += e->hist[b];
		if (seen >= want) {
			st->lag_p99_ns = edge_bucket_top(b);
			break;
		}
	}
	if (st->lag_p99_ns > st->lag_max_ns)
		st->lag_p99_ns = st->lag_max_ns;
}

size_t
sim_edge_frames(const struct sim_edge *e, const struct sim_edge_frame **f)
{
	*f = e->kept;
	return e->nkept;
}

void
sim_edge_close(struct sim_edge *e)
{
	if (e == NULL)
		return;
	if (edge_cur == e) {
		edge_cur = NULL;
		if (e->slack_ns > 0)
			(void)prctl(PR_SET_TIMERSLACK, (unsigned long)e->slack_ns,
			    0, 0, 0);
	}
	if (e->loop != NULL) {
		ev_signal_stop(e->loop, &e->sigint);
		ev_signal_stop(e->loop, &e->sigterm);
	}
	for (unsigned i = 0; i < e->ntaps; i++) {
		if (e->loop != NULL)
			ev_io_stop(e->loop, &e->taps[i].w);
		sim_bridge_set_out(e->taps[i].br, NULL, NULL);
		close(e->taps[i].fd);
	}
	if (e->loop != NULL)
		ev_loop_destroy(e->loop);
	for (size_t i = 0; i < e->nkept; i++)
		free(e->kept[i].data);
	free(e->kept);
	free(e->taps);
	free(e);
}
