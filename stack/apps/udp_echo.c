/*
 * udp_echo.c -- a UDP echo server (RFC 862): every datagram goes back to
 * its sender, unchanged.
 *
 * A daemon LWP (lwp_set_daemon): it blocks in soreceive forever, which
 * is what a server does, and the run ends when the other programs do.
 * Counters "udp_echo<N>.{received,echoed,errors}": received = echoed +
 * errors (a send that failed, e.g. no route back).  Its n-th send gets
 * packet id app_pktid(n), n from 1.
 */
#include <sys/kern.h>
#include <sys/evcnt.h>
#include <sys/kmem.h>
#include <sys/ksocket.h>

#include <string.h>

#include <netinet/in.h>

#include "apps.h"

enum { ECHO_PORT };

#define ECHO_BUFSZ      SO_SEND_MAX

static const struct app_param udp_echo_params[] = {
	[ECHO_PORT] = { "port", APP_INT, 7, 1, 65535, NULL,
	    "the UDP port it answers on", false },
};

struct udp_echo {
	struct socket *so;
	uint8_t *buf;                   /* ECHO_BUFSZ bytes */
	char group[24];
	struct evcnt ev_received, ev_echoed, ev_errors;
};

static void
udp_echo_main(void *argp)
{
	const struct app_args *args = argp;
	struct udp_echo *ue = kmem_zalloc(sizeof(*ue), KM_SLEEP);
	uint64_t first = app_pktid(args, 1);
	struct sockaddr_in from;
	size_t len;

	lwp_set_daemon(curlwp);
	ue->buf = kmem_alloc(ECHO_BUFSZ, KM_SLEEP);
	app_group(ue->group, sizeof(ue->group), "udp_echo", args->instance);
	evcnt_attach_dynamic(&ue->ev_received, EVCNT_TYPE_MISC, NULL,
	    ue->group, "received");
	evcnt_attach_dynamic(&ue->ev_echoed, EVCNT_TYPE_MISC, NULL,
	    ue->group, "echoed");
	evcnt_attach_dynamic(&ue->ev_errors, EVCNT_TYPE_MISC, NULL,
	    ue->group, "errors");
	ue->so = app_socket("udp_echo", SOCK_DGRAM, IPPROTO_UDP);
	(void)sosetopt(ue->so, SOL_SOCKET, SO_PKTID, &first, sizeof(first));
	app_bind_port(ue->so, "udp_echo", (u_int)args->v[ECHO_PORT]);
	for (;;) {
		len = ECHO_BUFSZ;
		if (soreceive(ue->so, (struct sockaddr *)&from, ue->buf, &len,
		    0) != 0)
			continue;       /* an error about an earlier echo */
		ue->ev_received.ev_count++;
		if (sosend(ue->so, (const struct sockaddr *)&from, ue->buf, len,
		    0) == 0)
			ue->ev_echoed.ev_count++;
		else
			ue->ev_errors.ev_count++;
	}
}

const struct app_desc app_udp_echo_desc = {
	.name = "udp_echo",
	.doc = "a UDP echo server (a daemon): sends every datagram back to "
	    "its sender",
	.params = udp_echo_params,
	.nparams = __arraycount(udp_echo_params),
	.main = udp_echo_main,
};
