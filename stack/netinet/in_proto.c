/*
 * in_proto.c -- the Internet domain: its protocols, one constant row each,
 * and what it asks of the link layer (its Ethernet types, its
 * per-interface nexthop cache).
 *
 * Row order matters twice: brane_create runs the rows' pr_init in this
 * order (IP first: it sets up the brane's struct inet_brane, which the
 * others may use), and ip_proto() answers the first row that takes a
 * protocol number.  Nothing here is state: adding a protocol is adding a
 * row.
 */
#include <sys/kern.h>

#include <kern/ksocket.h>
#include <kern/protosw.h>

#include <net/if_ether.h>
#include <netinet/in.h>
#include <netinet/ip_var.h>
#include <netinet/nexthop.h>
#include <netinet/raw_ip_var.h>
#include <netinet/tcp_var.h>
#include <netinet/udp_var.h>

static const struct protosw inetsw[] = {
	/* IPv4 itself: per-brane state (routes, addresses, counters). */
	{
		.pr_type = 0,
		.pr_protocol = IPPROTO_IP,
		.pr_name = "ip",
		.pr_init = ip_init,
		.pr_fini = ip_fini,
	},
	{
		.pr_type = SOCK_RAW,
		.pr_protocol = IPPROTO_ICMP,
		.pr_name = "icmp",
		.pr_input = icmp_input,
	},
	/* UDP: per-brane PCB table and counters; demux to socket PCQs. */
	{
		.pr_type = SOCK_DGRAM,
		.pr_protocol = IPPROTO_UDP,
		.pr_flags = PR_ATOMIC | PR_ADDR,
		.pr_name = "udp",
		.pr_init = udp_init,
		.pr_fini = udp_fini,
		.pr_input = udp_input,
		.pr_ctlinput = udp_ctlinput,
		.pr_attach = udp_attach,
		.pr_detach = udp_detach,
		.pr_bind = udp_bind,
		.pr_connect = udp_connect,
		.pr_disconnect = udp_disconnect,
		.pr_send = udp_send,
		.pr_rcvd = udp_rcvd,
	},
	/*
	 * TCP: per-brane PCB table, counters and reaper, made by the first
	 * socket; demux to socket PCQs, the state machine in pr_rcvd.
	 */
	{
		.pr_type = SOCK_STREAM,
		.pr_protocol = IPPROTO_TCP,
		.pr_flags = PR_CONNREQUIRED,
		.pr_name = "tcp",
		.pr_init = tcp_init,
		.pr_fini = tcp_fini,
		.pr_input = tcp_input,
		.pr_ctlinput = tcp_ctlinput,
		.pr_attach = tcp_attach,
		.pr_detach = tcp_detach,
		.pr_bind = tcp_bind,
		.pr_connect = tcp_connect,
		.pr_disconnect = tcp_disconnect,
		.pr_send = tcp_send,
		.pr_rcvd = tcp_rcvd,
		.pr_getopt = tcp_getopt,
		.pr_setopt = tcp_setopt,
		.pr_listen = tcp_listen,
		.pr_usrread = tcp_usrread,
		.pr_shutdown = tcp_shutdown,
		.pr_sockaddr = tcp_sockaddr,
	},
	/*
	 * Raw IP: the wildcard SOCK_RAW row -- a raw socket of any protocol
	 * (ping's ICMP), and the input of protocols no other row takes.
	 */
	{
		.pr_type = SOCK_RAW,
		.pr_protocol = 0,
		.pr_flags = PR_ATOMIC | PR_ADDR,
		.pr_name = "rawip",
		.pr_init = rip_init,
		.pr_fini = rip_fini,
		.pr_input = rip_input,
		.pr_attach = rip_attach,
		.pr_detach = rip_detach,
		.pr_bind = rip_bind,
		.pr_connect = rip_connect,
		.pr_disconnect = rip_disconnect,
		.pr_send = rip_send,
		.pr_rcvd = rip_rcvd,
	},
};

/* What Ethernet hands the domain (ether_input dispatches by these rows). */
static const struct ether_proto inet_ether[] = {
	{ ETHERTYPE_IP, ip_input },
	{ ETHERTYPE_ARP, arp_input },
};

const struct domain inetdomain = {
	.dom_family = AF_INET,
	.dom_name = "internet",
	.dom_protosw = inetsw,
	.dom_nprotosw = __arraycount(inetsw),
	.dom_ether = inet_ether,
	.dom_nether = __arraycount(inet_ether),
	.dom_ifattach = nh4_attach,     /* the interface's nexthop cache */
};

const struct protosw *
ip_proto(int p)
{
	if (p == 0)
		return NULL;
	for (u_int i = 0; i < __arraycount(inetsw); i++)
		if (inetsw[i].pr_protocol == p && inetsw[i].pr_input != NULL)
			return &inetsw[i];
	return NULL;
}

const struct protosw *
rip_proto(void)
{
	for (u_int i = 0; i < __arraycount(inetsw); i++)
		if (inetsw[i].pr_type == SOCK_RAW &&
		    inetsw[i].pr_protocol == 0 && inetsw[i].pr_input != NULL)
			return &inetsw[i];
	return NULL;
}
