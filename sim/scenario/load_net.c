/*
 * load_net.c -- a host's network configuration: interface addresses,
 * virtual pairs, branes and their static routes.
 *
 * Everything here is checked against what the host already has, so a
 * configuration that loads also applies at boot (stack/net/net_boot.c
 * panics on one that does not): an interface's brane exists, no brane
 * has an address twice, a route's gateway is on a connected subnet of
 * its brane, its interface is one of the brane's, its prefix is no
 * other route's.  The host's interfaces are its NICs, then each virtual
 * pair's two ends, in file order -- the order the host attaches them.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/load.h"

/* ---- Addresses: "10.0.0.1", "10.0.0.1/24", brane names. ---- */

#define LD_ADDR_EXAMPLE "an address with its prefix length such as " \
	"\"10.0.0.1/24\""

/*
 * A decimal number at s of 1..maxdigits digits, no leading zero (so
 * nobody wonders whether 010 is octal), at most max; *end is past it.
 */
static bool
ld_decimal(const char *s, unsigned maxdigits, unsigned long max,
    unsigned long *out, const char **end)
{
	unsigned long v = 0;
	unsigned n = 0;

	while (s[n] >= '0' && s[n] <= '9' && n <= maxdigits)
		v = v * 10 + (unsigned long)(s[n++] - '0');
	if (n == 0 || n > maxdigits || (n > 1 && s[0] == '0') || v > max)
		return false;
	*out = v;
	*end = s + n;
	return true;
}

/* "a.b.c.d", each 0..255; *end is past it. */
static bool
ld_parse_ipv4(const char *s, uint8_t a[4], const char **end)
{
	unsigned long v;

	for (int i = 0; i < 4; i++) {
		if (i > 0 && *s++ != '.')
			return false;
		if (!ld_decimal(s, 3, 255, &v, &s))
			return false;
		a[i] = (uint8_t)v;
	}
	*end = s;
	return true;
}

/* "a.b.c.d/len", len 0..32, and nothing after it. */
static bool
ld_parse_prefix(const json_t *v, uint8_t a[4], unsigned *plen)
{
	unsigned long len;
	const char *s, *end;

	if (!json_is_string(v) ||
	    strlen(s = json_string_value(v)) != json_string_length(v) ||
	    !ld_parse_ipv4(s, a, &end) || *end != '/' ||
	    !ld_decimal(end + 1, 2, 32, &len, &end) || *end != '\0')
		return false;
	*plen = (unsigned)len;
	return true;
}

static uint32_t
ld_be32(const uint8_t a[4])
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
	    (uint32_t)a[2] << 8 | a[3];
}

/* A program's address parameter, "10.0.0.1"; *out in host byte order. */
int
ld_v_inaddr(struct ld *ld, const json_t *v, uint64_t min, uint64_t max,
    int64_t *out)
{
	char got[LD_GOT_MAX];
	const char *s, *end;
	uint8_t a[4];

	if (!json_is_string(v) ||
	    strlen(s = json_string_value(v)) != json_string_length(v) ||
	    !ld_parse_ipv4(s, a, &end) || *end != '\0' ||
	    ld_be32(a) < min || ld_be32(a) > max)
		return ld_fail(ld, LD_AT_VALUE, "expected an IPv4 address "
		    "such as \"10.0.0.1\", got %s", ld_got(v, got, sizeof(got)));
	*out = ld_be32(a);
	return 0;
}

static uint32_t
ld_mask(unsigned plen)
{
	return plen == 0 ? 0 : 0xffffffffu << (32 - plen);
}

static void
ld_format_prefix(uint32_t a, int plen, char *buf, size_t len)
{
	if (plen < 0)
		snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
		    (a >> 8) & 255, a & 255);
	else
		snprintf(buf, len, "%u.%u.%u.%u/%d", a >> 24, (a >> 16) & 255,
		    (a >> 8) & 255, a & 255, plen);
}

