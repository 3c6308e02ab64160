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
 * to a millisecond), and a run has a handful of descriptors.  Once the
 * hosts have booted, the run locks its memory and asks for SCHED_FIFO at
 * a modest priority, and gives both back when the paced run ends (or the
 * priority earlier, if it cannot keep up).  It never spins on the clock
 * (edge.h says why).
 *
 * Never: let this room's clock reach anything but the pace hook's
 * answer and the injection times; everything the machine does with
 * them is its own deterministic business, which is why a replay of the
 * kept frames is a faithful, reproducible run.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <sys/mman.h>
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
/* The worst lags kept are of different excursions: this far apart. */
#define EDGE_WORST_APART_NS     1000000ULL
/* Memory is locked only for a run that maps at most this much. */
#define EDGE_LOCK_MAX_BYTES     (1ULL << 30)
/* NETSIM_REALTIME_TRACE's lines at most (one a visit to the edge). */
#define EDGE_TRACE_MAX          (1u << 24)

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
	uint64_t poll_ns;               /* look that often between sleeps */
	int slack_ns;                   /* the thread's timer slack before */
	int rt_want;                    /* SCHED_FIFO priority to ask, or 0 */
	bool anchored;                  /* wall0_ns is set: hosts booted */
	bool warned;
	bool started, stopped;          /* sim_edge_start, sim_edge_stop */
	bool rt_ours;                   /* we set SCHED_FIFO: give it back */
	uint64_t late_since;            /* wall (virtual) since when the run
					   is over SIM_EDGE_BEHIND_NS late,
					   or UINT64_MAX */
	FILE *trace;                    /* NETSIM_REALTIME_TRACE, or NULL */
	unsigned trace_lines;
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

/*
 * Keep lag, measured at virtual time t, among the worst: one entry an
 * excursion (entries EDGE_WORST_APART_NS apart), largest first.
 */
static void
edge_worst(struct sim_edge *e, uint64_t lag, uint64_t t)
{
	uint64_t *v = e->st.worst_ns, *at = e->st.worst_at_ns;
	unsigned i, n = SIM_EDGE_WORST;

	/* Not above the least kept: above no entry, near or not. */
	if (__builtin_expect(lag <= v[n - 1], 1))
		return;
	for (i = 0; i < n; i++)
		if (v[i] > 0 && (t > at[i] ? t - at[i] : at[i] - t) <
		    EDGE_WORST_APART_NS)
			break;
	if (i < n && v[i] >= lag)
		return;         /* its excursion's worst is kept already */
	if (i == n)
		i = n - 1;      /* a new excursion: the least kept goes */
	v[i] = lag;
	at[i] = t;
	for (; i > 0 && v[i] > v[i - 1]; i--) {
		uint64_t x = v[i], y = at[i];

		v[i] = v[i - 1], at[i] = at[i - 1];
		v[i - 1] = x, at[i - 1] = y;
	}
	assert(v[0] >= v[n - 1]);
}

/*
 * The run has been over SIM_EDGE_BEHIND_NS late for SIM_EDGE_RT_GIVEUP_NS:
 * it cannot keep up, and a real-time task that never sleeps only holds a
 * CPU others need.  Give the priority back (the rest of the run is as
 * without it) and say when.
 */
static void
edge_rt_giveup(struct sim_edge *e, uint64_t t)
{
	struct sched_param sp = { .sched_priority = 0 };

	assert(e->rt_ours);
	if (sched_setscheduler(0, SCHED_OTHER, &sp) != 0)
		return;         /* cannot happen: lowering needs no right */
	e->rt_ours = false;
	e->st.rt_dropped_ns = t > 0 ? t : 1;
}

static void
edge_lag(struct sim_edge *e, uint64_t lag, uint64_t t)
{
	e->hist[edge_bucket(lag)]++;
	e->st.lag_samples++;
	if (lag > e->st.lag_max_ns)
		e->st.lag_max_ns = lag;
	edge_worst(e, lag, t);
	if (lag <= SIM_EDGE_BEHIND_NS) {
		e->late_since = UINT64_MAX;
		return;
	}
	e->st.behind++;
	if (e->late_since == UINT64_MAX)
		e->late_since = t + lag;
	else if (e->rt_ours && t + lag - e->late_since > SIM_EDGE_RT_GIVEUP_NS)
		edge_rt_giveup(e, t);
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
	/*
	 * From now, not from libev's last look at the clock (its last
	 * ev_run, up to SIM_EDGE_POLL_NS or a whole batch ago): else the
	 * sleep ends that much early and the loop sleeps again.
	 */
	ev_now_update(e->loop);
	ev_timer_set(&e->timer, (double)(target - w) * 1e-9, 0.);
	ev_timer_start(e->loop, &e->timer);
	ev_run(e->loop, EVRUN_ONCE);
	ev_timer_stop(e->loop, &e->timer);
	w = edge_virtual_now(e);
	e->polled_ns = w;               /* it watched the TAP devices */
	return w;
}

