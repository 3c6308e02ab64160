/*
 * load_sweep.c -- values set at JSON paths (`netsim run --set PATH=VALUE`)
 * and the grid a scenario's "sweep" declares.
 *
 * The one idea: a point of a sweep is the file with some values put in
 * place, read by the same loader.  Each point's values are set in the
 * Jansson tree before the tree is read (ld_apply_sets), so a value is
 * checked exactly as if it were written there -- its kind, its range,
 * every rule across keys.  What differs is only where an error points:
 * a value a set put there has no place of its own in the file, so
 * ld_fail asks ld_set_origin where it came from -- its place in the
 * sweep ($.sweep["workload[1].rate"][3], with FILE:LINE:COL), or the
 * --set that gave it.
 *
 * A path is "workload[1].rate": keys (letters, digits, '_', '-') joined
 * by '.', and [N] indices; "$." may lead.  Every step but the last must
 * exist in the file; the last may be a key the file leaves out (an
 * optional key takes the value), and the loader then judges the key
 * as it judges any.  Points are numbered as nested loops over the axes
 * in the file's order, the seeds innermost (sc_sweep_point).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/load.h"

#define SW_KEY_SEEDS    "seeds"

/* A path, parsed: its steps point into buf. */
struct sw_path {
	char buf[SC_SET_PATH_MAX];
	struct sim_jsonpath_step steps[LD_DEPTH_MAX];
	size_t n;
};

static bool
sw_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Parse s into p (its keys copied into p->buf).  => 0, or -1: no path */
static int
sw_path(const char *s, struct sw_path *p)
{
	size_t used = 0;

	memset(p, 0, sizeof(*p));
	if (strncmp(s, "$.", 2) == 0)
		s += 2;
	if (strlen(s) >= sizeof(p->buf) || *s == '\0')
		return -1;
	while (*s != '\0') {
		if (p->n == LD_DEPTH_MAX - 4)   /* room for an error's steps */
			return -1;
		if (*s == '[') {
			char *end;
			unsigned long i;

			if (s[1] < '0' || s[1] > '9')
				return -1;
			i = strtoul(s + 1, &end, 10);
			if (*end != ']' || i > 1000000)
				return -1;
			p->steps[p->n].key = NULL;
			p->steps[p->n++].index = i;
			s = end + 1;
		} else {
			size_t k = 0;

			while (sw_key_char(s[k]))
				k++;
			if (k == 0)
				return -1;
			assert(used + k + 1 <= sizeof(p->buf));
			memcpy(p->buf + used, s, k);
			p->buf[used + k] = '\0';
			p->steps[p->n].key = p->buf + used;
			p->steps[p->n++].index = 0;
			used += k + 1;
			s += k;
		}
		if (*s == '.') {
			s++;
			if (!sw_key_char(*s))
				return -1;
		} else if (*s != '\0' && *s != '[')
			return -1;
	}
	return 0;
}

/* The canonical form of a path: "workload[1].rate". */
static void
sw_path_text(const struct sw_path *p, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n && n < len; i++) {
		if (p->steps[i].key != NULL)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
			    i ? "." : "", p->steps[i].key);
		else
			n += (size_t)snprintf(buf + n, len - n, "[%zu]",
			    p->steps[i].index);
	}
}

/* A set's value text as JSON: the text itself, or else a string. */
static json_t *
sw_value(const char *text)
{
	json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);

	return v != NULL ? v : json_string(text);
}

/*
 * A value as --set writes it: a string that is not itself JSON text
 * bare, anything else as compact JSON.  => 0, or -1 if too long
 */
static int
sw_value_text(const json_t *v, char *buf, size_t len)
{
	char *s;
	int n;

	if (json_is_string(v)) {
		json_t *again = json_loads(json_string_value(v),
		    JSON_DECODE_ANY, NULL);

		if (again == NULL) {
			n = snprintf(buf, len, "%s", json_string_value(v));
			return n >= 0 && (size_t)n < len ? 0 : -1;
		}
		json_decref(again);
	}
	s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT |
	    JSON_REAL_PRECISION(17));
	if (s == NULL)
		return -1;
	n = snprintf(buf, len, "%s", s);
	free(s);
	return n >= 0 && (size_t)n < len ? 0 : -1;
}

/*
 * The parent of the path's last step in root, or NULL with why in msg:
 * every step but the last must be there.
 */
