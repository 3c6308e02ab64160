/*
 * udp_send.c -- send `count` UDP datagrams of `size` bytes to dst:port,
 * the first `start` after the program starts, as an arrival process says
 * (arrival.h: constant at `rate`, poisson, onoff bursts, flood, or the
 * times of a trace file), over `flows` sockets, and, with `echo`, take
 * their echoes back.
 *
 * The sender is paced to the nanosecond: each datagram is due at the time
 * its arrival process gives, and the sender sleeps until then in
 * kpause_until, on its CPU's high-resolution timer, never in clock ticks
 * -- so its traffic, and the latency it sees, do not depend on hz.  Each
 * wake-up costs its CPU a timer interrupt, a wakeup and a switch (5.4 us
 * with the default costs).  A datagram already due when the last one is
 * sent (a rate faster than the CPU, a burst, a flood) goes at once, as
 * fast as the CPU goes; a send the stack refuses (no buffers: the
 * interface's queue is full; no route) is counted in errors, never sent
 * again.
 *
 * Flows: `flows` connected sockets, each with its own source port, take
 * the datagrams in turn (datagram seq on socket seq % flows), so one
 * program makes many 5-tuples; with echo each socket has a receiver LWP
 * of its own.  The sender and the receivers share one connected socket
 * each; a receiver blocks in soreceive and stops once the sender is done
 * and nothing has come back for `timeout`.
 *
 * Each datagram carries its sequence number and its send time (virtual
 * ns), so an echo tells its round trip without a table; a bitmap catches
 * duplicates.  Per-packet records: probe udp_send:sent (bytes, packet id)
 * just before sosend, udp_send:echoed (bytes, the id it was sent with,
 * round trip) when its echo is taken.  Datagram seq (from 0) is the k-th
 * (k = seq / flows) of socket i = seq % flows, whose ids start at
 * app_pktid(1 + i * per), per = count / flows rounded up: ids follow
 * each socket's sends, which its SO_PKTID numbering keeps in step (every
 * sosend call that gets past a pending error takes one id).  With one
 * flow, datagram seq has id app_pktid(seq + 1).
 *
 * Counters "udp_send<N>.<name>": sent (handed to the network) + errors
 * (sends that failed: no route, no buffers) = count; in echo mode
 * received + lost = sent, and bad counts echoes that came back changed.
 * unreachable counts ICMP port unreachables the sockets reported
 * (ECONNREFUSED, on a send -- which is then retried -- or a receive):
 * several arriving together are reported once, as on a real socket.
 */
#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/evcnt.h>
#include <sys/kmem.h>
#include <sys/kthread.h>
#include <sys/sdt.h>

#include <kern/ksocket.h>

#include <string.h>

#include <netinet/in.h>

#include "apps.h"
#include "arrival.h"

enum { US_DST, US_PORT, US_RATE, US_SIZE, US_COUNT, US_TIMEOUT, US_ECHO,
    US_START, US_PATTERN, US_ON, US_OFF, US_TRACE, US_FLOWS };

#define US_HDR          16              /* sequence, send time */
#define US_COUNT_MAX    10000000
#define US_FLOWS_MAX    1024

