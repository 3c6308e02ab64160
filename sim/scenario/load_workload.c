/*
 * load_workload.c -- the workload: which program runs on which host, in
 * which brane, with which parameters.
 *
 * Programs describe their parameters in constant tables (stack/apps/
 * apps.h); a workload entry is checked against its program's table --
 * unknown keys, types, ranges, units -- and the values are handed to the
 * program in the table's order.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/load.h"

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
	char list[LD_LIST_MAX], got[LD_GOT_MAX];
	char mean[LD_MEAN_MAX] = "";

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

int
ld_workload(struct ld *ld, json_t *root, struct scenario *sc)
{
	json_t *a = json_object_get(root, "workload");
	char got[LD_GOT_MAX];
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