static json_t *
sw_parent(json_t *root, const struct sw_path *p, char *msg, size_t len)
{
	json_t *at = root;
	char where[SC_SET_PATH_MAX + 8];

	for (size_t i = 0; i + 1 <= p->n; i++) {
		const struct sim_jsonpath_step *s = &p->steps[i];
		json_t *next;

		sim_jsonpath_format(p->steps, i, where, sizeof(where));
		if (s->key != NULL && !json_is_object(at)) {
			snprintf(msg, len, "%s is not an object", where);
			return NULL;
		}
		if (s->key == NULL && !json_is_array(at)) {
			snprintf(msg, len, "%s is not an array", where);
			return NULL;
		}
		if (i + 1 == p->n) {
			if (s->key == NULL && s->index >= json_array_size(at)) {
				snprintf(msg, len, "%s has %zu element%s, no "
				    "[%zu]", where, json_array_size(at),
				    json_array_size(at) == 1 ? "" : "s",
				    s->index);
				return NULL;
			}
			return at;
		}
		next = s->key != NULL ? json_object_get(at, s->key) :
		    json_array_get(at, s->index);
		if (next == NULL) {
			if (s->key != NULL)
				snprintf(msg, len, "%s has no key \"%s\"", where,
				    s->key);
			else
				snprintf(msg, len, "%s has %zu element%s, no "
				    "[%zu]", where, json_array_size(at),
				    json_array_size(at) == 1 ? "" : "s",
				    s->index);
			return NULL;
		}
		at = next;
	}
	return NULL;
}

/* Report an error of the set s, which has no place in the file. */
static int
sw_set_fail(struct ld *ld, const struct sc_set *s, const char *msg)
{
	snprintf(ld->err, ld->errlen, "%s: --set %s=%s: %s", ld->file, s->path,
	    s->value, msg);
	ld_sanitize(ld->err);
	return -1;
}

int
ld_apply_sets(struct ld *ld, json_t *root, const struct sc_set *sets,
    unsigned nsets)
{
	assert(ld->depth == 0);
	for (unsigned i = 0; i < nsets; i++) {
		const struct sc_set *s = &sets[i];
		struct sw_path p;
		char msg[SC_SET_PATH_MAX + 128];
		json_t *parent, *v;
		int rc;

		if (sw_path(s->path, &p) != 0)
			return sw_set_fail(ld, s, "not a JSON path such as "
			    "workload[1].rate (keys of letters, digits, _ and "
			    "-, joined by '.', and [N] indices)");
		if (p.steps[0].key != NULL &&
		    strcmp(p.steps[0].key, "sweep") == 0)
			return sw_set_fail(ld, s, "the sweep itself cannot be "
			    "set");
		if ((parent = sw_parent(root, &p, msg, sizeof(msg))) == NULL)
			return sw_set_fail(ld, s, msg);
		if ((v = sw_value(s->value)) == NULL)
			return sw_set_fail(ld, s, "not UTF-8 text");
		if (p.steps[p.n - 1].key != NULL)
			rc = json_object_set_new(parent, p.steps[p.n - 1].key, v);
		else
			rc = json_array_set_new(parent, p.steps[p.n - 1].index,
			    v);
		if (rc != 0)
			return sw_set_fail(ld, s, "out of memory");
	}
	return 0;
}