/* An interface's "addr": a unicast host address and its prefix length. */
static int
ld_v_ifaddr(struct ld *ld, const json_t *v, struct sc_ifconf *c)
{
	char got[LD_GOT_MAX];
	uint32_t h, host;

	ld_got(v, got, sizeof(got));
	if (!ld_parse_prefix(v, c->addr, &c->plen))
		return ld_fail(ld, LD_AT_VALUE, "expected " LD_ADDR_EXAMPLE
		    ", got %s", got);
	h = ld_be32(c->addr);
	host = h & ~ld_mask(c->plen);
	if (c->plen == 0)
		return ld_fail(ld, LD_AT_VALUE, "expected a prefix length from 1 "
		    "to 32 after the address, got %s", got);
	if (h == 0 || h == 0xffffffffu || (h >> 28) == 0xe || (h >> 24) == 127)
		return ld_fail(ld, LD_AT_VALUE, "expected a unicast address (not "
		    "0.0.0.0, 255.255.255.255, multicast 224.0.0.0/4 or loopback "
		    "127.0.0.0/8), got %s", got);
	if (c->plen <= 30 && (host == 0 || host == ~ld_mask(c->plen)))
		return ld_fail(ld, LD_AT_VALUE, "expected a host address, got %s: "
		    "that is the %s address of its subnet", got,
		    host == 0 ? "network" : "broadcast");
	c->has_addr = true;
	return 0;
}

/* A brane's name: a name of at most SC_BRANE_NAME_MAX - 1 characters. */
int
ld_v_brane_name(struct ld *ld, const json_t *v, char out[SC_BRANE_NAME_MAX])
{
	char name[SC_NAME_MAX], got[LD_GOT_MAX];

	if (ld_v_name(ld, v, "a brane name", name) != 0)
		return -1;
	if (strlen(name) >= SC_BRANE_NAME_MAX)
		return ld_fail(ld, LD_AT_VALUE, "expected a brane name of at most "
		    "%d characters, got %s (%zu characters)",
		    SC_BRANE_NAME_MAX - 1, ld_got(v, got, sizeof(got)),
		    strlen(name));
	memcpy(out, name, strlen(name) + 1);
	return 0;
}

/* "addr" and "brane" of a NIC or a vpair end (obj). */
int
ld_ifconf(struct ld *ld, json_t *obj, struct sc_ifconf *c)
{
	json_t *v;

	snprintf(c->brane, sizeof(c->brane), "default");
	if ((v = json_object_get(obj, "addr")) != NULL) {
		ld_push_key(ld, "addr");
		if (ld_v_ifaddr(ld, v, c) != 0)
			return -1;
		ld_pop(ld);
	}
	if ((v = json_object_get(obj, "brane")) != NULL) {
		ld_push_key(ld, "brane");
		if (ld_v_brane_name(ld, v, c->brane) != 0)
			return -1;
		ld_pop(ld);
	}
	return 0;
}

/* ---- Virtual pairs, branes and routes: a host's network configuration. ---- */

unsigned
ld_host_ifs(const struct sc_host *h, struct ld_if *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < h->nnics; i++)
		out[n++] = (struct ld_if){ h->nics[i].name, &h->nics[i].conf, i,
		    NULL };
	for (unsigned i = 0; i < h->nvpairs; i++) {
		out[n++] = (struct ld_if){ h->vpairs[i].a.name,
		    &h->vpairs[i].a.conf, i, "a" };
		out[n++] = (struct ld_if){ h->vpairs[i].b.name,
		    &h->vpairs[i].b.conf, i, "b" };
	}
	assert(n <= LD_IFS_MAX);
	return n;
}

/* "$.hosts[h].nics[i]" or "$.hosts[h].vpairs[i].a", for messages. */
static void
ld_if_path(unsigned hi, const struct ld_if *f, char *buf, size_t len)
{
	if (f->end == NULL)
		snprintf(buf, len, "$.hosts[%u].nics[%u]", hi, f->index);
	else
		snprintf(buf, len, "$.hosts[%u].vpairs[%u].%s", hi, f->index,
		    f->end);
}

/* Point the path (at $.hosts[hi]) at interface f's key. */
static void
ld_push_if(struct ld *ld, const struct ld_if *f, const char *key)
{
	ld_push_key(ld, f->end == NULL ? "nics" : "vpairs");
	ld_push_index(ld, f->index);
	if (f->end != NULL)
		ld_push_key(ld, f->end);
	ld_push_key(ld, key);
}

