/*
 * trace.c -- per-packet records (see trace.h).
 *
 * The stage table below names, for each probe that marks a stage of a
 * packet's life, the stage it records, in the order a datagram meets
 * them; a probe whose work may be done by a thread or by an interrupt
 * context names one stage for each, so the records say which did it.
 * Probes not listed are never traced.
 *
 * TCP's segments are numbered from their socket's SO_PKTID as datagrams
 * are (tcp_client and tcp_server set it), so they have stages too; a
 * segment that resends data has a tcp_rexmit stage, and its tcp_events
 * row (below) puts it in its connection's recovery episode.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sim/record/record.h"
#include "sim/record/trace.h"
#include "sim/scenario/scenario.h"

static const struct {
	const char *probe;              /* "provider:name" */
	const char *stage;
	const char *stage_intr;         /* in an interrupt context, if not stage */
} trace_stages[] = {
	/* Device-side stages ("nic_rx", "intr") come from the NIC models. */
	{ "sock:send", "app_send", NULL },
	{ "tcp:output", "tcp_output", NULL },
	{ "tcp:rexmit", "tcp_rexmit", NULL },
	{ "ip:output", "ip_output", NULL },
	{ "ether:input", "ether_input", NULL },       /* the poll or legacy softint */
	{ "ip:input", "ip_input", NULL },
	{ "ip:forward", "ip_forward", NULL },
	{ "udp:demux", "demux", NULL },
	{ "rip:demux", "demux", NULL },
	{ "tcp:input", "tcp_input", NULL },       /* lazy receive, or demux's ACK */
	{ "sock:wake", "socket_wake", NULL },
	/* Lazy receive: the LWP in soreceive, or the socket's continuation. */
	{ "sock:rcvd", "receive_lwp", "receive_kcont" },
	{ "sock:recv", "app_recv", NULL },
};

/*
 * Probes that close a request: a request-response program took the
 * response to one of its requests.  Each gives a0 the response's bytes,
 * a1 the request's packet id, a2 the round trip in ns (what the program
 * reports) and a3 when the request was sent (sdt_probes.h).
 */
static const char *const trace_requests[] = {
	"ping:reply",
	"rpc_client:response",
};

/*
 * TCP's loss recovery: each firing is a tcp_events row (record.h), its
 * event named here (an exit's by how it ended, sdt_probes.h's codes).
 */
static const char *const trace_tcp[] = {
	"tcp:recovery_enter",
	"tcp:recovery_exit",
	"tcp:rto",
	"tcp:rexmit",
	"tcp:tlp",
};
static const char *const trace_tcp_enter[] = { "fast", "rto" };
static const char *const trace_tcp_exit[] = { "exit_ack", "exit_timeout",
	"exit_dropped" };

void
sim_trace_init(struct sim_machine *m)
{
	char name[64];
	size_t named = 0, requests = 0, tcp = 0;

	memset(m->trace_stage, 0, sizeof(m->trace_stage));
	memset(m->trace_stage_intr, 0, sizeof(m->trace_stage_intr));
	memset(m->trace_probe, 0, sizeof(m->trace_probe));
	m->tracing = m->sc->record.packets && m->rec != NULL;
	if (!m->tracing)
		return;
	for (int id = 0; id < SDT_NPROBES; id++) {
		snprintf(name, sizeof(name), "%s:%s", sdt_probe_provider[id],
		    sdt_probe_name[id]);
		for (size_t i = 0; i < __arraycount(trace_stages); i++)
			if (strcmp(trace_stages[i].probe, name) == 0) {
				named++;
				m->trace_stage[id] = trace_stages[i].stage;
				m->trace_stage_intr[id] =
				    trace_stages[i].stage_intr != NULL ?
				    trace_stages[i].stage_intr :
				    trace_stages[i].stage;
			}
		for (size_t i = 0; i < __arraycount(trace_requests); i++)
			if (strcmp(trace_requests[i], name) == 0) {
				requests++;
				m->trace_probe[id] = true;
			}
		for (size_t i = 0; i < __arraycount(trace_tcp); i++)
			if (strcmp(trace_tcp[i], name) == 0) {
				tcp++;
				m->trace_probe[id] = true;
			}
	}
	/* A stage whose probe is misspelt would silently never be traced. */
	assert(named == __arraycount(trace_stages));
	assert(requests == __arraycount(trace_requests));
	assert(tcp == __arraycount(trace_tcp));
}

