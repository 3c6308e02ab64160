/*
 * netconf.h -- a host's network configuration, as the scenario gives it.
 *
 * What /etc/rc.conf is to a real host: the virtual Ethernet pairs to
 * create, the branes, which interface goes into which brane with which
 * address, and each brane's static routes.  The machine provides it
 * read-only (sim/sys/ks_netconf.c builds it from the scenario, which has checked
 * it); net_boot() applies it once at boot, after the drivers have
 * attached: pairs first, then branes in order (the first is the default
 * brane), interfaces in attach order (one the configuration does not name
 * goes to the default brane, without an address), then each brane's
 * routes in order, then forwarding.  TCP reads nb_syncache itself when
 * the brane's first TCP socket is made.  Every string outlives the run.
 */
#ifndef _STACK_SYS_NETCONF_H_
#define _STACK_SYS_NETCONF_H_

#include <sys/kern.h>

struct netconf_route {
	uint8_t nr_dst[4];              /* network byte order */
	u_int nr_plen;
	uint8_t nr_gw[4];               /* all zero: none */
	const char *nr_ifname;          /* NULL: by the gateway's subnet */
};

struct netconf_brane {
	const char *nb_name;
	bool nb_forwarding;
	bool nb_syncache;               /* TCP: a syncache (tcp_syncache.h) */
	u_int nb_nroutes;
	const struct netconf_route *nb_routes;
};

struct netconf_if {
	const char *ni_ifname;          /* an interface's if_xname */
	const char *ni_brane;           /* the brane it belongs to */
	bool ni_has_addr;
	uint8_t ni_addr[4];
	u_int ni_plen;
};

/* A virtual Ethernet pair (if_vpair.h): two interfaces cabled together. */
struct netconf_vpair {
	const char *nv_a;               /* interface names */
	const char *nv_b;
};

struct netconf {
	u_int nc_nbranes;               /* 0: just "default"; else the first
					   is the default */
	const struct netconf_brane *nc_branes;
	u_int nc_nifs;
	const struct netconf_if *nc_ifs;
	u_int nc_nvpairs;
	const struct netconf_vpair *nc_vpairs;
};

/* The calling host's configuration. */
const struct netconf *netconf(void);

#endif /* _STACK_SYS_NETCONF_H_ */