bool
ld_set_origin(struct ld *ld, struct sim_jsonpath_step *path, size_t *depth,
    char *msg, size_t len)
{
	for (unsigned i = ld->nsets; i-- > 0;) {
		const struct sc_set *s = &ld->sets[i];
		struct sw_path p;
		char canon[SC_SET_PATH_MAX], want[SC_SET_VALUE_MAX];
		const char *key;
		json_t *axis, *v, *mine;
		size_t k, at;

		if (sw_path(s->path, &p) != 0 || p.n > ld->depth)
			continue;
		for (k = 0; k < p.n; k++) {
			const struct sim_jsonpath_step *a = &p.steps[k],
			    *b = &ld->path[k];

			if ((a->key == NULL) != (b->key == NULL) ||
			    (a->key != NULL ? strcmp(a->key, b->key) != 0 :
			    a->index != b->index))
				break;
		}
		if (k < p.n)
			continue;
		*depth = 0;
		snprintf(msg, len, " (from --set %s=%s)", s->path, s->value);
		sw_path_text(&p, canon, sizeof(canon));
		if (ld->sweep == NULL || (mine = sw_value(s->value)) == NULL)
			return true;
		if (sw_value_text(mine, want, sizeof(want)) != 0)
			want[0] = '\0';
		json_decref(mine);
		json_object_foreach(ld->sweep, key, axis) {
			struct sw_path q;
			char qc[SC_SET_PATH_MAX], got[SC_SET_VALUE_MAX];

			if (sw_path(key, &q) != 0)
				continue;
			sw_path_text(&q, qc, sizeof(qc));
			if (strcmp(qc, canon) != 0 || !json_is_array(axis))
				continue;
			json_array_foreach(axis, at, v) {
				char where[SC_SET_PATH_MAX + 32];

				if (sw_value_text(v, got, sizeof(got)) != 0 ||
				    strcmp(got, want) != 0)
					continue;
				path[0].key = "sweep";
				path[1].key = key;
				path[2].key = NULL;
				path[2].index = at;
				*depth = 3;
				sim_jsonpath_format(path, 3, where,
				    sizeof(where));
				snprintf(msg, len, " (the value of %s)", where);
				return true;
			}
		}
		return true;
	}
	return false;
}

/* "seeds": an array of distinct seeds. */
static int
sw_seeds(struct ld *ld, json_t *v, struct scenario *sc)
{
	size_t i;
	json_t *e;
	char got[LD_GOT_MAX];

	ld_push_key(ld, SW_KEY_SEEDS);
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > SC_SWEEP_SEEDS_MAX)
		return ld_fail(ld, LD_AT_VALUE, "expected an array of 1 to %d "
		    "seeds, got %s", SC_SWEEP_SEEDS_MAX,
		    ld_got(v, got, sizeof(got)));
	if ((sc->sweep.seeds = calloc(json_array_size(v),
	    sizeof(*sc->sweep.seeds))) == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	json_array_foreach(v, i, e) {
		int64_t seed;

		ld_push_index(ld, i);
		if (ld_v_int(ld, e, 0, INT64_MAX, &seed) != 0)
			return -1;
		for (unsigned j = 0; j < sc->sweep.nseeds; j++)
			if (sc->sweep.seeds[j] == (uint64_t)seed)
				return ld_fail(ld, LD_AT_VALUE, "seed %lld is "
				    "given twice", (long long)seed);
		sc->sweep.seeds[sc->sweep.nseeds++] = (uint64_t)seed;
		ld_pop(ld);
	}
	ld_pop(ld);
	return 0;
}

/* Is the axis at canon pinned by one of the sets? */
static bool
sw_pinned(const struct ld *ld, const char *canon)
{
	for (unsigned i = 0; i < ld->nsets; i++) {
		struct sw_path p;
		char c[SC_SET_PATH_MAX];

		if (sw_path(ld->sets[i].path, &p) != 0)
			continue;
		sw_path_text(&p, c, sizeof(c));
		if (strcmp(c, canon) == 0)
			return true;
	}
	return false;
}

/* One axis: key (a path into root) and its array of values v. */
static int
sw_axis(struct ld *ld, json_t *root, const char *key, json_t *v,
    struct scenario *sc)
{
	struct sc_sweep_axis *ax;
	struct sw_path p;
	char msg[SC_SET_PATH_MAX + 128], canon[SC_SET_PATH_MAX];
	char got[LD_GOT_MAX];
	size_t i;
	json_t *e;

