/*
 * tcp_server.c -- a TCP server (a daemon): listens on a port and serves
 * up to `conns` connections at once, in one of three modes: echo (every
 * byte back), discard (read and count), rr (request-response: every
 * `request` bytes read are answered with `response` bytes).  A
 * connection ends when the client closes its side: the server closes
 * too.
 *
 * The model is an accept loop and a pool of workers, as a threaded
 * daemon has (NetBSD's inetd forks a child a connection instead; here a
 * worker LWP of the one process is that child).  The program's LWP
 * accepts; each connection it accepts goes to an idle worker, the one
 * of the lowest slot, or to a new one while there are fewer than
 * `conns`; with `conns` connections in service it accepts no more until
 * one ends, and the rest wait in the listener's queue (`backlog`), as
 * inetd's limit on children holds them.  A worker, once made, stays
 * (idle, waiting for the next connection) until the machine stops, so
 * its buffer is made once.  Worker 0 is made at the start, so a server
 * that serves one connection at a time holds no more memory for it
 * than one that always did.
 *
 * Packet ids: worker w's connections number their segments from id
 * 1 + w * (2^32 / conns) of the program's flow on (SO_PKTID), each
 * APP_PKTID_GAP after the last one's end, so connections in service at
 * once never share ids (a worker whose connections send more than
 * 2^32 / conns segments in all runs into the next slot's).
 *
 * Counters "tcp_server<N>.<name>": accepted = closed + the connections
 * in service; bytes_in, bytes_out; responses (rr); errors (a call that
 * failed: the connection is closed); workers (LWPs made, at most
 * `conns`).  Workers on several CPUs count at once: atomically.
 */
#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/condvar.h>
#include <sys/evcnt.h>
#include <sys/kmem.h>
#include <sys/kthread.h>
#include <sys/mutex.h>

#include <kern/ksocket.h>

#include <string.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "apps.h"

enum { TS_PORT, TS_MODE, TS_REQUEST, TS_RESPONSE, TS_BACKLOG, TS_DELAY,
    TS_RCVBUF, TS_SACK, TS_CONNS, TS_TLP };
enum { TS_ECHO, TS_DISCARD, TS_RR };

#define TS_BUFSZ        65536
#define TS_RR_MAX       (1 << 20)
#define TS_CONNS_MAX    1024            /* `conns` at most */
#define TS_CONNS_DEF    64

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
	[TS_CONNS] = { "conns", APP_INT, TS_CONNS_DEF, 1, TS_CONNS_MAX, NULL,
	    "connections served at once, each by a worker LWP (made when "
	    "first needed, then kept, with its 64 KiB buffer); more wait "
	    "in the listener's queue (`backlog`); 1: one at a time", false },
	[TS_TLP] = { "tlp", APP_BOOL, 1, 0, 1, NULL,
	    "TCP_TLP of the listener, so of each connection: tail-loss "
	    "probes (RFC 8985; with SACK)", false },
};

struct ts_worker;

/* Legend: c = constant after start, l = ts_lock, a = atomic. */
struct tcp_server {
	const struct app_args *args;    /* c */
	uint8_t *resp;                  /* c: response bytes (rr) */
	uint64_t pktid_stride;          /* c: ids a worker slot has */
	u_int conns;                    /* c: `conns` */
	kmutex_t ts_lock;
	kcondvar_t ts_free;             /* l: a connection ended */
	u_int nbusy;                    /* l: connections in service */
	u_int nworkers;                 /* l: workers[0..nworkers) made */
	struct ts_worker **workers;     /* l: conns slots */
	char group[24];                 /* c */
	struct evcnt ev_accepted, ev_closed, ev_in, ev_out, ev_resp, ev_err,
	    ev_workers;                 /* a */
};

