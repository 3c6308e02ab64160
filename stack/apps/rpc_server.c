/*
 * rpc_server.c -- a request-response server over UDP (a daemon): each
 * request (rpc.h) gets one response of `response` bytes, sent back to
 * the request's source with the request's header and packet id.
 *
 * `workers` LWPs (placed on the host's CPUs in turn) block in soreceive
 * on the one bound socket, as a thread pool does.  Serving a request
 * fires the probe rpc_server:serve (a0: the request's bytes), which is
 * where its service time comes from: the stack never charges time
 * itself, so a scenario prices it, e.g. "cost": {"probes":
 * {"rpc_server:serve": "20us"}} on the server's host (or per byte of
 * the request, {"per_unit": ...}); unpriced, serving is free beyond the
 * socket calls.  Giving the response the request's packet id and sending
 * it is one step under a mutex, so two workers' responses never swap
 * ids.
 *
 * Counters "rpc_server<N>.{requests,responses,errors,bad}": requests =
 * responses + errors (a send that failed) + bad (shorter than the
 * header).  Its flow sends no packets of its own ids: its responses are
 * its clients'.
 */
#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/evcnt.h>
#include <sys/kmem.h>
#include <sys/kthread.h>
#include <sys/mutex.h>
#include <sys/sdt.h>

#include <kern/ksocket.h>

#include <netinet/in.h>

#include "apps.h"
#include "rpc.h"

enum { RS_PORT, RS_RESPONSE, RS_WORKERS };

#define RS_BUFSZ        SO_SEND_MAX
#define RS_WORKERS_MAX  64

static const struct app_param rpc_server_params[] = {
	[RS_PORT] = { "port", APP_UDP_BIND, RPC_PORT, 1, APP_PORT_BIND_MAX,
	    NULL, "the UDP port it serves; no other program of its brane may "
	    "bind it", false },
	[RS_RESPONSE] = { "response", APP_SIZE, 64, RPC_HDR, SO_SEND_MAX,
	    NULL, "bytes of each response (at least 24: the request's "
	    "header)", false },
	[RS_WORKERS] = { "workers", APP_INT, 1, 1, RS_WORKERS_MAX, NULL,
	    "LWPs serving requests from the one socket, on the host's CPUs "
	    "in turn; price rpc_server:serve for the service time", false },
};

/* Legend: c = constant after start, t = tx_lock, w = a worker's own. */
struct rpc_server {
	struct socket *so;              /* c */
	u_int response;                 /* c: bytes a response */
	kmutex_t tx_lock;               /* one response goes out at a time */
	char group[24];                 /* c */
	/* Atomic: the workers count from several CPUs at once. */
	struct evcnt ev_requests, ev_responses, ev_errors, ev_bad;
};

struct rpc_worker {
	struct rpc_server *rs;          /* c */
	uint8_t *buf;                   /* w: RS_BUFSZ bytes */
};

static void
rpc_server_counters(struct rpc_server *rs)
{
	struct evcnt *ev[] = { &rs->ev_requests, &rs->ev_responses,
	    &rs->ev_errors, &rs->ev_bad };
	static const char *const names[] = { "requests", "responses",
	    "errors", "bad" };

	CTASSERT(__arraycount(ev) == __arraycount(names));
	/* Attached for good: a daemon runs until the machine stops. */
	app_counters(rs->group, ev, names, __arraycount(ev), true);
}

/* Serve one request of len bytes in w->buf from `from`. */
static void
rpc_serve(struct rpc_worker *w, size_t len, const struct sockaddr_in *from)
{
	struct rpc_server *rs = w->rs;
	struct rpc_hdr h;
	int error;

	atomic_inc_64(&rs->ev_requests.ev_count);
	if (!rpc_get(w->buf, len, &h)) {
		atomic_inc_64(&rs->ev_bad.ev_count);
		return;
	}
	SDT_PROBE2(rpc_server, serve, len, h.pkt_id);
	rpc_put(w->buf, rs->response, &h);
	mutex_enter(&rs->tx_lock);
	(void)sosetopt(rs->so, SOL_SOCKET, SO_PKTID, &h.pkt_id,
	    sizeof(h.pkt_id));
	error = sosend(rs->so, (const struct sockaddr *)from, w->buf,
	    rs->response, 0);
	mutex_exit(&rs->tx_lock);
	if (error == 0)
		atomic_inc_64(&rs->ev_responses.ev_count);
	else
		atomic_inc_64(&rs->ev_errors.ev_count);
}

static void
rpc_worker_main(void *arg)
{
	struct rpc_worker *w = arg;
	struct sockaddr_in from;
	size_t len;

	lwp_set_daemon(curlwp);
	for (;;) {
		len = RS_BUFSZ;
		if (soreceive(w->rs->so, (struct sockaddr *)&from, w->buf, &len,
		    0) != 0)
			continue;       /* an error about an earlier response */
		rpc_serve(w, len, &from);
	}
}

static void
rpc_server_main(void *argp)
{
	const struct app_args *args = argp;
	struct rpc_server *rs = kmem_zalloc(sizeof(*rs), KM_SLEEP);
	u_int nworkers = (u_int)args->v[RS_WORKERS];
	struct rpc_worker *w;

	KASSERT(nworkers >= 1 && nworkers <= RS_WORKERS_MAX);
	lwp_set_daemon(curlwp);
	rs->response = (u_int)args->v[RS_RESPONSE];
	mutex_init(&rs->tx_lock, MUTEX_DEFAULT, IPL_NONE);
	app_group(rs->group, sizeof(rs->group), "rpc_server", args->instance);
	rpc_server_counters(rs);
	rs->so = app_socket("rpc_server", SOCK_DGRAM, IPPROTO_UDP);
	app_bind_port(rs->so, "rpc_server", (u_int)args->v[RS_PORT]);
	w = kmem_zalloc(nworkers * sizeof(*w), KM_SLEEP);
	for (u_int i = 0; i < nworkers; i++) {
		w[i].rs = rs;
		w[i].buf = kmem_alloc(RS_BUFSZ, KM_SLEEP);
	}
	/* This LWP is the first worker; the others are threads of its own. */
	for (u_int i = 1; i < nworkers; i++)
		if (kthread_create(PRI_NONE, 0, NULL, rpc_worker_main, &w[i],
		    NULL, "%s.%u", rs->group, i) != 0)
			panic("rpc_server: no worker LWP");
	rpc_worker_main(&w[0]);
}

const struct app_desc app_rpc_server_desc = {
	.name = "rpc_server",
	.doc = "a request-response server over UDP (a daemon): answers each "
	    "rpc_client request with a response of its size, from one or "
	    "more worker LWPs; its service time is the price of the probe "
	    "rpc_server:serve",
	.params = rpc_server_params,
	.nparams = __arraycount(rpc_server_params),
	.main = rpc_server_main,
};