	ld_push_key(ld, key);
	if (sw_path(key, &p) != 0)
		return ld_fail(ld, LD_AT_KEY, "not a JSON path such as "
		    "\"workload[1].rate\" (keys of letters, digits, _ and -, "
		    "joined by '.', and [N] indices), or \"seeds\"");
	if (p.steps[0].key != NULL && strcmp(p.steps[0].key, "sweep") == 0)
		return ld_fail(ld, LD_AT_KEY, "a sweep cannot vary itself");
	if (sw_parent(root, &p, msg, sizeof(msg)) == NULL)
		return ld_fail(ld, LD_AT_KEY, "no such place in the scenario: "
		    "%s", msg);
	sw_path_text(&p, canon, sizeof(canon));
	for (unsigned j = 0; j < sc->sweep.naxes; j++)
		if (strcmp(sc->sweep.axes[j].path, canon) == 0)
			return ld_fail(ld, LD_AT_KEY, "the path %s is swept "
			    "twice", canon);
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > SC_SWEEP_VALUES_MAX)
		return ld_fail(ld, LD_AT_VALUE, "expected an array of 1 to %d "
		    "values, got %s", SC_SWEEP_VALUES_MAX,
		    ld_got(v, got, sizeof(got)));
	if (sw_pinned(ld, canon)) {
		ld_pop(ld);
		return 0;
	}
	if (sc->sweep.naxes == SC_SWEEP_AXES_MAX)
		return ld_fail(ld, LD_AT_KEY, "a sweep varies at most %d paths",
		    SC_SWEEP_AXES_MAX);
	ax = &sc->sweep.axes[sc->sweep.naxes++];
	snprintf(ax->path, sizeof(ax->path), "%s", canon);
	if ((ax->values = calloc(json_array_size(v),
	    sizeof(*ax->values))) == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	json_array_foreach(v, i, e) {
		ld_push_index(ld, i);
		if (json_is_object(e) || json_is_array(e) || json_is_null(e))
			return ld_fail(ld, LD_AT_VALUE, "expected a value (a "
			    "string, number or boolean), got %s",
			    ld_got(e, got, sizeof(got)));
		if (sw_value_text(e, ax->values[ax->nvalues],
		    SC_SET_VALUE_MAX) != 0)
			return ld_fail(ld, LD_AT_VALUE, "a value of at most %d "
			    "bytes, please", SC_SET_VALUE_MAX - 1);
		for (unsigned j = 0; j < ax->nvalues; j++)
			if (strcmp(ax->values[j], ax->values[ax->nvalues]) == 0)
				return ld_fail(ld, LD_AT_VALUE, "%s is given "
				    "twice", ax->values[j]);
		ax->nvalues++;
		ld_pop(ld);
	}
	ld_pop(ld);
	return 0;
}

int
ld_sweep(struct ld *ld, json_t *root, struct scenario *sc)
{
	json_t *sweep = json_object_get(root, "sweep"), *v;
	const char *key;
	char got[LD_GOT_MAX];
	uint64_t points = 1;

	for (unsigned i = 0; i < sc->sweep.naxes; i++)
		free(sc->sweep.axes[i].values);
	free(sc->sweep.seeds);
	memset(&sc->sweep, 0, sizeof(sc->sweep));
	if (sweep == NULL)
		return 0;
	ld_push_key(ld, "sweep");
	if (!json_is_object(sweep) || json_object_size(sweep) == 0)
		return ld_fail(ld, LD_AT_VALUE, "expected an object of JSON "
		    "paths and their values, such as {\"workload[1].rate\": "
		    "[\"10kpps\", \"50kpps\"]}, got %s",
		    ld_got(sweep, got, sizeof(got)));
	json_object_foreach(sweep, key, v) {
		if (strcmp(key, SW_KEY_SEEDS) == 0) {
			if (sw_seeds(ld, v, sc) != 0)
				return -1;
		} else if (sw_axis(ld, root, key, v, sc) != 0)
			return -1;
	}
	for (unsigned i = 0; i < sc->sweep.naxes; i++)
		points *= sc->sweep.axes[i].nvalues;
	points *= sc->sweep.nseeds ? sc->sweep.nseeds : 1;
	if (points > SC_SWEEP_POINTS_MAX)
		return ld_fail(ld, LD_AT_VALUE, "the sweep has %llu points; at "
		    "most %d, please", (unsigned long long)points,
		    SC_SWEEP_POINTS_MAX);
	sc->sweep.npoints = sc->sweep.naxes || sc->sweep.nseeds ? points : 0;
	ld_pop(ld);
	return 0;
}

void
sc_sweep_point(const struct scenario *sc, uint64_t k, struct sc_set *sets,
    uint64_t *seed)
{
	const struct sc_sweep *sw = &sc->sweep;
	uint64_t rest = k;

	assert(k < sw->npoints);
	*seed = sc->seed;
	if (sw->nseeds != 0) {
		*seed = sw->seeds[rest % sw->nseeds];
		rest /= sw->nseeds;
	}
	for (unsigned i = sw->naxes; i-- > 0;) {
		const struct sc_sweep_axis *ax = &sw->axes[i];

		sets[i].path = ax->path;
		sets[i].value = ax->values[rest % ax->nvalues];
		rest /= ax->nvalues;
	}
	assert(rest == 0);
}
