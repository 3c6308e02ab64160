/*
 * scenario.c -- load a scenario file, check every key, fill a struct
 * scenario (see scenario.h); the top level and the entry points.
 *
 * The one idea: the loader walks the Jansson tree while keeping the JSON
 * path of what it is looking at (load.h), and the first error ends the
 * load with one line, no cascade.  Which error comes first is fixed: an
 * object's unknown keys in file order, then its known keys in the order
 * the loader reads them.  The sections are in load_*.c.
 *
 * Nothing half-loaded escapes: on any error everything allocated is
 * freed and the caller gets NULL.  The loader never trusts a table it
 * reads (apps, probes) to be well-formed beyond what scenario.h promises;
 * sizes are bounded by SC_*_MAX before anything is allocated.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/load.h"
#include "sim/scenario/readfile.h"

const char *const sc_policy_names[SC_NPOLICIES] = {
	[SC_POLICY_TIME] = "time",
	[SC_POLICY_RANDOM] = "random",
	[SC_POLICY_PCT] = "pct",
	[SC_POLICY_POS] = "pos",
};

const char *const sc_nic_type_names[SC_NNICTYPES] = {
	[SC_NIC_DMA] = "dma",
	[SC_NIC_PIO] = "pio",
};

const char *const sc_rx_model_names[SC_NRXMODELS] = { "poll", "legacy" };

/* ---- The top level. ---- */

/* interleaving: the slot keys, then jitter, kept in 1/65536ths. */
static int
ld_interleaving(struct ld *ld, json_t *root, struct scenario *sc)
{
	const struct sc_key *k = sc_key(&sc_obj_top, "interleaving");
	double jitter = 0;
	json_t *v, *j;
	char got[64];

	if (ld_section(ld, root, k, sc, &v) != 0)
		return -1;
	if (v != NULL && (j = json_object_get(v, "jitter")) != NULL) {
		ld_push_key(ld, k->name);
		ld_push_key(ld, "jitter");
		if (!json_is_number(j) || json_number_value(j) < 0 ||
		    json_number_value(j) > 1)
			return ld_fail(ld, LD_AT_VALUE, "expected a number from 0 "
			    "to 1 (a fraction of each charge), got %s",
			    ld_got(j, got, sizeof(got)));
		jitter = json_number_value(j);
		ld_pop(ld);
		ld_pop(ld);
	}
	sc->interleaving.jitter_q16 = (uint64_t)(jitter * 65536.0 + 0.5);
	return 0;
}

