/*
 * scenario.c -- load a scenario file, check every key, fill a struct
 * scenario (see scenario.h; the format is scenarios/schema.json).
 *
 * The one idea: the loader walks the Jansson tree while keeping the JSON
 * path of what it is looking at in a small stack (struct ld).  When a
 * value is wrong it stops at once, and ld_fail() turns that path into
 * "$.hosts[2].cost" and, through jsonpos.c, into FILE:LINE:COL of the
 * value in the original text.  The first error ends the load: one line,
 * no cascade.  Which error comes first is fixed: an object's unknown keys
 * in file order, then its known keys in the order of the tables below.
 *
 * Nothing half-loaded escapes: on any error everything allocated is
 * freed and the caller gets NULL.  The loader never trusts a table it
 * reads (apps, probes) to be well-formed beyond what scenario.h promises;
 * sizes are bounded by SC_*_MAX before anything is allocated.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "sim/scenario/jsonpos.h"
#include "sim/scenario/readfile.h"
#include "sim/scenario/scenario.h"

#define LD_DEPTH_MAX    16      /* deeper than any path of the format */
#define LD_LIST_MAX     480     /* bytes of an "expected one of" list */
#define LD_GOT_CHARS    40      /* characters of a string value shown */
#define LD_SUGGEST_MAX  64      /* longer names get no "did you mean" */
#define LD_PROBE_NAME_MAX 80

const char *const sc_policy_names[SC_NPOLICIES] = {
	[SC_POLICY_TIME] = "time",
};

const char *const sc_nic_type_names[SC_NNICTYPES] = {
	[SC_NIC_DMA] = "dma",
	[SC_NIC_PIO] = "pio",
};

static const char *const top_keys[] = { "name", "description", "seed",
    "duration", "hosts", "switches", "links", "workload", "record", "limits",
    "interleaving" };
static const char *const host_keys[] = { "name", "cpus", "hz", "quantum",
    "cost", "nics", "vpairs", "branes", "rx_model" };
static const char *const nic_keys[] = { "name", "type", "mac", "addr",
    "brane", "rx_ring", "tx_ring", "mitigation", "intr_max",
    "coalesce_frames", "coalesce", "prealloc_low", "prealloc_max", "fifo",
    "dma_latency", "dma_rate", "intr_cpu" };
static const char *const vpair_keys[] = { "a", "b" };
static const char *const vpair_end_keys[] = { "name", "addr", "brane" };
static const char *const brane_keys[] = { "name", "forwarding", "routes" };
static const char *const route_keys[] = { "dst", "via", "dev" };
const char *const sc_rx_model_names[SC_NRXMODELS] = { "poll", "legacy" };
static const char *const switch_keys[] = { "name", "ports", "latency",
    "queue", "aging" };
static const char *const link_keys[] = { "name", "a", "b", "rate", "delay",
    "mtu", "loss", "reorder", "reorder_delay", "pcap" };
static const char *const probe_cost_keys[] = { "fixed", "per_unit" };
static const char *const record_keys[] = { "interval", "counters",
    "packets" };
static const char *const limits_keys[] = { "events", "points" };
static const char *const interleaving_keys[] = { "policy", "window", "jitter" };

#define NKEYS(a)        (sizeof(a) / sizeof((a)[0]))

/* The loader's state: where the text is and where in it we are. */
struct ld {
	const char *file;
	const char *text;
	size_t len;
	struct sim_jsonpath_step path[LD_DEPTH_MAX];
	size_t depth;
	char *err;
	size_t errlen;
};

enum ld_at {
	LD_AT_VALUE,            /* point at the value at the path */
	LD_AT_KEY,              /* point at the key of the path's last step */
};

static void
ld_push_key(struct ld *ld, const char *key)
{
	assert(ld->depth < LD_DEPTH_MAX);
	assert(key != NULL);
	ld->path[ld->depth].key = key;
	ld->path[ld->depth].index = 0;
	ld->depth++;
}

static void
ld_push_index(struct ld *ld, size_t i)
{
	assert(ld->depth < LD_DEPTH_MAX);
	ld->path[ld->depth].key = NULL;
	ld->path[ld->depth].index = i;
	ld->depth++;
}

static void
ld_pop(struct ld *ld)
{
	assert(ld->depth > 0);
	ld->depth--;
}

/*
 * Make err one printable line: control characters become spaces and
 * bytes that are not UTF-8 become '?', so a message never breaks a
 * terminal or a reader that decodes it.
 */
static void
ld_sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p != '\0') {
		size_t n = *p < 0x80 ? 1 : *p >= 0xf0 && *p < 0xf5 ? 4 :
		    *p >= 0xe0 && *p < 0xf0 ? 3 : *p >= 0xc2 && *p < 0xe0 ? 2 : 0;
		size_t i;

		for (i = 1; i < n && (p[i] & 0xc0) == 0x80; i++)
			continue;
		if (n == 0 || i < n) {
			*p++ = '?';
			continue;
		}
		if (n == 1 && (*p < 0x20 || *p == 0x7f))
			*p = ' ';
		p += n;
	}
}

/* Report an error at the current path.  Always returns -1. */
static int __attribute__((__format__(__printf__, 3, 4)))
ld_fail(struct ld *ld, enum ld_at at, const char *fmt, ...)
{
	char path[256], msg[SC_ERR_MAX];
	unsigned line, col;
	size_t off;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sim_jsonpath_format(ld->path, ld->depth, path, sizeof(path));
	if (sim_jsonpos_find(ld->text, ld->len, ld->path, ld->depth,
	    at == LD_AT_KEY, &off)) {
		sim_jsonpos_linecol(ld->text, ld->len, off, &line, &col);
		snprintf(ld->err, ld->errlen, "%s:%u:%u: at %s: %s", ld->file,
		    line, col, path, msg);
	} else
		snprintf(ld->err, ld->errlen, "%s: at %s: %s", ld->file, path,
		    msg);
	ld_sanitize(ld->err);
	return -1;
}

/* What was found, for "got ...": a quoted string, a number, a kind. */
static const char *
ld_got(const json_t *v, char *buf, size_t len)
{
	char *s;

	switch (json_typeof(v)) {
	case JSON_STRING:
		sim_json_quote(json_string_value(v), LD_GOT_CHARS, buf, len);
		break;
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		s = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
		snprintf(buf, len, "%s", s != NULL ? s : "a number");
		free(s);
		break;
	case JSON_TRUE:
		snprintf(buf, len, "true");
		break;
	case JSON_FALSE:
		snprintf(buf, len, "false");
		break;
	case JSON_NULL:
		snprintf(buf, len, "null");
		break;
	case JSON_OBJECT:
		snprintf(buf, len, "an object");
		break;
	case JSON_ARRAY:
		snprintf(buf, len, json_array_size(v) == 0 ? "an empty array" :
		    "an array of %zu", json_array_size(v));
		break;
	}
	return buf;
}

/* "a, b, c" (or "\"a\", \"b\"" with quote); a long list ends in "...". */
static const char *
ld_list(const char *const *names, size_t n, bool quote, char *buf, size_t len)
{
	size_t at = 0;

	assert(len > 8);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *q = quote ? "\"" : "";
		int w = snprintf(buf + at, len - at, "%s%s%s%s",
		    i > 0 ? ", " : "", q, names[i], q);

		if (w < 0 || (size_t)w >= len - at - 5) {
			snprintf(buf + at, len - at, ", ...");
			break;
		}
		at += (size_t)w;
	}
	return buf;
}

