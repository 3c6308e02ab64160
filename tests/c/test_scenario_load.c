/*
 * test_scenario_load.c -- drive the scenario loader from pytest.
 *
 *	test_scenario_load FILE          load FILE; print what was understood
 *	test_scenario_load --dump-tables print the tables the format comes from
 *	test_scenario_load --parse KIND VALUE...
 *	                                 run a unit parser on each VALUE
 *
 * Loading prints, on success, a JSON dump of the whole struct scenario
 * with every default filled in (stable: keys in a fixed order) and exits
 * 0; on failure it prints the loader's one error line to stderr and exits
 * 2, exactly as `netsim validate FILE` does.  --dump-tables prints every
 * table the format comes from -- the objects and keys of format.h, the
 * cost names, the probes, the programs with their parameters -- for
 * scripts/gen_schema.py, which makes the JSON Schema and the README's
 * tables of them.  --parse prints one line
 * per value: the number, or "error: " and the message; it exits 2 if any
 * value was refused.  KIND is duration_ps, duration_ns, rate_bps,
 * rate_pps or size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sim/scenario/format.h"
#include "sim/scenario/scenario.h"

static const char *const param_type_names[] = {
	[APP_INT] = "int",
	[APP_BOOL] = "bool",
	[APP_DURATION] = "duration",
	[APP_SIZE] = "size",
	[APP_RATE_BPS] = "rate_bps",
	[APP_RATE_PPS] = "rate_pps",
	[APP_ENUM] = "enum",
	[APP_INADDR] = "inaddr",
	[APP_IFACE] = "iface",
	[APP_ETHER] = "ether",
	[APP_UDP_BIND] = "udp_bind",
	[APP_TIMES] = "times",
};

/* An APP_ETHER value as the file writes it: "broadcast" or the MAC. */
static json_t *
dump_ether(int64_t v)
{
	char buf[24];

	if (v == APP_ETHER_BROADCAST)
		return json_string("broadcast");
	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x",
	    (unsigned)(v >> 40) & 0xff, (unsigned)(v >> 32) & 0xff,
	    (unsigned)(v >> 24) & 0xff, (unsigned)(v >> 16) & 0xff,
	    (unsigned)(v >> 8) & 0xff, (unsigned)v & 0xff);
	return json_string(buf);
}

/* An APP_INADDR value (host byte order) as the scenario writes it. */
static json_t *
dump_inaddr(int64_t v)
{
	char buf[16];
	uint32_t a = (uint32_t)v;

	snprintf(buf, sizeof(buf), "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
	    (a >> 8) & 0xff, a & 0xff);
	return json_string(buf);
}

static json_t *
dump_cost(const struct sim_cost *c)
{
	json_t *o = json_object(), *probes = json_object();
	char name[128];

	for (int i = 0; i < SIM_NCOSTS; i++)
		json_object_set_new(o, sim_cost_table[i].name,
		    json_integer((json_int_t)c->ns[i]));
	for (int i = 0; i < SDT_NPROBES; i++) {
		snprintf(name, sizeof(name), "%s:%s", sdt_probe_provider[i],
		    sdt_probe_name[i]);
		json_object_set_new(probes, name, json_pack("{s:I, s:I}",
		    "fixed_ps", (json_int_t)c->probe[i].fixed_ps,
		    "per_unit_ps", (json_int_t)c->probe[i].per_unit_ps));
	}
	json_object_set_new(o, "probes", probes);
	return o;
}

/* "10.0.0.1/24" (plen >= 0) or "10.0.0.1". */
static json_t *
dump_addr(const uint8_t a[4], int plen)
{
	char buf[32];

	if (plen < 0)
		snprintf(buf, sizeof(buf), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	else
		snprintf(buf, sizeof(buf), "%u.%u.%u.%u/%d", a[0], a[1], a[2],
		    a[3], plen);
	return json_string(buf);
}

static json_t *
dump_ifaddr(const struct sc_ifconf *c)
{
	return c->has_addr ? dump_addr(c->addr, (int)c->plen) : json_null();
}

static json_t *
dump_nic(const struct sc_nic *n)
{
	char mac[24];

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0],
	    n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
	return json_pack("{s:s, s:s, s:s, s:b, s:o, s:s}", "name", n->name,
	    "type", sc_nic_type_names[n->type], "mac", mac,
	    "mac_given", n->mac_given, "addr", dump_ifaddr(&n->conf),
	    "brane", n->conf.brane);
}