static int
ld_description(struct ld *ld, json_t *root, struct scenario *sc)
{
	const struct sc_key *k = sc_key(&sc_obj_top, "description");
	json_t *v = json_object_get(root, k->name);
	char got[LD_GOT_MAX];
	size_t chars = 0;
	const char *s;

	if (v == NULL)
		return 0;
	ld_push_key(ld, k->name);
	if (!json_is_string(v))
		return ld_fail(ld, LD_AT_VALUE, "expected a string, got %s",
		    ld_got(v, got, sizeof(got)));
	for (s = json_string_value(v); *s != '\0'; s++)
		chars += ((unsigned char)*s & 0xc0) != 0x80;
	if (chars > (size_t)k->max)
		return ld_fail(ld, LD_AT_VALUE, "expected a string of at most "
		    "%lld characters, got one of %zu", (long long)k->max, chars);
	if ((sc->description = strdup(json_string_value(v))) == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	ld_pop(ld);
	return 0;
}

/*
 * A JSON Schema is no scenario, though it sits beside them: say so, not
 * just that "$schema" is an unknown key.
 */
static int
ld_not_a_schema(struct ld *ld, json_t *root)
{
	if (!json_is_object(root) || json_object_get(root, "$schema") == NULL)
		return 0;
	ld_push_key(ld, "$schema");
	return ld_fail(ld, LD_AT_KEY, "unknown key \"$schema\": this file is a "
	    "JSON Schema (such as schema/scenario.schema.json, the "
	    "scenario format's), not a scenario");
}

static int
ld_top(struct ld *ld, json_t *root, struct scenario *sc)
{
	if (ld_not_a_schema(ld, root) != 0 ||
	    ld_obj(ld, root, &sc_obj_top) != 0 ||
	    ld_req_name(ld, root, "a scenario name", sc->name) != 0 ||
	    ld_description(ld, root, sc) != 0 ||
	    ld_fields(ld, root, &sc_obj_top, sc, true) != 0 ||
	    ld_hosts(ld, root, sc) != 0 ||
	    ld_switches(ld, root, sc) != 0 ||
	    ld_links(ld, root, sc) != 0 ||
	    ld_workload(ld, root, sc) != 0 ||
	    ld_faults(ld, root, sc) != 0 ||
	    ld_section(ld, root, sc_key(&sc_obj_top, "record"), sc,
	    NULL) != 0 ||
	    ld_section(ld, root, sc_key(&sc_obj_top, "limits"), sc,
	    NULL) != 0 ||
	    ld_interleaving(ld, root, sc) != 0 ||
	    ld_sweep(ld, root, sc) != 0)
		return -1;
	assert(ld->depth == 0);
	return 0;
}

/* ---- The two entry points. ---- */

int
sim_scenario_load(const char *path, struct scenario **out, char *err,
    size_t errlen)
{
	return sim_scenario_load_set(path, NULL, 0, out, err, errlen);
}

int
sim_scenario_load_set(const char *path, const struct sc_set *sets,
    unsigned nsets, struct scenario **out, char *err, size_t errlen)
{
	char *text;
	size_t len;

	assert(path != NULL && out != NULL && err != NULL && errlen > 0);
	*out = NULL;
	err[0] = '\0';
	if (sim_read_file(path, SC_FILE_MAX, &text, &len, err, errlen) != 0) {
		ld_sanitize(err);
		return -1;
	}
	return sim_scenario_load_text(path, text, len, sets, nsets, out, err,
	    errlen);
}

int
sim_scenario_load_text(const char *path, char *text, size_t len,
    const struct sc_set *sets, unsigned nsets, struct scenario **out,
    char *err, size_t errlen)
{
	struct ld ld = { .file = path, .err = err, .errlen = errlen };
	struct scenario *sc = NULL;
	json_error_t jerr;
	json_t *root = NULL;

	assert(path != NULL && text != NULL && out != NULL && err != NULL &&
	    errlen > 0);
	*out = NULL;
	err[0] = '\0';
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
	/*
	 * The sweep's paths are checked on the file as written, before
	 * any set changes it; then the sets; then the whole.
	 */
	if (json_is_object(root) &&
	    json_is_object(json_object_get(root, "sweep")))
		ld.sweep = json_deep_copy(json_object_get(root, "sweep"));
	if (nsets > 0 && ld_sweep(&ld, root, sc) != 0)
		goto fail;
	ld.sets = sets;
	ld.nsets = nsets;
	if (ld_apply_sets(&ld, root, sets, nsets) != 0 ||
	    ld_top(&ld, root, sc) != 0)
		goto fail;
	json_decref(ld.sweep);
	ld_index_free(&ld);
	json_decref(root);
	*out = sc;
	return 0;
fail:
	json_decref(ld.sweep);
	ld_index_free(&ld);
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
	for (unsigned i = 0; sc->programs != NULL && i < sc->nprograms; i++)
		free((void *)sc->programs[i].args.times_ns);
	free(sc->programs);
	free(sc->switches);
	for (unsigned i = 0; sc->links != NULL && i < sc->nlinks; i++)
		free(sc->links[i].pcap);
	free(sc->links);
	free(sc->faults);
	for (unsigned i = 0; i < sc->sweep.naxes; i++)
		free(sc->sweep.axes[i].values);
	free(sc->sweep.seeds);
	free(sc);
}