/* Optimal string alignment distance, case-insensitive; both short. */
static size_t
ld_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d[LD_SUGGEST_MAX + 1][LD_SUGGEST_MAX + 1];  /* <= 64 */

	assert(la <= LD_SUGGEST_MAX && lb <= LD_SUGGEST_MAX);
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned char)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned char)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = strncasecmp(a + i - 1, b + j - 1, 1) != 0;
			size_t best = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = (unsigned char)best;
		}
	}
	return d[la][lb];
}

/* The name closest to got, if close enough to be a typo; else NULL. */
static const char *
ld_suggest(const char *got, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;

	if (strlen(got) > LD_SUGGEST_MAX)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]), glen = strlen(got), d, limit;

		if (len > LD_SUGGEST_MAX)
			continue;
		limit = len <= 3 ? 1 : len <= 7 ? 2 : len / 3;
		d = ld_distance(got, names[i]);
		/* A cut-short name ("counter:iter") is a typo too. */
		if (glen >= 3 && glen < len &&
		    strncasecmp(got, names[i], glen) == 0)
			limit = len;
		if (d <= limit && d < best_d) {
			best = names[i];
			best_d = d;
		}
	}
	return best;
}

/* " (did you mean \"x\"?)" or "". */
static const char *
ld_mean(const char *got, const char *const *names, size_t n, char *buf,
    size_t len)
{
	const char *s = ld_suggest(got, names, n);

	buf[0] = '\0';
	if (s != NULL)
		snprintf(buf, len, " (did you mean \"%s\"?)", s);
	return buf;
}

/* Refuse any key of obj that is not in allowed[]; noun is "key", "probe". */
static int
ld_keys(struct ld *ld, json_t *obj, const char *const *allowed, size_t n,
    const char *noun)
{
	char q[LD_GOT_CHARS * 4 + 16], mean[LD_SUGGEST_MAX + 32];
	char list[LD_LIST_MAX];
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(obj, key, v) {
		for (i = 0; i < n; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (i < n)
			continue;
		ld_push_key(ld, key);
		sim_json_quote(key, LD_GOT_CHARS, q, sizeof(q));
		return ld_fail(ld, LD_AT_KEY, "unknown %s %s%s; expected one of %s",
		    noun, q, ld_mean(key, allowed, n, mean, sizeof(mean)),
		    ld_list(allowed, n, false, list, sizeof(list)));
	}
	return 0;
}

static int
ld_object(struct ld *ld, const json_t *v, const char *what)
{
	char got[LD_GOT_CHARS * 4 + 16];

	if (json_is_object(v))
		return 0;
	return ld_fail(ld, LD_AT_VALUE, "expected %s, got %s", what,
	    ld_got(v, got, sizeof(got)));
}

static int
ld_missing(struct ld *ld, const char *key, const char *what)
{
	return ld_fail(ld, LD_AT_VALUE, "missing required key \"%s\" (%s)", key,
	    what);
}

/*
 * A required key is missing; if a key of obj looks like a misspelling of
 * it ("progam"), point at that key instead, which is the real mistake.
 */
static int
ld_missing_near(struct ld *ld, json_t *obj, const char *key, const char *what)
{
	char q[LD_GOT_CHARS * 4 + 16];
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		if (ld_suggest(k, &key, 1) == NULL)
			continue;
		ld_push_key(ld, k);
		sim_json_quote(k, LD_GOT_CHARS, q, sizeof(q));
		return ld_fail(ld, LD_AT_KEY, "unknown key %s (did you mean "
		    "\"%s\"?); \"%s\" is required (%s)", q, key, key, what);
	}
	return ld_missing(ld, key, what);
}

/* ---- Values: the path is already at v. ---- */

static int
ld_v_int(struct ld *ld, const json_t *v, int64_t min, int64_t max,
    int64_t *out)
{
	char got[LD_GOT_CHARS * 4 + 16];

	if (json_is_integer(v) && json_integer_value(v) >= min &&
	    json_integer_value(v) <= max) {
		*out = json_integer_value(v);
		return 0;
	}
	ld_got(v, got, sizeof(got));
	if (max == INT64_MAX)
		return ld_fail(ld, LD_AT_VALUE, "expected an integer of %lld or "
		    "more, got %s", (long long)min, got);
	return ld_fail(ld, LD_AT_VALUE, "expected an integer from %lld to %lld, "
	    "got %s", (long long)min, (long long)max, got);
}

static int
ld_v_bool(struct ld *ld, const json_t *v, bool *out)
{
	char got[LD_GOT_CHARS * 4 + 16];

	if (!json_is_boolean(v))
		return ld_fail(ld, LD_AT_VALUE, "expected true or false, got %s",
		    ld_got(v, got, sizeof(got)));
	*out = json_is_true(v);
	return 0;
}

/* A value with a unit: a string ("250us") or an integer in the base unit. */
static int
ld_v_unit(struct ld *ld, const json_t *v, enum sim_unit_kind kind,
    uint64_t min, uint64_t max, uint64_t *out)
{
	char got[LD_GOT_CHARS * 4 + 16], msg[SC_ERR_MAX], lo[48], hi[48];
	char digits[32];
	const char *s;

	ld_got(v, got, sizeof(got));
	if (json_is_integer(v) && json_integer_value(v) < 0)
		return ld_fail(ld, LD_AT_VALUE, "expected %s of 0 or more, got %s",
		    sim_unit_what(kind), got);
	if (json_is_integer(v)) {
		snprintf(digits, sizeof(digits), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		s = digits;
	} else if (json_is_string(v))
		s = json_string_value(v);
	else {
		sim_unit_expected(kind, msg, sizeof(msg));
		return ld_fail(ld, LD_AT_VALUE, "expected %s, got %s", msg, got);
	}
	if (sim_parse_unit(kind, s, out, msg, sizeof(msg)) != 0)
		return ld_fail(ld, LD_AT_VALUE, "%s", msg);
	if (*out < min || *out > max) {
		sim_format_unit(kind, min, lo, sizeof(lo));
		sim_format_unit(kind, max, hi, sizeof(hi));
		return ld_fail(ld, LD_AT_VALUE, "expected %s from %s to %s, got %s",
		    sim_unit_what(kind), lo, hi, got);
	}
	return 0;
}

/* A string that must be one of names[]; *out is its index. */
static int
ld_v_choice(struct ld *ld, const json_t *v, const char *const *names,
    size_t n, int64_t *out)
{
	char got[LD_GOT_CHARS * 4 + 16], list[LD_LIST_MAX];
	char mean[LD_SUGGEST_MAX + 32] = "";

	if (json_is_string(v)) {
		for (size_t i = 0; i < n; i++) {
			if (strcmp(json_string_value(v), names[i]) == 0) {
				*out = (int64_t)i;
				return 0;
			}
		}
		ld_mean(json_string_value(v), names, n, mean, sizeof(mean));
	}
	return ld_fail(ld, LD_AT_VALUE, "expected one of %s, got %s%s",
	    ld_list(names, n, true, list, sizeof(list)),
	    ld_got(v, got, sizeof(got)), mean);
}

/* A name: 1..SC_NAME_MAX-1 characters of [A-Za-z0-9._-]. */
static int
ld_v_name(struct ld *ld, const json_t *v, const char *what,
    char out[SC_NAME_MAX])
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	char got[LD_GOT_CHARS * 4 + 16], why[sizeof(got) + 32] = "";
	const char *s;
	size_t n, bad;

	if (json_is_string(v)) {
		s = json_string_value(v);
		n = json_string_length(v);
		bad = strspn(s, ok);
		if (bad == n && n > 0 && n < SC_NAME_MAX) {
			memcpy(out, s, n + 1);
			return 0;
		}
		if (bad < n) {
			char c[16];
			size_t cl = 1;

			while (cl < 4 && ((unsigned char)s[bad + cl] & 0xc0) == 0x80)
				cl++;
			snprintf(c, sizeof(c), "%.*s", (int)cl, s + bad);
			sim_json_quote(c, 1, got, sizeof(got));
			snprintf(why, sizeof(why), " (%s is not allowed)", got);
		} else if (n >= SC_NAME_MAX)
			snprintf(why, sizeof(why), " (%zu characters)", n);
	}
	return ld_fail(ld, LD_AT_VALUE, "expected %s: 1 to %d characters from "
	    "A-Z a-z 0-9 . _ -, got %s%s", what, SC_NAME_MAX - 1,
	    ld_got(v, got, sizeof(got)), why);
}

