/*
 * uipc_domain.c -- the domains this kernel has, and finding a protocol.
 *
 * The table is constant: a domain is a row here, a protocol a row of its
 * domain's protosw array.
 */
#include <sys/kern.h>

#include <kern/protosw.h>
#include <kern/ksocket.h>

#include <netinet/ip_var.h>

/* Each domain adds its row. */
const struct domain *const domains[] = {
	&inetdomain,
	NULL,
};

const struct protosw *
pffindproto(int family, int protocol, int type)
{
	const struct protosw *any = NULL;

	for (u_int d = 0; domains[d] != NULL; d++) {
		const struct domain *dom = domains[d];

		if (dom->dom_family != family)
			continue;
		for (u_int i = 0; i < dom->dom_nprotosw; i++) {
			const struct protosw *pr = &dom->dom_protosw[i];

			if (pr->pr_type != type || pr->pr_attach == NULL)
				continue;
			if (pr->pr_protocol == protocol)
				return pr;
			/* A wildcard raw protocol takes any number. */
			if (type == SOCK_RAW && pr->pr_protocol == 0 &&
			    any == NULL)
				any = pr;
		}
	}
	return any;
}

const struct protosw *
pffindtype(int family, int type)
{
	for (u_int d = 0; domains[d] != NULL; d++) {
		const struct domain *dom = domains[d];

		if (dom->dom_family != family)
			continue;
		for (u_int i = 0; i < dom->dom_nprotosw; i++)
			if (dom->dom_protosw[i].pr_type == type &&
			    dom->dom_protosw[i].pr_attach != NULL)
				return &dom->dom_protosw[i];
	}
	return NULL;
}
