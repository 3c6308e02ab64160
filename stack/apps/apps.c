/*
 * apps.c -- the table of simulated programs (constant), app_run, the
 * trampoline that makes each program a process of its brane, and what the
 * network programs share.
 */
#include <sys/kern.h>
#include <sys/evcnt.h>

#include <kern/endian.h>
#include <kern/ksocket.h>
#include <kern/proc.h>

#include <string.h>

#include <net/brane.h>
#include <net/if.h>
#include <netinet/in.h>

#include "apps.h"

extern const struct app_desc app_counter_desc;
extern const struct app_desc app_pingpong_desc;
extern const struct app_desc app_abba_desc;
extern const struct app_desc app_selftest_desc;
extern const struct app_desc app_ping_desc;
extern const struct app_desc app_udp_echo_desc;
extern const struct app_desc app_udp_send_desc;
extern const struct app_desc app_udp_sink_desc;
extern const struct app_desc app_rawsend_desc;
extern const struct app_desc app_rpc_client_desc;
extern const struct app_desc app_rpc_server_desc;
extern const struct app_desc app_pcq_stress_desc;
extern const struct app_desc app_handoff_desc;
extern const struct app_desc app_intr_shared_desc;
extern const struct app_desc app_demux_close_desc;
extern const struct app_desc app_tcp_server_desc;
extern const struct app_desc app_tcp_client_desc;
extern const struct app_desc app_syn_flood_desc;

const struct app_desc *const app_table[] = {
	&app_counter_desc,
	&app_pingpong_desc,
	&app_abba_desc,
	&app_selftest_desc,
	&app_ping_desc,
	&app_udp_echo_desc,
	&app_udp_send_desc,
	&app_udp_sink_desc,
	&app_rawsend_desc,
	&app_rpc_client_desc,
	&app_rpc_server_desc,
	&app_pcq_stress_desc,
	&app_handoff_desc,
	&app_intr_shared_desc,
	&app_demux_close_desc,
	&app_tcp_server_desc,
	&app_tcp_client_desc,
	&app_syn_flood_desc,
	NULL,
};

const struct app_desc *
app_lookup(const char *name)
{
	for (u_int i = 0; app_table[i] != NULL; i++)
		if (strcmp(app_table[i]->name, name) == 0)
			return app_table[i];
	return NULL;
}

void
app_group(char *buf, size_t size, const char *name, u_int instance)
{
	size_t n = MIN(strlen(name), size - 1);
	char digits[10];
	size_t d = 0;

	KASSERT(size > 0);
	memcpy(buf, name, n);
	for (u_int i = instance; i > 0 && d < sizeof(digits); i /= 10)
		digits[d++] = (char)('0' + i % 10);
	while (d > 0 && n < size - 1)
		buf[n++] = digits[--d];
	buf[n] = '\0';
}

const char *
app_inaddr_str(uint32_t a, char buf[16])
{
	size_t n = 0;

	for (int shift = 24; shift >= 0; shift -= 8) {
		u_int octet = (a >> shift) & 0xff;
		char d[3];
		int nd = 0;

		do {
			d[nd++] = (char)('0' + octet % 10);
			octet /= 10;
		} while (octet > 0);
		while (nd > 0)
			buf[n++] = d[--nd];
		if (shift > 0)
			buf[n++] = '.';
	}
	buf[n] = '\0';
	return buf;
}

void
app_counters(const char *group, struct evcnt *const ev[],
    const char *const names[], u_int n, bool attach)
{
	for (u_int i = 0; i < n; i++) {
		if (attach)
			evcnt_attach_dynamic(ev[i], EVCNT_TYPE_MISC, NULL, group,
			    names[i]);
		else
			evcnt_detach(ev[i]);
	}
}

struct socket *
app_socket(const char *prog, int type, int proto)
{
	struct socket *so;
	int error;

	if ((error = socreate(AF_INET, &so, type, proto)) != 0)
		panic("%s: socreate: error %d", prog, error);
	return so;
}

void
app_bind_port(struct socket *so, const char *prog, u_int port)
{
	struct sockaddr_in sin;
	int error;

	KASSERT(port >= 1 && port <= APP_PORT_BIND_MAX);
	sockaddr_in_init(&sin, (struct in_addr){ INADDR_ANY },
	    htons((uint16_t)port));
	if ((error = sobind(so, (const struct sockaddr *)&sin)) != 0)
		panic("%s: cannot bind port %u: error %d", prog, port, error);
}

struct ifnet *
app_ifnet(u_int index)
{
	struct ifnet *ifp = if_first();

	while (ifp != NULL && index-- > 0)
		ifp = ifp->if_next;
	return ifp;
}

void
app_ether_addr(int64_t v, uint8_t mac[ETHER_ADDR_LEN])
{
	KASSERT(v >= 0 && v <= APP_ETHER_BROADCAST);
	for (int i = 0; i < ETHER_ADDR_LEN; i++)
		mac[i] = (uint8_t)((uint64_t)v >> (8 * (ETHER_ADDR_LEN - 1 - i)));
}

void
app_frame_head(uint8_t *p, const struct ifnet *ifp, const uint8_t *dst,
    uint16_t type, uint64_t seq)
{
	uint64_t now = getnanouptime();

	memcpy(p, dst, ETHER_ADDR_LEN);
	memcpy(p + ETHER_ADDR_LEN, ifp->if_lladdr, ETHER_ADDR_LEN);
	be16enc(p + 12, type);
	be32enc(p + 14, (uint32_t)(seq >> 32));
	be32enc(p + 18, (uint32_t)seq);
	be32enc(p + 22, (uint32_t)(now >> 32));
	be32enc(p + 26, (uint32_t)now);
}

void
app_run(void *argp)
{
	const struct app_args *args = argp;
	struct brane *br = args->brane != NULL && args->brane[0] != '\0' ?
	    brane_lookup(args->brane) : brane_default();

	KASSERTMSG(br != NULL, "%s: no brane %s on this host", args->desc->name,
	    args->brane);
	proc_adopt(proc_create(args->desc->name, br));
	(*args->desc->main)(argp);
}