static const struct app_param udp_send_params[] = {
	[US_DST] = { "dst", APP_INADDR, 0, 0, 0xffffffff, NULL,
	    "the destination address, e.g. \"10.0.2.1\"", true },
	[US_PORT] = { "port", APP_INT, 7, 1, 65535, NULL,
	    "the destination port", false },
	[US_RATE] = { "rate", APP_RATE_PPS, 1000, 1, 100000000, NULL,
	    "datagrams a second (onoff: during a burst)", false },
	[US_SIZE] = { "size", APP_SIZE, 64, US_HDR, SO_SEND_MAX, NULL,
	    "payload bytes of each datagram (at least 16: sequence and "
	    "send time)", false },
	[US_COUNT] = { "count", APP_INT, 100, 1, US_COUNT_MAX, NULL,
	    "datagrams to send", false },
	[US_TIMEOUT] = { "timeout", APP_DURATION, 1000000000, 1000,
	    3600000000000, NULL, "with echo: how long to wait for more "
	    "echoes once everything is sent", false },
	[US_ECHO] = { "echo", APP_BOOL, 1, 0, 1, NULL,
	    "expect every datagram back (from udp_echo)", false },
	[US_START] = { "start", APP_DURATION, 0, 0, 3600000000000, NULL,
	    "wait this long after the program starts before the first "
	    "datagram", false },
	[US_PATTERN] = { "pattern", APP_ENUM, APP_PATTERN_CONSTANT, 0, 0,
	    app_pattern_names, APP_ARRIVAL_PATTERN_DOC, false },
	[US_ON] = { "on", APP_DURATION, 1000000, 1, 3600000000000, NULL,
	    APP_ARRIVAL_ON_DOC, false },
	[US_OFF] = { "off", APP_DURATION, 1000000, 0, 3600000000000, NULL,
	    APP_ARRIVAL_OFF_DOC, false },
	[US_TRACE] = { "trace", APP_TIMES, 0, 1, US_COUNT_MAX, NULL,
	    APP_ARRIVAL_TRACE_DOC, false },
	[US_FLOWS] = { "flows", APP_INT, 1, 1, US_FLOWS_MAX, NULL,
	    "connected sockets, each its own source port, taking the "
	    "datagrams in turn (with echo, each with a receiver LWP)", false },
};

static const struct app_excl udp_send_excl[] = {
	{ "trace", "rate", "a trace gives every send time" },
	{ "trace", "count", "a trace sends one datagram a line" },
	{ "trace", "pattern", "a trace gives every send time" },
};

struct udp_send;

/* One flow: a socket and, with echo, its receiver.  r = its receiver's. */
struct us_flow {
	struct udp_send *us;            /* c */
	struct socket *so;              /* c */
	uint64_t pktid_first;           /* c: its first datagram's id */
	uint64_t expect;                /* c: datagrams it carries */
	uint64_t received;              /* r: their echoes taken */
	uint8_t *rbuf;                  /* r: an echo */
	lwp_t *rx;                      /* c: its receiver, or NULL */
};

/* Legend: c = constant after start, a = atomic, r = the receivers'. */
struct udp_send {
	const struct app_args *args;    /* c */
	struct sockaddr_in dst;         /* c */
	u_int size;                     /* c */
	uint64_t count, timeout_ns;     /* c */
	uint64_t start_ns;              /* c: the delay before the first */
	u_int nflows;                   /* c */
	uint64_t per_flow;              /* c: ids a flow's socket has */
	struct us_flow *flows;          /* c: nflows of them */
	struct us_flow flow0;           /* c: the first, in place */
	struct app_arrival arr;         /* the sender's */
	uint8_t *sbuf;                  /* the sender's datagram */
	uint8_t *seen;                  /* r: bitmap by sequence number */
	volatile uint32_t sender_done;  /* a */
	uint64_t rtt_sum_ns;            /* r */
	char group[24];                 /* c */
	char dststr[16];                /* c */
	struct evcnt ev_sent, ev_errors, ev_unreachable;
	struct evcnt ev_received, ev_lost, ev_bad;              /* r */
	struct evcnt ev_rtt_min, ev_rtt_avg, ev_rtt_max;        /* r */
};

/*
 * The pattern after the header: byte i of datagram seq is (seq + i) mod
 * 256, so bytes i.. are us_pattern[(seq + i) mod 256 ..], up to 256 of
 * them at a time: copied and compared a block at a time, not a byte.
 */
#define US_P4(n)        (n), (n) + 1, (n) + 2, (n) + 3
#define US_P16(n)       US_P4(n), US_P4((n) + 4), US_P4((n) + 8), \
			US_P4((n) + 12)
#define US_P64(n)       US_P16(n), US_P16((n) + 16), US_P16((n) + 32), \
			US_P16((n) + 48)
#define US_P256         US_P64(0), US_P64(64), US_P64(128), US_P64(192)
static const uint8_t us_pattern[2 * 256] = { US_P256, US_P256 };

