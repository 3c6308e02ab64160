/*
 * tcp_client.c -- a TCP client: connects to a tcp_server and either
 * (bulk) sends `bytes` bytes of a seeded pattern -- verifying, if the
 * server echoes, that every byte comes back in order exactly once -- or
 * (rr) makes `count` requests of `request` bytes, each answered by
 * `response` bytes, timing each.  Then it closes and waits for the
 * server's close (the end of the stream).  Or (conns) it makes `count`
 * short connections, one every `interval` (a connection that takes
 * longer delays the next): connect, one request, its response, close --
 * the legitimate clients of the SYN-flood study, timing each connect.
 *
 * The pattern (tcp_pattern.c): a seeded table of bytes XORed with a key
 * per block of the stream, the seed drawn from the program's own stream
 * ("tcp_client<N>"), so a run checks its own bytes and another seed
 * checks others; a byte out of place does not match.
 *
 * Counters "tcp_client<N>.<name>": connect_ns (connect's duration),
 * transfer_ns (first byte sent to the end of the stream), bytes_out,
 * bytes_in, mismatches (echoed bytes not the pattern's), ok (1: all sent,
 * all back and right (echo), the stream ended cleanly), errors; rr:
 * requests, latency_{min,avg,max}_ns; conns (only in that mode):
 * conns_ok + conns_failed + conns_missed = count (failed: the connect or
 * the request-response did not succeed within `timeout`; missed: not
 * tried, its time passed while the one before was under way -- the
 * schedule is fixed, so a stalled client still ends on time), connects (the
 * connects that succeeded), connect_{p50,p90,p99,max}_ns (nearest rank
 * over those), connect_sum_ns; connect_ns is then the median.
 */
#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/evcnt.h>
#include <sys/kmem.h>
#include <sys/kthread.h>

#include <kern/ksocket.h>

#include <string.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "apps.h"
#include "tcp_pattern.h"

enum { TC_DST, TC_PORT, TC_MODE, TC_BYTES, TC_VERIFY, TC_COUNT, TC_REQUEST,
    TC_RESPONSE, TC_CHUNK, TC_NODELAY, TC_CC, TC_TIMEOUT, TC_START,
    TC_SPORT, TC_RATE, TC_KEEPIDLE, TC_LINGER, TC_INTERVAL, TC_SNDBUF,
    TC_SACK, TC_TLP };
enum { TC_BULK, TC_RR, TC_CONNS };
#define TC_DURATION     TC_BYTES        /* tcp_stream's duration, there */
enum { TC_V_ECHO, TC_V_NONE };

#define TC_BUFSZ        65536
#define TC_RR_MAX       (1 << 20)
#define TC_CONNS_MAX    100000          /* conns: connections a client makes */

static const char *const tc_modes[] = { "bulk", "rr", "conns", NULL };
static const char *const tc_verify[] = { "echo", "none", NULL };
static const char *const tc_ccs[] = { "newreno", "cubic", NULL };