/* ---- Optional keys of an object: absent keeps *out (the default). ---- */

static int
ld_opt_int(struct ld *ld, json_t *obj, const char *key, int64_t min,
    int64_t max, int64_t *out)
{
	json_t *v = json_object_get(obj, key);
	int r;

	if (v == NULL)
		return 0;
	ld_push_key(ld, key);
	r = ld_v_int(ld, v, min, max, out);
	ld_pop(ld);
	return r;
}

static int
ld_opt_bool(struct ld *ld, json_t *obj, const char *key, bool *out)
{
	json_t *v = json_object_get(obj, key);
	int r;

	if (v == NULL)
		return 0;
	ld_push_key(ld, key);
	r = ld_v_bool(ld, v, out);
	ld_pop(ld);
	return r;
}

static int
ld_opt_unit(struct ld *ld, json_t *obj, const char *key,
    enum sim_unit_kind kind, uint64_t min, uint64_t max, uint64_t *out)
{
	json_t *v = json_object_get(obj, key);
	int r;

	if (v == NULL)
		return 0;
	ld_push_key(ld, key);
	r = ld_v_unit(ld, v, kind, min, max, out);
	ld_pop(ld);
	return r;
}

static int
ld_req_name(struct ld *ld, json_t *obj, const char *what,
    char out[SC_NAME_MAX])
{
	json_t *v = json_object_get(obj, "name");
	int r;

	if (v == NULL)
		return ld_missing(ld, "name", what);
	ld_push_key(ld, "name");
	r = ld_v_name(ld, v, what, out);
	ld_pop(ld);
	return r;
}

/* ---- Hosts and their cost tables. ---- */

