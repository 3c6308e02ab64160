/*
 * load_wire.c -- the wires: switches and the links between NICs and
 * switch ports.
 *
 * A link names its ends "HOST.NIC" or "SWITCH.PORT"; NIC names have no
 * "." and ports are numbers, so the last "." splits an endpoint and host
 * and switch names may contain dots.  Each end must exist and be the end
 * of no other link, so the topology the machine builds is exactly the
 * file's.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/load.h"

/* ---- The wires: switches and links. ---- */

/* switches[i]'s name must be no host's and no earlier switch's. */
static int
ld_switch_unique(struct ld *ld, const struct scenario *sc, unsigned i)
{
	const char *name = sc->switches[i].name;
	char got[LD_GOT_MAX];
	int64_t j;

	sim_json_quote(name, LD_GOT_CHARS, got, sizeof(got));
	if ((j = ld_index_get(ld, LD_IX_HOST, name)) >= 0) {
		ld_push_key(ld, "name");
		return ld_fail(ld, LD_AT_VALUE, "expected a name no host or other "
		    "switch has, got %s (the name of $.hosts[%u] too)", got,
		    (unsigned)j);
	}
	if ((j = ld_index_get(ld, LD_IX_SWITCH, name)) >= 0) {
		ld_push_key(ld, "name");
		return ld_fail(ld, LD_AT_VALUE, "expected a name no host or other "
		    "switch has, got %s (the name of $.switches[%u] too)", got,
		    (unsigned)j);
	}
	return ld_index_put(ld, LD_IX_SWITCH, name, i);
}

static int
ld_switch(struct ld *ld, json_t *v, struct scenario *sc, unsigned i)
{
	struct sc_switch *s = &sc->switches[i];

	return ld_obj(ld, v, &sc_obj_switch) != 0 ||
	    ld_req_name(ld, v, "a switch name", s->name) != 0 ||
	    ld_switch_unique(ld, sc, i) != 0 ||
	    ld_fields(ld, v, &sc_obj_switch, s, true) != 0 ? -1 : 0;
}

int
ld_switches(struct ld *ld, json_t *root, struct scenario *sc)
{
	return ld_array(ld, root, "switches", SC_SWITCHES_MAX,
	    "switch objects", sizeof(*sc->switches), (void **)&sc->switches,
	    &sc->nswitches, ld_switch, sc);
}

#define LD_ENDPOINT_EXAMPLE "\"HOST.NIC\" or \"SWITCH.PORT\", such as " \
	"\"a.wm0\" or \"sw0.3\""

int
ld_ep_nic(struct ld *ld, const json_t *v, const struct scenario *sc,
    unsigned h, const char *nic, struct sc_endpoint *ep)
{
	const struct sc_host *host = &sc->hosts[h];
	char full[SC_NICS_MAX][2 * SC_NAME_MAX];
	const char *names[SC_NICS_MAX];
	char got[LD_GOT_MAX], list[LD_LIST_MAX];
	char mean[LD_MEAN_MAX];

	for (unsigned i = 0; i < host->nnics; i++) {
		if (strcmp(host->nics[i].name, nic) == 0) {
			ep->kind = SC_EP_NIC;
			ep->index = h;
			ep->sub = i;
			return 0;
		}
		snprintf(full[i], sizeof(full[i]), "%s.%s", host->name,
		    host->nics[i].name);
		names[i] = full[i];
	}
	ld_got(v, got, sizeof(got));
	if (host->nnics == 0)
		return ld_fail(ld, LD_AT_VALUE, "expected a NIC of host %s, got "
		    "%s, but host %s has no NICs (give it \"nics\")", host->name,
		    got, host->name);
	return ld_fail(ld, LD_AT_VALUE, "expected a NIC of host %s (one of %s), "
	    "got %s%s", host->name, ld_list(names, host->nnics, false, list,
	    sizeof(list)), got, ld_mean(json_string_value(v), names,
	    host->nnics, mean, sizeof(mean)));
}

/* The endpoint names a port of switch s: a number below its ports. */
static int
ld_ep_port(struct ld *ld, const json_t *v, const struct scenario *sc,
    unsigned s, const char *port, struct sc_endpoint *ep)
{
	const struct sc_switch *sw = &sc->switches[s];
	char got[LD_GOT_MAX];
	size_t n = strlen(port);
	unsigned long k = 0;

	if (n > 0 && n <= 4 && strspn(port, "0123456789") == n &&
	    (port[0] != '0' || n == 1)) {
		k = strtoul(port, NULL, 10);
		if (k < sw->ports) {
			ep->kind = SC_EP_SWITCH;
			ep->index = s;
			ep->sub = (unsigned)k;
			return 0;
		}
	}
	return ld_fail(ld, LD_AT_VALUE, "expected a port of switch %s (%s.0 to "
	    "%s.%u), got %s", sw->name, sw->name, sw->name, sw->ports - 1,
	    ld_got(v, got, sizeof(got)));
}

