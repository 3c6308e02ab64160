/*
 * brane.c -- creating branes and finding them.
 *
 * A brane is created at boot from the host's configuration (netinet/net_boot.c);
 * every protocol of every domain then sets up its part of it through its
 * pr_init, in table order.  The host's branes hang off net_sys(), in
 * creation order; lookups are by name.  Nothing here is on a packet path.
 */
#include <sys/kern.h>
#include <sys/kmem.h>
#include <sys/rwlock.h>

#include <kern/protosw.h>

#include <string.h>

#include <net/brane.h>
#include <net/netsys.h>

struct brane *
brane_create(const char *name)
{
	struct net_sys *ns = net_sys();
	struct brane *br, **pp;

	KASSERT(strlen(name) < BRANE_NAMESZ);
	KASSERTMSG(brane_lookup(name) == NULL, "brane %s exists", name);
	br = kmem_zalloc(sizeof(*br), KM_SLEEP);
	memcpy(br->br_name, name, strlen(name) + 1);
	rw_init(&br->br_lock);
	for (pp = &ns->ns_branes; *pp != NULL; pp = &(*pp)->br_next)
		continue;
	for (u_int d = 0; domains[d] != NULL; d++) {
		const struct domain *dom = domains[d];

		for (u_int i = 0; i < dom->dom_nprotosw; i++) {
			const struct protosw *pr = &dom->dom_protosw[i];
			int error;

			if (pr->pr_init == NULL)
				continue;
			if ((error = (*pr->pr_init)(br)) != 0)
				panic("brane %s: %s pr_init failed, error %d",
				    name, pr->pr_name, error);
		}
	}
	*pp = br;
	return br;
}

void
brane_group(const struct brane *br, const char *prefix, char *dst,
    size_t size)
{
	size_t p = strlen(prefix), n = strlen(br->br_name);

	KASSERT(p + n < size);
	memcpy(dst, prefix, p);
	memcpy(dst + p, br->br_name, n + 1);
}

struct brane *
brane_lookup(const char *name)
{
	for (struct brane *br = net_sys()->ns_branes; br; br = br->br_next)
		if (strcmp(br->br_name, name) == 0)
			return br;
	return NULL;
}

struct brane *
brane_default(void)
{
	return net_sys()->ns_branes;
}

void
brane_attach_ifnet(struct brane *br, struct ifnet *ifp)
{
	struct ifnet **pp;

	KASSERTMSG(ifp->if_brane == NULL, "%s is in brane %s already",
	    ifp->if_xname, ifp->if_brane ? ifp->if_brane->br_name : "?");
	rw_enter(&br->br_lock, RW_WRITER);
	for (pp = &br->br_ifnets; *pp != NULL; pp = &(*pp)->if_brane_next)
		continue;
	*pp = ifp;
	ifp->if_brane = br;
	rw_exit(&br->br_lock);
}
