/*
 * load_host.c -- hosts: their CPUs, clocks, cost tables and NICs, and
 * the rule that no two NICs share a MAC.
 *
 * A host is loaded in one pass over its object: scalars, the cost table
 * (with the probes' costs), the NICs, then its network configuration
 * (load_net.c), which refers to the NICs by name.  MACs are compared
 * only when every host is loaded, because a default MAC is derived from
 * the host's and the NIC's index and may clash with one a later host
 * gives.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/load.h"

/* ---- Hosts and their cost tables. ---- */

static int
ld_probe(struct ld *ld, json_t *v, struct sim_probe_cost *pc)
{
	const struct sc_key *fixed = sc_key(&sc_obj_probe_cost, "fixed");
	char got[LD_GOT_MAX];

	if (json_is_string(v) || json_is_integer(v))
		return ld_v_unit(ld, v, fixed->unit, (uint64_t)fixed->min,
		    (uint64_t)fixed->max, &pc->fixed_ps);
	if (!json_is_object(v))
		return ld_fail(ld, LD_AT_VALUE, "expected a duration such as "
		    "\"0.5ns\" or an object {\"fixed\": ..., \"per_unit\": ...}, "
		    "got %s", ld_got(v, got, sizeof(got)));
	/* Keys left out keep the host's defaults. */
	return ld_obj(ld, v, &sc_obj_probe_cost) != 0 ||
	    ld_fields(ld, v, &sc_obj_probe_cost, pc, false) != 0 ? -1 : 0;
}

/* "probes": {"provider:name": cost, ...} */
static int
ld_probes(struct ld *ld, json_t *obj, struct sim_cost *c)
{
	char buf[SDT_NPROBES][LD_PROBE_NAME_MAX];
	const char *names[SDT_NPROBES];
	json_t *v;

	if (ld_object(ld, obj, "an object of probe costs such as "
	    "{\"counter:iteration\": \"5ns\"}") != 0)
		return -1;
	for (int i = 0; i < SDT_NPROBES; i++) {
		snprintf(buf[i], sizeof(buf[i]), "%s:%s", sdt_probe_provider[i],
		    sdt_probe_name[i]);
		names[i] = buf[i];
	}
	if (ld_keys(ld, obj, names, SDT_NPROBES, "probe") != 0)
		return -1;
	for (int i = 0; i < SDT_NPROBES; i++) {
		if ((v = json_object_get(obj, names[i])) == NULL)
			continue;
		ld_push_key(ld, names[i]);
		if (ld_probe(ld, v, &c->probe[i]) != 0)
			return -1;
		ld_pop(ld);
	}
	return 0;
}

static int
ld_cost(struct ld *ld, json_t *obj, struct sim_cost *c)
{
	const char *keys[SIM_NCOSTS + 1];
	json_t *probes;
	int r;

	if (ld_object(ld, obj, "an object of costs such as "
	    "{\"load_miss\": \"80ns\"}") != 0)
		return -1;
	for (int i = 0; i < SIM_NCOSTS; i++)
		keys[i] = sim_cost_table[i].name;
	keys[SIM_NCOSTS] = "probes";
	if (ld_keys(ld, obj, keys, SIM_NCOSTS + 1, "key") != 0)
		return -1;
	for (int i = 0; i < SIM_NCOSTS; i++)
		if (ld_opt_unit(ld, obj, keys[i], SIM_UNIT_DURATION_NS, 0,
		    SC_COST_MAX_NS, &c->ns[i]) != 0)
			return -1;
	if ((probes = json_object_get(obj, "probes")) == NULL)
		return 0;
	ld_push_key(ld, "probes");
	r = ld_probes(ld, probes, c);
	ld_pop(ld);
	return r;
}

/* ---- NICs: names, types, MACs (the models' parameters come later). ---- */

void
sc_nic_default_mac(unsigned host, unsigned nic, uint8_t mac[6])
{
	assert(host < 65536 && nic < 255);
	mac[0] = 0x02;          /* locally administered, unicast */
	mac[1] = 0x00;
	mac[2] = (uint8_t)(host >> 8);
	mac[3] = (uint8_t)host;
	mac[4] = 0x00;
	mac[5] = (uint8_t)(nic + 1);
}