static void
ld_pop_if(struct ld *ld, const struct ld_if *f)
{
	for (int k = f->end == NULL ? 3 : 4; k > 0; k--)
		ld_pop(ld);
}

/*
 * A vpair end's name (value at the path): at most IFNAMSIZ - 1
 * characters, no '.', and no NIC's or earlier end's name on the host.
 */
static int
ld_ifname(struct ld *ld, const json_t *v, const struct sc_host *h,
    unsigned hi, unsigned pair, bool side_b, char out[SC_IFNAME_MAX])
{
	char name[SC_NAME_MAX], got[LD_GOT_MAX];
	struct ld_if ifs[LD_IFS_MAX];
	unsigned n;

	if (ld_v_name(ld, v, "an interface name", name) != 0)
		return -1;
	sim_json_quote(name, LD_GOT_CHARS, got, sizeof(got));
	if (strchr(name, '.') != NULL)
		return ld_fail(ld, LD_AT_VALUE, "expected an interface name "
		    "without \".\", got %s", got);
	if (strlen(name) >= SC_IFNAME_MAX)
		return ld_fail(ld, LD_AT_VALUE, "expected an interface name of at "
		    "most %d characters, got %s", SC_IFNAME_MAX - 1, got);
	n = ld_host_ifs(h, ifs);
	for (unsigned k = 0; k < n; k++) {
		char where[64];

		if (ifs[k].end != NULL && (ifs[k].index > pair ||
		    (ifs[k].index == pair && (!side_b || ifs[k].end[0] == 'b'))))
			continue;               /* not loaded yet */
		if (strcmp(ifs[k].name, name) != 0)
			continue;
		ld_if_path(hi, &ifs[k], where, sizeof(where));
		return ld_fail(ld, LD_AT_VALUE, "expected a name no NIC or other "
		    "interface of host %s has, got %s (the name of %s too)",
		    h->name, got, where);
	}
	memcpy(out, name, strlen(name) + 1);
	return 0;
}

static int
ld_vpair_end(struct ld *ld, json_t *obj, struct sc_host *h, unsigned hi,
    unsigned pair, const char *key)
{
	struct sc_vpair_end *e = key[0] == 'a' ? &h->vpairs[pair].a :
	    &h->vpairs[pair].b;
	char got[LD_GOT_MAX];
	json_t *v = json_object_get(obj, key), *name;

	if (v == NULL)
		return ld_missing(ld, key, "an interface name such as \"vp0a\", "
		    "or an object with keys name, addr, brane");
	ld_push_key(ld, key);
	snprintf(e->conf.brane, sizeof(e->conf.brane), "default");
	if (json_is_string(v)) {
		if (ld_ifname(ld, v, h, hi, pair, key[0] == 'b', e->name) != 0)
			return -1;
		ld_pop(ld);
		return 0;
	}
	if (!json_is_object(v))
		return ld_fail(ld, LD_AT_VALUE, "expected an interface name such "
		    "as \"vp0a\" or an object {\"name\": \"vp0a\", \"addr\": "
		    "\"10.0.0.1/24\", \"brane\": \"left\"}, got %s",
		    ld_got(v, got, sizeof(got)));
	if (ld_obj(ld, v, &sc_obj_vpair_end) != 0)
		return -1;
	if ((name = json_object_get(v, "name")) == NULL)
		return ld_missing_near(ld, v, "name", "the interface's name");
	ld_push_key(ld, "name");
	if (ld_ifname(ld, name, h, hi, pair, key[0] == 'b', e->name) != 0)
		return -1;
	ld_pop(ld);
	if (ld_ifconf(ld, v, &e->conf) != 0)
		return -1;
	ld_pop(ld);
	return 0;
}