/* Legend: c = constant after made, l = ts_lock, w = the worker's own. */
struct ts_worker {
	struct tcp_server *ts;          /* c */
	u_int slot;                     /* c */
	uint8_t *buf;                   /* w: TS_BUFSZ */
	uint64_t pktid;                 /* w: the next connection's first
					   segment's packet id (SO_PKTID) */
	struct socket *so;              /* l: its connection; NULL: idle */
	kcondvar_t cv;                  /* l: so was given */
};

static void
ts_counters(struct tcp_server *ts)
{
	struct evcnt *ev[] = { &ts->ev_accepted, &ts->ev_closed, &ts->ev_in,
	    &ts->ev_out, &ts->ev_resp, &ts->ev_err, &ts->ev_workers };
	static const char *const names[] = { "accepted", "closed",
	    "bytes_in", "bytes_out", "responses", "errors", "workers" };

	CTASSERT(__arraycount(ev) == __arraycount(names));
	app_counters(ts->group, ev, names, __arraycount(ev), true);
}

/* Serve one connection until the client's FIN or an error. */
static void
ts_serve(struct ts_worker *w, struct socket *so)
{
	struct tcp_server *ts = w->ts;
	uint64_t req = (uint64_t)ts->args->v[TS_REQUEST], have = 0;
	size_t resp = (size_t)ts->args->v[TS_RESPONSE], len;
	int64_t mode = ts->args->v[TS_MODE];
	size_t sz = sizeof(w->pktid);
	int error;

	/* The connection numbers its segments on from the worker's last. */
	(void)sosetopt(so, SOL_SOCKET, SO_PKTID, &w->pktid, sz);

	if (ts->args->v[TS_DELAY] > 0)
		(void)kpause_until("tcpdelay", false, getnanouptime() +
		    (uint64_t)ts->args->v[TS_DELAY], NULL);
	for (;;) {
		len = TS_BUFSZ;
		if ((error = soreceive(so, NULL, w->buf, &len, 0)) != 0) {
			atomic_inc_64(&ts->ev_err.ev_count);
			break;
		}
		if (len == 0)
			break;          /* the client is done */
		atomic_add_64(&ts->ev_in.ev_count, (int64_t)len);
		if (mode == TS_ECHO) {
			if (sosend(so, NULL, w->buf, len, 0) != 0) {
				atomic_inc_64(&ts->ev_err.ev_count);
				break;
			}
			atomic_add_64(&ts->ev_out.ev_count, (int64_t)len);
		} else if (mode == TS_RR) {
			for (have += len; have >= req; have -= req) {
				if (sosend(so, NULL, ts->resp, resp, 0) != 0) {
					atomic_inc_64(&ts->ev_err.ev_count);
					goto out;
				}
				atomic_add_64(&ts->ev_out.ev_count,
				    (int64_t)resp);
				atomic_inc_64(&ts->ev_resp.ev_count);
			}
		}
	}
out:
	if (sogetopt(so, SOL_SOCKET, SO_PKTID, &w->pktid, &sz) == 0)
		w->pktid += APP_PKTID_GAP;
	(void)soclose(so);
	atomic_inc_64(&ts->ev_closed.ev_count);
}

/* A worker: serve each connection the accept loop gives it, forever. */
static void
ts_worker_main(void *arg)
{
	struct ts_worker *w = arg;
	struct tcp_server *ts = w->ts;
	struct socket *so;

	lwp_set_daemon(curlwp);
	for (;;) {
		mutex_enter(&ts->ts_lock);
		while ((so = w->so) == NULL)
			cv_wait(&w->cv, &ts->ts_lock);
		mutex_exit(&ts->ts_lock);
		ts_serve(w, so);
		mutex_enter(&ts->ts_lock);
		KASSERT(w->so == so);
		KASSERT(ts->nbusy > 0);
		w->so = NULL;
		ts->nbusy--;
		cv_signal(&ts->ts_free);
		mutex_exit(&ts->ts_lock);
	}
}

/*
 * Make worker slot ts->nworkers.
 * => called by the accept loop only (the one LWP that makes workers),
 *    without ts_lock; ts->nworkers < ts->conns
 */