static int
ld_probe(struct ld *ld, json_t *v, struct sim_probe_cost *pc)
{
	const uint64_t max_ps = SC_COST_MAX_NS * 1000;
	char got[LD_GOT_CHARS * 4 + 16];

	if (json_is_string(v) || json_is_integer(v))
		return ld_v_unit(ld, v, SIM_UNIT_DURATION_PS, 0, max_ps,
		    &pc->fixed_ps);
	if (!json_is_object(v))
		return ld_fail(ld, LD_AT_VALUE, "expected a duration such as "
		    "\"0.5ns\" or an object {\"fixed\": ..., \"per_unit\": ...}, "
		    "got %s", ld_got(v, got, sizeof(got)));
	if (ld_keys(ld, v, probe_cost_keys, NKEYS(probe_cost_keys), "key") != 0 ||
	    ld_opt_unit(ld, v, "fixed", SIM_UNIT_DURATION_PS, 0, max_ps,
	    &pc->fixed_ps) != 0 ||
	    ld_opt_unit(ld, v, "per_unit", SIM_UNIT_DURATION_PS, 0, max_ps,
	    &pc->per_unit_ps) != 0)
		return -1;
	return 0;
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
static int
ld_v_inaddr(struct ld *ld, const json_t *v, uint64_t min, uint64_t max,
    int64_t *out)
{
	char got[LD_GOT_CHARS * 4 + 16];
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
	char got[LD_GOT_CHARS * 4 + 16];
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
static int
ld_v_brane_name(struct ld *ld, const json_t *v, char out[SC_BRANE_NAME_MAX])
{
	char name[SC_NAME_MAX], got[LD_GOT_CHARS * 4 + 16];

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
static int
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
	char got[LD_GOT_CHARS * 4 + 16];

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
	char got[LD_GOT_CHARS * 4 + 16];
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

/* The NIC model's parameters, with their defaults. */
static int
ld_nic_params(struct ld *ld, json_t *v, const struct sc_host *h,
    struct sc_nic *n)
{
	int64_t rx = 256, tx = 256, cf = 8, low = 32, max = 4096, icpu = 0;
	uint64_t intr_max = 20000;
	bool mit = true;

	n->coalesce_ns = 20000;
	n->fifo_bytes = 16384;
	n->dma_latency_ns = 500;
	n->dma_rate_bps = 64000000000ULL;
	if (ld_opt_int(ld, v, "rx_ring", SC_NIC_RING_MIN, SC_NIC_RING_MAX,
	    &rx) != 0 ||
	    ld_opt_int(ld, v, "tx_ring", SC_NIC_RING_MIN, SC_NIC_RING_MAX,
	    &tx) != 0 ||
	    ld_opt_bool(ld, v, "mitigation", &mit) != 0 ||
	    ld_opt_unit(ld, v, "intr_max", SIM_UNIT_RATE_PPS, 0, 100000000,
	    &intr_max) != 0 ||
	    ld_opt_int(ld, v, "coalesce_frames", 1, 1024, &cf) != 0 ||
	    ld_opt_unit(ld, v, "coalesce", SIM_UNIT_DURATION_NS, 0, 10000000,
	    &n->coalesce_ns) != 0 ||
	    ld_opt_int(ld, v, "prealloc_low", 1, 65536, &low) != 0 ||
	    ld_opt_int(ld, v, "prealloc_max", 1, 65536, &max) != 0 ||
	    ld_opt_unit(ld, v, "fifo", SIM_UNIT_SIZE, 2048, 16 << 20,
	    &n->fifo_bytes) != 0 ||
	    ld_opt_unit(ld, v, "dma_latency", SIM_UNIT_DURATION_NS, 0,
	    100000000, &n->dma_latency_ns) != 0 ||
	    ld_opt_unit(ld, v, "dma_rate", SIM_UNIT_RATE_BPS, 1000000,
	    10000000000000ULL, &n->dma_rate_bps) != 0 ||
	    ld_opt_int(ld, v, "intr_cpu", 0, (int64_t)h->cpus - 1, &icpu) != 0)
		return -1;
	n->rx_ring = (unsigned)rx;
	n->tx_ring = (unsigned)tx;
	n->mitigation = mit;
	n->intr_max = intr_max;
	n->coalesce_frames = (unsigned)cf;
	n->prealloc_low = (unsigned)low;
	n->prealloc_max = (unsigned)max;
	n->intr_cpu = (unsigned)icpu;
	n->intr_cpu_given = json_object_get(v, "intr_cpu") != NULL;
	return 0;
}

static int
ld_nic(struct ld *ld, json_t *v, struct sc_host *h, unsigned hi, unsigned i)
{
	struct sc_nic *n = &h->nics[i];
	int64_t type = SC_NIC_DMA;
	json_t *x;

	if (ld_object(ld, v, "a NIC object such as {\"name\": \"wm0\", "
	    "\"type\": \"dma\"}") != 0 ||
	    ld_keys(ld, v, nic_keys, NKEYS(nic_keys), "key") != 0 ||
	    ld_req_name(ld, v, "a NIC name", n->name) != 0 ||
	    ld_nic_name(ld, h, i) != 0)
		return -1;
	if ((x = json_object_get(v, "type")) != NULL) {
		ld_push_key(ld, "type");
		if (ld_v_choice(ld, x, sc_nic_type_names, SC_NNICTYPES,
		    &type) != 0)
			return -1;
		ld_pop(ld);
	}
	n->type = (enum sc_nic_type)type;
	if (ld_nic_params(ld, v, h, n) != 0)
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
	char got[LD_GOT_CHARS * 4 + 16];
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
	const struct sc_nic *b = &sc->hosts[h].nics[i];
	char mac[24];

	for (unsigned g = 0; g <= h; g++) {
		for (unsigned j = 0; j < (g < h ? sc->hosts[g].nnics : i); j++) {
			const struct sc_nic *a = &sc->hosts[g].nics[j];

			if (memcmp(a->mac, b->mac, 6) != 0)
				continue;
			ld_format_mac(b->mac, mac, sizeof(mac));
			if (b->mac_given) {
				ld_path_mac(ld, h, i);
				return ld_fail(ld, LD_AT_VALUE, "expected a MAC "
				    "address no other NIC has, got \"%s\" (the "
				    "%sMAC of $.hosts[%u].nics[%u], %s.%s, too)",
				    mac, a->mac_given ? "" : "default ", g, j,
				    sc->hosts[g].name, a->name);
			}
			/* Defaults differ: the earlier one was given. */
			ld_path_mac(ld, g, j);
			return ld_fail(ld, LD_AT_VALUE, "expected a MAC address no "
			    "other NIC has, got \"%s\" (the default MAC of "
			    "$.hosts[%u].nics[%u], %s.%s, derived from its host's "
			    "and its own index)", mac, h, i, sc->hosts[h].name,
			    b->name);
		}
	}
	return 0;
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

/* ---- Virtual pairs, branes and routes: a host's network configuration. ---- */

#define LD_IFS_MAX      (SC_NICS_MAX + 2 * SC_VPAIRS_MAX)

/* An interface of a host as the file gives it: a NIC or a vpair end. */
struct ld_if {
	const char *name;
	const struct sc_ifconf *conf;
	unsigned index;                 /* into nics[] or vpairs[] */
	const char *end;                /* NULL for a NIC, else "a" or "b" */
};

/* The host's interfaces, NICs first, then the vpairs' ends in order. */
static unsigned
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
	char name[SC_NAME_MAX], got[LD_GOT_CHARS * 4 + 16];
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
	char got[LD_GOT_CHARS * 4 + 16];
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
	if (ld_keys(ld, v, vpair_end_keys, NKEYS(vpair_end_keys), "key") != 0)
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

static int
ld_vpairs(struct ld *ld, json_t *hv, struct sc_host *h, unsigned hi)
{
	json_t *a = json_object_get(hv, "vpairs");
	char got[LD_GOT_CHARS * 4 + 16];
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
		if (ld_object(ld, v, "a virtual pair such as {\"a\": \"vp0a\", "
		    "\"b\": \"vp0b\"}") != 0 ||
		    ld_keys(ld, v, vpair_keys, NKEYS(vpair_keys), "key") != 0 ||
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
static int
ld_brane_exists(struct ld *ld, const struct sc_host *h, const char *name)
{
	const char *names[SC_BRANES_MAX + 1] = { NULL };
	char list[LD_LIST_MAX], got[LD_GOT_CHARS * 4 + 16];
	char mean[LD_SUGGEST_MAX + 32];
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
	char got[LD_GOT_CHARS * 4 + 16], fix[32];
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

/* A route's "dev" (at the path): an interface of brane b. */
static int
ld_route_dev(struct ld *ld, const json_t *v, const struct sc_host *h,
    const struct sc_brane *b, struct sc_route *r)
{
	char got[LD_GOT_CHARS * 4 + 16], list[LD_LIST_MAX];
	char mean[LD_SUGGEST_MAX + 32] = "";
	struct ld_if ifs[LD_IFS_MAX];
	const char *names[LD_IFS_MAX] = { NULL };
	unsigned n = ld_host_ifs(h, ifs);

	ld_got(v, got, sizeof(got));
	for (unsigned i = 0; i < n; i++) {
		names[i] = ifs[i].name;
		if (!json_is_string(v) ||
		    strcmp(ifs[i].name, json_string_value(v)) != 0)
			continue;
		if (strcmp(ifs[i].conf->brane, b->name) != 0)
			return ld_fail(ld, LD_AT_VALUE, "expected an interface of "
			    "brane %s, got %s, which is in brane %s", b->name, got,
			    ifs[i].conf->brane);
		snprintf(r->dev, sizeof(r->dev), "%s", ifs[i].name);
		return 0;
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

/* A route's "via" (at the path): on a connected subnet, not our own. */
static int
ld_route_via(struct ld *ld, const json_t *v, const struct sc_host *h,
    const struct sc_brane *b, struct sc_route *r)
{
	char got[LD_GOT_CHARS * 4 + 16], subs[LD_LIST_MAX], one[64];
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

	if (ld_object(ld, v, "a route such as {\"dst\": \"0.0.0.0/0\", "
	    "\"via\": \"10.0.0.254\"}") != 0 ||
	    ld_keys(ld, v, route_keys, NKEYS(route_keys), "key") != 0)
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
	char got[LD_GOT_CHARS * 4 + 16];
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
	char got[LD_GOT_CHARS * 4 + 16];
	json_t *x;

	if (ld_object(ld, v, "a brane such as {\"name\": \"default\", "
	    "\"forwarding\": false, \"routes\": []}") != 0 ||
	    ld_keys(ld, v, brane_keys, NKEYS(brane_keys), "key") != 0)
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
	if (ld_opt_bool(ld, v, "forwarding", &b->forwarding) != 0)
		return -1;
	return ld_routes(ld, v, h, hi, b, bi);
}

/*
 * "branes": h->branes gets "default" first -- the file's, or an implied
 * one with no routes -- then the others in file order.
 */
static int
ld_branes(struct ld *ld, json_t *hv, struct sc_host *h, unsigned hi)
{
	json_t *a = json_object_get(hv, "branes");
	char got[LD_GOT_CHARS * 4 + 16];
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
static int
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

/* hosts[i]'s name must not be an earlier host's. */
static int
ld_host_unique(struct ld *ld, const struct scenario *sc, unsigned i)
{
	char got[LD_GOT_CHARS * 4 + 16];

	for (unsigned j = 0; j < i; j++) {
		if (strcmp(sc->hosts[j].name, sc->hosts[i].name) != 0)
			continue;
		ld_push_key(ld, "name");
		sim_json_quote(sc->hosts[i].name, LD_GOT_CHARS, got, sizeof(got));
		return ld_fail(ld, LD_AT_VALUE, "expected a name no other host "
		    "has, got %s (the name of $.hosts[%u] too)", got, j);
	}
	return 0;
}

static int
ld_host(struct ld *ld, json_t *v, struct scenario *sc, unsigned i)
{
	struct sc_host *h = &sc->hosts[i];
	int64_t cpus = 1, tick_hz = 1000, rxm = SC_RX_POLL;
	json_t *cost, *x;
	int r;

	if (ld_object(ld, v, "a host object such as {\"name\": \"a\", "
	    "\"cpus\": 2}") != 0 ||
	    ld_keys(ld, v, host_keys, NKEYS(host_keys), "key") != 0 ||
	    ld_req_name(ld, v, "a host name", h->name) != 0 ||
	    ld_host_unique(ld, sc, i) != 0 ||
	    ld_opt_int(ld, v, "cpus", 1, SC_CPUS_MAX, &cpus) != 0 ||
	    ld_opt_int(ld, v, "hz", SC_HZ_MIN, SC_HZ_MAX, &tick_hz) != 0)
		return -1;
	h->cpus = (unsigned)cpus;
	h->tick_hz = (int)tick_hz;
	h->quantum_ns = 10000000;
	if (ld_opt_unit(ld, v, "quantum", SIM_UNIT_DURATION_NS,
	    SC_QUANTUM_MIN_NS, SC_QUANTUM_MAX_NS, &h->quantum_ns) != 0)
		return -1;
	sim_cost_defaults(&h->cost);
	if ((cost = json_object_get(v, "cost")) != NULL) {
		ld_push_key(ld, "cost");
		r = ld_cost(ld, cost, &h->cost);
		if (r != 0)
			return r;
		ld_pop(ld);
	}
	if ((x = json_object_get(v, "rx_model")) != NULL) {
		ld_push_key(ld, "rx_model");
		if (ld_v_choice(ld, x, sc_rx_model_names, SC_NRXMODELS,
		    &rxm) != 0)
			return -1;
		ld_pop(ld);
	}
	h->rx_model = (enum sc_rx_model)rxm;
	return ld_nics(ld, v, h, i) != 0 || ld_vpairs(ld, v, h, i) != 0 ||
	    ld_branes(ld, v, h, i) != 0 || ld_netcheck(ld, h, i) != 0 ? -1 : 0;
}

static int
ld_hosts(struct ld *ld, json_t *root, struct scenario *sc)
{
	json_t *a = json_object_get(root, "hosts");
	char got[LD_GOT_CHARS * 4 + 16];
	size_t n;

	if (a == NULL)
		return ld_missing(ld, "hosts", "an array of 1 to 256 hosts");
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

/* ---- The workload: programs and their parameters. ---- */

#define LD_APPS_MAX     64

static size_t
ld_app_names(const char *names[LD_APPS_MAX])
{
	size_t n;

	for (n = 0; app_table[n] != NULL; n++) {
		assert(n < LD_APPS_MAX);
		names[n] = app_table[n]->name;
	}
	return n;
}

static int
ld_program_app(struct ld *ld, json_t *obj, struct sc_program *p)
{
	json_t *v = json_object_get(obj, "program");
	const char *names[LD_APPS_MAX];
	size_t n = ld_app_names(names);
	char list[LD_LIST_MAX], what[LD_LIST_MAX + 32];
	int64_t k;
	int r;

	if (v == NULL) {
		snprintf(what, sizeof(what), "one of the programs %s",
		    ld_list(names, n, false, list, sizeof(list)));
		return ld_missing_near(ld, obj, "program", what);
	}
	ld_push_key(ld, "program");
	r = ld_v_choice(ld, v, names, n, &k);
	ld_pop(ld);
	if (r == 0)
		p->app = app_table[k];
	return r;
}

static int
ld_program_host(struct ld *ld, json_t *obj, const struct scenario *sc,
    struct sc_program *p)
{
	json_t *v = json_object_get(obj, "host");
	const char *names[SC_HOSTS_MAX];
	char list[LD_LIST_MAX], got[LD_GOT_CHARS * 4 + 16];
	char mean[LD_SUGGEST_MAX + 32] = "";

	for (unsigned i = 0; i < sc->nhosts; i++)
		names[i] = sc->hosts[i].name;
	ld_list(names, sc->nhosts, false, list, sizeof(list));
	if (v == NULL && sc->nhosts == 1) {
		p->host = 0;
		return 0;
	}
	if (v == NULL)
		return ld_fail(ld, LD_AT_VALUE, "missing key \"host\": with %u "
		    "hosts (%s) a program must name the host it runs on",
		    sc->nhosts, list);
	ld_push_key(ld, "host");
	if (json_is_string(v)) {
		for (unsigned i = 0; i < sc->nhosts; i++) {
			if (strcmp(json_string_value(v), names[i]) == 0) {
				p->host = i;
				ld_pop(ld);
				return 0;
			}
		}
		ld_mean(json_string_value(v), names, sc->nhosts, mean,
		    sizeof(mean));
	}
	return ld_fail(ld, LD_AT_VALUE, "expected the name of a host (one of "
	    "%s), got %s%s", list, ld_got(v, got, sizeof(got)), mean);
}

static int
ld_program_keys(struct ld *ld, json_t *obj, const struct app_desc *app)
{
	const char *keys[3 + APP_PARAMS_MAX];

	assert(app->nparams <= APP_PARAMS_MAX);
	keys[0] = "program";
	keys[1] = "host";
	keys[2] = "brane";
	for (u_int i = 0; i < app->nparams; i++)
		keys[3 + i] = app->params[i].name;
	return ld_keys(ld, obj, keys, 3 + app->nparams, "key");
}

/* The program's "brane": one of its host's (default "default"). */
static int
ld_program_brane(struct ld *ld, json_t *obj, const struct scenario *sc,
    struct sc_program *p)
{
	const struct sc_host *h = &sc->hosts[p->host];
	json_t *v = json_object_get(obj, "brane");

	snprintf(p->brane, sizeof(p->brane), "default");
	p->args.brane = p->brane;
	if (v == NULL)
		return 0;
	ld_push_key(ld, "brane");
	if (ld_v_brane_name(ld, v, p->brane) != 0 ||
	    ld_brane_exists(ld, h, p->brane) != 0)
		return -1;
	ld_pop(ld);
	return 0;
}

static const enum sim_unit_kind param_kind[] = {
	[APP_DURATION] = SIM_UNIT_DURATION_NS,
	[APP_SIZE] = SIM_UNIT_SIZE,
	[APP_RATE_BPS] = SIM_UNIT_RATE_BPS,
	[APP_RATE_PPS] = SIM_UNIT_RATE_PPS,
};

/* One parameter's value at the current path. */
static int
ld_param_value(struct ld *ld, const json_t *v, const struct app_param *prm,
    int64_t *out)
{
	bool b = false;
	uint64_t u;
	size_t n;

	switch (prm->type) {
	case APP_INT:
		return ld_v_int(ld, v, prm->min, prm->max, out);
	case APP_BOOL:
		if (ld_v_bool(ld, v, &b) != 0)
			return -1;
		*out = b;
		return 0;
	case APP_DURATION:
	case APP_SIZE:
	case APP_RATE_BPS:
	case APP_RATE_PPS:
		assert(prm->min >= 0 && prm->max >= prm->min);
		if (ld_v_unit(ld, v, param_kind[prm->type], (uint64_t)prm->min,
		    (uint64_t)prm->max, &u) != 0)
			return -1;
		*out = (int64_t)u;
		return 0;
	case APP_ENUM:
		for (n = 0; prm->choices[n] != NULL; n++)
			continue;
		return ld_v_choice(ld, v, prm->choices, n, out);
	case APP_INADDR:
		return ld_v_inaddr(ld, v, (uint64_t)prm->min, (uint64_t)prm->max,
		    out);
	}
	return ld_fail(ld, LD_AT_VALUE, "parameter type %d is not known",
	    (int)prm->type);
}

static int
ld_program(struct ld *ld, json_t *v, struct scenario *sc, unsigned i)
{
	struct sc_program *p = &sc->programs[i];
	const struct app_param *prm;
	json_t *x;

	if (ld_object(ld, v, "a program object such as "
	    "{\"program\": \"counter\"}") != 0 ||
	    ld_program_app(ld, v, p) != 0 ||
	    ld_program_host(ld, v, sc, p) != 0 ||
	    ld_program_keys(ld, v, p->app) != 0 ||
	    ld_program_brane(ld, v, sc, p) != 0)
		return -1;
	p->args.desc = p->app;
	p->args.flow = i + 1;
	p->args.instance = 0;
	for (unsigned j = 0; j < i; j++)
		if (sc->programs[j].app == p->app)
			p->args.instance++;
	for (u_int k = 0; k < p->app->nparams; k++) {
		prm = &p->app->params[k];
		p->args.v[k] = prm->def;
		if ((x = json_object_get(v, prm->name)) == NULL) {
			if (prm->required)
				return ld_missing_near(ld, v, prm->name,
				    prm->doc);
			continue;
		}
		ld_push_key(ld, prm->name);
		if (ld_param_value(ld, x, prm, &p->args.v[k]) != 0)
			return -1;
		ld_pop(ld);
	}
	return 0;
}

static int
ld_workload(struct ld *ld, json_t *root, struct scenario *sc)
{
	json_t *a = json_object_get(root, "workload");
	char got[LD_GOT_CHARS * 4 + 16];
	size_t n;

	if (a == NULL)
		return 0;
	ld_push_key(ld, "workload");
	if (!json_is_array(a) || json_array_size(a) > SC_PROGRAMS_MAX)
		return ld_fail(ld, LD_AT_VALUE, "expected an array of at most "
		    "%d program objects, got %s", SC_PROGRAMS_MAX,
		    ld_got(a, got, sizeof(got)));
	n = json_array_size(a);
	if (n > 0 && (sc->programs = calloc(n, sizeof(*sc->programs))) == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	sc->nprograms = (unsigned)n;
	for (size_t i = 0; i < n; i++) {
		ld_push_index(ld, i);
		if (ld_program(ld, json_array_get(a, i), sc, (unsigned)i) != 0)
			return -1;
		ld_pop(ld);
	}
	ld_pop(ld);
	return 0;
}

/* ---- The wires: switches and links. ---- */

/* switches[i]'s name must be no host's and no earlier switch's. */
static int
ld_switch_unique(struct ld *ld, const struct scenario *sc, unsigned i)
{
	const char *name = sc->switches[i].name;
	char got[LD_GOT_CHARS * 4 + 16];

	sim_json_quote(name, LD_GOT_CHARS, got, sizeof(got));
	for (unsigned j = 0; j < sc->nhosts; j++) {
		if (strcmp(sc->hosts[j].name, name) != 0)
			continue;
		ld_push_key(ld, "name");
		return ld_fail(ld, LD_AT_VALUE, "expected a name no host or other "
		    "switch has, got %s (the name of $.hosts[%u] too)", got, j);
	}
	for (unsigned j = 0; j < i; j++) {
		if (strcmp(sc->switches[j].name, name) != 0)
			continue;
		ld_push_key(ld, "name");
		return ld_fail(ld, LD_AT_VALUE, "expected a name no host or other "
		    "switch has, got %s (the name of $.switches[%u] too)", got, j);
	}
	return 0;
}

static int
ld_switch(struct ld *ld, json_t *v, struct scenario *sc, unsigned i)
{
	struct sc_switch *s = &sc->switches[i];
	int64_t ports = 0, queue = 256;

	s->latency_ns = 1000;
	s->aging_ns = 300 * 1000000000ULL;
	if (ld_object(ld, v, "a switch object such as {\"name\": \"sw0\", "
	    "\"ports\": 8}") != 0 ||
	    ld_keys(ld, v, switch_keys, NKEYS(switch_keys), "key") != 0 ||
	    ld_req_name(ld, v, "a switch name", s->name) != 0 ||
	    ld_switch_unique(ld, sc, i) != 0)
		return -1;
	if (json_object_get(v, "ports") == NULL)
		return ld_missing(ld, "ports", "the number of ports, 1 to 256");
	if (ld_opt_int(ld, v, "ports", 1, SC_SWITCH_PORTS_MAX, &ports) != 0 ||
	    ld_opt_unit(ld, v, "latency", SIM_UNIT_DURATION_NS, 0,
	    SC_LATENCY_MAX_NS, &s->latency_ns) != 0 ||
	    ld_opt_int(ld, v, "queue", 0, SC_QUEUE_MAX, &queue) != 0 ||
	    ld_opt_unit(ld, v, "aging", SIM_UNIT_DURATION_NS, 0,
	    SC_DURATION_MAX_NS, &s->aging_ns) != 0)
		return -1;
	s->ports = (unsigned)ports;
	s->queue = (unsigned)queue;
	return 0;
}

/*
 * An optional array at root.key of at most max objects, each loaded by
 * fn; *n and *arr (elements of size) are set before the first is loaded.
 */
static int
ld_array(struct ld *ld, json_t *root, const char *key, size_t max,
    const char *what, size_t size, void **arr, unsigned *n,
    int (*fn)(struct ld *, json_t *, struct scenario *, unsigned),
    struct scenario *sc)
{
	json_t *a = json_object_get(root, key);
	char got[LD_GOT_CHARS * 4 + 16];
	size_t len;

	if (a == NULL)
		return 0;
	ld_push_key(ld, key);
	if (!json_is_array(a) || json_array_size(a) > max)
		return ld_fail(ld, LD_AT_VALUE, "expected an array of at most %zu "
		    "%s, got %s", max, what, ld_got(a, got, sizeof(got)));
	len = json_array_size(a);
	if (len > 0 && (*arr = calloc(len, size)) == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	*n = (unsigned)len;
	for (size_t i = 0; i < len; i++) {
		ld_push_index(ld, i);
		if (fn(ld, json_array_get(a, i), sc, (unsigned)i) != 0)
			return -1;
		ld_pop(ld);
	}
	ld_pop(ld);
	return 0;
}

static int
ld_switches(struct ld *ld, json_t *root, struct scenario *sc)
{
	return ld_array(ld, root, "switches", SC_SWITCHES_MAX,
	    "switch objects", sizeof(*sc->switches), (void **)&sc->switches,
	    &sc->nswitches, ld_switch, sc);
}

#define LD_ENDPOINT_EXAMPLE "\"HOST.NIC\" or \"SWITCH.PORT\", such as " \
	"\"a.wm0\" or \"sw0.3\""

/* The endpoint names a NIC of host h: which one. */
static int
ld_ep_nic(struct ld *ld, const json_t *v, const struct scenario *sc,
    unsigned h, const char *nic, struct sc_endpoint *ep)
{
	const struct sc_host *host = &sc->hosts[h];
	char full[SC_NICS_MAX][2 * SC_NAME_MAX];
	const char *names[SC_NICS_MAX];
	char got[LD_GOT_CHARS * 4 + 16], list[LD_LIST_MAX];
	char mean[LD_SUGGEST_MAX + 32];

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
	char got[LD_GOT_CHARS * 4 + 16];
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
	const char *names[SC_HOSTS_MAX + SC_SWITCHES_MAX];
	char got[LD_GOT_CHARS * 4 + 16], pre[SC_NAME_MAX], q[sizeof(got)];
	char mean[LD_SUGGEST_MAX + 32];
	const char *s, *dot;
	unsigned n = 0;

	ld_got(v, got, sizeof(got));
	if (!json_is_string(v) ||
	    strlen(s = json_string_value(v)) != json_string_length(v) ||
	    (dot = strrchr(s, '.')) == NULL || dot == s || dot[1] == '\0')
		return ld_fail(ld, LD_AT_VALUE, "expected an endpoint "
		    LD_ENDPOINT_EXAMPLE ", got %s", got);
	if ((size_t)(dot - s) < sizeof(pre)) {
		snprintf(pre, sizeof(pre), "%.*s", (int)(dot - s), s);
		for (unsigned h = 0; h < sc->nhosts; h++)
			if (strcmp(sc->hosts[h].name, pre) == 0)
				return ld_ep_nic(ld, v, sc, h, dot + 1, ep);
		for (unsigned w = 0; w < sc->nswitches; w++)
			if (strcmp(sc->switches[w].name, pre) == 0)
				return ld_ep_port(ld, v, sc, w, dot + 1, ep);
	} else
		snprintf(pre, sizeof(pre), "?");
	for (unsigned h = 0; h < sc->nhosts; h++)
		names[n++] = sc->hosts[h].name;
	for (unsigned w = 0; w < sc->nswitches; w++)
		names[n++] = sc->switches[w].name;
	sim_json_quote(pre, LD_GOT_CHARS, q, sizeof(q));
	return ld_fail(ld, LD_AT_VALUE, "expected an endpoint "
	    LD_ENDPOINT_EXAMPLE ", got %s: no host or switch is named %s%s",
	    got, q, ld_mean(pre, names, n, mean, sizeof(mean)));
}

static bool
ld_ep_same(const struct sc_endpoint *x, const struct sc_endpoint *y)
{
	return x->kind == y->kind && x->index == y->index && x->sub == y->sub;
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
	char got[LD_GOT_CHARS * 4 + 16];
	const char *end = NULL;
	unsigned j;

	if (v == NULL)
		return ld_missing(ld, key, "an endpoint " LD_ENDPOINT_EXAMPLE);
	ld_push_key(ld, key);
	if (ld_v_endpoint(ld, v, sc, ep) != 0)
		return -1;
	ld_got(v, got, sizeof(got));
	for (j = 0; j < i && end == NULL; j++)
		end = ld_ep_same(&sc->links[j].a, ep) ? "a" :
		    ld_ep_same(&sc->links[j].b, ep) ? "b" : NULL;
	if (end != NULL)
		return ld_fail(ld, LD_AT_VALUE, "expected a NIC or switch port no "
		    "other link uses, got %s (the %s end of $.links[%u], %s, too)",
		    got, end, j - 1, sc->links[j - 1].name);
	if (key[0] == 'b' && ld_ep_same(&l->a, ep))
		return ld_fail(ld, LD_AT_VALUE, "expected an endpoint other than "
		    "this link's a, got %s: a link joins two different ports",
		    got);
	ld_pop(ld);
	return 0;
}

/* links[i]'s name must not be an earlier link's. */
static int
ld_link_unique(struct ld *ld, const struct scenario *sc, unsigned i)
{
	char got[LD_GOT_CHARS * 4 + 16];

	for (unsigned j = 0; j < i; j++) {
		if (strcmp(sc->links[j].name, sc->links[i].name) != 0)
			continue;
		ld_push_key(ld, "name");
		sim_json_quote(sc->links[i].name, LD_GOT_CHARS, got, sizeof(got));
		return ld_fail(ld, LD_AT_VALUE, "expected a name no other link "
		    "has, got %s (the name of $.links[%u] too)", got, j);
	}
	return 0;
}

/* A probability: a number from 0 to 1. */
static int
ld_opt_prob(struct ld *ld, json_t *obj, const char *key, double *out)
{
	json_t *v = json_object_get(obj, key);
	char got[64];

	if (v == NULL)
		return 0;
	ld_push_key(ld, key);
	if (!json_is_number(v) || json_number_value(v) < 0 ||
	    json_number_value(v) > 1)
		return ld_fail(ld, LD_AT_VALUE, "expected a probability from 0 "
		    "to 1, got %s", ld_got(v, got, sizeof(got)));
	*out = json_number_value(v);
	ld_pop(ld);
	return 0;
}

/* links[i].pcap: a file name no earlier link captures to. */
static int
ld_link_pcap(struct ld *ld, json_t *obj, struct scenario *sc, unsigned i)
{
	json_t *v = json_object_get(obj, "pcap");
	char got[LD_GOT_CHARS * 4 + 16];
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
	for (unsigned j = 0; j < i; j++)
		if (sc->links[j].pcap != NULL &&
		    strcmp(sc->links[j].pcap, json_string_value(v)) == 0)
			return ld_fail(ld, LD_AT_VALUE, "expected a file no other "
			    "link captures to, got %s (the pcap of $.links[%u], "
			    "%s, too)", got, j, sc->links[j].name);
	if ((sc->links[i].pcap = strdup(json_string_value(v))) == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	ld_pop(ld);
	return 0;
}

static int
ld_link(struct ld *ld, json_t *v, struct scenario *sc, unsigned i)
{
	struct sc_link *l = &sc->links[i];
	int64_t mtu = 1500;

	l->rate_bps = 1000000000;
	l->reorder_delay_ns = 10000;
	if (ld_object(ld, v, "a link object such as {\"name\": \"l0\", "
	    "\"a\": \"a.wm0\", \"b\": \"sw0.0\"}") != 0 ||
	    ld_keys(ld, v, link_keys, NKEYS(link_keys), "key") != 0 ||
	    ld_req_name(ld, v, "a link name", l->name) != 0 ||
	    ld_link_unique(ld, sc, i) != 0 ||
	    ld_link_end(ld, v, sc, i, "a") != 0 ||
	    ld_link_end(ld, v, sc, i, "b") != 0 ||
	    ld_opt_unit(ld, v, "rate", SIM_UNIT_RATE_BPS, SC_RATE_MIN_BPS,
	    SC_RATE_MAX_BPS, &l->rate_bps) != 0 ||
	    ld_opt_unit(ld, v, "delay", SIM_UNIT_DURATION_NS, 0,
	    SC_DELAY_MAX_NS, &l->delay_ns) != 0 ||
	    ld_opt_int(ld, v, "mtu", SC_MTU_MIN, SC_MTU_MAX, &mtu) != 0 ||
	    ld_opt_prob(ld, v, "loss", &l->loss) != 0 ||
	    ld_opt_prob(ld, v, "reorder", &l->reorder) != 0 ||
	    ld_opt_unit(ld, v, "reorder_delay", SIM_UNIT_DURATION_NS, 0,
	    SC_DELAY_MAX_NS, &l->reorder_delay_ns) != 0 ||
	    ld_link_pcap(ld, v, sc, i) != 0)
		return -1;
	l->mtu = (unsigned)mtu;
	return 0;
}

static int
ld_links(struct ld *ld, json_t *root, struct scenario *sc)
{
	return ld_array(ld, root, "links", SC_LINKS_MAX, "link objects",
	    sizeof(*sc->links), (void **)&sc->links, &sc->nlinks, ld_link, sc);
}

/* ---- The small sections. ---- */

static int
ld_record(struct ld *ld, json_t *root, struct scenario *sc)
{
	json_t *v = json_object_get(root, "record");
	int r;

	sc->record.interval_ns = 1000000;
	sc->record.counters = true;
	if (v == NULL)
		return 0;
	ld_push_key(ld, "record");
	r = ld_object(ld, v, "an object with keys interval, counters, "
	    "packets") != 0 ||
	    ld_keys(ld, v, record_keys, NKEYS(record_keys), "key") != 0 ||
	    ld_opt_unit(ld, v, "interval", SIM_UNIT_DURATION_NS, 0,
	    SC_DURATION_MAX_NS, &sc->record.interval_ns) != 0 ||
	    ld_opt_bool(ld, v, "counters", &sc->record.counters) != 0 ||
	    ld_opt_bool(ld, v, "packets", &sc->record.packets) != 0 ? -1 : 0;
	ld_pop(ld);
	return r;
}

static int
ld_limits(struct ld *ld, json_t *root, struct scenario *sc)
{
	json_t *v = json_object_get(root, "limits");
	int64_t events = 0, points = 0;
	int r;

	if (v != NULL) {
		ld_push_key(ld, "limits");
		r = ld_object(ld, v, "an object with keys events, points") != 0 ||
		    ld_keys(ld, v, limits_keys, NKEYS(limits_keys), "key") != 0 ||
		    ld_opt_int(ld, v, "events", 0, INT64_MAX, &events) != 0 ||
		    ld_opt_int(ld, v, "points", 0, INT64_MAX, &points) != 0;
		if (r != 0)
			return -1;
		ld_pop(ld);
	}
	sc->limits.max_events = (uint64_t)events;
	sc->limits.max_points = (uint64_t)points;
	return 0;
}

/* interleaving.window (a power of two) and interleaving.jitter (0..1). */
static int
ld_interleaving_timing(struct ld *ld, json_t *v, struct scenario *sc)
{
	uint64_t window = SC_WINDOW_DEFAULT_NS;
	json_t *j;
	double jitter = 0;
	char got[64];

	if (v == NULL)
		goto done;
	ld_push_key(ld, "interleaving");
	if (ld_opt_unit(ld, v, "window", SIM_UNIT_DURATION_NS, 0,
	    SC_WINDOW_MAX_NS, &window) != 0)
		return -1;
	if (window & (window - 1)) {
		ld_push_key(ld, "window");
		return ld_fail(ld, LD_AT_VALUE, "expected a power of two "
		    "nanoseconds (1ns, 2ns, 4ns, ... 1024ns) or 0, got %lluns",
		    (unsigned long long)window);
	}
	if ((j = json_object_get(v, "jitter")) != NULL) {
		ld_push_key(ld, "jitter");
		if (!json_is_number(j) || json_number_value(j) < 0 ||
		    json_number_value(j) > 1)
			return ld_fail(ld, LD_AT_VALUE, "expected a number from 0 "
			    "to 1 (a fraction of each charge), got %s",
			    ld_got(j, got, sizeof(got)));
		jitter = json_number_value(j);
		ld_pop(ld);
	}
	ld_pop(ld);
done:
	sc->interleaving.window_ns = window;
	sc->interleaving.jitter_q16 = (uint64_t)(jitter * 65536.0 + 0.5);
	return 0;
}

static int
ld_interleaving(struct ld *ld, json_t *root, struct scenario *sc)
{
	json_t *v = json_object_get(root, "interleaving");
	json_t *policy;
	int64_t k = SC_POLICY_TIME;

	if (v != NULL) {
		ld_push_key(ld, "interleaving");
		if (ld_object(ld, v, "an object with keys policy, window, "
		    "jitter") != 0 ||
		    ld_keys(ld, v, interleaving_keys, NKEYS(interleaving_keys),
		    "key") != 0)
			return -1;
		if ((policy = json_object_get(v, "policy")) != NULL) {
			ld_push_key(ld, "policy");
			if (ld_v_choice(ld, policy, sc_policy_names,
			    SC_NPOLICIES, &k) != 0)
				return -1;
			ld_pop(ld);
		}
		ld_pop(ld);
	}
	sc->interleaving.policy = (enum sc_policy)k;
	return ld_interleaving_timing(ld, v, sc);
}

static int
ld_description(struct ld *ld, json_t *root, struct scenario *sc)
{
	json_t *v = json_object_get(root, "description");
	char got[LD_GOT_CHARS * 4 + 16];
	size_t chars = 0;
	const char *s;

	if (v == NULL)
		return 0;
	ld_push_key(ld, "description");
	if (!json_is_string(v))
		return ld_fail(ld, LD_AT_VALUE, "expected a string, got %s",
		    ld_got(v, got, sizeof(got)));
	for (s = json_string_value(v); *s != '\0'; s++)
		chars += ((unsigned char)*s & 0xc0) != 0x80;
	if (chars > SC_DESCRIPTION_MAX)
		return ld_fail(ld, LD_AT_VALUE, "expected a string of at most %d "
		    "characters, got one of %zu", SC_DESCRIPTION_MAX, chars);
	if ((sc->description = strdup(json_string_value(v))) == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	ld_pop(ld);
	return 0;
}

static int
ld_top(struct ld *ld, json_t *root, struct scenario *sc)
{
	char list[LD_LIST_MAX], what[LD_LIST_MAX + 32];
	int64_t seed = 1;

	snprintf(what, sizeof(what), "an object with keys %s",
	    ld_list(top_keys, NKEYS(top_keys), false, list, sizeof(list)));
	sc->duration_ns = 1000000000;
	if (ld_object(ld, root, what) != 0 ||
	    ld_keys(ld, root, top_keys, NKEYS(top_keys), "key") != 0 ||
	    ld_req_name(ld, root, "a scenario name", sc->name) != 0 ||
	    ld_description(ld, root, sc) != 0 ||
	    ld_opt_int(ld, root, "seed", 0, INT64_MAX, &seed) != 0 ||
	    ld_opt_unit(ld, root, "duration", SIM_UNIT_DURATION_NS, 1,
	    SC_DURATION_MAX_NS, &sc->duration_ns) != 0 ||
	    ld_hosts(ld, root, sc) != 0 ||
	    ld_switches(ld, root, sc) != 0 ||
	    ld_links(ld, root, sc) != 0 ||
	    ld_workload(ld, root, sc) != 0 ||
	    ld_record(ld, root, sc) != 0 ||
	    ld_limits(ld, root, sc) != 0 ||
	    ld_interleaving(ld, root, sc) != 0)
		return -1;
	sc->seed = (uint64_t)seed;
	assert(ld->depth == 0);
	return 0;
}

/* ---- The two entry points. ---- */

int
sim_scenario_load(const char *path, struct scenario **out, char *err,
    size_t errlen)
{
	struct ld ld = { .file = path, .err = err, .errlen = errlen };
	struct scenario *sc = NULL;
	json_error_t jerr;
	json_t *root = NULL;
	char *text;
	size_t len;

	assert(path != NULL && out != NULL && err != NULL && errlen > 0);
	*out = NULL;
	err[0] = '\0';
	if (sim_read_file(path, SC_FILE_MAX, &text, &len, err, errlen) != 0)
		goto fail;
	if ((sc = calloc(1, sizeof(*sc))) == NULL) {
		free(text);
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	sc->text = text;
	ld.text = text;
	ld.len = len;
	if ((sc->file = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	if ((root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		if (jerr.line < 1)
			snprintf(err, errlen, "%s: invalid JSON: %s", path,
			    jerr.text);
		else
			snprintf(err, errlen, "%s:%d:%d: invalid JSON: %s", path,
			    jerr.line, jerr.column < 1 ? 1 : jerr.column,
			    jerr.text);
		goto fail;
	}
	if (ld_top(&ld, root, sc) != 0)
		goto fail;
	json_decref(root);
	*out = sc;
	return 0;
fail:
	json_decref(root);
	sim_scenario_free(sc);
	ld_sanitize(err);
	return -1;
}

void
sim_scenario_free(struct scenario *sc)
{
	if (sc == NULL)
		return;
	free(sc->file);
	free(sc->text);
	free(sc->description);
	for (unsigned i = 0; sc->hosts != NULL && i < sc->nhosts; i++) {
		struct sc_host *h = &sc->hosts[i];

		free(h->nics);
		free(h->vpairs);
		for (unsigned j = 0; h->branes != NULL && j < h->nbranes; j++)
			free(h->branes[j].routes);
		free(h->branes);
	}
	free(sc->hosts);
	free(sc->programs);
	free(sc->switches);
	for (unsigned i = 0; sc->links != NULL && i < sc->nlinks; i++)
		free(sc->links[i].pcap);
	free(sc->links);
	free(sc);
}
