/*
 * udp_sink.c -- a UDP discard server (RFC 863): takes every datagram on
 * its port and counts it.
 *
 * A daemon LWP, like udp_echo: the run ends when the other programs do.
 * With `interval` 0 it blocks in soreceive, so it does its socket's
 * receive work itself (lazy receive by the waiting LWP).  With an
 * interval it is a batch reader: it sleeps that long, takes everything
 * queued without blocking, and sleeps again -- while it sleeps nobody
 * waits on the socket, so the socket's continuation does the work.
 *
 * Counters "udp_sink<N>.{received,bytes,errors,batches}": datagrams taken,
 * their payload bytes, receive calls that returned an error instead (an
 * ICMP error reported to the socket), and batch passes.  With udp_send
 * (echo false) on the other side, the senders' udp.<brane>.sent =
 * udp_sink.received + the drops the hosts between them counted.
 */
#include <sys/kern.h>
#include <sys/evcnt.h>
#include <sys/kmem.h>

#include <kern/ksocket.h>

#include <string.h>

#include <netinet/in.h>

#include "apps.h"

enum { SINK_PORT, SINK_INTERVAL };

#define SINK_BUFSZ      SO_SEND_MAX

static const struct app_param udp_sink_params[] = {
	[SINK_PORT] = { "port", APP_UDP_BIND, 9, 1, APP_PORT_BIND_MAX, NULL,
	    "the UDP port it listens on; no other program of its brane may "
	    "bind it", false },
	[SINK_INTERVAL] = { "interval", APP_DURATION, 0, 0, 3600000000000,
	    NULL, "0: block in each receive; else sleep this long between "
	    "batches of non-blocking receives", false },
};

struct udp_sink {
	struct socket *so;
	uint8_t *buf;                   /* SINK_BUFSZ bytes */
	char group[24];
	struct evcnt ev_received, ev_bytes, ev_errors, ev_batches;
};

/* Take one datagram (flags: 0 or MSG_DONTWAIT); its error, if any. */
static int
udp_sink_take(struct udp_sink *us, int flags)
{
	size_t len = SINK_BUFSZ;
	int error;

	error = soreceive(us->so, NULL, us->buf, &len, flags);
	if (error == EWOULDBLOCK)
		return error;
	if (error != 0) {
		us->ev_errors.ev_count++;
		return error;
	}
	us->ev_received.ev_count++;
	us->ev_bytes.ev_count += len;
	return 0;
}

/* Its counters, attached for good: a daemon runs until the machine stops. */
static void
udp_sink_counters(struct udp_sink *us)
{
	struct evcnt *ev[] = { &us->ev_received, &us->ev_bytes,
	    &us->ev_errors, &us->ev_batches };
	static const char *const names[] = { "received", "bytes", "errors",
	    "batches" };

	CTASSERT(__arraycount(ev) == __arraycount(names));
	app_counters(us->group, ev, names, __arraycount(ev), true);
}

static void
udp_sink_main(void *argp)
{
	const struct app_args *args = argp;
	struct udp_sink *us = kmem_zalloc(sizeof(*us), KM_SLEEP);
	uint64_t interval_ns = (uint64_t)args->v[SINK_INTERVAL];
	int ticks;

	lwp_set_daemon(curlwp);
	/* Zeroed: its pages are written only as datagrams land in them. */
	us->buf = kmem_zalloc(SINK_BUFSZ, KM_SLEEP);
	app_group(us->group, sizeof(us->group), "udp_sink", args->instance);
	udp_sink_counters(us);
	us->so = app_socket("udp_sink", SOCK_DGRAM, IPPROTO_UDP);
	app_bind_port(us->so, "udp_sink", (u_int)args->v[SINK_PORT]);
	if (interval_ns == 0)
		for (;;)
			(void)udp_sink_take(us, 0);
	/* Whole ticks, at least one: kpause sleeps by the clock. */
	ticks = (int)MAX(1, (interval_ns * (uint64_t)hz + 999999999) /
	    1000000000);
	for (;;) {
		(void)kpause("udp_sink", false, ticks, NULL);
		us->ev_batches.ev_count++;
		while (udp_sink_take(us, MSG_DONTWAIT) != EWOULDBLOCK)
			continue;
	}
}

const struct app_desc app_udp_sink_desc = {
	.name = "udp_sink",
	.doc = "a UDP discard server (a daemon): takes and counts every "
	    "datagram sent to its port",
	.params = udp_sink_params,
	.nparams = __arraycount(udp_sink_params),
	.main = udp_sink_main,
};