static json_t *
dump_vpair_end(const struct sc_vpair_end *e)
{
	return json_pack("{s:s, s:o, s:s}", "name", e->name,
	    "addr", dump_ifaddr(&e->conf), "brane", e->conf.brane);
}

static json_t *
dump_brane(const struct sc_brane *b)
{
	json_t *routes = json_array();

	for (unsigned i = 0; i < b->nroutes; i++) {
		const struct sc_route *r = &b->routes[i];

		json_array_append_new(routes, json_pack("{s:o, s:o, s:o}",
		    "dst", dump_addr(r->dst, (int)r->plen),
		    "via", r->has_gw ? dump_addr(r->gw, -1) : json_null(),
		    "dev", r->dev[0] ? json_string(r->dev) : json_null()));
	}
	return json_pack("{s:s, s:b, s:o}", "name", b->name,
	    "forwarding", b->forwarding, "routes", routes);
}

static json_t *
dump_host(const struct sc_host *h)
{
	json_t *nics = json_array(), *vpairs = json_array();
	json_t *branes = json_array();

	for (unsigned i = 0; i < h->nnics; i++)
		json_array_append_new(nics, dump_nic(&h->nics[i]));
	for (unsigned i = 0; i < h->nvpairs; i++)
		json_array_append_new(vpairs, json_pack("{s:o, s:o}",
		    "a", dump_vpair_end(&h->vpairs[i].a),
		    "b", dump_vpair_end(&h->vpairs[i].b)));
	for (unsigned i = 0; i < h->nbranes; i++)
		json_array_append_new(branes, dump_brane(&h->branes[i]));
	return json_pack("{s:s, s:i, s:i, s:I, s:o, s:o, s:o, s:o}", "name",
	    h->name, "cpus", (int)h->cpus, "hz", h->tick_hz,
	    "quantum_ns", (json_int_t)h->quantum_ns, "cost", dump_cost(&h->cost),
	    "nics", nics, "vpairs", vpairs, "branes", branes);
}

static json_t *
dump_switch(const struct sc_switch *s)
{
	return json_pack("{s:s, s:i, s:I, s:i, s:I}", "name", s->name,
	    "ports", (int)s->ports, "latency_ns", (json_int_t)s->latency_ns,
	    "queue", (int)s->queue, "aging_ns", (json_int_t)s->aging_ns);
}

/*
 * An endpoint as the file writes it, from what the loader resolved (a
 * bridge: its TAP device, tap).
 */
static json_t *
dump_endpoint(const struct scenario *sc, const struct sc_endpoint *ep,
    const char *tap)
{
	char name[256];

	if (ep->kind == SC_EP_BRIDGE)
		return json_pack("{s:s, s:s}", "kind", "bridge", "tap", tap);
	if (ep->kind == SC_EP_NIC)
		snprintf(name, sizeof(name), "%s.%s", sc->hosts[ep->index].name,
		    sc->hosts[ep->index].nics[ep->sub].name);
	else
		snprintf(name, sizeof(name), "%s.%u",
		    sc->switches[ep->index].name, ep->sub);
	return json_pack("{s:s, s:s, s:i, s:i}", "name", name,
	    "kind", ep->kind == SC_EP_NIC ? "nic" : "switch",
	    "index", (int)ep->index, "sub", (int)ep->sub);
}

static json_t *
dump_link(const struct scenario *sc, const struct sc_link *l)
{
	return json_pack("{s:s, s:o, s:o, s:I, s:I, s:i, s:f, s:f, s:I, s:s?}",
	    "name", l->name, "a", dump_endpoint(sc, &l->a, l->tap),
	    "b", dump_endpoint(sc, &l->b, l->tap),
	    "rate_bps", (json_int_t)l->rate_bps,
	    "delay_ns", (json_int_t)l->delay_ns, "mtu", (int)l->mtu,
	    "loss", l->loss, "reorder", l->reorder,
	    "reorder_delay_ns", (json_int_t)l->reorder_delay_ns,
	    "pcap", l->pcap);
}

