/*
 * test_pionic.c -- drives the PIO NIC and its driver for
 * tests/test_pionic.py, which checks the database it writes.
 *
 *   test_pionic run FILE DB [key=value...]
 *	netsim run FILE into DB, with a frame generator (sim/wire/framegen.h)
 *	cabled to one NIC by a link of its own: the external flood.  keys:
 *	  host, nic   the NIC flooded (default: the first NIC of the first
 *	              host); it must be on no link in FILE
 *	  len (60), count (1000), pps, bps (0: back to back), poisson (0),
 *	  start (ns, 0)            the generator's sim_gen_params
 *	  dst         mac (the NIC's own, default), broadcast, or other (a
 *	              unicast address of nobody)
 *	  rate (1e9), mtu (1500)   the generator's link
 *	  seed        overrides the file's
 *	The generator's counters go to the database as gen.flood.*, its
 *	link's as link.flood.ab.*.
 *   test_pionic intr_alloc
 *	an LWP on a fresh machine arms its CPU's timer; the timer's handler
 *	(hardware interrupt context) asks for an mbuf.  The run must stop
 *	with the KASSERT that forbids it (exit status 3): the check every
 *	driver run relies on is compiled in and armed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/wire/framegen.h"
#include "sim/sched/machine.h"
#include "sim/world/world.h"
#include "sim/cli/run.h"
#include "sim/world/testhook.h"
#include "sim/wire/topology.h"
#include "stack/sys/intr.h"
#include "stack/kern/mbuf.h"

struct flood {
	const char *host, *nic;
	const char *dst;
	struct sim_gen_params gp;
	struct sim_link_params lp;
};

static int
flood_set(struct flood *fl, struct sim_run_opts *o, const char *kv)
{
	const char *eq = strchr(kv, '=');
	const char *v;
	size_t n;

	if (eq == NULL)
		return -1;
	n = (size_t)(eq - kv);
	v = eq + 1;
#define KEY(k) (n == strlen(k) && strncmp(kv, k, n) == 0)
	if (KEY("host"))
		fl->host = v;
	else if (KEY("nic"))
		fl->nic = v;
	else if (KEY("dst"))
		fl->dst = v;
	else if (KEY("len"))
		fl->gp.frame_len = (uint32_t)strtoul(v, NULL, 0);
	else if (KEY("count"))
		fl->gp.count = strtoull(v, NULL, 0);
	else if (KEY("pps"))
		fl->gp.rate_pps = strtoull(v, NULL, 0);
	else if (KEY("bps"))
		fl->gp.rate_bps = strtoull(v, NULL, 0);
	else if (KEY("poisson"))
		fl->gp.poisson = atoi(v) != 0;
	else if (KEY("start"))
		fl->gp.start_ns = strtoull(v, NULL, 0);
	else if (KEY("rate"))
		fl->lp.rate_bps = strtoull(v, NULL, 0);
	else if (KEY("mtu"))
		fl->lp.mtu = (uint32_t)strtoul(v, NULL, 0);
	else if (KEY("seed")) {
		o->seed_set = true;
		o->seed = strtoull(v, NULL, 0);
	} else
		return -1;
#undef KEY
	return 0;
}

/* The scenario NIC the flood goes to, by name (NULL: the first). */
static int
flood_target(const struct scenario *sc, const struct flood *fl, unsigned *hp,
    unsigned *np)
{
	for (unsigned h = 0; h < sc->nhosts; h++) {
		const struct sc_host *sh = &sc->hosts[h];

		if (fl->host != NULL && strcmp(sh->name, fl->host) != 0)
			continue;
		for (unsigned i = 0; i < sh->nnics; i++) {
			if (fl->nic != NULL && strcmp(sh->nics[i].name,
			    fl->nic) != 0)
				continue;
			*hp = h;
			*np = i;
			return 0;
		}
	}
	return -1;
}

/*
 * Made once every host has booted: an event pending earlier would keep
 * the machine from ever declaring boot over (and pricing anything).
 */
