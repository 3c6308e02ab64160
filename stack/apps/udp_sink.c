/*
 * udp_sink.c -- a UDP discard server (RFC 863): takes every datagram on
 * its port and counts it.
 *
 * A daemon LWP, like udp_echo: it blocks in soreceive forever and the run
 * ends when the other programs do.  Counters "udp_sink<N>.{received,
 * bytes,errors}": datagrams taken, their payload bytes, and receive calls
 * that returned an error instead (an ICMP error reported to the socket).
 * With udp_send (echo false) on the other side, udp_send.sent =
 * udp_sink.received + the drops the hosts between them counted.
 */
#include <sys/kern.h>
#include <sys/evcnt.h>
#include <sys/kmem.h>
#include <sys/ksocket.h>

#include <string.h>

#include <netinet/in.h>

#include "apps.h"

enum { SINK_PORT };

#define SINK_BUFSZ      SO_SEND_MAX

static const struct app_param udp_sink_params[] = {
	[SINK_PORT] = { "port", APP_INT, 9, 1, 65535, NULL,
	    "the UDP port it listens on" },
};

struct udp_sink {
	struct socket *so;
	uint8_t *buf;                   /* SINK_BUFSZ bytes */
	char group[24];
	struct evcnt ev_received, ev_bytes, ev_errors;
};

static void
udp_sink_main(void *argp)
{
	const struct app_args *args = argp;
	struct udp_sink *us = kmem_zalloc(sizeof(*us), KM_SLEEP);
	struct sockaddr_in sin;
	size_t len;
	int error;

	lwp_set_daemon(curlwp);
	us->buf = kmem_alloc(SINK_BUFSZ, KM_SLEEP);
	app_group(us->group, sizeof(us->group), "udp_sink", args->instance);
	evcnt_attach_dynamic(&us->ev_received, EVCNT_TYPE_MISC, NULL,
	    us->group, "received");
	evcnt_attach_dynamic(&us->ev_bytes, EVCNT_TYPE_MISC, NULL,
	    us->group, "bytes");
	evcnt_attach_dynamic(&us->ev_errors, EVCNT_TYPE_MISC, NULL,
	    us->group, "errors");
	if ((error = socreate(AF_INET, &us->so, SOCK_DGRAM, IPPROTO_UDP)) != 0)
		panic("udp_sink: socreate: error %d", error);
	memset(&sin, 0, sizeof(sin));
	sin.sin_len = sizeof(sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)args->v[SINK_PORT]);
	if ((error = sobind(us->so, (const struct sockaddr *)&sin)) != 0)
		panic("udp_sink: cannot bind port %u: error %d",
		    (u_int)args->v[SINK_PORT], error);
	for (;;) {
		len = SINK_BUFSZ;
		if (soreceive(us->so, NULL, us->buf, &len, 0) != 0) {
			us->ev_errors.ev_count++;
			continue;
		}
		us->ev_received.ev_count++;
		us->ev_bytes.ev_count += len;
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
