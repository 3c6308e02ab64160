/*
 * tcp_server.c -- a TCP server (a daemon): listens on a port and serves
 * one connection at a time, in the order they come, in one of three
 * modes: echo (every byte back), discard (read and count), rr (request-
 * response: every `request` bytes read are answered with `response`
 * bytes).  A connection ends when the client closes its side: the
 * server closes too.
 *
 * Counters "tcp_server<N>.<name>": accepted = closed (+ the one being
 * served); bytes_in, bytes_out; responses (rr); errors (a call that
 * failed: the connection is closed).
 */
#include <sys/kern.h>
#include <sys/evcnt.h>
#include <sys/kmem.h>

#include <kern/ksocket.h>

#include <string.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "apps.h"

enum { TS_PORT, TS_MODE, TS_REQUEST, TS_RESPONSE, TS_BACKLOG, TS_DELAY,
    TS_RCVBUF, TS_SACK };
enum { TS_ECHO, TS_DISCARD, TS_RR };

#define TS_BUFSZ        65536
#define TS_RR_MAX       (1 << 20)

static const char *const ts_modes[] = { "echo", "discard", "rr", NULL };

static const struct app_param tcp_server_params[] = {
	[TS_PORT] = { "port", APP_INT, 5001, 1, APP_PORT_BIND_MAX, NULL,
	    "the TCP port it listens on", false },
	[TS_MODE] = { "mode", APP_ENUM, TS_ECHO, 0, 0, ts_modes,
	    "echo: every byte back; discard: read and count; rr: answer "
	    "every `request` bytes with `response` bytes", false },
	[TS_REQUEST] = { "request", APP_SIZE, 64, 1, TS_RR_MAX, NULL,
	    "rr: bytes of a request", false },
	[TS_RESPONSE] = { "response", APP_SIZE, 64, 1, TS_RR_MAX, NULL,
	    "rr: bytes of each response", false },
	[TS_BACKLOG] = { "backlog", APP_INT, 16, 1, SOMAXCONN, NULL,
	    "connections that may wait to be accepted", false },
	[TS_DELAY] = { "delay", APP_DURATION, 0, 0, 3600000000000, NULL,
	    "wait this long after accepting before reading: a slow reader, "
	    "whose window closes", false },
	[TS_RCVBUF] = { "rcvbuf", APP_SIZE, 0, 0, SO_RCVBUF_MAX, NULL,
	    "SO_RCVBUF of the listener, so of each connection: the most "
	    "window it offers (0: the default, 64 KiB)", false },
	[TS_SACK] = { "sack", APP_BOOL, 1, 0, 1, NULL,
	    "TCP_SACK: accept selective acknowledgments (RFC 2018) when a "
	    "client offers them; false: NewReno without SACK", false },
};

struct tcp_server {
	const struct app_args *args;
	uint8_t *buf;                   /* TS_BUFSZ */
	uint8_t *resp;                  /* response bytes (rr) */
	uint64_t pktid;                 /* the next connection's first
					   segment's packet id (SO_PKTID) */
	char group[24];
	struct evcnt ev_accepted, ev_closed, ev_in, ev_out, ev_resp, ev_err;
};

static void
ts_counters(struct tcp_server *ts)
{
	struct evcnt *ev[] = { &ts->ev_accepted, &ts->ev_closed, &ts->ev_in,
	    &ts->ev_out, &ts->ev_resp, &ts->ev_err };
	static const char *const names[] = { "accepted", "closed",
	    "bytes_in", "bytes_out", "responses", "errors" };

	CTASSERT(__arraycount(ev) == __arraycount(names));
	app_counters(ts->group, ev, names, __arraycount(ev), true);
}

/* Serve one connection until the client's FIN or an error. */
static void
ts_serve(struct tcp_server *ts, struct socket *so)
{
	uint64_t req = (uint64_t)ts->args->v[TS_REQUEST], have = 0;
	size_t resp = (size_t)ts->args->v[TS_RESPONSE], len;
	int64_t mode = ts->args->v[TS_MODE];
	size_t sz = sizeof(ts->pktid);
	int error;

	/* The accepted connection numbers its segments on from the last. */
	(void)sosetopt(so, SOL_SOCKET, SO_PKTID, &ts->pktid, sz);

	if (ts->args->v[TS_DELAY] > 0)
		(void)kpause_until("tcpdelay", false, getnanouptime() +
		    (uint64_t)ts->args->v[TS_DELAY], NULL);
	for (;;) {
		len = TS_BUFSZ;
		if ((error = soreceive(so, NULL, ts->buf, &len, 0)) != 0) {
			ts->ev_err.ev_count++;
			break;
		}
		if (len == 0)
			break;          /* the client is done */
		ts->ev_in.ev_count += len;
		if (mode == TS_ECHO) {
			if (sosend(so, NULL, ts->buf, len, 0) != 0) {
				ts->ev_err.ev_count++;
				break;
			}
			ts->ev_out.ev_count += len;
		} else if (mode == TS_RR) {
			for (have += len; have >= req; have -= req) {
				if (sosend(so, NULL, ts->resp, resp, 0) != 0) {
					ts->ev_err.ev_count++;
					goto out;
				}
				ts->ev_out.ev_count += resp;
				ts->ev_resp.ev_count++;
			}
		}
	}
out:
	if (sogetopt(so, SOL_SOCKET, SO_PKTID, &ts->pktid, &sz) == 0)
		ts->pktid += APP_PKTID_GAP;
	(void)soclose(so);
	ts->ev_closed.ev_count++;
}

static void
tcp_server_main(void *argp)
{
	const struct app_args *args = argp;
	struct tcp_server *ts = kmem_zalloc(sizeof(*ts), KM_SLEEP);
	struct socket *lso, *so;
	struct sockaddr_in sin;
	int error;

	lwp_set_daemon(curlwp);
	ts->args = args;
	ts->pktid = app_pktid(args, 1);
	ts->buf = kmem_alloc(TS_BUFSZ, KM_SLEEP);
	ts->resp = kmem_zalloc((size_t)args->v[TS_RESPONSE], KM_SLEEP);
	app_group(ts->group, sizeof(ts->group), "tcp_server", args->instance);
	ts_counters(ts);
	lso = app_socket("tcp_server", SOCK_STREAM, IPPROTO_TCP);
	sockaddr_in_init(&sin, (struct in_addr){ INADDR_ANY },
	    htons((uint16_t)args->v[TS_PORT]));
	if ((error = sobind(lso, (const struct sockaddr *)&sin)) != 0)
		panic("tcp_server: cannot bind port %u: error %d",
		    (u_int)args->v[TS_PORT], error);
	if (args->v[TS_RCVBUF] > 0) {
		int rcvbuf = (int)args->v[TS_RCVBUF];

		(void)sosetopt(lso, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof(rcvbuf));
	}
	if (!args->v[TS_SACK]) {
		int zero = 0;

		(void)sosetopt(lso, IPPROTO_TCP, TCP_SACK, &zero,
		    sizeof(zero));
	}
	if ((error = solisten(lso, (int)args->v[TS_BACKLOG])) != 0)
		panic("tcp_server: listen: error %d", error);
	for (;;) {
		if (soaccept(lso, &so, NULL) != 0)
			continue;
		ts->ev_accepted.ev_count++;
		ts_serve(ts, so);
	}
}

const struct app_desc app_tcp_server_desc = {
	.name = "tcp_server",
	.doc = "a TCP server (a daemon), one connection at a time: echo, "
	    "discard, or request-response (rr)",
	.params = tcp_server_params,
	.nparams = __arraycount(tcp_server_params),
	.main = tcp_server_main,
};
