/*
 * netconf.h -- a host's network configuration, as the scenario gives it.
 *
 * What /etc/rc.conf is to a real host: the branes to create, which
 * interface goes into which brane with which address, and each brane's
 * static routes.  The machine provides it read-only; net_boot() applies it
 * once at boot, after the drivers have attached.
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

struct netconf {
	u_int nc_nbranes;               /* at least 1; the first is the default */
	const struct netconf_brane *nc_branes;
	u_int nc_nifs;
	const struct netconf_if *nc_ifs;
};

/* The calling host's configuration. */
const struct netconf *netconf(void);

#endif /* _STACK_SYS_NETCONF_H_ */
