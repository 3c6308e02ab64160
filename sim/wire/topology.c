/*
 * topology.c -- build the wires a scenario describes, keep them, sample
 * and free them (see topology.h).
 *
 * The builder trusts the loader for names and ranges (every endpoint
 * exists and is used once), and only asserts it.  Links are made in file
 * order, so a scenario link's index here is its index in the file, which
 * is how its "pcap" key is found.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/scenario/scenario.h"
#include "sim/wire/bridge.h"
#include "sim/wire/framegen.h"
#include "sim/sched/machine.h"
#include "sim/wire/pcap.h"
#include "sim/record/record.h"
#include "sim/wire/switch.h"
#include "sim/wire/topology.h"

/* Grow *arr (of *cap pointers) to hold one more; -1 if out of memory. */
static int
topo_grow(void ***arr, unsigned *cap, unsigned n)
{
	unsigned ncap;
	void **a;

	if (n < *cap)
		return 0;
	ncap = *cap ? 2 * *cap : 8;
	if ((a = realloc(*arr, ncap * sizeof(*a))) == NULL)
		return -1;
	*arr = a;
	*cap = ncap;
	return 0;
}

int
sim_topology_add_link(struct sim_topology *t, struct sim_link *l)
{
	if (topo_grow((void ***)&t->links, &t->links_cap, t->nlinks) != 0)
		return -1;
	t->links[t->nlinks++] = l;
	return 0;
}

int
sim_topology_add_switch(struct sim_topology *t, struct sim_switch *sw)
{
	if (topo_grow((void ***)&t->switches, &t->switches_cap,
	    t->nswitches) != 0)
		return -1;
	t->switches[t->nswitches++] = sw;
	return 0;
}

int
sim_topology_add_gen(struct sim_topology *t, struct sim_gen *g)
{
	if (topo_grow((void ***)&t->gens, &t->gens_cap, t->ngens) != 0)
		return -1;
	t->gens[t->ngens++] = g;
	return 0;
}

int
sim_topology_add_bridge(struct sim_topology *t, struct sim_bridge *br)
{
	if (topo_grow((void ***)&t->bridges, &t->bridges_cap,
	    t->nbridges) != 0)
		return -1;
	t->bridges[t->nbridges++] = br;
	return 0;
}

struct sim_topology *
sim_topology_create(struct sim_machine *m)
{
	struct sim_topology *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->m = m;
	sim_frame_pool_init(&t->pool, 0);
	return t;
}

struct sim_port *
sim_topology_port_create(struct sim_topology *t, const char *name)
{
	struct sim_port *p;

	if (topo_grow((void ***)&t->ports, &t->ports_cap, t->nports) != 0 ||
	    (p = malloc(sizeof(*p))) == NULL)
		return NULL;
	sim_port_init(p, t, name);
	t->ports[t->nports++] = p;
	return p;
}

uint64_t
sim_topology_now(const struct sim_topology *t)
{
	const struct sim_machine *m = t->m;
	uint64_t now = m->eng.now;

	if (m->running != NULL && m->running->clock > now)
		now = m->running->clock;
	return now;
}

/* --- building from a scenario -------------------------------------------- */

static int
topo_build_nics(struct sim_topology *t, const struct scenario *sc)
{
	char name[SIM_PORT_NAME_MAX];

	t->nic_ports = calloc(sc->nhosts, sizeof(*t->nic_ports));
	if (t->nic_ports == NULL)
		return -1;
	t->nhosts = sc->nhosts;
	for (unsigned h = 0; h < sc->nhosts; h++) {
		const struct sc_host *sh = &sc->hosts[h];

		if (sh->nnics == 0)
			continue;
		t->nic_ports[h] = calloc(sh->nnics, sizeof(struct sim_port));
		if (t->nic_ports[h] == NULL)
			return -1;
		for (unsigned i = 0; i < sh->nnics; i++) {
			snprintf(name, sizeof(name), "%s.%s", sh->name,
			    sh->nics[i].name);
			sim_port_init(&t->nic_ports[h][i], t, name);
		}
	}
	return 0;
}