static const struct app_param tcp_client_params[] = {
	[TC_DST] = { "dst", APP_INADDR, 0, 0, 0xffffffff, NULL,
	    "the server's address", true },
	[TC_PORT] = { "port", APP_INT, 5001, 1, 65535, NULL,
	    "the server's port", false },
	[TC_MODE] = { "mode", APP_ENUM, TC_BULK, 0, 0, tc_modes,
	    "bulk: send `bytes` bytes; rr: `count` requests; conns: `count` "
	    "connections of one request each", false },
	[TC_BYTES] = { "bytes", APP_SIZE, 1 << 20, 1, (int64_t)1 << 40, NULL,
	    "bulk: bytes to send", false },
	[TC_VERIFY] = { "verify", APP_ENUM, TC_V_ECHO, 0, 0, tc_verify,
	    "bulk: echo: read the echo back and check every byte (a "
	    "tcp_server in echo mode); none: only send (discard mode)",
	    false },
	[TC_COUNT] = { "count", APP_INT, 100, 1, 10000000, NULL,
	    "rr: requests to make; conns: connections to make (at most "
	    "100000)", false },
	[TC_REQUEST] = { "request", APP_SIZE, 64, 16, TC_RR_MAX, NULL,
	    "rr: bytes of a request", false },
	[TC_RESPONSE] = { "response", APP_SIZE, 64, 1, TC_RR_MAX, NULL,
	    "rr: bytes of a response (the server's `response`)", false },
	[TC_CHUNK] = { "chunk", APP_SIZE, 16384, 1, TC_BUFSZ, NULL,
	    "bulk: bytes handed to each send", false },
	[TC_NODELAY] = { "nodelay", APP_BOOL, 0, 0, 1, NULL,
	    "TCP_NODELAY: no Nagle", false },
	[TC_CC] = { "cc", APP_ENUM, 0, 0, 0, tc_ccs,
	    "the congestion control (TCP_CONGESTION)", false },
	[TC_TIMEOUT] = { "timeout", APP_DURATION, 10000000000, 1000000,
	    3600000000000, NULL, "how long connect, a send or a receive may "
	    "block before the client gives up", false },
	[TC_START] = { "start", APP_DURATION, 0, 0, 3600000000000, NULL,
	    "wait this long before connecting", false },
	[TC_SPORT] = { "sport", APP_INT, 0, 0, APP_PORT_BIND_MAX, NULL,
	    "bind this local port first (0: an ephemeral one); two clients "
	    "that connect to each other's port at once make a simultaneous "
	    "open", false },
	[TC_RATE] = { "rate", APP_RATE_PPS, 0, 0, 10000000, NULL,
	    "rr: requests a second, each sent when due (or at once if "
	    "the one before is late); 0: each right after the last "
	    "response", false },
	[TC_KEEPIDLE] = { "keepidle", APP_DURATION, 0, 0, 86400000000000,
	    NULL, "SO_KEEPALIVE with this idle time before the first probe "
	    "and between probes (whole seconds, TCP_KEEPIDLE and "
	    "TCP_KEEPINTVL); 0: no keepalive", false },
	[TC_LINGER] = { "linger", APP_DURATION, 0, 0, 3600000000000, NULL,
	    "rr: stay connected and idle this long after the last response "
	    "before closing", false },
	[TC_INTERVAL] = { "interval", APP_DURATION, 10000000, 1000,
	    3600000000000, NULL, "conns: from one connection's start to the "
	    "next's (one that takes longer delays the next)", false },
	[TC_SNDBUF] = { "sndbuf", APP_SIZE, 0, 0, SO_RCVBUF_MAX, NULL,
	    "SO_SNDBUF: bytes the socket may hold unacknowledged, so the "
	    "most the window can use (0: the default, 64 KiB)", false },
	[TC_SACK] = { "sack", APP_BOOL, 1, 0, 1, NULL,
	    "TCP_SACK: offer selective acknowledgments (RFC 2018, recovery "
	    "by RFC 6675); false: NewReno without SACK", false },
	[TC_TLP] = { "tlp", APP_BOOL, 1, 0, 1, NULL,
	    "TCP_TLP: tail-loss probes (RFC 8985; with SACK); false: a "
	    "lost tail waits for the retransmission timeout", false },
};

struct tcp_client {
	const struct app_args *args;
	struct socket *so;
	struct tcp_pattern pat;         /* the seeded stream */
	uint8_t *sbuf, *rbuf;
	volatile uint32_t send_error;   /* the sender LWP's */
	uint64_t pktid;                 /* the next connection's first
					   segment's packet id (SO_PKTID) */
	char group[24];
	struct evcnt ev_connect, ev_transfer, ev_out, ev_in, ev_mismatch;
	struct evcnt ev_ok, ev_err, ev_req, ev_lmin, ev_lavg, ev_lmax;
	struct evcnt ev_cok, ev_cfail, ev_cconn, ev_c50, ev_c90, ev_c99;
	struct evcnt ev_cmax, ev_csum, ev_cmiss;
};

extern const struct app_desc app_tcp_stream_desc;

static void
tc_counters(struct tcp_client *tc, bool attach)
{
	struct evcnt *ev[] = { &tc->ev_connect, &tc->ev_transfer, &tc->ev_out,
	    &tc->ev_in, &tc->ev_mismatch, &tc->ev_ok, &tc->ev_err, &tc->ev_req,
	    &tc->ev_lmin, &tc->ev_lavg, &tc->ev_lmax };
	static const char *const names[] = { "connect_ns", "transfer_ns",
	    "bytes_out", "bytes_in", "mismatches", "ok", "errors", "requests",
	    "latency_min_ns", "latency_avg_ns", "latency_max_ns" };

	CTASSERT(__arraycount(ev) == __arraycount(names));
	app_counters(tc->group, ev, names, __arraycount(ev), attach);
}