/* A fault as loaded, its target resolved to indexes. */
static json_t *
dump_fault(const struct sc_fault *f)
{
	return json_pack("{s:s, s:s, s:i, s:i, s:i, s:I, s:o, s:I, s:I, s:b, "
	    "s:I, s:s, s:f, s:f, s:f, s:f, s:f, s:s, s:I, s:I, s:I, s:f, s:f}",
	    "kind", sc_fault_kind_names[f->kind], "target", f->target,
	    "host", (int)f->host, "sub", (int)f->sub, "link", (int)f->link,
	    "start_ns", (json_int_t)f->start_ns,
	    "end_ns", f->end_ns == SC_FAULT_NO_END ? json_null() :
	    json_integer((json_int_t)f->end_ns),
	    "count", (json_int_t)f->count, "rate_pps", (json_int_t)f->rate_pps,
	    "frames", f->frames, "size", (json_int_t)f->size,
	    "model", sc_loss_model_names[f->model], "loss", f->loss,
	    "to_bad", f->to_bad, "to_good", f->to_good,
	    "loss_good", f->loss_good, "loss_bad", f->loss_bad,
	    "dir", sc_fault_dir_names[f->dir], "down_ns", (json_int_t)f->down_ns,
	    "up_ns", (json_int_t)f->up_ns, "delay_ns", (json_int_t)f->delay_ns,
	    "fail", f->fail, "probability", f->probability);
}

static json_t *
dump_arg(const struct app_param *prm, int64_t v)
{
	switch (prm->type) {
	case APP_BOOL:
		return json_boolean(v != 0);
	case APP_ENUM:
		return json_string(prm->choices[v]);
	case APP_INADDR:
		return dump_inaddr(v);
	case APP_ETHER:
		return dump_ether(v);
	default:
		return json_integer((json_int_t)v);
	}
}

static json_t *
dump_program(const struct scenario *sc, const struct sc_program *p)
{
	json_t *args = json_object(), *v = json_array(), *times = json_array();

	for (u_int i = 0; i < p->app->nparams; i++) {
		json_object_set_new(args, p->app->params[i].name,
		    dump_arg(&p->app->params[i], p->args.v[i]));
		json_array_append_new(v, json_integer((json_int_t)p->args.v[i]));
	}
	for (u_int i = 0; i < p->app->nparams; i++)
		for (int64_t k = 0; p->app->params[i].type == APP_TIMES &&
		    k < p->args.v[i]; k++)
			json_array_append_new(times,
			    json_integer((json_int_t)p->args.times_ns[k]));
	return json_pack("{s:s, s:s, s:i, s:i, s:b, s:o, s:o, s:s, s:b, s:i, "
	    "s:o}", "program", p->app->name, "host", sc->hosts[p->host].name,
	    "host_index", (int)p->host, "instance", (int)p->args.instance,
	    "desc_matches", p->args.desc == p->app, "args", args, "v", v,
	    "brane", p->brane, "args_brane_matches",
	    p->args.brane == p->brane, "flow", (int)p->args.flow,
	    "times_ns", times);
}

static json_t *
dump_scenario(const struct scenario *sc)
{
	json_t *hosts = json_array(), *programs = json_array();
	json_t *switches = json_array(), *links = json_array();
	json_t *faults = json_array(), *out;

	for (unsigned i = 0; i < sc->nhosts; i++)
		json_array_append_new(hosts, dump_host(&sc->hosts[i]));
	for (unsigned i = 0; i < sc->nprograms; i++)
		json_array_append_new(programs,
		    dump_program(sc, &sc->programs[i]));
	for (unsigned i = 0; i < sc->nswitches; i++)
		json_array_append_new(switches, dump_switch(&sc->switches[i]));
	for (unsigned i = 0; i < sc->nlinks; i++)
		json_array_append_new(links, dump_link(sc, &sc->links[i]));
	for (unsigned i = 0; i < sc->nfaults; i++)
		json_array_append_new(faults, dump_fault(&sc->faults[i]));
	out = json_pack("{s:s, s:s, s:s?, s:I, s:I, s:o, s:o, s:o, s:o, "
	    "s:{s:I, s:b}, s:{s:I, s:I}, s:{s:s}, s:I}",
	    "file", sc->file, "name", sc->name,
	    "description", sc->description,
	    "seed", (json_int_t)sc->seed,
	    "duration_ns", (json_int_t)sc->duration_ns,
	    "hosts", hosts, "switches", switches, "links", links,
	    "workload", programs,
	    "record", "interval_ns", (json_int_t)sc->record.interval_ns,
	    "counters", sc->record.counters,
	    "limits", "events", (json_int_t)sc->limits.max_events,
	    "points", (json_int_t)sc->limits.max_points,
	    "interleaving", "policy", sc_policy_names[sc->interleaving.policy],
	    "text_bytes", (json_int_t)strlen(sc->text));
	json_object_set_new(out, "faults", faults);
	return out;
}

static const char *const unit_names[SIM_NUNIT_KINDS] = {
	[SIM_UNIT_DURATION_PS] = "duration_ps",
	[SIM_UNIT_DURATION_NS] = "duration_ns",
	[SIM_UNIT_RATE_BPS] = "rate_bps",
	[SIM_UNIT_RATE_PPS] = "rate_pps",
	[SIM_UNIT_SIZE] = "size",
};

