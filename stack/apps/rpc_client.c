/*
 * rpc_client.c -- a request-response client over UDP: `count` requests
 * of `size` bytes to an rpc_server at dst:port, each timed from just
 * before its send to just after its response is taken.
 *
 * Closed loop (mode "closed"): `outstanding` requests are in flight at
 * once; each response sends the next, so the offered load follows the
 * server's pace (a benchmark client with N connections).  A receive that
 * waits `timeout` with nothing coming gives up every request in flight
 * (lost) and starts as many new ones.  Open loop (mode "open"): a sender
 * LWP sends requests at the times an arrival process gives (arrival.h:
 * rate, pattern, on, off, trace), whether or not responses come -- the
 * load a crowd of independent users offers -- and the program's own LWP
 * takes the responses, until all are back or none has come for
 * `timeout` after the last send.
 *
 * Its flow's latency is request to response (app_desc.latency): request
 * seq (from 0) has packet id app_pktid(seq + 1), set on the socket before
 * each send, and the server answers with the same id; the probe
 * rpc_client:response gives the records each answered request's round
 * trip as measured here (the requests table).
 *
 * Counters "rpc_client<N>.<name>": sent + errors (a send that failed) =
 * requests started; answered + lost = sent; bad counts responses that
 * match no request in flight (late, duplicated, changed); latency_min_ns,
 * latency_avg_ns, latency_max_ns over the answered.
 */
#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/evcnt.h>
#include <sys/kmem.h>
#include <sys/kthread.h>
#include <sys/sdt.h>

#include <kern/ksocket.h>

#include <netinet/in.h>

#include "apps.h"
#include "arrival.h"
#include "rpc.h"

enum { RC_DST, RC_PORT, RC_MODE, RC_OUTSTANDING, RC_COUNT, RC_SIZE,
    RC_TIMEOUT, RC_START, RC_RATE, RC_PATTERN, RC_ON, RC_OFF, RC_TRACE };

enum { RC_CLOSED, RC_OPEN };

#define RC_COUNT_MAX    1000000
#define RC_OUTSTANDING_MAX 4096

static const char *const rc_modes[] = { "closed", "open", NULL };

static const struct app_param rpc_client_params[] = {
	[RC_DST] = { "dst", APP_INADDR, 0, 0, 0xffffffff, NULL,
	    "the server's address, e.g. \"10.0.2.1\"", true },
	[RC_PORT] = { "port", APP_INT, RPC_PORT, 1, 65535, NULL,
	    "the server's port", false },
	[RC_MODE] = { "mode", APP_ENUM, RC_CLOSED, 0, 0, rc_modes,
	    "closed: `outstanding` requests in flight, each response sends "
	    "the next; open: requests at the arrival process's times, "
	    "whatever comes back", false },
	[RC_OUTSTANDING] = { "outstanding", APP_INT, 1, 1,
	    RC_OUTSTANDING_MAX, NULL, "closed loop: requests in flight at "
	    "once", false },
	[RC_COUNT] = { "count", APP_INT, 100, 1, RC_COUNT_MAX, NULL,
	    "requests to send", false },
	[RC_SIZE] = { "size", APP_SIZE, 64, RPC_HDR, SO_SEND_MAX, NULL,
	    "bytes of each request (at least 24: sequence, send time, packet "
	    "id)", false },
	[RC_TIMEOUT] = { "timeout", APP_DURATION, 1000000000, 1000,
	    3600000000000, NULL, "closed loop: how long to wait for a "
	    "response before the requests in flight count as lost; open "
	    "loop: how long to wait for more after the last send", false },
	[RC_START] = { "start", APP_DURATION, 0, 0, 3600000000000, NULL,
	    "wait this long after the program starts before the first "
	    "request", false },
	[RC_RATE] = { "rate", APP_RATE_PPS, 1000, 1, 100000000, NULL,
	    "open loop: requests a second (onoff: during a burst)", false },
	[RC_PATTERN] = { "pattern", APP_ENUM, APP_PATTERN_CONSTANT, 0, 0,
	    app_pattern_names, "open loop: " APP_ARRIVAL_PATTERN_DOC, false },
	[RC_ON] = { "on", APP_DURATION, 1000000, 1, 3600000000000, NULL,
	    "open loop, " APP_ARRIVAL_ON_DOC, false },
	[RC_OFF] = { "off", APP_DURATION, 1000000, 0, 3600000000000, NULL,
	    "open loop, " APP_ARRIVAL_OFF_DOC, false },
	[RC_TRACE] = { "trace", APP_TIMES, 0, 1, RC_COUNT_MAX, NULL,
	    "open loop: " APP_ARRIVAL_TRACE_DOC, false },
};