/*
 * Touch each page of the process's writable private mappings once, with
 * an atomic add of 0 (the writer thread may be writing beside it; the
 * value never changes): mlockall made them resident, but in a virtual
 * machine whose hypervisor keeps page tables of its own (shadow paging:
 * this machine's kernel runs as a PVM guest), the first touch of each
 * page still leaves the guest, some microseconds each -- hundreds of
 * them in a run's first milliseconds, the receive buffers a NIC fills
 * first.  Touched here, before the wall clock starts, they cost nothing
 * later.  => after a successful mlockall
 */
static void
edge_touch(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned long lo, hi;
	char perm[8];
	FILE *f;

	if ((f = fopen("/proc/self/maps", "r")) == NULL)
		return;
	while (fscanf(f, "%lx-%lx %7s %*[^\n]", &lo, &hi, perm) == 3) {
		if (perm[0] != 'r' || perm[1] != 'w' || perm[3] != 'p')
			continue;
		for (unsigned long a = lo; a < hi; a += page)
			(void)__atomic_fetch_add((volatile char *)a, 0,
			    __ATOMIC_RELAXED);
	}
	fclose(f);
}

/*
 * Lock the process's memory, now and as it grows (mlockall): every page
 * it maps is faulted in here, before the wall clock starts, not at its
 * first touch in the paced run.  Only for a run that maps at most
 * EDGE_LOCK_MAX_BYTES (a real-time run is a small topology; a big one
 * would lock what it never touches).
 */
static void
edge_lock(struct sim_edge *e)
{
	unsigned long long pages = 0;
	FILE *f;

	assert(!e->st.locked);
	if ((f = fopen("/proc/self/statm", "r")) == NULL ||
	    fscanf(f, "%llu", &pages) != 1) {
		e->st.lock_errno = f == NULL ? errno : EIO;
		goto out;
	}
	if (pages * (unsigned long long)sysconf(_SC_PAGESIZE) >
	    EDGE_LOCK_MAX_BYTES) {
		e->st.lock_errno = EFBIG;
		goto out;
	}
	if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
		e->st.lock_errno = errno;
		(void)munlockall();     /* what it locked before it failed */
	} else {
		e->st.locked = true;
		edge_touch();
	}
out:
	if (f != NULL)
		fclose(f);
}

/*
 * Ask for SCHED_FIFO at e->rt_want (not passed on to children), unless
 * the thread runs under a real-time policy already (chrt): then keep
 * that.  Refused, the run goes on as it is; either way st says.
 */
static void
edge_rt(struct sim_edge *e)
{
	struct sched_param sp = { .sched_priority = e->rt_want };
	int policy = sched_getscheduler(0);

	assert(!e->rt_ours && e->st.rt_priority == 0);
	if (policy == SCHED_FIFO || policy == SCHED_RR) {
		if (sched_getparam(0, &sp) == 0)
			e->st.rt_priority = sp.sched_priority;
		e->st.rt_kept = true;
		return;
	}
	if (e->rt_want == 0)
		return;
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) != 0) {
		e->st.rt_errno = errno;
		return;
	}
	e->rt_ours = true;
	e->st.rt_priority = e->rt_want;
}

/*
 * The hosts have booted: take what a real-time run needs, then start the
 * wall clock where virtual time stands (what taking it took is not lag).
 */
static void
edge_anchor(struct sim_edge *e)
{
	struct sim_machine *m = e->m;

	assert(!e->anchored && m->after_boot == NULL);
	edge_lock(e);
	edge_rt(e);
	e->wall0_ns = edge_wall_ns() - m->eng.now;
	e->anchored = true;
	e->late_since = UINT64_MAX;
}

/* One line a visit, for NETSIM_REALTIME_TRACE (its format: edge.h). */
static void
edge_trace(struct sim_edge *e, uint64_t t, uint64_t w0, uint64_t w)
{
	struct timespec cpu;

	if (e->trace_lines >= EDGE_TRACE_MAX)
		return;
	e->trace_lines++;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	fprintf(e->trace, "%llu %llu %llu %llu %llu\n", (unsigned long long)t,
	    (unsigned long long)w0, (unsigned long long)w,
	    (unsigned long long)e->m->eng.executed,
	    (unsigned long long)cpu.tv_sec * 1000000000ULL +
	    (unsigned long long)cpu.tv_nsec);
}

/*
 * The machine's pace hook: the next thing is due at t, at or past
 * pace_ns.  Measure the lag, or wait for the wall clock (and Linux).
 */