/* A value of unit u as a scenario writes it: "10ms", "64KiB", "0". */
static json_t *
dump_unit_text(enum sim_unit_kind u, int64_t v)
{
	char buf[64];

	if (v == 0)
		return json_string("0");
	sim_format_unit(u, (uint64_t)v, buf, sizeof(buf));
	return json_string(buf);
}

/* The unit of a parameter type with one, or SIM_NUNIT_KINDS. */
static enum sim_unit_kind
param_unit(enum app_param_type type)
{
	switch (type) {
	case APP_DURATION:
		return SIM_UNIT_DURATION_NS;
	case APP_SIZE:
		return SIM_UNIT_SIZE;
	case APP_RATE_BPS:
		return SIM_UNIT_RATE_BPS;
	case APP_RATE_PPS:
		return SIM_UNIT_RATE_PPS;
	default:
		return SIM_NUNIT_KINDS;
	}
}

/* A parameter's value v as a workload entry writes it. */
static json_t *
dump_param_text(const struct app_param *prm, int64_t v)
{
	enum sim_unit_kind u = param_unit(prm->type);

	if (u != SIM_NUNIT_KINDS)
		return dump_unit_text(u, v);
	return dump_arg(prm, v);
}

static json_t *
dump_param(const struct app_param *prm)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:o, s:s, s:b}", "name",
	    prm->name, "type", param_type_names[prm->type],
	    "default", (json_int_t)prm->def,
	    "default_text", dump_param_text(prm, prm->def),
	    "doc", prm->doc, "required", prm->required);

	if (prm->type == APP_ENUM) {
		json_t *c = json_array();

		for (size_t i = 0; prm->choices[i] != NULL; i++)
			json_array_append_new(c, json_string(prm->choices[i]));
		json_object_set_new(o, "choices", c);
	} else if (prm->type != APP_BOOL) {
		json_object_set_new(o, "min", json_integer((json_int_t)prm->min));
		json_object_set_new(o, "max", json_integer((json_int_t)prm->max));
		json_object_set_new(o, "min_text", dump_param_text(prm, prm->min));
		json_object_set_new(o, "max_text", dump_param_text(prm, prm->max));
	}
	return o;
}

/* The default a key has when left out, as the file would write it. */
static json_t *
dump_key_default(const struct sc_key *k)
{
	if (k->required || k->def_text != NULL)
		return json_null();
	if (k->def_str != NULL)
		return json_string(k->def_str);
	switch (k->kind) {
	case SC_K_INT:
		return json_integer((json_int_t)k->def);
	case SC_K_BOOL:
		return json_boolean(k->def != 0);
	case SC_K_UNIT:
	case SC_K_WINDOW:
		return dump_unit_text(k->unit, k->def);
	case SC_K_CHOICE:
		return json_string(k->choices[k->def]);
	case SC_K_PROB:
		return json_integer((json_int_t)k->def);
	default:
		return json_null();
	}
}

static json_t *
dump_key(const struct sc_key *k)
{
	json_t *o = json_pack("{s:s, s:s, s:b, s:I, s:I, s:o, s:s?, s:s?, s:b}",
	    "name", k->name, "kind", sc_kind_names[k->kind],
	    "required", k->required, "min", (json_int_t)k->min,
	    "max", (json_int_t)k->max, "default", dump_key_default(k),
	    "default_text", k->def_text, "doc", k->doc,
	    "loader_reads", k->size != 0);

	if (k->kind == SC_K_UNIT || k->kind == SC_K_WINDOW ||
	    k->kind == SC_K_PROBE_COST) {
		json_object_set_new(o, "unit", json_string(unit_names[k->unit]));
		json_object_set_new(o, "min_text", dump_unit_text(k->unit, k->min));
		json_object_set_new(o, "max_text", dump_unit_text(k->unit, k->max));
	}
	if (k->kind == SC_K_CHOICE) {
		json_t *c = json_array();

		for (unsigned i = 0; i < k->nchoices; i++)
			json_array_append_new(c, json_string(k->choices[i]));
		json_object_set_new(o, "choices", c);
	}
	if (k->obj != NULL)
		json_object_set_new(o, "object", json_string(k->obj->name));
	return o;
}