static const struct app_excl rpc_client_excl[] = {
	{ "outstanding", "rate", "outstanding paces a closed loop, rate an "
	  "open one" },
	{ "outstanding", "pattern", "outstanding paces a closed loop, an "
	  "arrival pattern an open one" },
	{ "outstanding", "trace", "outstanding paces a closed loop, a trace "
	  "an open one" },
	{ "trace", "rate", "a trace gives every send time" },
	{ "trace", "count", "a trace sends one request a line" },
	{ "trace", "pattern", "a trace gives every send time" },
};

enum rc_state { RQ_UNSENT, RQ_WAITING, RQ_ANSWERED, RQ_LOST, RQ_ERROR };

/*
 * Legend: c = constant after start, a = atomic, s = the sender's.  In
 * the open loop the sender and the taker are two LWPs: a request is
 * published by nsent's release store after its sent_at and state, which
 * both then read and write atomically, and the counters the sender
 * bumps (sent, errors, unreachable) are atomic too (make hunt's
 * exploration build found them racing).
 */
struct rpc_client {
	const struct app_args *args;    /* c */
	struct socket *so;              /* c */
	struct sockaddr_in dst;         /* c */
	u_int size;                     /* c */
	uint64_t count, timeout_ns;     /* c */
	uint64_t *sent_at;              /* a: per request, its send time */
	uint8_t *state;                 /* a: per request, enum rc_state */
	uint8_t *sbuf, *rbuf;           /* s: a request; a response */
	uint64_t nsent;                 /* s, a: requests started */
	uint64_t inflight;              /* closed loop: waiting */
	volatile uint32_t sender_done;  /* a: open loop */
	struct app_arrival arr;         /* s: open loop */
	uint64_t latency_sum_ns;
	char group[24];                 /* c */
	char dststr[16];                /* c */
	struct evcnt ev_sent, ev_errors, ev_answered, ev_lost, ev_bad;
	struct evcnt ev_unreachable;
	struct evcnt ev_lat_min, ev_lat_avg, ev_lat_max;
};

/* Send request seq, giving it its packet id; false if it failed. */
static bool
rc_send(struct rpc_client *rc, uint64_t seq)
{
	struct rpc_hdr h = { .seq = seq, .pkt_id = app_pktid(rc->args,
	    seq + 1) };
	int error, tries = 0;

	KASSERT(seq < rc->count && rc->state[seq] == RQ_UNSENT);
	do {
		h.sent_ns = getnanouptime();
		rpc_put(rc->sbuf, rc->size, &h);
		atomic_store_relaxed(&rc->sent_at[seq], h.sent_ns);
		(void)sosetopt(rc->so, SOL_SOCKET, SO_PKTID, &h.pkt_id,
		    sizeof(h.pkt_id));
		SDT_PROBE2(rpc_client, request, rc->size, h.pkt_id);
		/* Waiting before the send: its response may beat sosend back. */
		atomic_store_relaxed(&rc->state[seq], RQ_WAITING);
		/* Published: the taker may match a response to it from now. */
		atomic_store_release(&rc->nsent, seq + 1);
		error = sosend(rc->so, NULL, rc->sbuf, rc->size, 0);
		if (error == ECONNREFUSED)      /* reported; again */
			atomic_inc_64(&rc->ev_unreachable.ev_count);
	} while (error == ECONNREFUSED && ++tries < 2);
	if (error != 0) {
		atomic_store_relaxed(&rc->state[seq], RQ_ERROR);
		atomic_inc_64(&rc->ev_errors.ev_count);
		return false;
	}
	atomic_inc_64(&rc->ev_sent.ev_count);
	return true;
}