/* conns mode's own counters (so the other modes' records are as were). */
static void
tc_conns_counters(struct tcp_client *tc, bool attach)
{
	struct evcnt *ev[] = { &tc->ev_cok, &tc->ev_cfail, &tc->ev_cconn,
	    &tc->ev_c50, &tc->ev_c90, &tc->ev_c99, &tc->ev_cmax,
	    &tc->ev_csum, &tc->ev_cmiss };
	static const char *const names[] = { "conns_ok", "conns_failed",
	    "connects", "connect_p50_ns", "connect_p90_ns", "connect_p99_ns",
	    "connect_max_ns", "connect_sum_ns", "conns_missed" };

	CTASSERT(__arraycount(ev) == __arraycount(names));
	app_counters(tc->group, ev, names, __arraycount(ev), attach);
}

/* The bulk sender (its own LWP when the echo is read back). */
static void
tc_bulk_send(void *arg)
{
	struct tcp_client *tc = arg;
	uint64_t total = (uint64_t)tc->args->v[TC_BYTES], pos = 0;
	size_t chunk = (size_t)tc->args->v[TC_CHUNK], n;
	int error = 0;

	while (pos < total) {
		n = (size_t)MIN((uint64_t)chunk, total - pos);
		tcp_pattern_fill(&tc->pat, pos, tc->sbuf, n);
		if ((error = sosend(tc->so, NULL, tc->sbuf, n, 0)) != 0)
			break;
		pos += n;
		atomic_store_relaxed(&tc->ev_out.ev_count, pos);
	}
	if (error == 0)
		error = soshutdown(tc->so, SHUT_WR);
	atomic_store_release(&tc->send_error, (uint32_t)error);
}

/* Read until the end of the stream, checking the echo. */
static int
tc_bulk_recv(struct tcp_client *tc, bool check)
{
	uint64_t pos = 0;
	size_t len;
	int error;

	for (;;) {
		len = TC_BUFSZ;
		if ((error = soreceive(tc->so, NULL, tc->rbuf, &len, 0)) != 0)
			return error;
		if (len == 0)
			return 0;
		if (check)
			tc->ev_mismatch.ev_count += tcp_pattern_check(&tc->pat,
			    pos, tc->rbuf, len);
		pos += len;
		tc->ev_in.ev_count = pos;
	}
}

static bool
tc_bulk(struct tcp_client *tc)
{
	bool echo = tc->args->v[TC_VERIFY] == TC_V_ECHO;
	uint64_t total = (uint64_t)tc->args->v[TC_BYTES];
	lwp_t *sender;
	int error;

	if (kthread_create(PRI_NONE, KTHREAD_MUSTJOIN, NULL, tc_bulk_send, tc,
	    &sender, "%s.tx", tc->group) != 0)
		panic("tcp_client: no sender LWP");
	error = tc_bulk_recv(tc, echo);
	kthread_join(sender);
	if (error != 0 || tc->send_error != 0) {
		kern_printf("tcp_client: bulk: receive error %d, send error "
		    "%u\n", error, tc->send_error);
		return false;
	}
	return tc->ev_out.ev_count == total && tc->ev_mismatch.ev_count == 0 &&
	    (!echo || tc->ev_in.ev_count == total);
}

/*
 * tcp_stream: send the pattern for `duration` (a long-running bulk
 * flow), then close and wait for the server's close.
 */
static bool
tc_stream(struct tcp_client *tc, uint64_t end)
{
	size_t chunk = (size_t)tc->args->v[TC_CHUNK], len;
	uint64_t pos = 0;
	int error = 0;

	while (getnanouptime() < end) {
		tcp_pattern_fill(&tc->pat, pos, tc->sbuf, chunk);
		if ((error = sosend(tc->so, NULL, tc->sbuf, chunk, 0)) != 0)
			break;
		pos += chunk;
		tc->ev_out.ev_count = pos;
	}
	if (error == 0)
		error = soshutdown(tc->so, SHUT_WR);
	for (len = 1; error == 0 && len > 0; ) {
		len = TC_BUFSZ;
		error = soreceive(tc->so, NULL, tc->rbuf, &len, 0);
		tc->ev_in.ev_count += len;
	}
	return error == 0;
}

