/*
 * udp_send.c -- send `count` UDP datagrams of `size` bytes to dst:port at
 * `rate` packets a second, the first `start` after the program starts,
 * and, with `echo`, take their echoes back.
 *
 * Two LWPs share one connected socket.  The sender is paced to the
 * nanosecond: datagram n (from 0) is due start + n / rate and the
 * sender sleeps until then in kpause_until, on its CPU's high-resolution
 * timer, never in clock ticks -- so its traffic, and the latency it
 * sees, do not depend on hz.  Each wake-up costs its CPU a timer
 * interrupt, a wakeup and a switch (5.4 us with the default costs).  A
 * rate faster than its CPU can send finds the next datagram already due
 * and sends on without sleeping, as fast as the CPU goes.  The receiver (echo mode) blocks in
 * soreceive and stops once the sender is done and nothing has come back
 * for `timeout`.
 *
 * Each datagram carries its sequence number and its send time (virtual
 * ns), so an echo tells its round trip without a table; a bitmap catches
 * duplicates.  Per-packet records: probe udp_send:sent (bytes, packet id)
 * just before sosend, udp_send:echoed (bytes, the id it was sent with,
 * round trip) when its echo is taken; datagram seq (from 0) has id
 * app_pktid(seq + 1), which the socket's SO_PKTID numbering keeps in
 * step (every sosend call that gets past a pending error takes one id).
 *
 * Counters "udp_send<N>.<name>": sent (handed to the network) + errors
 * (sends that failed: no route, no buffers) = count; in echo mode
 * received + lost = sent, and bad counts echoes that came back changed.
 * unreachable counts ICMP port unreachables the socket reported
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

enum { US_DST, US_PORT, US_RATE, US_SIZE, US_COUNT, US_TIMEOUT, US_ECHO,
    US_START };

#define US_HDR          16              /* sequence, send time */
#define US_COUNT_MAX    10000000

static const struct app_param udp_send_params[] = {
	[US_DST] = { "dst", APP_INADDR, 0, 0, 0xffffffff, NULL,
	    "the destination address, e.g. \"10.0.2.1\"", true },
	[US_PORT] = { "port", APP_INT, 7, 1, 65535, NULL,
	    "the destination port", false },
	[US_RATE] = { "rate", APP_RATE_PPS, 1000, 1, 100000000, NULL,
	    "datagrams a second", false },
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
};

/* Legend: c = constant after start, a = atomic, r = the receiver's. */
struct udp_send {
	const struct app_args *args;    /* c */
	struct socket *so;              /* c */
	struct sockaddr_in dst;         /* c */
	u_int size;                     /* c */
	uint64_t count, rate_pps, timeout_ns;   /* c */
	uint64_t start_ns;              /* c: the delay before the first */
	uint64_t pktid_first;           /* c: the first datagram's id */
	uint8_t *sbuf;                  /* the sender's datagram */
	uint8_t *rbuf;                  /* r: an echo */
	uint8_t *seen;                  /* r: bitmap by sequence number */
	volatile uint32_t sender_done;  /* a */
	uint64_t rtt_sum_ns;            /* r */
	char group[24];                 /* c */
	char dststr[16];                /* c */
	struct evcnt ev_sent, ev_errors, ev_unreachable;
	struct evcnt ev_received, ev_lost, ev_bad;              /* r */
	struct evcnt ev_rtt_min, ev_rtt_avg, ev_rtt_max;        /* r */
};

/* Fill the datagram with seq, its send time and a pattern. */
static void
us_fill(struct udp_send *us, uint64_t seq, uint64_t now)
{
	memcpy(us->sbuf, &seq, sizeof(seq));
	memcpy(us->sbuf + 8, &now, sizeof(now));
	for (u_int i = US_HDR; i < us->size; i++)
		us->sbuf[i] = (uint8_t)(seq + i);
}

static void
us_send_one(struct udp_send *us, uint64_t seq)
{
	int error, tries = 0;

	do {
		us_fill(us, seq, getnanouptime());
		SDT_PROBE2(udp_send, sent, us->size, us->pktid_first + seq);
		error = sosend(us->so, NULL, us->sbuf, us->size, 0);
		/* A pending port unreachable: reported, not sent; again. */
		if (error == ECONNREFUSED)
			us->ev_unreachable.ev_count++;
	} while (error == ECONNREFUSED && ++tries < 2);
	if (error == 0)
		us->ev_sent.ev_count++;
	else
		us->ev_errors.ev_count++;
	if (error == ECONNREFUSED) {
		/* No call took seq's id: the next datagram gets seq + 1's. */
		uint64_t next = us->pktid_first + seq + 1;

		(void)sosetopt(us->so, SOL_SOCKET, SO_PKTID, &next,
		    sizeof(next));
	}
}

static void
us_sender(struct udp_send *us)
{
	uint64_t start = getnanouptime() + us->start_ns;

	for (uint64_t seq = 0; seq < us->count; seq++) {
		/* Datagram seq is due seq / rate after the start, to the ns. */
		uint64_t due = start + (uint64_t)howmany((unsigned __int128)seq *
		    1000000000u, us->rate_pps);

		/* Behind schedule (sending took longer): no sleep. */
		(void)kpause_until("udpsend", false, due, NULL);
		us_send_one(us, seq);
	}
	atomic_store_release(&us->sender_done, 1);
}

