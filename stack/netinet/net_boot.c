/*
 * net_boot.c -- a host's network configuration, applied once at boot.
 *
 * What rc.d does on a real host, in the order netconf.h gives: create the
 * virtual pairs, the branes (every protocol's pr_init runs for each), put
 * each interface into its brane with its address, add the static routes,
 * turn on forwarding.  The configuration was checked when the scenario
 * was loaded, so a failure to apply it is a bug and panics -- except an
 * interface no driver attached, which is a fact of the build (a NIC model
 * without a driver yet) and only logged.
 *
 * Runs in kern_boot's LWP, before any program; never on a packet path.
 */
#include <sys/kern.h>
#include <sys/netconf.h>

#include <string.h>

#include <net/brane.h>
#include <net/if.h>
#include <net/if_vpair.h>
#include <netinet/in.h>
#include <netinet/in_var.h>
#include <netinet/ip_var.h>
#include <netinet/route.h>

#define NB_IP(a)        (a)[0], (a)[1], (a)[2], (a)[3]

static struct ifnet *
net_boot_ifunit(const char *name)
{
	for (struct ifnet *ifp = if_first(); ifp != NULL; ifp = ifp->if_next)
		if (strcmp(ifp->if_xname, name) == 0)
			return ifp;
	return NULL;
}

static const struct netconf_if *
net_boot_ifconf(const struct netconf *nc, const char *name)
{
	for (u_int i = 0; i < nc->nc_nifs; i++)
		if (strcmp(nc->nc_ifs[i].ni_ifname, name) == 0)
			return &nc->nc_ifs[i];
	return NULL;
}

/* Interfaces into branes, with their addresses, in attach order. */
static void
net_boot_ifs(const struct netconf *nc)
{
	for (struct ifnet *ifp = if_first(); ifp != NULL; ifp = ifp->if_next) {
		const struct netconf_if *ni = net_boot_ifconf(nc, ifp->if_xname);
		struct brane *br = brane_default();
		struct in_addr a;
		int error;

		if (ni != NULL && ni->ni_brane != NULL)
			br = brane_lookup(ni->ni_brane);
		KASSERTMSG(br != NULL, "net_boot: %s: no brane %s", ifp->if_xname,
		    ni != NULL ? ni->ni_brane : "default");
		brane_attach_ifnet(br, ifp);
		if (ni == NULL || !ni->ni_has_addr)
			continue;
		memcpy(&a, ni->ni_addr, 4);
		if ((error = in_addr_add(br, ifp, a, ni->ni_plen)) != 0)
			panic("net_boot: %s: address %u.%u.%u.%u/%u: error %d",
			    ifp->if_xname, NB_IP(ni->ni_addr), ni->ni_plen,
			    error);
	}
	for (u_int i = 0; i < nc->nc_nifs; i++)
		if (net_boot_ifunit(nc->nc_ifs[i].ni_ifname) == NULL)
			kern_printf("net_boot: no interface %s (no driver for "
			    "its NIC?): not configured\n",
			    nc->nc_ifs[i].ni_ifname);
}

static void
net_boot_routes(struct brane *br, const struct netconf_brane *nb)
{
	for (u_int i = 0; i < nb->nb_nroutes; i++) {
		const struct netconf_route *nr = &nb->nb_routes[i];
		struct ifnet *ifp = NULL;
		struct in_addr dst, gw;
		int error;

		if (nr->nr_ifname != NULL &&
		    (ifp = net_boot_ifunit(nr->nr_ifname)) == NULL) {
			kern_printf("net_boot: brane %s: route to "
			    "%u.%u.%u.%u/%u not added: no interface %s\n",
			    nb->nb_name, NB_IP(nr->nr_dst), nr->nr_plen,
			    nr->nr_ifname);
			continue;
		}
		memcpy(&dst, nr->nr_dst, 4);
		memcpy(&gw, nr->nr_gw, 4);
		error = rt_add(br, dst, nr->nr_plen, gw, ifp, 0);
		if (error == ENETUNREACH || error == EADDRNOTAVAIL) {
			/* Its subnet's interface has no driver: logged above. */
			kern_printf("net_boot: brane %s: route to %u.%u.%u.%u/%u "
			    "not added: gateway %u.%u.%u.%u unreachable (error "
			    "%d)\n", nb->nb_name, NB_IP(nr->nr_dst),
			    nr->nr_plen, NB_IP(nr->nr_gw), error);
			continue;
		}
		if (error != 0)
			panic("net_boot: brane %s: route to %u.%u.%u.%u/%u: "
			    "error %d", nb->nb_name, NB_IP(nr->nr_dst),
			    nr->nr_plen, error);
	}
}

void
net_boot(void)
{
	const struct netconf *nc = netconf();
	struct ifnet *a, *b;

	KASSERT(nc != NULL);
	KASSERT(brane_default() == NULL);
	for (u_int i = 0; i < nc->nc_nvpairs; i++) {
		const struct netconf_vpair *nv = &nc->nc_vpairs[i];

		if (vpair_create(nv->nv_a, nv->nv_b, NULL, &a, &b) != 0)
			panic("net_boot: cannot create vpair %s/%s", nv->nv_a,
			    nv->nv_b);
	}
	if (nc->nc_nbranes == 0)
		(void)brane_create("default");
	for (u_int i = 0; i < nc->nc_nbranes; i++)
		(void)brane_create(nc->nc_branes[i].nb_name);
	net_boot_ifs(nc);
	for (u_int i = 0; i < nc->nc_nbranes; i++) {
		const struct netconf_brane *nb = &nc->nc_branes[i];
		struct brane *br = brane_lookup(nb->nb_name);

		net_boot_routes(br, nb);
		br->br_inet->ib_forwarding = nb->nb_forwarding;
	}
}