/* Read exactly len bytes. */
static int
tc_read_full(struct tcp_client *tc, size_t len)
{
	size_t got = 0, n;
	int error;

	while (got < len) {
		n = MIN(len - got, (size_t)TC_BUFSZ);
		if ((error = soreceive(tc->so, NULL, tc->rbuf, &n, 0)) != 0)
			return error;
		if (n == 0)
			return EPIPE;
		got += n;
		tc->ev_in.ev_count += n;
	}
	return 0;
}

static bool
tc_rr(struct tcp_client *tc)
{
	const struct app_args *a = tc->args;
	size_t req = (size_t)a->v[TC_REQUEST], resp = (size_t)a->v[TC_RESPONSE];
	uint64_t sum = 0, t0, lat, count = (uint64_t)a->v[TC_COUNT];
	uint64_t rate = (uint64_t)a->v[TC_RATE], start = getnanouptime();
	uint8_t *rq = kmem_zalloc(req, KM_SLEEP);
	int error = 0;

	for (uint64_t i = 0; i < count; i++) {
		if (rate > 0)
			(void)kpause_until("tcprate", false, start +
			    i * 1000000000ull / rate, NULL);
		t0 = getnanouptime();
		memcpy(rq, &i, sizeof(i));
		memcpy(rq + 8, &t0, sizeof(t0));
		if ((error = sosend(tc->so, NULL, rq, req, 0)) != 0 ||
		    (error = tc_read_full(tc, resp)) != 0)
			break;
		tc->ev_out.ev_count += req;
		lat = getnanouptime() - t0;
		sum += lat;
		tc->ev_req.ev_count++;
		if (i == 0 || lat < tc->ev_lmin.ev_count)
			tc->ev_lmin.ev_count = lat;
		if (lat > tc->ev_lmax.ev_count)
			tc->ev_lmax.ev_count = lat;
	}
	kmem_free(rq, req);
	if (error == 0 && a->v[TC_LINGER] > 0)
		(void)kpause_until("tcplinger", false, getnanouptime() +
		    (uint64_t)a->v[TC_LINGER], NULL);
	if (tc->ev_req.ev_count > 0)
		tc->ev_lavg.ev_count = sum / tc->ev_req.ev_count;
	if (error == 0)
		error = soshutdown(tc->so, SHUT_WR);
	if (error == 0)
		error = tc_read_full(tc, 1) == EPIPE ? 0 : EPROTO;
	return error == 0 && tc->ev_req.ev_count == count;
}

/*
 * Close the connection; the next one's segments are numbered on from
 * this one's, past the few (FIN, last ACKs) it may still send.
 */
static void
tc_close(struct tcp_client *tc)
{
	size_t sz = sizeof(tc->pktid);

	if (sogetopt(tc->so, SOL_SOCKET, SO_PKTID, &tc->pktid, &sz) == 0)
		tc->pktid += APP_PKTID_GAP;
	(void)soclose(tc->so);
}