static struct sim_port *
topo_endpoint(struct sim_topology *t, const struct sc_link *l,
    const struct sc_endpoint *ep)
{
	struct sim_bridge *br;

	if (ep->kind == SC_EP_BRIDGE) {
		br = sim_bridge_create(t, l->name, l->tap);
		return br != NULL ? sim_bridge_port(br) : NULL;
	}
	if (ep->kind == SC_EP_NIC)
		return sim_topology_nic_port(t->m, ep->index, ep->sub);
	assert(ep->kind == SC_EP_SWITCH && ep->index < t->nswitches);
	return sim_switch_port(t->switches[ep->index], ep->sub);
}

int
sim_topology_build(struct sim_topology *t, const struct scenario *sc)
{
	assert(t->nlinks == 0 && t->nswitches == 0 && t->nic_ports == NULL);
	for (unsigned i = 0; i < sc->nswitches; i++) {
		const struct sc_switch *s = &sc->switches[i];
		struct sim_switch_params p = {
			.ports = s->ports,
			.latency_ns = s->latency_ns,
			.queue = s->queue,
			.aging_ns = s->aging_ns,
		};

		if (sim_switch_create(t, s->name, &p) == NULL)
			return -1;
	}
	if (topo_build_nics(t, sc) != 0)
		return -1;
	for (unsigned i = 0; i < sc->nlinks; i++) {
		const struct sc_link *l = &sc->links[i];
		struct sim_link_params p = {
			.rate_bps = l->rate_bps,
			.delay_ns = l->delay_ns,
			.mtu = l->mtu,
			.loss = l->loss,
			.reorder = l->reorder,
			.reorder_delay_ns = l->reorder_delay_ns,
		};
		struct sim_port *a, *b;

		a = topo_endpoint(t, l, &l->a);
		b = topo_endpoint(t, l, &l->b);
		if (a == NULL || b == NULL ||
		    sim_link_create(t, l->name, a, b, &p, &p) == NULL)
			return -1;
	}
	t->sc_nlinks = sc->nlinks;
	return 0;
}

void
sim_topology_destroy(struct sim_topology *t)
{
	if (t == NULL)
		return;
	(void)sim_topology_pcap_close(t, NULL, 0);
	for (unsigned i = t->ngens; i-- > 0;)
		sim_gen_destroy(t->gens[i]);
	for (unsigned i = t->nbridges; i-- > 0;)
		sim_bridge_destroy(t->bridges[i]);
	for (unsigned i = t->nlinks; i-- > 0;)
		sim_link_destroy(t->links[i]);
	for (unsigned i = t->nswitches; i-- > 0;)
		sim_switch_destroy(t->switches[i]);
	for (unsigned i = 0; i < t->nports; i++)
		free(t->ports[i]);
	for (unsigned h = 0; h < t->nhosts; h++)
		free(t->nic_ports[h]);
	free(t->nic_ports);
	free(t->gens);
	free(t->bridges);
	free(t->links);
	free(t->switches);
	free(t->ports);
	sim_frame_pool_fini(&t->pool);
	free(t);
}

struct sim_port *
sim_topology_nic_port(struct sim_machine *m, unsigned host, unsigned nic)
{
	struct sim_topology *t = m->topo;

	assert(t != NULL && host < t->nhosts);
	assert(nic < m->sc->hosts[host].nnics);
	return &t->nic_ports[host][nic];
}

struct sim_link *
sim_topology_link(const struct sim_topology *t, const char *name)
{
	for (unsigned i = 0; i < t->nlinks; i++)
		if (strcmp(sim_link_name(t->links[i]), name) == 0)
			return t->links[i];
	return NULL;
}

struct sim_switch *
sim_topology_switch(const struct sim_topology *t, const char *name)
{
	for (unsigned i = 0; i < t->nswitches; i++)
		if (strcmp(sim_switch_name(t->switches[i]), name) == 0)
			return t->switches[i];
	return NULL;
}

/* --- captures -------------------------------------------------------------- */

/*
 * Make dir and its missing parents, as `mkdir -p` does.  The error names
 * the directory that could not be made and why.
 */