/* The part of the pattern that starts at byte i: its length, at most n. */
static inline const uint8_t *
us_pattern_at(uint64_t seq, u_int i, u_int n, u_int *len)
{
	*len = MIN(n, 256);
	return &us_pattern[(uint8_t)(seq + i)];
}

/* Fill the datagram with seq, its send time and a pattern. */
static void
us_fill(struct udp_send *us, uint64_t seq, uint64_t now)
{
	const uint8_t *p;
	u_int n;

	memcpy(us->sbuf, &seq, sizeof(seq));
	memcpy(us->sbuf + 8, &now, sizeof(now));
	for (u_int i = US_HDR; i < us->size; i += n) {
		p = us_pattern_at(seq, i, us->size - i, &n);
		memcpy(us->sbuf + i, p, n);
	}
}

/* The packet id datagram seq is sent with (see the top). */
static uint64_t
us_pktid(const struct udp_send *us, uint64_t seq)
{
	return us->flows[seq % us->nflows].pktid_first + seq / us->nflows;
}

static void
us_send_one(struct udp_send *us, uint64_t seq)
{
	struct us_flow *fl = &us->flows[seq % us->nflows];
	int error, tries = 0;

	do {
		us_fill(us, seq, getnanouptime());
		SDT_PROBE2(udp_send, sent, us->size, us_pktid(us, seq));
		error = sosend(fl->so, NULL, us->sbuf, us->size, 0);
		/* A pending port unreachable: reported, not sent; again. */
		if (error == ECONNREFUSED)
			us->ev_unreachable.ev_count++;
	} while (error == ECONNREFUSED && ++tries < 2);
	if (error == 0)
		us->ev_sent.ev_count++;
	else
		us->ev_errors.ev_count++;
	if (error == ECONNREFUSED) {
		/* No call took seq's id: the socket's next gets the one after. */
		uint64_t next = us_pktid(us, seq) + 1;

		(void)sosetopt(fl->so, SOL_SOCKET, SO_PKTID, &next,
		    sizeof(next));
	}
}

static void
us_sender(struct udp_send *us)
{
	const struct app_args *args = us->args;
	uint64_t start = getnanouptime() + us->start_ns;

	app_arrival_init(&us->arr, args->times_ns != NULL ? APP_PATTERN_TRACE :
	    (enum app_pattern)args->v[US_PATTERN], start,
	    (uint64_t)args->v[US_RATE], (uint64_t)args->v[US_ON],
	    (uint64_t)args->v[US_OFF], args->times_ns,
	    (uint64_t)args->v[US_TRACE], us->group);
	for (uint64_t seq = 0; seq < us->count; seq++) {
		/* Behind schedule (sending took longer): no sleep. */
		(void)kpause_until("udpsend", false, app_arrival_next(&us->arr),
		    NULL);
		us_send_one(us, seq);
	}
	atomic_store_release(&us->sender_done, 1);
}

/* An echo came back: check it and take its round trip. */
static void
us_echoed(struct us_flow *fl, size_t len, uint64_t now)
{
	struct udp_send *us = fl->us;
	uint64_t seq, sent_at, rtt;
	bool intact = len == us->size;
	const uint8_t *p;

	if (len < US_HDR) {
		us->ev_bad.ev_count++;
		return;
	}
	memcpy(&seq, fl->rbuf, sizeof(seq));
	memcpy(&sent_at, fl->rbuf + 8, sizeof(sent_at));
	if (seq >= us->count || sent_at > now ||
	    &us->flows[seq % us->nflows] != fl ||
	    (us->seen[seq / 8] & (1u << (seq % 8))) != 0) {
		us->ev_bad.ev_count++;          /* not ours, or a duplicate */
		return;
	}
	for (u_int i = US_HDR, n; intact && i < len; i += n) {
		p = us_pattern_at(seq, i, (u_int)len - i, &n);
		intact = memcmp(fl->rbuf + i, p, n) == 0;
	}
	if (!intact) {
		us->ev_bad.ev_count++;
		return;
	}
	us->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
	fl->received++;
	rtt = now - sent_at;
	us->ev_received.ev_count++;
	us->rtt_sum_ns += rtt;
	if (us->ev_received.ev_count == 1 || rtt < us->ev_rtt_min.ev_count)
		us->ev_rtt_min.ev_count = rtt;
	if (rtt > us->ev_rtt_max.ev_count)
		us->ev_rtt_max.ev_count = rtt;
	SDT_PROBE3(udp_send, echoed, len, us_pktid(us, seq), rtt);
}