static struct flood *flood_cur;

static void
flood_start(struct sim_machine *m)
{
	struct flood *fl = flood_cur;
	const struct sc_nic *n;
	struct sim_port *gen, *nicport;
	unsigned h, i;

	if (flood_target(m->sc, fl, &h, &i) != 0) {
		fprintf(stderr, "test_pionic: no NIC %s.%s\n",
		    fl->host ? fl->host : "*", fl->nic ? fl->nic : "*");
		exit(2);
	}
	n = &m->sc->hosts[h].nics[i];
	if (strcmp(fl->dst, "broadcast") == 0)
		memset(fl->gp.dst, 0xff, 6);
	else if (strcmp(fl->dst, "other") == 0)
		memcpy(fl->gp.dst, (const uint8_t[6]){ 2, 0, 0xff, 0xff, 0, 9 },
		    6);
	else
		memcpy(fl->gp.dst, n->mac, 6);
	memcpy(fl->gp.src, (const uint8_t[6]){ 2, 0, 0xee, 0xee, 0, 1 }, 6);
	nicport = sim_topology_nic_port(m, h, i);
	if (nicport->tx != NULL) {
		fprintf(stderr, "test_pionic: NIC %s.%s is on a link already\n",
		    m->sc->hosts[h].name, n->name);
		exit(2);
	}
	if ((gen = sim_topology_port_create(m->topo, "flood")) == NULL ||
	    sim_link_create(m->topo, "flood", gen, nicport, &fl->lp,
	    &fl->lp) == NULL ||
	    sim_gen_create(m->topo, "flood", gen, &fl->gp) == NULL) {
		fprintf(stderr, "test_pionic: out of memory\n");
		exit(2);
	}
	sim_world_start_programs(m);
}

static void
flood_setup(struct sim_machine *m, void *arg)
{
	flood_cur = arg;
	m->after_boot = flood_start;
}

static int
cmd_run(int argc, char **argv)
{
	struct flood fl = {
		.dst = "mac",
		.gp = { .frame_len = 60, .count = 1000 },
		.lp = { .rate_bps = 1000000000ULL, .mtu = 1500 },
	};
	struct sim_run_opts o = { .setup = flood_setup, .setup_arg = &fl };
	struct scenario *sc;
	char err[SC_ERR_MAX];
	int status;

	if (argc < 4) {
		fprintf(stderr, "usage: test_pionic run FILE DB [key=value...]\n");
		return 2;
	}
	o.db_path = argv[3];
	for (int i = 4; i < argc; i++)
		if (flood_set(&fl, &o, argv[i]) != 0) {
			fprintf(stderr, "test_pionic: bad setting %s\n", argv[i]);
			return 2;
		}
	if (sim_scenario_load(argv[2], &sc, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	status = sim_run(sc, &o);
	sim_scenario_free(sc);
	return status;
}

/* --- an allocation in interrupt context --------------------------------- */

static void
intr_alloc_handler(void *arg)
{
	struct mbuf *m;

	(void)arg;
	m = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	printf("intr_alloc: the allocation returned %s\n",
	    m != NULL ? "an mbuf" : "NULL");
	m_freem(m);
}

static void
intr_alloc_lwp(void *arg)
{
	ktimer_t *kt = arg;

	ktimer_init(kt, NULL, intr_alloc_handler, NULL);
	ktimer_arm(kt, getnanouptime() + 1000);
	(void)kpause("test", false, 2, NULL);
}

static int
cmd_intr_alloc(void)
{
	static ktimer_t kt;
	struct sim_test_opts o = { .cpus = 1 };

	return sim_test_run(&o, intr_alloc_lwp, &kt, NULL);
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return cmd_run(argc, argv);
	if (argc == 2 && strcmp(argv[1], "intr_alloc") == 0)
		return cmd_intr_alloc();
	fprintf(stderr, "usage: test_pionic run FILE DB [key=value...] | "
	    "intr_alloc\n");
	return 2;
}