static int
topo_mkdirs(const char *dir, char *err, size_t errlen)
{
	char path[SC_PATH_MAX];
	size_t n = strlen(dir);
	struct stat st;

	if (n >= sizeof(path)) {
		snprintf(err, errlen, "pcap directory %.64s...: the path is "
		    "too long", dir);
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (char *p = path + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) != 0 && (errno != EEXIST ||
		    stat(path, &st) != 0 || !S_ISDIR(st.st_mode))) {
			snprintf(err, errlen, "pcap directory %s: cannot "
			    "create %s: %s", dir, path, errno == EEXIST ?
			    "a file of that name is in the way" :
			    strerror(errno));
			return -1;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	assert(stat(dir, &st) == 0 && S_ISDIR(st.st_mode));
	return 0;
}

/*
 * The file of a capture: DIR/<link>.pcap with --pcap DIR, else the
 * scenario link's own "pcap", where a relative name counts from the
 * scenario file's folder (as its reader expects), not from the cwd.
 * Returns snprintf's count.
 */
static int
topo_pcap_path(const struct scenario *sc, const char *dir,
    const struct sim_link *l, const char *own, char *buf, size_t len)
{
	const char *slash;

	if (dir != NULL)
		return snprintf(buf, len, "%s/%s.pcap", dir, sim_link_name(l));
	assert(own != NULL);
	slash = sc->file != NULL ? strrchr(sc->file, '/') : NULL;
	if (own[0] == '/' || slash == NULL)
		return snprintf(buf, len, "%s", own);
	return snprintf(buf, len, "%.*s/%s", (int)(slash - sc->file), sc->file,
	    own);
}

int
sim_topology_pcap_open(struct sim_topology *t, const char *dir, char *err,
    size_t errlen)
{
	const struct scenario *sc = t->m->sc;
	char path[2 * SC_PATH_MAX + SC_NAME_MAX + 8];

	if (dir != NULL && topo_mkdirs(dir, err, errlen) != 0)
		return -1;
	for (unsigned i = 0; i < t->nlinks; i++) {
		struct sim_link *l = t->links[i];
		const char *own = i < t->sc_nlinks ? sc->links[i].pcap : NULL;
		struct sim_pcap *pc;
		int n;

		assert(sim_link_pcap(l) == NULL);
		if (dir == NULL && own == NULL)
			continue;
		n = topo_pcap_path(sc, dir, l, own, path, sizeof(path));
		if (n < 0 || (size_t)n >= sizeof(path)) {
			snprintf(err, errlen, "pcap file %.64s...: the path is "
			    "too long", path);
			return -1;
		}
		if ((pc = sim_pcap_open(path, err, errlen)) == NULL)
			return -1;
		sim_link_set_pcap(l, pc);
	}
	return 0;
}

void
sim_topology_pcap_async(struct sim_topology *t, struct sim_writer *w)
{
	for (unsigned i = 0; i < t->nlinks; i++)
		if (sim_link_pcap(t->links[i]) != NULL)
			sim_pcap_async(sim_link_pcap(t->links[i]), w);
}

int
sim_topology_pcap_close(struct sim_topology *t, char *err, size_t errlen)
{
	int r = 0;

	for (unsigned i = 0; i < t->nlinks; i++) {
		struct sim_pcap *pc = sim_link_pcap(t->links[i]);

		if (pc == NULL)
			continue;
		sim_link_set_pcap(t->links[i], NULL);
		if (sim_pcap_close(pc, r == 0 ? err : NULL, errlen) != 0)
			r = -1;
	}
	return r;
}

/* --- counters ---------------------------------------------------------------- */

void
sim_topology_sample(struct sim_machine *m, uint64_t t_ns)
{
	struct sim_topology *t = m->topo;

	if (t == NULL || m->rec == NULL || !m->sc->record.counters)
		return;
	for (unsigned i = 0; i < t->nlinks; i++)
		sim_link_sample(t->links[i], m->rec, t_ns);
	for (unsigned i = 0; i < t->nswitches; i++)
		sim_switch_sample(t->switches[i], m->rec, t_ns);
	for (unsigned i = 0; i < t->ngens; i++)
		sim_gen_sample(t->gens[i], m->rec, t_ns);
	for (unsigned i = 0; i < t->nbridges; i++)
		sim_bridge_sample(t->bridges[i], m->rec, t_ns);
	sim_record_counter(m->rec, "frames.in_use", NULL, -1, t_ns,
	    (int64_t)t->pool.in_use);
	sim_record_counter(m->rec, "frames.in_use_hw", NULL, -1, t_ns,
	    (int64_t)t->pool.in_use_hw);
	sim_record_counter(m->rec, "frames.nobuf", NULL, -1, t_ns,
	    (int64_t)t->pool.failed);
}
