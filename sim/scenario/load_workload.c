/*
 * load_workload.c -- the workload: which program runs on which host, in
 * which brane, with which parameters.
 *
 * Programs describe their parameters in constant tables (stack/apps/
 * apps.h); a workload entry is checked against its program's table --
 * unknown keys, types, ranges, units, parameters that exclude each
 * other -- and the values are handed to the program in the table's order.
 *
 * A parameter that names another part of the scenario is resolved here,
 * against the hosts, NICs and programs loaded before it: an interface of
 * the program's host becomes its attach-order index, "HOST.NIC" that
 * NIC's MAC, and a port the program binds must be no earlier program's
 * in the same brane.  A file of send times (a traffic source's trace) is
 * read here too, from the scenario's folder: the stack cannot read files,
 * so the program gets the times in its arguments.  What would otherwise fail at run time, as a panic
 * inside the program, fails here with the file's line and column.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/load.h"
#include "sim/scenario/readfile.h"
#include "sim/scenario/units.h"

/* ---- The workload: programs and their parameters. ---- */

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
	if (r == 0) {
		p->app = app_table[k];
		/* The app's how-manieth program: its counters' instance. */
		p->args.instance = ld->app_programs[k]++;
	}
	return r;
}

static int
ld_program_host(struct ld *ld, json_t *obj, const struct scenario *sc,
    struct sc_program *p)
{
	json_t *v = json_object_get(obj, "host");
	const char **names;
	char list[LD_LIST_MAX], got[LD_GOT_MAX];
	char mean[LD_MEAN_MAX] = "";
	int64_t x;

