/*
 * netconf.c -- the machine's side of <sys/netconf.h>: each host's network
 * configuration, translated from its scenario entry.
 *
 * Built once per host when the machine is set up (sim_netconf_build),
 * read-only afterwards; every string points into the scenario, which
 * outlives the machine.  NICs and vpair ends with nothing to say (default
 * brane, no address) are still listed: the order is the scenario's, NICs
 * first, so net_boot's log and errors name them in file order.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/sched/machine.h"
#include "sim/sys/ks_netconf.h"
#include "stack/sys/netconf.h"

struct sim_netconf {
	struct netconf nc;
	struct netconf_brane *branes;
	struct netconf_route *routes;
	struct netconf_if *ifs;
	struct netconf_vpair *vpairs;
};

static void
nc_if(struct netconf_if *ni, const char *name, const struct sc_ifconf *c)
{
	ni->ni_ifname = name;
	ni->ni_brane = c->brane[0] != '\0' ? c->brane : "default";
	ni->ni_has_addr = c->has_addr;
	memcpy(ni->ni_addr, c->addr, 4);
	ni->ni_plen = c->plen;
}

static void
nc_route(struct netconf_route *nr, const struct sc_route *r)
{
	memcpy(nr->nr_dst, r->dst, 4);
	nr->nr_plen = r->plen;
	memset(nr->nr_gw, 0, 4);
	if (r->has_gw)
		memcpy(nr->nr_gw, r->gw, 4);
	nr->nr_ifname = r->dev[0] != '\0' ? r->dev : NULL;
}

static int
nc_branes(struct sim_netconf *s, const struct sc_host *h)
{
	unsigned nroutes = 0, k = 0;

	for (unsigned i = 0; i < h->nbranes; i++)
		nroutes += h->branes[i].nroutes;
	s->branes = calloc(h->nbranes ? h->nbranes : 1, sizeof(*s->branes));
	s->routes = calloc(nroutes ? nroutes : 1, sizeof(*s->routes));
	if (s->branes == NULL || s->routes == NULL)
		return -1;
	for (unsigned i = 0; i < h->nbranes; i++) {
		const struct sc_brane *b = &h->branes[i];
		struct netconf_brane *nb = &s->branes[i];

		nb->nb_name = b->name;
		nb->nb_forwarding = b->forwarding;
		nb->nb_syncache = b->syncache;
		nb->nb_nroutes = b->nroutes;
		nb->nb_routes = &s->routes[k];
		for (unsigned j = 0; j < b->nroutes; j++)
			nc_route(&s->routes[k++], &b->routes[j]);
	}
	s->nc.nc_nbranes = h->nbranes;
	s->nc.nc_branes = s->branes;
	return 0;
}

struct sim_netconf *
sim_netconf_build(const struct sc_host *h)
{
	struct sim_netconf *s = calloc(1, sizeof(*s));
	unsigned nifs = h->nnics + 2 * h->nvpairs, k = 0;

	if (s == NULL)
		return NULL;
	s->ifs = calloc(nifs ? nifs : 1, sizeof(*s->ifs));
	s->vpairs = calloc(h->nvpairs ? h->nvpairs : 1, sizeof(*s->vpairs));
	if (s->ifs == NULL || s->vpairs == NULL || nc_branes(s, h) != 0) {
		sim_netconf_free(s);
		return NULL;
	}
	for (unsigned i = 0; i < h->nnics; i++)
		nc_if(&s->ifs[k++], h->nics[i].name, &h->nics[i].conf);
	for (unsigned i = 0; i < h->nvpairs; i++) {
		const struct sc_vpair *v = &h->vpairs[i];

		s->vpairs[i].nv_a = v->a.name;
		s->vpairs[i].nv_b = v->b.name;
		nc_if(&s->ifs[k++], v->a.name, &v->a.conf);
		nc_if(&s->ifs[k++], v->b.name, &v->b.conf);
	}
	s->nc.nc_nifs = nifs;
	s->nc.nc_ifs = s->ifs;
	s->nc.nc_nvpairs = h->nvpairs;
	s->nc.nc_vpairs = s->vpairs;
	return s;
}

void
sim_netconf_free(struct sim_netconf *s)
{
	if (s == NULL)
		return;
	free(s->branes);
	free(s->routes);
	free(s->ifs);
	free(s->vpairs);
	free(s);
}

const struct netconf *
netconf(void)
{
	struct sim_machine *m = sim_cur;

	KASSERT(m != NULL && m->running != NULL);
	return &m->running->host->netconf->nc;
}