static void
us_receiver(void *arg)
{
	struct us_flow *fl = arg;
	struct udp_send *us = fl->us;
	size_t len;
	int error;

	/* Until every echo of its datagrams is back, or none comes. */
	while (fl->received < fl->expect) {
		len = us->size;
		error = soreceive(fl->so, NULL, fl->rbuf, &len, 0);
		if (error == 0)
			us_echoed(fl, len, getnanouptime());
		else if (error == ECONNREFUSED)
			us->ev_unreachable.ev_count++;
		else if (atomic_load_acquire(&us->sender_done) != 0)
			return;         /* quiet for `timeout` after the end */
	}
}

static void
us_counters(struct udp_send *us, bool attach)
{
	struct evcnt *ev[] = { &us->ev_sent, &us->ev_errors,
	    &us->ev_unreachable, &us->ev_received, &us->ev_lost, &us->ev_bad,
	    &us->ev_rtt_min, &us->ev_rtt_avg, &us->ev_rtt_max };
	static const char *const names[] = { "sent", "errors", "unreachable",
	    "received", "lost", "bad", "rtt_min_ns", "rtt_avg_ns",
	    "rtt_max_ns" };

	CTASSERT(__arraycount(ev) == __arraycount(names));
	app_counters(us->group, ev, names, __arraycount(ev), attach);
}

static void
us_open(struct udp_send *us, struct us_flow *fl)
{
	int error;

	fl->so = app_socket("udp_send", SOCK_DGRAM, IPPROTO_UDP);
	(void)sosetopt(fl->so, SOL_SOCKET, SO_PKTID, &fl->pktid_first,
	    sizeof(fl->pktid_first));
	(void)sosetopt(fl->so, SOL_SOCKET, SO_RCVTIMEO, &us->timeout_ns,
	    sizeof(us->timeout_ns));
	/* Connected: port unreachables come back as ECONNREFUSED. */
	if ((error = soconnect(fl->so, (const struct sockaddr *)&us->dst)) != 0)
		kern_printf("udp_send %s: connect: error %d\n", us->dststr,
		    error);
}

static void
us_report(struct udp_send *us, bool echo)
{
	if (echo) {
		us->ev_lost.ev_count = us->ev_sent.ev_count -
		    MIN(us->ev_sent.ev_count, us->ev_received.ev_count);
		if (us->ev_received.ev_count > 0)
			us->ev_rtt_avg.ev_count = us->rtt_sum_ns /
			    us->ev_received.ev_count;
	}
	kern_printf("udp_send %s:%u: %llu sent, %llu errors, %llu received, "
	    "%llu lost, %llu unreachable, %llu bad; rtt min/avg/max "
	    "%llu/%llu/%llu ns\n", us->dststr, ntohs(us->dst.sin_port),
	    (unsigned long long)us->ev_sent.ev_count,
	    (unsigned long long)us->ev_errors.ev_count,
	    (unsigned long long)us->ev_received.ev_count,
	    (unsigned long long)us->ev_lost.ev_count,
	    (unsigned long long)us->ev_unreachable.ev_count,
	    (unsigned long long)us->ev_bad.ev_count,
	    (unsigned long long)us->ev_rtt_min.ev_count,
	    (unsigned long long)us->ev_rtt_avg.ev_count,
	    (unsigned long long)us->ev_rtt_max.ev_count);
}

/*
 * The flows: the first in place, more in an array of their own, each
 * with its ids and a buffer for its receiver.
 */
