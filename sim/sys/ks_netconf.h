/*
 * netconf.h -- building each host's <sys/netconf.h> configuration from
 * its scenario entry (netconf.c).
 */
#ifndef SIM_NETCONF_H
#define SIM_NETCONF_H

#include "sim/scenario/scenario.h"

struct sim_netconf;

/* The configuration of host h; NULL when out of memory. */
struct sim_netconf *sim_netconf_build(const struct sc_host *h);
/* NULL is allowed. */
void	sim_netconf_free(struct sim_netconf *);

#endif /* SIM_NETCONF_H */