/* A response of len bytes in rbuf came at now: match it and time it. */
static bool
rc_response(struct rpc_client *rc, size_t len, uint64_t now)
{
	struct rpc_hdr h;
	uint64_t lat;

	if (!rpc_get(rc->rbuf, len, &h) ||
	    h.seq >= atomic_load_acquire(&rc->nsent) ||
	    atomic_load_relaxed(&rc->state[h.seq]) != RQ_WAITING ||
	    h.pkt_id != app_pktid(rc->args, h.seq + 1) ||
	    h.sent_ns != atomic_load_relaxed(&rc->sent_at[h.seq])) {
		rc->ev_bad.ev_count++;  /* late, duplicated or not ours */
		return false;
	}
	atomic_store_relaxed(&rc->state[h.seq], RQ_ANSWERED);
	lat = now - h.sent_ns;
	rc->ev_answered.ev_count++;
	rc->latency_sum_ns += lat;
	if (rc->ev_answered.ev_count == 1 || lat < rc->ev_lat_min.ev_count)
		rc->ev_lat_min.ev_count = lat;
	if (lat > rc->ev_lat_max.ev_count)
		rc->ev_lat_max.ev_count = lat;
	SDT_PROBE4(rpc_client, response, len, h.pkt_id, lat, h.sent_ns);
	return true;
}

/* Take one response, waiting at most the socket's timeout: its error. */
static int
rc_take(struct rpc_client *rc, bool *matched)
{
	size_t len = SO_SEND_MAX;
	int error;

	*matched = false;
	error = soreceive(rc->so, NULL, rc->rbuf, &len, 0);
	if (error == 0)
		*matched = rc_response(rc, len, getnanouptime());
	else if (error == ECONNREFUSED)
		atomic_inc_64(&rc->ev_unreachable.ev_count);
	return error;
}

/* Every request still waiting is lost. */
static void
rc_give_up(struct rpc_client *rc)
{
	for (uint64_t s = 0; s < rc->nsent; s++)
		if (rc->state[s] == RQ_WAITING) {
			rc->state[s] = RQ_LOST;
			rc->ev_lost.ev_count++;
		}
}

/* Closed loop: keep `outstanding` in flight until count are done. */
static void
rc_closed(struct rpc_client *rc, uint64_t outstanding)
{
	bool matched;
	int error;

	while (rc->nsent < rc->count || rc->inflight > 0) {
		while (rc->inflight < outstanding && rc->nsent < rc->count)
			if (rc_send(rc, rc->nsent))
				rc->inflight++;
		if (rc->inflight == 0)
			continue;       /* every send failed: send on */
		error = rc_take(rc, &matched);
		if (matched)
			rc->inflight--;
		else if (error == EWOULDBLOCK) {
			rc_give_up(rc);         /* quiet for `timeout` */
			rc->inflight = 0;
		}
	}
}

static void
rc_open_sender(void *arg)
{
	struct rpc_client *rc = arg;

	while (rc->nsent < rc->count) {
		(void)kpause_until("rpcsend", false, app_arrival_next(&rc->arr),
		    NULL);
		(void)rc_send(rc, rc->nsent);
	}
	atomic_store_release(&rc->sender_done, 1);
}

/* Open loop: a sender on the arrival process's times; take responses. */
static void
rc_open(struct rpc_client *rc, uint64_t start)
{
	const struct app_args *args = rc->args;
	lwp_t *sender;
	bool matched;

	app_arrival_init(&rc->arr, args->times_ns != NULL ? APP_PATTERN_TRACE :
	    (enum app_pattern)args->v[RC_PATTERN], start,
	    (uint64_t)args->v[RC_RATE], (uint64_t)args->v[RC_ON],
	    (uint64_t)args->v[RC_OFF], args->times_ns,
	    (uint64_t)args->v[RC_TRACE], rc->group);
	if (kthread_create(PRI_NONE, KTHREAD_MUSTJOIN, NULL, rc_open_sender,
	    rc, &sender, "%s.tx", rc->group) != 0)
		panic("rpc_client: no sender LWP");
	while (rc->ev_answered.ev_count +
	    atomic_load_relaxed(&rc->ev_errors.ev_count) < rc->count)
		if (rc_take(rc, &matched) == EWOULDBLOCK &&
		    atomic_load_acquire(&rc->sender_done) != 0)
			break;          /* quiet for `timeout` after the end */
	kthread_join(sender);
	rc_give_up(rc);
}

static void
rc_counters(struct rpc_client *rc, bool attach)
{
	struct evcnt *ev[] = { &rc->ev_sent, &rc->ev_errors,
	    &rc->ev_answered, &rc->ev_lost, &rc->ev_bad, &rc->ev_unreachable,
	    &rc->ev_lat_min, &rc->ev_lat_avg, &rc->ev_lat_max };
	static const char *const names[] = { "sent", "errors", "answered",
	    "lost", "bad", "unreachable", "latency_min_ns", "latency_avg_ns",
	    "latency_max_ns" };

	CTASSERT(__arraycount(ev) == __arraycount(names));
	app_counters(rc->group, ev, names, __arraycount(ev), attach);
}