static void
edge_pace(struct sim_machine *m, uint64_t t)
{
	struct sim_edge *e = edge_cur;
	uint64_t w, w0;

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
		edge_anchor(e);
	}
	e->st.paces++;
	w = w0 = edge_virtual_now(e);
	/*
	 * Too early: wait until t is due, so that this one reading of the
	 * clock runs a batch -- t and whatever follows it within
	 * SIM_EDGE_AHEAD_NS -- not one event.  (Not until it is within
	 * SIM_EDGE_AHEAD_NS: tried, 20 us off the lag a sleep ends with,
	 * a third more sleeps and twice the CPU at 10 kpps.)
	 */
	if (w + SIM_EDGE_AHEAD_NS < t)
		w = edge_wait(e, t, w);
	if (__builtin_expect(e->trace != NULL, 0))
		edge_trace(e, t, w0, w);
	/* Linux may have spoken meanwhile: look, now and then. */
	if (w >= e->polled_ns + e->poll_ns) {
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

/*
 * What the environment asks of the edge: NETSIM_REALTIME_PRIORITY (the
 * SCHED_FIFO priority, 0 for none) and NETSIM_REALTIME_TRACE (a file to
 * write a line a visit to).  Returns -1 with err for a value it cannot
 * take.
 */
static int
edge_env(struct sim_edge *e, char *err, size_t len)
{
	const char *prio = getenv("NETSIM_REALTIME_PRIORITY");
	const char *trace = getenv("NETSIM_REALTIME_TRACE");

	e->rt_want = SIM_EDGE_RT_PRIORITY;
	if (prio != NULL) {
		char *end;
		long v;

		errno = 0;
		v = strtol(prio, &end, 10);
		if (errno != 0 || end == prio || *end != '\0' || v < 0 ||
		    v > sched_get_priority_max(SCHED_FIFO)) {
			snprintf(err, len, "NETSIM_REALTIME_PRIORITY=%s: expected "
			    "a SCHED_FIFO priority, 1 to %d, or 0 for none", prio,
			    sched_get_priority_max(SCHED_FIFO));
			return -1;
		}
		e->rt_want = (int)v;
	}
	if (trace != NULL && (e->trace = fopen(trace, "w")) == NULL) {
		snprintf(err, len, "NETSIM_REALTIME_TRACE=%s: cannot write it: "
		    "%s", trace, strerror(errno));
		return -1;
	}
	return 0;
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
	if (edge_env(e, err, len) != 0)
		goto fail;
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
	assert(!e->started && !e->anchored);
	edge_cur = e;
	e->started = true;
	for (unsigned i = 0; i < e->ntaps; i++)
		ev_io_start(e->loop, &e->taps[i].w);
	ev_signal_start(e->loop, &e->sigint);
	ev_signal_start(e->loop, &e->sigterm);
	/*
	 * Nothing to read without a TAP device: a look (a select and
	 * libev's ev_run, some 650 instructions and a system call) is then
	 * only for the signals, which can wait SIM_EDGE_SIGNAL_POLL_NS.
	 */
	e->poll_ns = e->ntaps > 0 ? SIM_EDGE_POLL_NS : SIM_EDGE_SIGNAL_POLL_NS;
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
sim_edge_stop(struct sim_edge *e)
{
	struct sched_param sp = { .sched_priority = 0 };

	if (e == NULL || !e->started || e->stopped)
		return;
	e->stopped = true;
	if (e->rt_ours) {
		(void)sched_setscheduler(0, SCHED_OTHER, &sp);
		e->rt_ours = false;
	}
	if (e->st.locked)
		(void)munlockall();
	if (e->slack_ns > 0)
		(void)prctl(PR_SET_TIMERSLACK, (unsigned long)e->slack_ns, 0, 0,
		    0);
	if (e->trace != NULL && fflush(e->trace) != 0)
		fprintf(stderr, "netsim: warning: NETSIM_REALTIME_TRACE: %s\n",
		    strerror(errno));
	assert(!e->rt_ours);
}

/*
 * The least lag at or under which num/den of the samples are: the top
 * of the least bucket that holds them (at most the largest lag).
 */
static uint64_t
edge_quantile(const struct sim_edge *e, uint64_t num, uint64_t den)
{
	uint64_t want, seen = 0;

	assert(num <= den && den > 0);
	if (e->st.lag_samples == 0)
		return 0;
	want = e->st.lag_samples - (e->st.lag_samples * (den - num)) / den;
	for (unsigned b = 0; b < EDGE_BUCKETS; b++) {
		seen += e->hist[b];
		if (seen >= want) {
			uint64_t top = edge_bucket_top(b);

			return top < e->st.lag_max_ns ? top : e->st.lag_max_ns;
		}
	}
	assert(0 && "the histogram holds every sample");
	return e->st.lag_max_ns;
}

void
sim_edge_stats(const struct sim_edge *e, struct sim_edge_stats *st)
{
	*st = e->st;
	st->lag_p50_ns = edge_quantile(e, 50, 100);
	st->lag_p90_ns = edge_quantile(e, 90, 100);
	st->lag_p99_ns = edge_quantile(e, 99, 100);
	st->lag_p999_ns = edge_quantile(e, 999, 1000);
	assert(st->lag_p50_ns <= st->lag_p90_ns &&
	    st->lag_p90_ns <= st->lag_p99_ns &&
	    st->lag_p99_ns <= st->lag_p999_ns &&
	    st->lag_p999_ns <= st->lag_max_ns);
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
	sim_edge_stop(e);
	if (edge_cur == e)
		edge_cur = NULL;
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
	if (e->trace != NULL)
		fclose(e->trace);
	free(e);
}