static json_t *
dump_object(const struct sc_obj *o)
{
	json_t *keys = json_array(), *any_of = json_array();

	for (unsigned i = 0; i < o->nkeys; i++)
		json_array_append_new(keys, dump_key(&o->keys[i]));
	for (size_t i = 0; o->any_of != NULL && o->any_of[i] != NULL; i++)
		json_array_append_new(any_of, json_string(o->any_of[i]));
	return json_pack("{s:s, s:s, s:o, s:o}", "name", o->name, "doc", o->doc,
	    "keys", keys, "any_of", any_of);
}

static json_t *
dump_names(void)
{
	return json_pack("{s:i, s:i, s:i, s:I, s:I}",
	    "name_max", SC_NAME_MAX - 1, "ifname_max", SC_IFNAME_MAX - 1,
	    "brane_name_max", SC_BRANE_NAME_MAX - 1,
	    "cost_max_ns", (json_int_t)SC_COST_MAX_NS,
	    "file_max", (json_int_t)SC_FILE_MAX);
}

static json_t *
dump_programs(void)
{
	json_t *programs = json_array();

	for (size_t i = 0; app_table[i] != NULL; i++) {
		const struct app_desc *a = app_table[i];
		json_t *params = json_array(), *excl = json_array();

		for (u_int k = 0; k < a->nparams; k++)
			json_array_append_new(params, dump_param(&a->params[k]));
		for (u_int k = 0; k < a->nexcl; k++)
			json_array_append_new(excl, json_pack("[s, s, s]",
			    a->excl[k].a, a->excl[k].b, a->excl[k].why));
		json_array_append_new(programs, json_pack("{s:s, s:s, s:o, s:o}",
		    "name", a->name, "doc", a->doc, "params", params,
		    "exclusive", excl));
	}
	return programs;
}

/*
 * Every table the scenario format comes from: the objects and their keys
 * (format.h), the cost table, the probes, the programs.
 */
static json_t *
dump_tables(void)
{
	json_t *costs = json_array(), *probes = json_array();
	json_t *objects = json_array();
	char name[128];

	for (int i = 0; i < SIM_NCOSTS; i++)
		json_array_append_new(costs, json_pack("{s:s, s:I, s:o, s:s}",
		    "name", sim_cost_table[i].name,
		    "default_ns", (json_int_t)sim_cost_table[i].def_ns,
		    "default_text", dump_unit_text(SIM_UNIT_DURATION_NS,
		    (int64_t)sim_cost_table[i].def_ns),
		    "doc", sim_cost_table[i].doc));
	for (int i = 0; i < SDT_NPROBES; i++) {
		snprintf(name, sizeof(name), "%s:%s", sdt_probe_provider[i],
		    sdt_probe_name[i]);
		json_array_append_new(probes, json_pack("{s:s, s:s}", "name",
		    name, "doc", sdt_probe_doc[i]));
	}
	for (size_t i = 0; sc_objs[i] != NULL; i++)
		json_array_append_new(objects, dump_object(sc_objs[i]));
	return json_pack("{s:o, s:o, s:o, s:o, s:o}", "objects", objects,
	    "costs", costs, "probes", probes, "programs", dump_programs(),
	    "names", dump_names());
}

static int
print_json(json_t *j)
{
	if (j == NULL) {
		fprintf(stderr, "test_scenario_load: building the dump failed\n");
		return 1;
	}
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(j);
	return 0;
}

static int
parse_values(const char *kind, char **values, int n)
{
	char err[SC_ERR_MAX];
	uint64_t v;
	int k, status = 0;

	for (k = 0; k < SIM_NUNIT_KINDS; k++)
		if (strcmp(unit_names[k], kind) == 0)
			break;
	if (k == SIM_NUNIT_KINDS) {
		fprintf(stderr, "test_scenario_load: unknown kind %s\n", kind);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (sim_parse_unit((enum sim_unit_kind)k, values[i], &v, err,
		    sizeof(err)) == 0)
			printf("%llu\n", (unsigned long long)v);
		else {
			printf("error: %s\n", err);
			status = 2;
		}
	}
	return status;
}

int
main(int argc, char **argv)
{
	struct scenario *sc;
	char err[SC_ERR_MAX];
	int status;

	if (argc == 2 && strcmp(argv[1], "--dump-tables") == 0)
		return print_json(dump_tables());
	if (argc >= 3 && strcmp(argv[1], "--parse") == 0)
		return parse_values(argv[2], argv + 3, argc - 3);
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: test_scenario_load FILE | --dump-tables | "
		    "--parse KIND VALUE...\n");
		return 1;
	}
	if (sim_scenario_load(argv[1], &sc, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	status = print_json(dump_scenario(sc));
	sim_scenario_free(sc);
	return status;
}
