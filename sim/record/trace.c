/*
 * trace.c -- per-packet records (see trace.h).
 *
 * The stage table below names, for each probe that marks a stage of a
 * packet's life, the stage it records, in the order a datagram meets
 * them; a probe whose work may be done by a thread or by an interrupt
 * context names one stage for each, so the records say which did it.
 * Probes not listed are never traced.
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
	{ "ip:output", "ip_output", NULL },
	{ "ether:input", "ether_input", NULL },       /* the poll or legacy softint */
	{ "ip:input", "ip_input", NULL },
	{ "ip:forward", "ip_forward", NULL },
	{ "udp:demux", "demux", NULL },
	{ "rip:demux", "demux", NULL },
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

void
sim_trace_init(struct sim_machine *m)
{
	char name[64];
	size_t named = 0, requests = 0;

	memset(m->trace_stage, 0, sizeof(m->trace_stage));
	memset(m->trace_stage_intr, 0, sizeof(m->trace_stage_intr));
	memset(m->trace_request, 0, sizeof(m->trace_request));
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
				m->trace_request[id] = true;
			}
	}
	/* A stage whose probe is misspelt would silently never be traced. */
	assert(named == __arraycount(trace_stages));
	assert(requests == __arraycount(trace_requests));
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

void
sim_trace_request(struct sim_machine *m, uint64_t req_id, uint64_t sent_ns,
    uint64_t latency_ns)
{
	if (!m->tracing || req_id == 0)
		return;
	/* The program's own clock readings: the response came after. */
	assert(sent_ns <= UINT64_MAX - latency_ns);
	sim_record_request(m->rec, req_id, sent_ns, sent_ns + latency_ns);
}