static int
ld_hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "xx:xx:xx:xx:xx:xx", exactly. */
static bool
ld_parse_mac(const char *s, size_t n, uint8_t mac[6])
{
	if (n != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		int hi = ld_hexdigit(s[3 * i]), lo = ld_hexdigit(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static void
ld_format_mac(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
	    mac[2], mac[3], mac[4], mac[5]);
}

static int
ld_v_mac(struct ld *ld, const json_t *v, uint8_t mac[6])
{
	static const uint8_t zero[6];
	char got[LD_GOT_MAX];

	ld_got(v, got, sizeof(got));
	if (!json_is_string(v) || !ld_parse_mac(json_string_value(v),
	    json_string_length(v), mac))
		return ld_fail(ld, LD_AT_VALUE, "expected a MAC address such as "
		    "\"02:00:00:00:00:01\" (six two-digit hex bytes joined by "
		    "colons), got %s", got);
	if (mac[0] & 1)
		return ld_fail(ld, LD_AT_VALUE, "expected a unicast MAC address "
		    "(its first byte even; an odd one makes it multicast), got %s",
		    got);
	if (memcmp(mac, zero, 6) == 0)
		return ld_fail(ld, LD_AT_VALUE, "expected a MAC address other "
		    "than 00:00:00:00:00:00, got %s", got);
	return 0;
}

/* nics[i]'s name: no '.', and not an earlier NIC's of the host. */
static int
ld_nic_name(struct ld *ld, const struct sc_host *h, unsigned i)
{
	char got[LD_GOT_MAX];
	const char *name = h->nics[i].name;

	sim_json_quote(name, LD_GOT_CHARS, got, sizeof(got));
	ld_push_key(ld, "name");
	if (strchr(name, '.') != NULL)
		return ld_fail(ld, LD_AT_VALUE, "expected a NIC name without "
		    "\".\" (links name a NIC as HOST.NIC), got %s", got);
	for (unsigned j = 0; j < i; j++)
		if (strcmp(h->nics[j].name, name) == 0)
			return ld_fail(ld, LD_AT_VALUE, "expected a name no other "
			    "NIC of host %s has, got %s (the name of nics[%u] "
			    "too)", h->name, got, j);
	ld_pop(ld);
	return 0;
}

/* "intr_cpu": one of the host's CPUs (the format's range is any host's). */
static int
ld_nic_intr_cpu(struct ld *ld, json_t *v, const struct sc_host *h,
    struct sc_nic *n)
{
	const struct sc_key *k = sc_key(&sc_obj_nic, "intr_cpu");
	int64_t cpu = 0;

	assert(h->cpus >= 1 && (int64_t)h->cpus - 1 <= k->max);
	if (ld_opt_int(ld, v, k->name, k->min, (int64_t)h->cpus - 1,
	    &cpu) != 0)
		return -1;
	n->intr_cpu = (unsigned)cpu;
	n->intr_cpu_given = json_object_get(v, k->name) != NULL;
	return 0;
}

static int
ld_nic(struct ld *ld, json_t *v, struct sc_host *h, unsigned hi, unsigned i)
{
	struct sc_nic *n = &h->nics[i];
	json_t *x;

	if (ld_obj(ld, v, &sc_obj_nic) != 0 ||
	    ld_req_name(ld, v, "a NIC name", n->name) != 0 ||
	    ld_nic_name(ld, h, i) != 0 ||
	    ld_fields(ld, v, &sc_obj_nic, n, true) != 0 ||
	    ld_nic_intr_cpu(ld, v, h, n) != 0)
		return -1;
	sc_nic_default_mac(hi, i, n->mac);
	if ((x = json_object_get(v, "mac")) != NULL) {
		ld_push_key(ld, "mac");
		if (ld_v_mac(ld, x, n->mac) != 0)
			return -1;
		ld_pop(ld);
		n->mac_given = true;
	}
	return ld_ifconf(ld, v, &n->conf);
}

static int
ld_nics(struct ld *ld, json_t *hv, struct sc_host *h, unsigned hi)
{
	json_t *a = json_object_get(hv, "nics");
	char got[LD_GOT_MAX];
	size_t n;

	if (a == NULL)
		return 0;
	ld_push_key(ld, "nics");
	if (!json_is_array(a) || json_array_size(a) > SC_NICS_MAX)
		return ld_fail(ld, LD_AT_VALUE, "expected an array of at most %d "
		    "NIC objects, got %s", SC_NICS_MAX,
		    ld_got(a, got, sizeof(got)));
	n = json_array_size(a);
	if (n > 0 && (h->nics = calloc(n, sizeof(*h->nics))) == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	h->nnics = (unsigned)n;
	for (size_t i = 0; i < n; i++) {
		ld_push_index(ld, i);
		if (ld_nic(ld, json_array_get(a, i), h, hi, (unsigned)i) != 0)
			return -1;
		ld_pop(ld);
	}
	ld_pop(ld);
	return 0;
}

/* Point the path at $.hosts[h].nics[i].mac. */
static void
ld_path_mac(struct ld *ld, unsigned h, unsigned i)
{
	ld_push_key(ld, "hosts");
	ld_push_index(ld, h);
	ld_push_key(ld, "nics");
	ld_push_index(ld, i);
	ld_push_key(ld, "mac");
}

/*
 * hosts[h].nics[i]'s MAC is no earlier NIC's.  The error points at a MAC
 * the file gives: this one's, or the earlier one's if this is a default.
 */
static int
ld_mac_unique(struct ld *ld, const struct scenario *sc, unsigned h,
    unsigned i)
{
	const struct sc_nic *a, *b = &sc->hosts[h].nics[i];
	char mac[24];
	int64_t x;
	unsigned g, j;

	ld_format_mac(b->mac, mac, sizeof(mac));
	if ((x = ld_index_get(ld, LD_IX_MAC, mac)) < 0)
		return ld_index_put(ld, LD_IX_MAC, mac, h * SC_NICS_MAX + i);
	g = (unsigned)(x / SC_NICS_MAX);
	j = (unsigned)(x % SC_NICS_MAX);
	a = &sc->hosts[g].nics[j];
	if (b->mac_given) {
		ld_path_mac(ld, h, i);
		return ld_fail(ld, LD_AT_VALUE, "expected a MAC address no other "
		    "NIC has, got \"%s\" (the %sMAC of $.hosts[%u].nics[%u], "
		    "%s.%s, too)", mac, a->mac_given ? "" : "default ", g, j,
		    sc->hosts[g].name, a->name);
	}
	/* Defaults differ: the earlier one was given. */
	ld_path_mac(ld, g, j);
	return ld_fail(ld, LD_AT_VALUE, "expected a MAC address no other NIC "
	    "has, got \"%s\" (the default MAC of $.hosts[%u].nics[%u], %s.%s, "
	    "derived from its host's and its own index)", mac, h, i,
	    sc->hosts[h].name, b->name);
}

/* No two NICs share a MAC. */
static int
ld_macs(struct ld *ld, const struct scenario *sc)
{
	for (unsigned h = 0; h < sc->nhosts; h++)
		for (unsigned i = 0; i < sc->hosts[h].nnics; i++)
			if (ld_mac_unique(ld, sc, h, i) != 0)
				return -1;
	return 0;
}

/* hosts[i]'s name must not be an earlier host's. */
static int
ld_host_unique(struct ld *ld, const struct scenario *sc, unsigned i)
{
	return ld_name_unique(ld, LD_IX_HOST, sc->hosts[i].name, i, "host",
	    "hosts");
}

static int
ld_host(struct ld *ld, json_t *v, struct scenario *sc, unsigned i)
{
	struct sc_host *h = &sc->hosts[i];
	json_t *cost;

	if (ld_obj(ld, v, &sc_obj_host) != 0 ||
	    ld_req_name(ld, v, "a host name", h->name) != 0 ||
	    ld_host_unique(ld, sc, i) != 0 ||
	    ld_fields(ld, v, &sc_obj_host, h, true) != 0)
		return -1;
	sim_cost_defaults(&h->cost);
	if ((cost = json_object_get(v, "cost")) != NULL) {
		ld_push_key(ld, "cost");
		if (ld_cost(ld, cost, &h->cost) != 0)
			return -1;
		ld_pop(ld);
	}
	return ld_nics(ld, v, h, i) != 0 || ld_vpairs(ld, v, h, i) != 0 ||
	    ld_branes(ld, v, h, i) != 0 || ld_netcheck(ld, h, i) != 0 ? -1 : 0;
}

int
ld_hosts(struct ld *ld, json_t *root, struct scenario *sc)
{
	json_t *a = json_object_get(root, "hosts");
	char got[LD_GOT_MAX], what[64];
	size_t n;

	snprintf(what, sizeof(what), "an array of 1 to %d hosts", SC_HOSTS_MAX);
	if (a == NULL)
		return ld_missing(ld, "hosts", what);
	ld_push_key(ld, "hosts");
	n = json_is_array(a) ? json_array_size(a) : 0;
	if (n == 0 || n > SC_HOSTS_MAX)
		return ld_fail(ld, LD_AT_VALUE, "expected an array of 1 to %d "
		    "host objects, got %s", SC_HOSTS_MAX,
		    ld_got(a, got, sizeof(got)));
	if ((sc->hosts = calloc(n, sizeof(*sc->hosts))) == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	sc->nhosts = (unsigned)n;
	for (size_t i = 0; i < n; i++) {
		ld_push_index(ld, i);
		if (ld_host(ld, json_array_get(a, i), sc, (unsigned)i) != 0)
			return -1;
		ld_pop(ld);
	}
	ld_pop(ld);
	return ld_macs(ld, sc);
}