static void
ts_worker_make(struct tcp_server *ts)
{
	u_int slot = ts->nworkers;
	struct ts_worker *w;

	KASSERT(slot < ts->conns);
	w = kmem_zalloc(sizeof(*w), KM_SLEEP);
	w->ts = ts;
	w->slot = slot;
	w->buf = kmem_alloc(TS_BUFSZ, KM_SLEEP);
	w->pktid = app_pktid(ts->args, 1 + slot * ts->pktid_stride);
	cv_init(&w->cv, "tcpsrvw");
	mutex_enter(&ts->ts_lock);
	ts->workers[slot] = w;
	ts->nworkers = slot + 1;
	mutex_exit(&ts->ts_lock);
	atomic_inc_64(&ts->ev_workers.ev_count);
	if (kthread_create(PRI_NONE, 0, NULL, ts_worker_main, w, NULL,
	    "%s.%u", ts->group, slot) != 0)
		panic("tcp_server: no worker LWP");
}

/*
 * Give so to the idle worker of the lowest slot, making one if every
 * worker is busy.
 * => ts->nbusy < ts->conns (the accept loop waited for it)
 */
static void
ts_dispatch(struct tcp_server *ts, struct socket *so)
{
	struct ts_worker *w = NULL;

	mutex_enter(&ts->ts_lock);
	KASSERT(ts->nbusy < ts->conns);
	if (ts->nbusy == ts->nworkers) {
		mutex_exit(&ts->ts_lock);
		ts_worker_make(ts);
		mutex_enter(&ts->ts_lock);
	}
	for (u_int i = 0; i < ts->nworkers; i++)
		if (ts->workers[i]->so == NULL) {
			w = ts->workers[i];
			break;
		}
	KASSERT(w != NULL);
	w->so = so;
	ts->nbusy++;
	cv_signal(&w->cv);
	mutex_exit(&ts->ts_lock);
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
	ts->conns = (u_int)args->v[TS_CONNS];
	KASSERT(ts->conns >= 1 && ts->conns <= TS_CONNS_MAX);
	ts->pktid_stride = ((uint64_t)1 << 32) / ts->conns;
	ts->resp = kmem_zalloc((size_t)args->v[TS_RESPONSE], KM_SLEEP);
	ts->workers = kmem_zalloc(ts->conns * sizeof(ts->workers[0]),
	    KM_SLEEP);
	mutex_init(&ts->ts_lock, MUTEX_DEFAULT, IPL_NONE);
	cv_init(&ts->ts_free, "tcpsrv");
	app_group(ts->group, sizeof(ts->group), "tcp_server", args->instance);
	ts_counters(ts);
	ts_worker_make(ts);             /* worker 0, ready before any client */
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
	if (!args->v[TS_TLP]) {
		int zero = 0;

		(void)sosetopt(lso, IPPROTO_TCP, TCP_TLP, &zero,
		    sizeof(zero));
	}
	if ((error = solisten(lso, (int)args->v[TS_BACKLOG])) != 0)
		panic("tcp_server: listen: error %d", error);
	for (;;) {
		mutex_enter(&ts->ts_lock);
		while (ts->nbusy == ts->conns)
			cv_wait(&ts->ts_free, &ts->ts_lock);
		mutex_exit(&ts->ts_lock);
		if (soaccept(lso, &so, NULL) != 0)
			continue;
		atomic_inc_64(&ts->ev_accepted.ev_count);
		ts_dispatch(ts, so);
	}
}

const struct app_desc app_tcp_server_desc = {
	.name = "tcp_server",
	.doc = "a TCP server (a daemon), up to `conns` connections at once, "
	    "each served by a worker LWP: echo, discard, or request-response "
	    "(rr)",
	.params = tcp_server_params,
	.nparams = __arraycount(tcp_server_params),
	.main = tcp_server_main,
};