/* An echo came back: check it and take its round trip. */
static void
us_echoed(struct udp_send *us, size_t len, uint64_t now)
{
	uint64_t seq, sent_at, rtt;
	bool intact = len == us->size;

	if (len < US_HDR) {
		us->ev_bad.ev_count++;
		return;
	}
	memcpy(&seq, us->rbuf, sizeof(seq));
	memcpy(&sent_at, us->rbuf + 8, sizeof(sent_at));
	if (seq >= us->count || sent_at > now ||
	    (us->seen[seq / 8] & (1u << (seq % 8))) != 0) {
		us->ev_bad.ev_count++;          /* not ours, or a duplicate */
		return;
	}
	for (u_int i = US_HDR; intact && i < len; i++)
		intact = us->rbuf[i] == (uint8_t)(seq + i);
	if (!intact) {
		us->ev_bad.ev_count++;
		return;
	}
	us->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
	rtt = now - sent_at;
	us->ev_received.ev_count++;
	us->rtt_sum_ns += rtt;
	if (us->ev_received.ev_count == 1 || rtt < us->ev_rtt_min.ev_count)
		us->ev_rtt_min.ev_count = rtt;
	if (rtt > us->ev_rtt_max.ev_count)
		us->ev_rtt_max.ev_count = rtt;
	SDT_PROBE3(udp_send, echoed, len, us->pktid_first + seq, rtt);
}

static void
us_receiver(void *arg)
{
	struct udp_send *us = arg;
	size_t len;
	int error;

	for (;;) {
		len = us->size;
		error = soreceive(us->so, NULL, us->rbuf, &len, 0);
		if (error == 0)
			us_echoed(us, len, getnanouptime());
		else if (error == ECONNREFUSED)
			us->ev_unreachable.ev_count++;
		else if (atomic_load_acquire(&us->sender_done) != 0)
			return;         /* quiet for `timeout` after the end */
		if (us->ev_received.ev_count == us->count)
			return;
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
us_open(struct udp_send *us)
{
	int error;

	us->so = app_socket("udp_send", SOCK_DGRAM, IPPROTO_UDP);
	(void)sosetopt(us->so, SOL_SOCKET, SO_PKTID, &us->pktid_first,
	    sizeof(us->pktid_first));
	(void)sosetopt(us->so, SOL_SOCKET, SO_RCVTIMEO, &us->timeout_ns,
	    sizeof(us->timeout_ns));
	/* Connected: port unreachables come back as ECONNREFUSED. */
	if ((error = soconnect(us->so, (const struct sockaddr *)&us->dst)) != 0)
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

static void
udp_send_main(void *argp)
{
	const struct app_args *args = argp;
	struct udp_send *us = kmem_zalloc(sizeof(*us), KM_SLEEP);
	bool echo = args->v[US_ECHO] != 0;
	lwp_t *receiver = NULL;
	size_t seen_bytes;

	us->args = args;
	us->size = (u_int)args->v[US_SIZE];
	us->count = (uint64_t)args->v[US_COUNT];
	us->rate_pps = (uint64_t)args->v[US_RATE];
	us->timeout_ns = (uint64_t)args->v[US_TIMEOUT];
	us->start_ns = (uint64_t)args->v[US_START];
	us->pktid_first = app_pktid(args, 1);
	sockaddr_in_init(&us->dst,
	    (struct in_addr){ htonl((uint32_t)args->v[US_DST]) },
	    htons((uint16_t)args->v[US_PORT]));
	app_inaddr_str((uint32_t)args->v[US_DST], us->dststr);
	app_group(us->group, sizeof(us->group), "udp_send", args->instance);
	seen_bytes = (size_t)howmany(us->count, 8);
	us->sbuf = kmem_zalloc(us->size, KM_SLEEP);
	us->rbuf = kmem_zalloc(us->size, KM_SLEEP);
	us->seen = kmem_zalloc(seen_bytes, KM_SLEEP);
	us_counters(us, true);
	us_open(us);
	if (echo && kthread_create(PRI_NONE, KTHREAD_MUSTJOIN, NULL,
	    us_receiver, us, &receiver, "%s.rx", us->group) != 0)
		panic("udp_send: no receiver LWP");
	us_sender(us);
	if (receiver != NULL)
		kthread_join(receiver);
	soclose(us->so);
	us_report(us, echo);
	us_counters(us, false);
	kmem_free(us->seen, seen_bytes);
	kmem_free(us->rbuf, us->size);
	kmem_free(us->sbuf, us->size);
	kmem_free(us, sizeof(*us));
}

const struct app_desc app_udp_send_desc = {
	.name = "udp_send",
	.doc = "sends UDP datagrams at a rate and, with echo, counts and "
	    "times their echoes (sent, received, lost, unreachable)",
	.params = udp_send_params,
	.nparams = __arraycount(udp_send_params),
	.main = udp_send_main,
};