static void
rc_report(struct rpc_client *rc)
{
	if (rc->ev_answered.ev_count > 0)
		rc->ev_lat_avg.ev_count = rc->latency_sum_ns /
		    rc->ev_answered.ev_count;
	kern_printf("rpc_client %s:%u: %llu sent, %llu errors, %llu answered, "
	    "%llu lost, %llu unreachable, %llu bad; latency min/avg/max "
	    "%llu/%llu/%llu ns\n", rc->dststr, ntohs(rc->dst.sin_port),
	    (unsigned long long)rc->ev_sent.ev_count,
	    (unsigned long long)rc->ev_errors.ev_count,
	    (unsigned long long)rc->ev_answered.ev_count,
	    (unsigned long long)rc->ev_lost.ev_count,
	    (unsigned long long)rc->ev_unreachable.ev_count,
	    (unsigned long long)rc->ev_bad.ev_count,
	    (unsigned long long)rc->ev_lat_min.ev_count,
	    (unsigned long long)rc->ev_lat_avg.ev_count,
	    (unsigned long long)rc->ev_lat_max.ev_count);
}

static void
rc_open_socket(struct rpc_client *rc)
{
	int error;

	rc->so = app_socket("rpc_client", SOCK_DGRAM, IPPROTO_UDP);
	(void)sosetopt(rc->so, SOL_SOCKET, SO_RCVTIMEO, &rc->timeout_ns,
	    sizeof(rc->timeout_ns));
	/* Connected: port unreachables come back as ECONNREFUSED. */
	if ((error = soconnect(rc->so, (const struct sockaddr *)&rc->dst)) != 0)
		kern_printf("rpc_client %s: connect: error %d\n", rc->dststr,
		    error);
}

static void
rpc_client_main(void *argp)
{
	const struct app_args *args = argp;
	struct rpc_client *rc = kmem_zalloc(sizeof(*rc), KM_SLEEP);
	uint64_t start;

	rc->args = args;
	rc->size = (u_int)args->v[RC_SIZE];
	rc->count = args->times_ns != NULL ? (uint64_t)args->v[RC_TRACE] :
	    (uint64_t)args->v[RC_COUNT];
	rc->timeout_ns = (uint64_t)args->v[RC_TIMEOUT];
	KASSERT(rc->count >= 1 && rc->count <= RC_COUNT_MAX);
	sockaddr_in_init(&rc->dst,
	    (struct in_addr){ htonl((uint32_t)args->v[RC_DST]) },
	    htons((uint16_t)args->v[RC_PORT]));
	app_inaddr_str((uint32_t)args->v[RC_DST], rc->dststr);
	app_group(rc->group, sizeof(rc->group), "rpc_client", args->instance);
	rc->sent_at = kmem_zalloc(rc->count * sizeof(*rc->sent_at), KM_SLEEP);
	rc->state = kmem_zalloc(rc->count, KM_SLEEP);
	rc->sbuf = kmem_zalloc(rc->size, KM_SLEEP);
	rc->rbuf = kmem_zalloc(SO_SEND_MAX, KM_SLEEP);
	rc_counters(rc, true);
	rc_open_socket(rc);
	start = getnanouptime() + (uint64_t)args->v[RC_START];
	if (args->v[RC_MODE] == RC_OPEN)
		rc_open(rc, start);
	else {
		(void)kpause_until("rpcstart", false, start, NULL);
		rc_closed(rc, (uint64_t)args->v[RC_OUTSTANDING]);
	}
	soclose(rc->so);
	rc_report(rc);
	rc_counters(rc, false);
	kmem_free(rc->rbuf, SO_SEND_MAX);
	kmem_free(rc->sbuf, rc->size);
	kmem_free(rc->state, rc->count);
	kmem_free(rc->sent_at, rc->count * sizeof(*rc->sent_at));
	kmem_free(rc, sizeof(*rc));
}

const struct app_desc app_rpc_client_desc = {
	.name = "rpc_client",
	.doc = "a request-response client over UDP, closed loop (N requests "
	    "in flight) or open loop (requests at an arrival process's "
	    "times): times each request to its response from an rpc_server "
	    "(sent, answered, lost)",
	.params = rpc_client_params,
	.nparams = __arraycount(rpc_client_params),
	.main = rpc_client_main,
	.excl = rpc_client_excl,
	.nexcl = __arraycount(rpc_client_excl),
	.latency = APP_LATENCY_REQUEST,
};