/*
 * "HOST.NIC" or "SWITCH.PORT".  NIC names have no '.' and ports are
 * numbers, so the last '.' splits it; host and switch names are distinct.
 */
static int
ld_v_endpoint(struct ld *ld, const json_t *v, const struct scenario *sc,
    struct sc_endpoint *ep)
{
	const char **names;
	char got[LD_GOT_MAX], pre[SC_NAME_MAX], q[sizeof(got)];
	char mean[LD_MEAN_MAX];
	const char *s, *dot;
	unsigned n = 0;
	int64_t x;

	ld_got(v, got, sizeof(got));
	if (!json_is_string(v) ||
	    strlen(s = json_string_value(v)) != json_string_length(v) ||
	    (dot = strrchr(s, '.')) == NULL || dot == s || dot[1] == '\0')
		return ld_fail(ld, LD_AT_VALUE, "expected an endpoint "
		    LD_ENDPOINT_EXAMPLE ", got %s", got);
	if ((size_t)(dot - s) < sizeof(pre)) {
		snprintf(pre, sizeof(pre), "%.*s", (int)(dot - s), s);
		if ((x = ld_index_get(ld, LD_IX_HOST, pre)) >= 0)
			return ld_ep_nic(ld, v, sc, (unsigned)x, dot + 1, ep);
		if ((x = ld_index_get(ld, LD_IX_SWITCH, pre)) >= 0)
			return ld_ep_port(ld, v, sc, (unsigned)x, dot + 1, ep);
	} else
		snprintf(pre, sizeof(pre), "?");
	if ((names = ld_names(sc->hosts[0].name, sc->nhosts,
	    sizeof(sc->hosts[0]), sc->nswitches)) == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	n = sc->nhosts;
	for (unsigned w = 0; w < sc->nswitches; w++)
		names[n++] = sc->switches[w].name;
	ld_mean(pre, names, n, mean, sizeof(mean));
	free(names);
	sim_json_quote(pre, LD_GOT_CHARS, q, sizeof(q));
	return ld_fail(ld, LD_AT_VALUE, "expected an endpoint "
	    LD_ENDPOINT_EXAMPLE ", got %s: no host or switch is named %s%s",
	    got, q, mean);
}

/* An endpoint as the index's key (LD_IX_END). */
static const char *
ld_ep_key(const struct sc_endpoint *ep, char *buf, size_t len)
{
	snprintf(buf, len, "%d/%u/%u", (int)ep->kind, ep->index, ep->sub);
	return buf;
}

/*
 * links[i].a or .b (key): an endpoint that is no end of an earlier link,
 * nor this link's a.
 */
static int
ld_link_end(struct ld *ld, json_t *obj, struct scenario *sc, unsigned i,
    const char *key)
{
	struct sc_link *l = &sc->links[i];
	struct sc_endpoint *ep = key[0] == 'a' ? &l->a : &l->b;
	json_t *v = json_object_get(obj, key);
	char got[LD_GOT_MAX], k[48];
	int64_t x;
	unsigned j;

	if (v == NULL)
		return ld_missing(ld, key, key[0] == 'b' ? "an endpoint "
		    LD_ENDPOINT_EXAMPLE ", or instead a \"bridge\"" :
		    "an endpoint " LD_ENDPOINT_EXAMPLE);
	ld_push_key(ld, key);
	if (ld_v_endpoint(ld, v, sc, ep) != 0)
		return -1;
	ld_got(v, got, sizeof(got));
	/* An end is put in the index once it passes: this link's a too. */
	x = ld_index_get(ld, LD_IX_END, ld_ep_key(ep, k, sizeof(k)));
	j = (unsigned)(x / 2);
	if (x >= 0 && j < i)
		return ld_fail(ld, LD_AT_VALUE, "expected a NIC or switch port no "
		    "other link uses, got %s (the %s end of $.links[%u], %s, too)",
		    got, x % 2 != 0 ? "b" : "a", j, sc->links[j].name);
	if (x >= 0)
		return ld_fail(ld, LD_AT_VALUE, "expected an endpoint other than "
		    "this link's a, got %s: a link joins two different ports",
		    got);
	if (ld_index_put(ld, LD_IX_END, k, 2 * (int64_t)i +
	    (key[0] == 'b')) != 0)
		return -1;
	ld_pop(ld);
	return 0;
}

/* links[i]'s name must not be an earlier link's. */
static int
ld_link_unique(struct ld *ld, const struct scenario *sc, unsigned i)
{
	return ld_name_unique(ld, LD_IX_LINK, sc->links[i].name, i, "link",
	    "links");
}

/* links[i].pcap: a file name no earlier link captures to. */
static int
ld_link_pcap(struct ld *ld, json_t *obj, struct scenario *sc, unsigned i)
{
	json_t *v = json_object_get(obj, "pcap");
	char got[LD_GOT_MAX];
	int64_t j;
	size_t n;

	if (v == NULL)
		return 0;
	ld_push_key(ld, "pcap");
	ld_got(v, got, sizeof(got));
	n = json_is_string(v) ? json_string_length(v) : 0;
	if (n == 0 || n > SC_PATH_MAX || strlen(json_string_value(v)) != n)
		return ld_fail(ld, LD_AT_VALUE, "expected a file name such as "
		    "\"l0.pcap\" (1 to %d bytes, no NUL), got %s", SC_PATH_MAX,
		    got);
	if ((j = ld_index_get(ld, LD_IX_PCAP, json_string_value(v))) >= 0)
		return ld_fail(ld, LD_AT_VALUE, "expected a file no other link "
		    "captures to, got %s (the pcap of $.links[%u], %s, too)",
		    got, (unsigned)j, sc->links[j].name);
	if (ld_index_put(ld, LD_IX_PCAP, json_string_value(v), i) != 0)
		return -1;
	if ((sc->links[i].pcap = strdup(json_string_value(v))) == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	ld_pop(ld);
	return 0;
}

/* A TAP device's name: as Linux takes it, and no earlier link's. */
static int
ld_bridge_tap(struct ld *ld, const json_t *v, struct scenario *sc,
    unsigned i)
{
	char name[SC_NAME_MAX], got[LD_GOT_MAX];
	int64_t j;
	size_t n;

	if (ld_v_name(ld, v, "a TAP device's name", name) != 0)
		return -1;
	sim_json_quote(name, LD_GOT_CHARS, got, sizeof(got));
	n = strlen(name);
	if (n >= SC_IFNAME_MAX || strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n)
		return ld_fail(ld, LD_AT_VALUE, "expected a TAP device's name "
		    "of 1 to %d letters, digits, \"_\" or \"-\", got %s",
		    SC_IFNAME_MAX - 1, got);
	if ((j = ld_index_get(ld, LD_IX_TAP, name)) >= 0)
		return ld_fail(ld, LD_AT_VALUE, "expected a TAP device no other "
		    "link is bridged to, got %s (the bridge of $.links[%u], %s, "
		    "too)", got, (unsigned)j, sc->links[j].name);
	memcpy(sc->links[i].tap, name, n + 1);
	return ld_index_put(ld, LD_IX_TAP, name, i);
}

/*
 * links[i].bridge, instead of b: the TAP device the b end is bridged to
 * (sim/wire/bridge.h), in a real-time run only.
 */
static int
ld_link_bridge(struct ld *ld, json_t *obj, struct scenario *sc, unsigned i)
{
	json_t *v = json_object_get(obj, "bridge"), *tap;

	assert(v != NULL);
	if (json_object_get(obj, "b") != NULL) {
		ld_push_key(ld, "bridge");
		return ld_fail(ld, LD_AT_KEY, "expected either \"b\" or "
		    "\"bridge\", got both: a bridge is the link's b end");
	}
	ld_push_key(ld, "bridge");
	if (!sc->realtime)
		return ld_fail(ld, LD_AT_KEY, "expected a bridge only in a "
		    "real-time run: a TAP device is the outside world, which "
		    "only a run paced to the wall clock meets (netsim run "
		    "--realtime, or \"realtime\": true)");
	if (ld_obj(ld, v, &sc_obj_bridge) != 0)
		return -1;
	if ((tap = json_object_get(v, "tap")) == NULL)
		return ld_missing(ld, "tap", "a TAP device's name such as "
		    "\"nstap0\"");
	ld_push_key(ld, "tap");
	if (ld_bridge_tap(ld, tap, sc, i) != 0)
		return -1;
	ld_pop(ld);
	ld_pop(ld);
	sc->links[i].b.kind = SC_EP_BRIDGE;
	sc->links[i].b.index = i;
	sc->links[i].b.sub = 0;
	return 0;
}

static int
ld_link(struct ld *ld, json_t *v, struct scenario *sc, unsigned i)
{
	struct sc_link *l = &sc->links[i];

	return ld_obj(ld, v, &sc_obj_link) != 0 ||
	    ld_req_name(ld, v, "a link name", l->name) != 0 ||
	    ld_link_unique(ld, sc, i) != 0 ||
	    ld_link_end(ld, v, sc, i, "a") != 0 ||
	    (json_object_get(v, "bridge") != NULL ?
	    ld_link_bridge(ld, v, sc, i) : ld_link_end(ld, v, sc, i, "b")) != 0 ||
	    ld_fields(ld, v, &sc_obj_link, l, true) != 0 ||
	    ld_link_pcap(ld, v, sc, i) != 0 ? -1 : 0;
}

int
ld_links(struct ld *ld, json_t *root, struct scenario *sc)
{
	return ld_array(ld, root, "links", SC_LINKS_MAX, "link objects",
	    sizeof(*sc->links), (void **)&sc->links, &sc->nlinks, ld_link, sc);
}