void
sim_trace_flows(struct sim_machine *m)
{
	const struct scenario *sc = m->sc;

	if (!m->tracing)
		return;
	for (u_int i = 0; i < sc->nprograms; i++) {
		const struct sc_program *p = &sc->programs[i];
		char desc[256];
		size_t n = 0;

		assert(p->host < sc->nhosts && p->app != NULL);
		desc[0] = '\0';
		for (u_int k = 0; k < p->app->nparams && n < sizeof(desc); k++) {
			const struct app_param *prm = &p->app->params[k];
			char addr[16];

			if (prm->type == APP_INADDR)
				n += (size_t)snprintf(desc + n, sizeof(desc) - n,
				    "%s%s=%s", k ? " " : "", prm->name,
				    app_inaddr_str((uint32_t)p->args.v[k], addr));
			else
				n += (size_t)snprintf(desc + n, sizeof(desc) - n,
				    "%s%s=%lld", k ? " " : "", prm->name,
				    (long long)p->args.v[k]);
		}
		sim_record_flow(m->rec, p->args.flow, sc->hosts[p->host].name,
		    p->app->name, desc, p->app->latency == APP_LATENCY_REQUEST ?
		    "request" : "one_way");
	}
}

void
sim_trace_packet(struct sim_machine *m, uint64_t pkt_id, const char *stage,
    const struct sim_host *h, int cpu, uint64_t t, uint32_t by_flow)
{
	if (!m->tracing || pkt_id == 0)
		return;
	assert(stage != NULL && h != NULL);
	assert(by_flow <= m->sc->nprograms);
	sim_record_packet_stage(m->rec, pkt_id, stage, h->sc->name, cpu, t,
	    by_flow);
}

/* "a.b.c.d:port" of a host-order address and port. */
static void
trace_addr(char *buf, size_t len, uint32_t addr, uint32_t port)
{
	snprintf(buf, len, "%u.%u.%u.%u:%u", addr >> 24, (addr >> 16) & 0xff,
	    (addr >> 8) & 0xff, addr & 0xff, port);
}

/* A tcp_events row of a TCP probe (sdt_probes.h: ADDRS, PORTS). */
static void
trace_tcp_event(struct sim_machine *m, enum sdt_probe_id id,
    const struct sim_host *h, uint64_t t, uint64_t a0, uint64_t a1,
    uint64_t a2, uint64_t a3)
{
	struct sim_tcp_event ev = { .t_ns = t, .host = h->sc->name };
	uint64_t addrs = id == SDT_ID(tcp, rexmit) ? a3 : a1;
	uint32_t v = (uint32_t)a2;
	char local[24], remote[24];

	trace_addr(local, sizeof(local), (uint32_t)(addrs >> 32),
	    (uint32_t)(a2 >> 48));
	trace_addr(remote, sizeof(remote), (uint32_t)addrs,
	    (uint32_t)(a2 >> 32) & 0xffff);
	ev.local = local;
	ev.remote = remote;
	switch (id) {
	case SDT_ID(tcp, recovery_enter):
		assert(v < __arraycount(trace_tcp_enter));
		ev.event = trace_tcp_enter[v];
		ev.snd_una = (int64_t)(a3 >> 32);
		ev.seq = (uint32_t)a3;
		break;
	case SDT_ID(tcp, recovery_exit):
		assert(v < __arraycount(trace_tcp_exit));
		ev.event = trace_tcp_exit[v];
		ev.snd_una = (int64_t)(a3 >> 32);
		ev.seq = (uint32_t)a3;
		break;
	case SDT_ID(tcp, rto):
		ev.event = "timeout";
		ev.snd_una = (int64_t)(a3 >> 32);
		ev.seq = (uint32_t)a3;
		ev.count = v;
		break;
	case SDT_ID(tcp, rexmit):
		ev.event = "rexmit";
		ev.snd_una = -1;
		ev.seq = v;
		ev.count = a0;
		ev.pkt_id = a1;
		break;
	case SDT_ID(tcp, tlp):
		/* Fired once sent: a resent segment's rexmit row is before it. */
		ev.event = "tlp";
		ev.snd_una = (int64_t)(a3 >> 32);
		ev.seq = v;
		ev.count = a0;
		break;
	default:
		assert(!"not a TCP recovery probe");
		return;
	}
	sim_record_tcp_event(m->rec, &ev);
}

void
sim_trace_probe(struct sim_machine *m, enum sdt_probe_id id,
    const struct sim_host *h, uint64_t t, uint64_t a0, uint64_t a1,
    uint64_t a2, uint64_t a3)
{
	assert(id < SDT_NPROBES && m->trace_probe[id] && h != NULL);
	if (!m->tracing)
		return;
	switch (id) {
	case SDT_ID(tcp, recovery_enter):
	case SDT_ID(tcp, recovery_exit):
	case SDT_ID(tcp, rto):
	case SDT_ID(tcp, rexmit):
	case SDT_ID(tcp, tlp):
		trace_tcp_event(m, id, h, t, a0, a1, a2, a3);
		return;
	default:
		break;
	}
	/* A request closed: a1 its id, a2 the round trip, a3 when sent. */
	if (a1 == 0)
		return;
	/* The program's own clock readings: the response came after. */
	assert(a3 <= UINT64_MAX - a2);
	sim_record_request(m->rec, a1, a3, a3 + a2);
}