/* A new socket with the client's options. */
static struct socket *
tc_socket(struct tcp_client *tc)
{
	const struct app_args *args = tc->args;
	uint64_t timeout = (uint64_t)args->v[TC_TIMEOUT];
	const char *cc = tc_ccs[args->v[TC_CC]];
	struct socket *so;
	int error, one = 1;

	so = app_socket("tcp_client", SOCK_STREAM, IPPROTO_TCP);
	(void)sosetopt(so, SOL_SOCKET, SO_PKTID, &tc->pktid, sizeof(tc->pktid));
	(void)sosetopt(so, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
	(void)sosetopt(so, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	if (args->v[TC_NODELAY])
		(void)sosetopt(so, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	if ((error = sosetopt(so, IPPROTO_TCP, TCP_CONGESTION, cc,
	    strlen(cc) + 1)) != 0)
		kern_printf("tcp_client: congestion control \"%s\" is not "
		    "available (error %d): using the brane's default\n", cc,
		    error);
	if (!args->v[TC_SACK]) {
		int zero = 0;

		(void)sosetopt(so, IPPROTO_TCP, TCP_SACK, &zero, sizeof(zero));
	}
	if (!args->v[TC_TLP]) {
		int zero = 0;

		(void)sosetopt(so, IPPROTO_TCP, TCP_TLP, &zero, sizeof(zero));
	}
	if (args->v[TC_SNDBUF] > 0) {
		int sndbuf = (int)args->v[TC_SNDBUF];

		(void)sosetopt(so, SOL_SOCKET, SO_SNDBUF, &sndbuf,
		    sizeof(sndbuf));
	}
	if (args->v[TC_SPORT] != 0)
		app_bind_port(so, "tcp_client", (u_int)args->v[TC_SPORT]);
	if (args->v[TC_KEEPIDLE] > 0) {
		int secs = (int)howmany(args->v[TC_KEEPIDLE], 1000000000);

		(void)sosetopt(so, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		(void)sosetopt(so, IPPROTO_TCP, TCP_KEEPIDLE, &secs,
		    sizeof(secs));
		(void)sosetopt(so, IPPROTO_TCP, TCP_KEEPINTVL, &secs,
		    sizeof(secs));
	}
	return so;
}

/* Sift a[i] down the max-heap a[0..end). */
static void
tc_sift(uint64_t *a, size_t i, size_t end)
{
	size_t k;
	uint64_t t;

	for (; (k = 2 * i + 1) < end; i = k) {
		if (k + 1 < end && a[k + 1] > a[k])
			k++;
		if (a[i] >= a[k])
			break;
		t = a[i], a[i] = a[k], a[k] = t;
	}
}

/* Sort a[0..n) ascending (heapsort: no recursion, no allocation). */
static void
tc_sort(uint64_t *a, size_t n)
{
	uint64_t t;

	for (size_t i = n / 2; i-- > 0; )
		tc_sift(a, i, n);
	for (size_t end = n; end > 1; end--) {
		t = a[0], a[0] = a[end - 1], a[end - 1] = t;
		tc_sift(a, 0, end - 1);
	}
}

/* The nearest-rank p-th percentile (p in per mille) of sorted a[0..n). */
static uint64_t
tc_rank(const uint64_t *a, size_t n, u_int pm)
{
	size_t r = ((size_t)n * pm + 999) / 1000;

	KASSERT(n > 0);
	return a[r > 0 ? r - 1 : 0];
}

/*
 * conns: `count` connections due one every `interval`, each connect
 * timed; one whose time passed while the one before was under way is
 * missed, not tried late.
 * => true if every one succeeded
 */
static bool
tc_conns(struct tcp_client *tc, const struct sockaddr_in *dst)
{
	const struct app_args *a = tc->args;
	size_t req = (size_t)a->v[TC_REQUEST], resp = (size_t)a->v[TC_RESPONSE];
	size_t count = (size_t)MIN(a->v[TC_COUNT], TC_CONNS_MAX), n = 0;
	uint64_t *lat = kmem_zalloc(count * sizeof(*lat), KM_SLEEP);
	uint8_t *rq = kmem_zalloc(req, KM_SLEEP);
	uint64_t next = getnanouptime(), t0, dt;
	int error;

	for (size_t i = 0; i < count; i++, next += (uint64_t)a->v[TC_INTERVAL]) {
		/* Its time is gone (the one before ran late): missed. */
		if (i > 0 && getnanouptime() > next) {
			tc->ev_cmiss.ev_count++;
			continue;
		}
		if (next > getnanouptime())
			(void)kpause_until("tcpconn", false, next, NULL);
		tc->so = tc_socket(tc);
		t0 = getnanouptime();
		if ((error = soconnect(tc->so, (const struct sockaddr *)dst))
		    == 0) {
			dt = getnanouptime() - t0;
			lat[n++] = dt;
			tc->ev_cconn.ev_count = n;
			tc->ev_csum.ev_count += dt;
			if (dt > tc->ev_cmax.ev_count)
				tc->ev_cmax.ev_count = dt;
			memcpy(rq, &i, sizeof(i));
			if ((error = sosend(tc->so, NULL, rq, req, 0)) == 0)
				error = tc_read_full(tc, resp);
			if (error == 0)
				tc->ev_out.ev_count += req;
		}
		tc_close(tc);
		tc->so = NULL;
		if (error == 0)
			tc->ev_cok.ev_count++;
		else
			tc->ev_cfail.ev_count++;
	}
	if (n > 0) {
		tc_sort(lat, n);
		tc->ev_c50.ev_count = tc_rank(lat, n, 500);
		tc->ev_c90.ev_count = tc_rank(lat, n, 900);
		tc->ev_c99.ev_count = tc_rank(lat, n, 990);
		tc->ev_connect.ev_count = tc->ev_c50.ev_count;
	}
	kmem_free(rq, req);
	kmem_free(lat, count * sizeof(*lat));
	return tc->ev_cok.ev_count == count;
}

static void
tcp_client_main(void *argp)
{
	const struct app_args *args = argp;
	struct tcp_client *tc = kmem_zalloc(sizeof(*tc), KM_SLEEP);
	uint64_t t0;
	struct sockaddr_in dst;
	cprng_stream_t rng;
	char dststr[16];
	int error;
	bool ok = false;

	tc->args = args;
	tc->pktid = app_pktid(args, 1);
	app_group(tc->group, sizeof(tc->group), args->desc->name,
	    args->instance);
	cprng_stream_init(&rng, tc->group);
	tcp_pattern_init(&tc->pat, cprng_stream64(&rng));
	tc->sbuf = kmem_alloc(TC_BUFSZ, KM_SLEEP);
	tc->rbuf = kmem_alloc(TC_BUFSZ, KM_SLEEP);
	tc_counters(tc, true);
	app_inaddr_str((uint32_t)args->v[TC_DST], dststr);
	sockaddr_in_init(&dst, (struct in_addr){ htonl((uint32_t)
	    args->v[TC_DST]) }, htons((uint16_t)args->v[TC_PORT]));
	(void)kpause_until("tcpstart", false, getnanouptime() +
	    (uint64_t)args->v[TC_START], NULL);
	if (args->v[TC_MODE] == TC_CONNS) {
		tc_conns_counters(tc, true);
		ok = tc_conns(tc, &dst);
		kern_printf("tcp_client %s:%u: %s; %llu connections ok, %llu "
		    "failed, %llu missed; connect p50 %llu ns, p99 %llu ns\n",
		    dststr, (u_int)args->v[TC_PORT], ok ? "ok" : "FAILED",
		    (unsigned long long)tc->ev_cok.ev_count,
		    (unsigned long long)tc->ev_cfail.ev_count,
		    (unsigned long long)tc->ev_cmiss.ev_count,
		    (unsigned long long)tc->ev_c50.ev_count,
		    (unsigned long long)tc->ev_c99.ev_count);
		tc->ev_ok.ev_count = ok;
		if (!ok)
			tc->ev_err.ev_count++;
		tc_conns_counters(tc, false);
		goto done;
	}
	tc->so = tc_socket(tc);
	t0 = getnanouptime();
	if ((error = soconnect(tc->so, (const struct sockaddr *)&dst)) != 0) {
		kern_printf("%s %s:%u: connect: error %d\n", args->desc->name,
		    dststr, (u_int)args->v[TC_PORT], error);
		tc->ev_err.ev_count++;
		goto out;
	}
	tc->ev_connect.ev_count = getnanouptime() - t0;
	t0 = getnanouptime();
	if (args->desc == &app_tcp_stream_desc)
		ok = tc_stream(tc, t0 + (uint64_t)args->v[TC_DURATION]);
	else
		ok = args->v[TC_MODE] == TC_RR ? tc_rr(tc) : tc_bulk(tc);
	tc->ev_transfer.ev_count = getnanouptime() - t0;
	if (!ok)
		tc->ev_err.ev_count++;
out:
	tc_close(tc);
	tc->ev_ok.ev_count = ok;
	kern_printf("%s %s:%u: %s; connect %llu ns, transfer %llu ns, "
	    "%llu bytes out, %llu in, %llu mismatches\n", args->desc->name,
	    dststr,
	    (u_int)args->v[TC_PORT], ok ? "ok" : "FAILED",
	    (unsigned long long)tc->ev_connect.ev_count,
	    (unsigned long long)tc->ev_transfer.ev_count,
	    (unsigned long long)tc->ev_out.ev_count,
	    (unsigned long long)tc->ev_in.ev_count,
	    (unsigned long long)tc->ev_mismatch.ev_count);
done:
	tc_counters(tc, false);
	kmem_free(tc->rbuf, TC_BUFSZ);
	kmem_free(tc->sbuf, TC_BUFSZ);
	kmem_free(tc, sizeof(*tc));
}

const struct app_desc app_tcp_client_desc = {
	.name = "tcp_client",
	.doc = "a TCP client: a bulk transfer of a seeded pattern (the echo "
	    "checked byte for byte) or request-response, timing the connect "
	    "and the transfer",
	.params = tcp_client_params,
	.nparams = __arraycount(tcp_client_params),
	.main = tcp_client_main,
};

/*
 * tcp_stream: a long-running flow, run by tcp_client_main with its
 * parameters put where tcp_client keeps its own (the duration in the
 * slot of `bytes`, which a stream does not use).
 */
enum { TSM_DST, TSM_PORT, TSM_DURATION, TSM_CHUNK, TSM_NODELAY, TSM_CC,
    TSM_TIMEOUT, TSM_START, TSM_SPORT, TSM_SNDBUF, TSM_SACK, TSM_TLP };

static const struct app_param tcp_stream_params[] = {
	[TSM_DST] = { "dst", APP_INADDR, 0, 0, 0xffffffff, NULL,
	    "the server's address (a tcp_server, mode discard)", true },
	[TSM_PORT] = { "port", APP_INT, 5001, 1, 65535, NULL,
	    "the server's port", false },
	[TSM_DURATION] = { "duration", APP_DURATION, 1000000000, 1000000,
	    3600000000000, NULL, "how long to send before closing", false },
	[TSM_CHUNK] = { "chunk", APP_SIZE, 16384, 1, TC_BUFSZ, NULL,
	    "bytes handed to each send", false },
	[TSM_NODELAY] = { "nodelay", APP_BOOL, 0, 0, 1, NULL,
	    "TCP_NODELAY: no Nagle", false },
	[TSM_CC] = { "cc", APP_ENUM, 0, 0, 0, tc_ccs,
	    "the congestion control (TCP_CONGESTION)", false },
	[TSM_TIMEOUT] = { "timeout", APP_DURATION, 10000000000, 1000000,
	    3600000000000, NULL, "how long connect or a send may block "
	    "before the flow gives up", false },
	[TSM_START] = { "start", APP_DURATION, 0, 0, 3600000000000, NULL,
	    "wait this long before connecting", false },
	[TSM_SPORT] = { "sport", APP_INT, 0, 0, APP_PORT_BIND_MAX, NULL,
	    "bind this local port first (0: an ephemeral one)", false },
	[TSM_SNDBUF] = { "sndbuf", APP_SIZE, 0, 0, SO_RCVBUF_MAX, NULL,
	    "SO_SNDBUF: bytes the socket may hold unacknowledged, so the "
	    "most the window can use (0: the default, 64 KiB)", false },
	[TSM_SACK] = { "sack", APP_BOOL, 1, 0, 1, NULL,
	    "TCP_SACK: offer selective acknowledgments; false: NewReno "
	    "without SACK", false },
	[TSM_TLP] = { "tlp", APP_BOOL, 1, 0, 1, NULL,
	    "TCP_TLP: tail-loss probes (RFC 8985; with SACK)", false },
};

static void
tcp_stream_main(void *argp)
{
	const struct app_args *args = argp;
	static const int map[][2] = {
		{ TSM_DST, TC_DST }, { TSM_PORT, TC_PORT },
		{ TSM_DURATION, TC_DURATION }, { TSM_CHUNK, TC_CHUNK },
		{ TSM_NODELAY, TC_NODELAY }, { TSM_CC, TC_CC },
		{ TSM_TIMEOUT, TC_TIMEOUT }, { TSM_START, TC_START },
		{ TSM_SPORT, TC_SPORT }, { TSM_SNDBUF, TC_SNDBUF },
		{ TSM_SACK, TC_SACK }, { TSM_TLP, TC_TLP },
	};
	struct app_args *a = kmem_alloc(sizeof(*a), KM_SLEEP);

	CTASSERT(__arraycount(map) == __arraycount(tcp_stream_params));
	*a = *args;
	for (u_int i = 0; i < __arraycount(tcp_client_params); i++)
		a->v[i] = tcp_client_params[i].def;
	for (u_int i = 0; i < __arraycount(map); i++)
		a->v[map[i][1]] = args->v[map[i][0]];
	a->v[TC_VERIFY] = TC_V_NONE;
	tcp_client_main(a);
	kmem_free(a, sizeof(*a));
}

const struct app_desc app_tcp_stream_desc = {
	.name = "tcp_stream",
	.doc = "a long-running TCP bulk flow: sends a seeded pattern to a "
	    "tcp_server (discard) for `duration`, then closes; counters as "
	    "tcp_client's",
	.params = tcp_stream_params,
	.nparams = __arraycount(tcp_stream_params),
	.main = tcp_stream_main,
};