	if (v == NULL && sc->nhosts == 1) {
		p->host = 0;
		return 0;
	}
	if (v != NULL && json_is_string(v) && (x = ld_index_get(ld, LD_IX_HOST,
	    json_string_value(v))) >= 0) {
		p->host = (unsigned)x;
		return 0;
	}
	if ((names = ld_names(sc->hosts[0].name, sc->nhosts,
	    sizeof(sc->hosts[0]), 0)) == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	ld_list(names, sc->nhosts, false, list, sizeof(list));
	if (v == NULL) {
		free(names);
		return ld_fail(ld, LD_AT_VALUE, "missing key \"host\": with %u "
		    "hosts (%s) a program must name the host it runs on",
		    sc->nhosts, list);
	}
	ld_push_key(ld, "host");
	if (json_is_string(v))
		ld_mean(json_string_value(v), names, sc->nhosts, mean,
		    sizeof(mean));
	free(names);
	return ld_fail(ld, LD_AT_VALUE, "expected the name of a host (one of "
	    "%s), got %s%s", list, ld_got(v, got, sizeof(got)), mean);
}

static int
ld_program_keys(struct ld *ld, json_t *obj, const struct app_desc *app)
{
	const char *keys[SC_OBJ_KEYS_MAX + APP_PARAMS_MAX];
	size_t n = ld_obj_names(&sc_obj_program, keys);

	assert(app->nparams <= APP_PARAMS_MAX);
	for (u_int i = 0; i < app->nparams; i++)
		keys[n + i] = app->params[i].name;
	return ld_keys(ld, obj, keys, n + app->nparams, "key");
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

#define LD_ETHER_EXAMPLE "\"HOST.NIC\" (that NIC's MAC address) or " \
	"\"broadcast\", such as \"b.wm0\""

/* The MAC a NIC of the scenario has, as an APP_ETHER value. */
static int64_t
ld_ether_value(const uint8_t mac[6])
{
	uint64_t v = 0;

	for (int i = 0; i < 6; i++)
		v = v << 8 | mac[i];
	return (int64_t)v;
}

/* An APP_ETHER value (at the path): "broadcast", or "HOST.NIC"'s MAC. */
static int
ld_v_ether(struct ld *ld, const json_t *v, const struct scenario *sc,
    int64_t *out)
{
	const char **names, *s, *dot;
	char got[LD_GOT_MAX], pre[SC_NAME_MAX], q[LD_GOT_MAX];
	char mean[LD_MEAN_MAX];
	struct sc_endpoint ep;
	int64_t h;

	ld_got(v, got, sizeof(got));
	if (json_is_string(v) && strcmp(json_string_value(v), "broadcast") == 0) {
		*out = APP_ETHER_BROADCAST;
		return 0;
	}
	if (!json_is_string(v) ||
	    strlen(s = json_string_value(v)) != json_string_length(v) ||
	    (dot = strrchr(s, '.')) == NULL || dot == s || dot[1] == '\0')
		return ld_fail(ld, LD_AT_VALUE, "expected " LD_ETHER_EXAMPLE
		    ", got %s", got);
	snprintf(pre, sizeof(pre), "%.*s", (int)(dot - s), s);
	if ((h = ld_index_get(ld, LD_IX_HOST, pre)) >= 0) {
		if (ld_ep_nic(ld, v, sc, (unsigned)h, dot + 1, &ep) != 0)
			return -1;
		*out = ld_ether_value(sc->hosts[h].nics[ep.sub].mac);
		return 0;
	}
	if ((names = ld_names(sc->hosts[0].name, sc->nhosts,
	    sizeof(sc->hosts[0]), 0)) == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	ld_mean(pre, names, sc->nhosts, mean, sizeof(mean));
	free(names);
	sim_json_quote(pre, LD_GOT_CHARS, q, sizeof(q));
	return ld_fail(ld, LD_AT_VALUE, "expected " LD_ETHER_EXAMPLE ", got %s: "
	    "no host is named %s%s", got, q, mean);
}

/* An APP_UDP_BIND value: a port below the stack's ephemeral ones. */
static int
ld_v_udp_bind(struct ld *ld, const json_t *v, const struct app_param *prm,
    int64_t *out)
{
	char got[LD_GOT_MAX];

	if (json_is_integer(v) && json_integer_value(v) > prm->max &&
	    json_integer_value(v) <= 65535)
		return ld_fail(ld, LD_AT_VALUE, "expected a port from %lld to "
		    "%lld to bind, got %s: the stack hands the ports above to "
		    "sockets that send unbound, and one may hold it already",
		    (long long)prm->min, (long long)prm->max,
		    ld_got(v, got, sizeof(got)));
	return ld_v_int(ld, v, prm->min, prm->max, out);
}

/* ---- A file of send times (APP_TIMES). ---- */

#define LD_TIMES_FILE_MAX       (256u << 20)    /* bytes of such a file */

/*
 * The file a relative name in the scenario means: from the scenario
 * file's folder, as its author wrote it, not from the current directory.
 */
static int
ld_times_path(const struct ld *ld, const char *name, char *buf, size_t len)
{
	const char *slash = strrchr(ld->file, '/');

	if (name[0] == '/' || slash == NULL)
		return snprintf(buf, len, "%s", name);
	return snprintf(buf, len, "%.*s/%s", (int)(slash - ld->file), ld->file,
	    name);
}

/*
 * Parse text, the file at path, into times[] (room for max): one
 * duration a line, # to the end of a line a comment, blank lines
 * skipped, never going back.  Returns the count, or -1 with "PATH:LINE:
 * what is wrong" in msg.
 */
static int64_t
ld_times_parse(const char *path, char *text, uint64_t *times, int64_t max,
    char *msg, size_t len)
{
	char unit_err[256], *line = text, *next, *hash;
	int64_t n = 0;

	for (unsigned lineno = 1; line != NULL; lineno++, line = next) {
		char *b, *e;
		uint64_t t;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		for (b = line; *b == ' ' || *b == '\t' || *b == '\r'; b++)
			continue;
		for (e = b + strlen(b); e > b && (e[-1] == ' ' ||
		    e[-1] == '\t' || e[-1] == '\r'); e--)
			continue;
		*e = '\0';
		if (*b == '\0')
			continue;
		if (sim_parse_unit(SIM_UNIT_DURATION_NS, b, &t, unit_err,
		    sizeof(unit_err)) != 0) {
			snprintf(msg, len, "%s:%u: %s", path, lineno, unit_err);
			return -1;
		}
		if (n == max) {
			snprintf(msg, len, "%s:%u: more than %lld times", path,
			    lineno, (long long)max);
			return -1;
		}
		if (n > 0 && t < times[n - 1]) {
			snprintf(msg, len, "%s:%u: %s comes before the line "
			    "above's time: times must not go back", path, lineno,
			    b);
			return -1;
		}
		times[n++] = t;
	}
	return n;
}

/* An APP_TIMES value: read the file it names into p's times_ns. */
static int
ld_v_times(struct ld *ld, const json_t *v, const struct app_param *prm,
    struct sc_program *p, int64_t *out)
{
	char got[LD_GOT_MAX], path[SC_PATH_MAX + 1024], msg[SC_PATH_MAX + 1400];
	char *text = NULL;
	uint64_t *times = NULL;
	size_t len;
	int64_t n;

	assert(prm->min >= 1 && prm->max >= prm->min);
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > SC_PATH_MAX ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return ld_fail(ld, LD_AT_VALUE, "expected the name of a file of "
		    "send times (up to %d bytes), got %s", SC_PATH_MAX,
		    ld_got(v, got, sizeof(got)));
	if (p->args.times_ns != NULL)
		return ld_fail(ld, LD_AT_VALUE, "a program has one file of "
		    "send times");
	if ((size_t)ld_times_path(ld, json_string_value(v), path,
	    sizeof(path)) >= sizeof(path))
		return ld_fail(ld, LD_AT_VALUE, "the file's path is too long");
	if (sim_read_file(path, LD_TIMES_FILE_MAX, &text, &len, msg,
	    sizeof(msg)) != 0)
		return ld_fail(ld, LD_AT_VALUE, "%s", msg);
	/* A line holds at least one digit and its newline. */
	n = MIN((int64_t)(len / 2 + 1), prm->max);
	if ((times = calloc((size_t)n, sizeof(*times))) == NULL) {
		free(text);
		return ld_fail(ld, LD_AT_VALUE, "%s: out of memory for %lld "
		    "times", path, (long long)n);
	}
	n = ld_times_parse(path, text, times, n, msg, sizeof(msg));
	free(text);
	if (n >= 0 && n < prm->min)
		snprintf(msg, sizeof(msg), "%s: no send times in it", path);
	if (n < prm->min) {
		free(times);
		return ld_fail(ld, LD_AT_VALUE, "%s", msg);
	}
	p->args.times_ns = times;
	*out = n;
	return 0;
}

/* One parameter's value at the current path, for program p of sc. */
static int
ld_param_value(struct ld *ld, const json_t *v, const struct app_param *prm,
    const struct scenario *sc, struct sc_program *p, int64_t *out)
{
	unsigned index;
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
	case APP_IFACE:
		if (ld_v_iface(ld, v, &sc->hosts[p->host], &index) != 0)
			return -1;
		*out = index;
		return 0;
	case APP_ETHER:
		return ld_v_ether(ld, v, sc, out);
	case APP_UDP_BIND:
		return ld_v_udp_bind(ld, v, prm, out);
	case APP_TIMES:
		return ld_v_times(ld, v, prm, p, out);
	}
	return ld_fail(ld, LD_AT_VALUE, "parameter type %d is not known",
	    (int)prm->type);
}

/* No two parameters of the entry that exclude each other. */
static int
ld_program_excl(struct ld *ld, json_t *obj, const struct app_desc *app)
{
	for (u_int k = 0; k < app->nexcl; k++) {
		const struct app_excl *x = &app->excl[k];

		if (json_object_get(obj, x->a) == NULL ||
		    json_object_get(obj, x->b) == NULL)
			continue;
		ld_push_key(ld, x->b);
		return ld_fail(ld, LD_AT_KEY, "expected \"%s\" or \"%s\", not "
		    "both: %s", x->a, x->b, x->why);
	}
	return 0;
}

/* UDP port port of p's host and brane, as the index's key (LD_IX_UDP). */
static const char *
ld_udp_key(const struct sc_program *p, int64_t port, char *buf, size_t len)
{
	snprintf(buf, len, "%u/%s/%lld", p->host, p->brane, (long long)port);
	return buf;
}

/* Program i binds no UDP port an earlier one of its brane binds. */
static int
ld_program_binds(struct ld *ld, json_t *obj, const struct scenario *sc,
    unsigned i)
{
	const struct sc_program *p = &sc->programs[i], *o;
	char ukey[SC_BRANE_NAME_MAX + 48];
	int64_t j;

	for (u_int k = 0; k < p->app->nparams; k++) {
		const char *key = p->app->params[k].name;
		bool given = json_object_get(obj, key) != NULL;

		if (p->app->params[k].type != APP_UDP_BIND ||
		    (j = ld_index_get(ld, LD_IX_UDP, ld_udp_key(p,
		    p->args.v[k], ukey, sizeof(ukey)))) < 0)
			continue;
		o = &sc->programs[j];
		if (given)
			ld_push_key(ld, key);
		return ld_fail(ld, LD_AT_VALUE, "expected a UDP port no other "
		    "program of brane %s on host %s binds, got %s%lld%s (%s, "
		    "$.workload[%u], binds it too)%s", p->brane,
		    sc->hosts[p->host].name, given ? "" : "port ",
		    (long long)p->args.v[k], given ? "" : ", its default",
		    o->app->name, (unsigned)j,
		    given ? "" : "; give one of them another port");
	}
	/* Its ports in the index for later programs (not against each other). */
	for (u_int k = 0; k < p->app->nparams; k++)
		if (p->app->params[k].type == APP_UDP_BIND &&
		    ld_index_put(ld, LD_IX_UDP, ld_udp_key(p, p->args.v[k],
		    ukey, sizeof(ukey)), i) != 0)
			return -1;
	return 0;
}

/* The program's parameters, in its table's order, defaults filled in. */
static int
ld_program_params(struct ld *ld, json_t *v, const struct scenario *sc,
    struct sc_program *p)
{
	const struct app_param *prm;
	json_t *x;

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
		if (ld_param_value(ld, x, prm, sc, p, &p->args.v[k]) != 0)
			return -1;
		ld_pop(ld);
	}
	return 0;
}

static int
ld_program(struct ld *ld, json_t *v, struct scenario *sc, unsigned i)
{
	struct sc_program *p = &sc->programs[i];

	if (ld_object(ld, v, sc_obj_program.what) != 0 ||
	    ld_program_app(ld, v, p) != 0 ||
	    ld_program_host(ld, v, sc, p) != 0 ||
	    ld_program_keys(ld, v, p->app) != 0 ||
	    ld_program_excl(ld, v, p->app) != 0 ||
	    ld_program_brane(ld, v, sc, p) != 0)
		return -1;
	p->args.desc = p->app;
	p->args.flow = i + 1;
	return ld_program_params(ld, v, sc, p) != 0 ||
	    ld_program_binds(ld, v, sc, i) != 0 ? -1 : 0;
}

int
ld_workload(struct ld *ld, json_t *root, struct scenario *sc)
{
	return ld_array(ld, root, "workload", SC_PROGRAMS_MAX,
	    "program objects", sizeof(*sc->programs), (void **)&sc->programs,
	    &sc->nprograms, ld_program, sc);
}