int
ld_vpairs(struct ld *ld, json_t *hv, struct sc_host *h, unsigned hi)
{
	json_t *a = json_object_get(hv, "vpairs");
	char got[LD_GOT_MAX];
	size_t n;

	if (a == NULL)
		return 0;
	ld_push_key(ld, "vpairs");
	if (!json_is_array(a) || json_array_size(a) > SC_VPAIRS_MAX)
		return ld_fail(ld, LD_AT_VALUE, "expected an array of at most %d "
		    "virtual pairs such as {\"a\": \"vp0a\", \"b\": \"vp0b\"}, "
		    "got %s", SC_VPAIRS_MAX, ld_got(a, got, sizeof(got)));
	n = json_array_size(a);
	if (n > 0 && (h->vpairs = calloc(n, sizeof(*h->vpairs))) == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	h->nvpairs = (unsigned)n;
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(a, i);

		ld_push_index(ld, i);
		if (ld_obj(ld, v, &sc_obj_vpair) != 0 ||
		    ld_vpair_end(ld, v, h, hi, (unsigned)i, "a") != 0 ||
		    ld_vpair_end(ld, v, h, hi, (unsigned)i, "b") != 0)
			return -1;
		ld_pop(ld);
	}
	ld_pop(ld);
	return 0;
}

/* The host's brane names, for "one of ..." lists. */
static unsigned
ld_brane_names(const struct sc_host *h, const char **names)
{
	for (unsigned i = 0; i < h->nbranes; i++)
		names[i] = h->branes[i].name;
	return h->nbranes;
}

