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
};

const char *const sc_nic_type_names[SC_NNICTYPES] = {
	[SC_NIC_DMA] = "dma",
	[SC_NIC_PIO] = "pio",
};

const char *const sc_rx_model_names[SC_NRXMODELS] = { "poll", "legacy" };

static const char *const top_keys[] = { "name", "description", "seed",
    "duration", "hosts", "switches", "links", "workload", "record", "limits",
    "interleaving" };
static const char *const record_keys[] = { "interval", "counters",
    "packets" };
static const char *const limits_keys[] = { "events", "points" };
static const char *const interleaving_keys[] = { "policy", "window", "jitter" };

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
	char got[LD_GOT_MAX];
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