static void
us_flows_init(struct udp_send *us)
{
	us->flows = &us->flow0;
	if (us->nflows > 1)
		us->flows = kmem_zalloc(us->nflows * sizeof(*us->flows),
		    KM_SLEEP);
	for (u_int i = 0; i < us->nflows; i++) {
		struct us_flow *fl = &us->flows[i];

		fl->us = us;
		fl->pktid_first = app_pktid(us->args, 1 + i * us->per_flow);
		fl->expect = howmany(us->count - MIN(i, us->count), us->nflows);
		fl->rbuf = kmem_zalloc(us->size, KM_SLEEP);
	}
}

static void
us_flows_fini(struct udp_send *us)
{
	for (u_int i = 0; i < us->nflows; i++)
		kmem_free(us->flows[i].rbuf, us->size);
	if (us->flows != &us->flow0)
		kmem_free(us->flows, us->nflows * sizeof(*us->flows));
}

static void
udp_send_main(void *argp)
{
	const struct app_args *args = argp;
	struct udp_send *us = kmem_zalloc(sizeof(*us), KM_SLEEP);
	bool echo = args->v[US_ECHO] != 0;
	size_t seen_bytes;

	us->args = args;
	us->size = (u_int)args->v[US_SIZE];
	us->count = args->times_ns != NULL ? (uint64_t)args->v[US_TRACE] :
	    (uint64_t)args->v[US_COUNT];
	us->timeout_ns = (uint64_t)args->v[US_TIMEOUT];
	us->start_ns = (uint64_t)args->v[US_START];
	us->nflows = (u_int)args->v[US_FLOWS];
	us->per_flow = howmany(us->count, us->nflows);
	KASSERT(us->count > 0 && us->nflows >= 1);
	sockaddr_in_init(&us->dst,
	    (struct in_addr){ htonl((uint32_t)args->v[US_DST]) },
	    htons((uint16_t)args->v[US_PORT]));
	app_inaddr_str((uint32_t)args->v[US_DST], us->dststr);
	app_group(us->group, sizeof(us->group), "udp_send", args->instance);
	seen_bytes = (size_t)howmany(us->count, 8);
	us->sbuf = kmem_zalloc(us->size, KM_SLEEP);
	us_flows_init(us);
	us->seen = kmem_zalloc(seen_bytes, KM_SLEEP);
	us_counters(us, true);
	for (u_int i = 0; i < us->nflows; i++)
		us_open(us, &us->flows[i]);
	for (u_int i = 0; echo && i < us->nflows; i++)
		if ((us->nflows == 1 ? kthread_create(PRI_NONE,
		    KTHREAD_MUSTJOIN, NULL, us_receiver, &us->flows[i],
		    &us->flows[i].rx, "%s.rx", us->group) : kthread_create(
		    PRI_NONE, KTHREAD_MUSTJOIN, NULL, us_receiver, &us->flows[i],
		    &us->flows[i].rx, "%s.rx%u", us->group, i)) != 0)
			panic("udp_send: no receiver LWP");
	us_sender(us);
	for (u_int i = 0; i < us->nflows; i++) {
		if (us->flows[i].rx != NULL)
			kthread_join(us->flows[i].rx);
		soclose(us->flows[i].so);
	}
	us_report(us, echo);
	us_counters(us, false);
	kmem_free(us->seen, seen_bytes);
	us_flows_fini(us);
	kmem_free(us->sbuf, us->size);
	kmem_free(us, sizeof(*us));
}

const struct app_desc app_udp_send_desc = {
	.name = "udp_send",
	.doc = "sends UDP datagrams at their scheduled times (constant rate, "
	    "Poisson, on/off bursts, a flood or a trace file's times) over "
	    "one or more flows and, with echo, counts and times their echoes "
	    "(sent, received, lost, unreachable)",
	.params = udp_send_params,
	.nparams = __arraycount(udp_send_params),
	.main = udp_send_main,
	.excl = udp_send_excl,
	.nexcl = __arraycount(udp_send_excl),
};