/* The value at the path names a brane of h (loaded): or fail. */
int
ld_brane_exists(struct ld *ld, const struct sc_host *h, const char *name)
{
	const char *names[SC_BRANES_MAX + 1] = { NULL };
	char list[LD_LIST_MAX], got[LD_GOT_MAX];
	char mean[LD_MEAN_MAX];
	unsigned n = ld_brane_names(h, names);

	for (unsigned i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return 0;
	sim_json_quote(name, LD_GOT_CHARS, got, sizeof(got));
	return ld_fail(ld, LD_AT_VALUE, "expected a brane of host %s (one of "
	    "%s), got %s%s; a brane is declared in the host's \"branes\"",
	    h->name, ld_list(names, n, false, list, sizeof(list)), got,
	    ld_mean(name, names, n, mean, sizeof(mean)));
}

/* The connected subnets of brane b (of interface dev only, if given). */
static unsigned
ld_brane_ifs(const struct sc_host *h, const char *b, const char *dev,
    struct ld_if *out)
{
	struct ld_if ifs[LD_IFS_MAX];
	unsigned n = ld_host_ifs(h, ifs), k = 0;

	for (unsigned i = 0; i < n; i++)
		if (strcmp(ifs[i].conf->brane, b) == 0 && ifs[i].conf->has_addr &&
		    (dev == NULL || strcmp(ifs[i].name, dev) == 0))
			out[k++] = ifs[i];
	return k;
}

/* A route's "dst" (at the path): a prefix with no host bits set. */
static int
ld_route_dst(struct ld *ld, const json_t *v, const struct sc_host *h,
    unsigned hi, const struct sc_brane *b, unsigned bi, struct sc_route *r)
{
	char got[LD_GOT_MAX], fix[32];
	struct ld_if ifs[LD_IFS_MAX];
	uint32_t d, m;
	unsigned n;

	ld_got(v, got, sizeof(got));
	if (!ld_parse_prefix(v, r->dst, &r->plen))
		return ld_fail(ld, LD_AT_VALUE, "expected a destination prefix "
		    "such as \"10.9.0.0/16\" or \"0.0.0.0/0\", got %s", got);
	d = ld_be32(r->dst);
	m = ld_mask(r->plen);
	if ((d & ~m) != 0) {
		ld_format_prefix(d & m, (int)r->plen, fix, sizeof(fix));
		return ld_fail(ld, LD_AT_VALUE, "expected a prefix with no bits "
		    "set past its length, got %s (did you mean \"%s\"?)", got, fix);
	}
	for (const struct sc_route *o = b->routes; o < r; o++)
		if (o->plen == r->plen && memcmp(o->dst, r->dst, 4) == 0)
			return ld_fail(ld, LD_AT_VALUE, "expected a prefix no other "
			    "route of brane %s has, got %s (the dst of "
			    "$.hosts[%u].branes[%u].routes[%u] too)", b->name, got,
			    hi, bi, (unsigned)(o - b->routes));
	n = ld_brane_ifs(h, b->name, NULL, ifs);
	for (unsigned i = 0; i < n; i++) {
		uint32_t a = ld_be32(ifs[i].conf->addr);

		if (ifs[i].conf->plen == r->plen && (a & m) == d)
			return ld_fail(ld, LD_AT_VALUE, "expected a prefix other than "
			    "a connected subnet of brane %s, got %s: %s's address "
			    "routes it already", b->name, got, ifs[i].name);
	}
	return 0;
}

int
ld_v_iface(struct ld *ld, const json_t *v, const struct sc_host *h,
    unsigned *out)
{
	char got[LD_GOT_MAX], list[LD_LIST_MAX];
	char mean[LD_MEAN_MAX] = "";
	struct ld_if ifs[LD_IFS_MAX];
	const char *names[LD_IFS_MAX] = { NULL };
	unsigned n = ld_host_ifs(h, ifs);

	ld_got(v, got, sizeof(got));
	for (unsigned i = 0; i < n; i++) {
		names[i] = ifs[i].name;
		if (json_is_string(v) &&
		    strcmp(ifs[i].name, json_string_value(v)) == 0) {
			*out = i;
			return 0;
		}
	}
	if (n == 0)
		return ld_fail(ld, LD_AT_VALUE, "expected an interface of host %s, "
		    "got %s, but it has none (give it \"nics\" or \"vpairs\")",
		    h->name, got);
	if (json_is_string(v))
		ld_mean(json_string_value(v), names, n, mean, sizeof(mean));
	return ld_fail(ld, LD_AT_VALUE, "expected an interface of host %s (one "
	    "of %s), got %s%s", h->name, ld_list(names, n, false, list,
	    sizeof(list)), got, mean);
}

/* A route's "dev" (at the path): an interface of brane b. */
static int
ld_route_dev(struct ld *ld, const json_t *v, const struct sc_host *h,
    const struct sc_brane *b, struct sc_route *r)
{
	struct ld_if ifs[LD_IFS_MAX];
	char got[LD_GOT_MAX];
	unsigned i;

	if (ld_v_iface(ld, v, h, &i) != 0)
		return -1;
	(void)ld_host_ifs(h, ifs);
	if (strcmp(ifs[i].conf->brane, b->name) != 0)
		return ld_fail(ld, LD_AT_VALUE, "expected an interface of brane "
		    "%s, got %s, which is in brane %s", b->name,
		    ld_got(v, got, sizeof(got)), ifs[i].conf->brane);
	snprintf(r->dev, sizeof(r->dev), "%s", ifs[i].name);
	return 0;
}

/* A route's "via" (at the path): on a connected subnet, not our own. */
static int
ld_route_via(struct ld *ld, const json_t *v, const struct sc_host *h,
    const struct sc_brane *b, struct sc_route *r)
{
	char got[LD_GOT_MAX], subs[LD_LIST_MAX], one[64];
	struct ld_if ifs[LD_IFS_MAX];
	const char *s, *end;
	unsigned n, at = 0;
	uint32_t g;

	ld_got(v, got, sizeof(got));
	if (!json_is_string(v) ||
	    strlen(s = json_string_value(v)) != json_string_length(v) ||
	    !ld_parse_ipv4(s, r->gw, &end) || *end != '\0')
		return ld_fail(ld, LD_AT_VALUE, "expected a gateway address such "
		    "as \"10.0.0.254\", got %s", got);
	g = ld_be32(r->gw);
	n = ld_brane_ifs(h, b->name, r->dev[0] ? r->dev : NULL, ifs);
	subs[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		uint32_t a = ld_be32(ifs[i].conf->addr), m = ld_mask(ifs[i].conf->plen);

		if (a == g)
			return ld_fail(ld, LD_AT_VALUE, "expected a gateway other "
			    "than this brane's own address, got %s (the address of "
			    "%s)", got, ifs[i].name);
		if ((a & m) == (g & m)) {
			r->has_gw = true;
			return 0;
		}
		ld_format_prefix(a & m, (int)ifs[i].conf->plen, one, sizeof(one));
		at += (unsigned)snprintf(subs + at, sizeof(subs) - at, "%s%s on %s",
		    i > 0 ? ", " : "", one, ifs[i].name);
		if (at >= sizeof(subs))
			at = sizeof(subs) - 1;
	}
	if (n == 0)
		return ld_fail(ld, LD_AT_VALUE, "expected a gateway on a connected "
		    "subnet of brane %s%s%s, got %s, but %s no address", b->name,
		    r->dev[0] ? " on " : "", r->dev, got,
		    r->dev[0] ? "that interface has" : "the brane has");
	return ld_fail(ld, LD_AT_VALUE, "expected a gateway on a connected "
	    "subnet of brane %s (%s), got %s", b->name, subs, got);
}

static int
ld_route(struct ld *ld, json_t *v, const struct sc_host *h, unsigned hi,
    const struct sc_brane *b, unsigned bi, struct sc_route *r)
{
	struct ld_if ifs[LD_IFS_MAX];
	json_t *x;

	if (ld_obj(ld, v, &sc_obj_route) != 0)
		return -1;
	if ((x = json_object_get(v, "dst")) == NULL)
		return ld_missing_near(ld, v, "dst", "a destination prefix such as "
		    "\"10.9.0.0/16\"");
	ld_push_key(ld, "dst");
	if (ld_route_dst(ld, x, h, hi, b, bi, r) != 0)
		return -1;
	ld_pop(ld);
	if ((x = json_object_get(v, "dev")) != NULL) {
		ld_push_key(ld, "dev");
		if (ld_route_dev(ld, x, h, b, r) != 0)
			return -1;
		ld_pop(ld);
	}
	if ((x = json_object_get(v, "via")) != NULL) {
		ld_push_key(ld, "via");
		if (ld_route_via(ld, x, h, b, r) != 0)
			return -1;
		ld_pop(ld);
	} else if (r->dev[0] == '\0')
		return ld_fail(ld, LD_AT_VALUE, "expected \"via\", \"dev\" or both: "
		    "a route needs a gateway or an interface");
	else if (ld_brane_ifs(h, b->name, r->dev, ifs) == 0) {
		ld_push_key(ld, "dev");
		return ld_fail(ld, LD_AT_VALUE, "expected an interface with an "
		    "address (a route straight out of it takes its source from "
		    "it), got \"%s\", which has none", r->dev);
	}
	return 0;
}

static int
ld_routes(struct ld *ld, json_t *obj, const struct sc_host *h, unsigned hi,
    struct sc_brane *b, unsigned bi)
{
	json_t *a = json_object_get(obj, "routes");
	char got[LD_GOT_MAX];
	size_t n;

	if (a == NULL)
		return 0;
	ld_push_key(ld, "routes");
	if (!json_is_array(a) || json_array_size(a) > SC_ROUTES_MAX)
		return ld_fail(ld, LD_AT_VALUE, "expected an array of at most %d "
		    "routes, got %s", SC_ROUTES_MAX, ld_got(a, got, sizeof(got)));
	n = json_array_size(a);
	if (n > 0 && (b->routes = calloc(n, sizeof(*b->routes))) == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	for (size_t i = 0; i < n; i++) {
		ld_push_index(ld, i);
		b->nroutes = (unsigned)i;       /* the earlier ones, for checks */
		if (ld_route(ld, json_array_get(a, i), h, hi, b, bi,
		    &b->routes[i]) != 0)
			return -1;
		ld_pop(ld);
	}
	b->nroutes = (unsigned)n;
	ld_pop(ld);
	return 0;
}

/* branes[bi] into b; earlier[0 .. bi) are the file's earlier ones. */
static int
ld_brane(struct ld *ld, json_t *v, const struct sc_host *h, unsigned hi,
    const struct sc_brane *earlier, unsigned bi, struct sc_brane *b)
{
	char got[LD_GOT_MAX];
	json_t *x;

	if (ld_obj(ld, v, &sc_obj_brane) != 0)
		return -1;
	if ((x = json_object_get(v, "name")) == NULL)
		return ld_missing_near(ld, v, "name", "the brane's name");
	ld_push_key(ld, "name");
	if (ld_v_brane_name(ld, x, b->name) != 0)
		return -1;
	for (unsigned j = 0; j < bi; j++)
		if (strcmp(earlier[j].name, b->name) == 0)
			return ld_fail(ld, LD_AT_VALUE, "expected a name no other "
			    "brane of host %s has, got %s (the name of "
			    "$.hosts[%u].branes[%u] too)", h->name,
			    ld_got(x, got, sizeof(got)), hi, j);
	ld_pop(ld);
	if (ld_fields(ld, v, &sc_obj_brane, b, true) != 0)
		return -1;
	return ld_routes(ld, v, h, hi, b, bi);
}

/*
 * "branes": h->branes gets "default" first -- the file's, or an implied
 * one with no routes -- then the others in file order.
 */
int
ld_branes(struct ld *ld, json_t *hv, struct sc_host *h, unsigned hi)
{
	json_t *a = json_object_get(hv, "branes");
	char got[LD_GOT_MAX];
	struct sc_brane *file;
	size_t n = 0, d;

	if (a != NULL) {
		ld_push_key(ld, "branes");
		if (!json_is_array(a) || json_array_size(a) > SC_BRANES_MAX)
			return ld_fail(ld, LD_AT_VALUE, "expected an array of at "
			    "most %d branes, got %s", SC_BRANES_MAX,
			    ld_got(a, got, sizeof(got)));
		n = json_array_size(a);
	}
	if ((h->branes = calloc(n + 1, sizeof(*h->branes))) == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	/* The file's go to [1 .. n]; [0] is for "default". */
	file = h->branes + 1;
	h->nbranes = 1;
	for (size_t i = 0; i < n; i++) {
		ld_push_index(ld, i);
		h->nbranes++;           /* so a failure frees its routes */
		if (ld_brane(ld, json_array_get(a, i), h, hi, file, (unsigned)i,
		    &file[i]) != 0)
			return -1;
		ld_pop(ld);
	}
	if (a != NULL)
		ld_pop(ld);
	for (d = 0; d < n && strcmp(file[d].name, "default") != 0; d++)
		continue;
	if (d == n) {
		snprintf(h->branes[0].name, sizeof(h->branes[0].name), "default");
		return 0;
	}
	h->branes[0] = file[d];
	memmove(&file[d], &file[d + 1], (n - d - 1) * sizeof(*file));
	memset(&file[n - 1], 0, sizeof(*file));
	h->nbranes = (unsigned)n;
	return 0;
}

/*
 * Across the host: every interface's brane exists, and no brane has an
 * address twice.  The path is at $.hosts[hi].
 */
int
ld_netcheck(struct ld *ld, const struct sc_host *h, unsigned hi)
{
	struct ld_if ifs[LD_IFS_MAX];
	unsigned n = ld_host_ifs(h, ifs);
	char where[64], addr[32];

	for (unsigned i = 0; i < n; i++) {
		const struct sc_ifconf *c = ifs[i].conf;

		ld_push_if(ld, &ifs[i], "brane");
		if (ld_brane_exists(ld, h, c->brane) != 0)
			return -1;
		ld_pop_if(ld, &ifs[i]);
		if (!c->has_addr)
			continue;
		for (unsigned j = 0; j < i; j++) {
			const struct sc_ifconf *o = ifs[j].conf;

			if (!o->has_addr || memcmp(o->addr, c->addr, 4) != 0 ||
			    strcmp(o->brane, c->brane) != 0)
				continue;
			ld_if_path(hi, &ifs[j], where, sizeof(where));
			ld_format_prefix(ld_be32(c->addr), (int)c->plen, addr,
			    sizeof(addr));
			ld_push_if(ld, &ifs[i], "addr");
			return ld_fail(ld, LD_AT_VALUE, "expected an address no "
			    "other interface of brane %s has, got \"%s\" (the "
			    "address of %s, %s, too)", c->brane, addr, where,
			    ifs[j].name);
		}
	}
	return 0;
}

