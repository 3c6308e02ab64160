/*
 * load_core.c -- the scenario loader's core: the JSON path it is at,
 * errors that name FILE:LINE:COL and the path, hints ("did you mean"),
 * and the typed values every section reads (integers, booleans, values
 * with units, choices, names).
 *
 * The one idea: an error is reported where it is found, once.  ld_fail()
 * formats the message, finds the value's (or key's) position in the
 * original text through jsonpos.h and makes the line printable; the
 * caller returns -1 and the load ends.  Nothing here allocates or knows
 * what a host or a link is.
 */
#include <assert.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/scenario/load.h"

void
ld_push_key(struct ld *ld, const char *key)
{
	assert(ld->depth < LD_DEPTH_MAX);
	assert(key != NULL);
	ld->path[ld->depth].key = key;
	ld->path[ld->depth].index = 0;
	ld->depth++;
}

void
ld_push_index(struct ld *ld, size_t i)
{
	assert(ld->depth < LD_DEPTH_MAX);
	ld->path[ld->depth].key = NULL;
	ld->path[ld->depth].index = i;
	ld->depth++;
}

void
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
void
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
int
ld_fail(struct ld *ld, enum ld_at at, const char *fmt, ...)
{
	char path[256], msg[SC_ERR_MAX], origin[2 * SC_SET_PATH_MAX + 64];
	struct sim_jsonpath_step from[LD_DEPTH_MAX];
	size_t from_depth = 0;
	unsigned line, col;
	size_t off;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sim_jsonpath_format(ld->path, ld->depth, path, sizeof(path));
	if (ld->nsets > 0 && ld_set_origin(ld, from, &from_depth, origin,
	    sizeof(origin))) {
		/* A set put the value there: point at where it came from. */
		if (from_depth > 0 && sim_jsonpos_find(ld->text, ld->len, from,
		    from_depth, false, &off)) {
			sim_jsonpos_linecol(ld->text, ld->len, off, &line, &col);
			snprintf(ld->err, ld->errlen, "%s:%u:%u: at %s%s: %s",
			    ld->file, line, col, path, origin, msg);
		} else
			snprintf(ld->err, ld->errlen, "%s: at %s%s: %s",
			    ld->file, path, origin, msg);
	} else if (sim_jsonpos_find(ld->text, ld->len, ld->path, ld->depth,
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
const char *
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

/* An entry of the index: kind, then the key, in key[]. */
struct ld_ix_entry {
	int64_t index;
	char key[];
};

static int
ld_ix_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ld_ix_entry *)a)->key,
	    ((const struct ld_ix_entry *)b)->key);
}

/*
 * The entry for kind and key in e (room for len bytes of key): NULL if
 * it does not fit.
 */
static struct ld_ix_entry *
ld_ix_probe(enum ld_ix kind, const char *key, struct ld_ix_entry *e,
    size_t len)
{
	size_t n = strlen(key);

	if (n + 2 > len)
		return NULL;
	e->key[0] = (char)kind;
	memcpy(e->key + 1, key, n + 1);
	return e;
}

#define LD_IX_KEY_MAX   (SC_PATH_MAX + 2)

int64_t
ld_index_get(struct ld *ld, enum ld_ix kind, const char *key)
{
	union {
		struct ld_ix_entry e;
		char room[sizeof(struct ld_ix_entry) + LD_IX_KEY_MAX];
	} u;
	struct ld_ix_entry *const *found;

	if (key == NULL ||
	    ld_ix_probe(kind, key, &u.e, LD_IX_KEY_MAX) == NULL ||
	    (found = tfind(&u.e, &ld->index, ld_ix_cmp)) == NULL)
		return -1;
	return (*found)->index;
}

int
ld_index_put(struct ld *ld, enum ld_ix kind, const char *key, int64_t index)
{
	size_t n = strlen(key) + 2;
	struct ld_ix_entry *e, *const *got;

	assert(n <= LD_IX_KEY_MAX && index >= 0);
	if ((e = malloc(sizeof(*e) + n)) == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	ld_ix_probe(kind, key, e, n);
	e->index = index;
	if ((got = tsearch(e, &ld->index, ld_ix_cmp)) == NULL) {
		free(e);
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	}
	if (*got != e)
		free(e);        /* there already: the first stays */
	return 0;
}

void
ld_index_free(struct ld *ld)
{
	tdestroy(ld->index, free);
	ld->index = NULL;
}

int
ld_name_unique(struct ld *ld, enum ld_ix kind, const char *name, unsigned i,
    const char *noun, const char *array)
{
	char got[LD_GOT_MAX];
	int64_t j = ld_index_get(ld, kind, name);

	if (j < 0)
		return ld_index_put(ld, kind, name, i);
	ld_push_key(ld, "name");
	sim_json_quote(name, LD_GOT_CHARS, got, sizeof(got));
	return ld_fail(ld, LD_AT_VALUE, "expected a name no other %s has, got "
	    "%s (the name of $.%s[%u] too)", noun, got, array, (unsigned)j);
}

const char **
ld_names(const char *first, size_t n, size_t stride, size_t extra)
{
	const char **names = malloc((n + extra + 1) * sizeof(*names));

	if (names == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		names[i] = first + i * stride;
	return names;
}

/* "a, b, c" (or "\"a\", \"b\"" with quote); a long list ends in "...". */
const char *
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
const char *
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
int
ld_keys(struct ld *ld, json_t *obj, const char *const *allowed, size_t n,
    const char *noun)
{
	char q[LD_GOT_MAX], mean[LD_MEAN_MAX];
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

int
ld_object(struct ld *ld, const json_t *v, const char *what)
{
	char got[LD_GOT_MAX];

	if (json_is_object(v))
		return 0;
	return ld_fail(ld, LD_AT_VALUE, "expected %s, got %s", what,
	    ld_got(v, got, sizeof(got)));
}

int
ld_missing(struct ld *ld, const char *key, const char *what)
{
	return ld_fail(ld, LD_AT_VALUE, "missing required key \"%s\" (%s)", key,
	    what);
}

/*
 * A required key is missing; if a key of obj looks like a misspelling of
 * it ("progam"), point at that key instead, which is the real mistake.
 */
int
ld_missing_near(struct ld *ld, json_t *obj, const char *key, const char *what)
{
	char q[LD_GOT_MAX];
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

int
ld_v_int(struct ld *ld, const json_t *v, int64_t min, int64_t max,
    int64_t *out)
{
	char got[LD_GOT_MAX];

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

int
ld_v_bool(struct ld *ld, const json_t *v, bool *out)
{
	char got[LD_GOT_MAX];

	if (!json_is_boolean(v))
		return ld_fail(ld, LD_AT_VALUE, "expected true or false, got %s",
		    ld_got(v, got, sizeof(got)));
	*out = json_is_true(v);
	return 0;
}

/* A value with a unit: a string ("250us") or an integer in the base unit. */
int
ld_v_unit(struct ld *ld, const json_t *v, enum sim_unit_kind kind,
    uint64_t min, uint64_t max, uint64_t *out)
{
	char got[LD_GOT_MAX], msg[SC_ERR_MAX], lo[48], hi[48];
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
int
ld_v_choice(struct ld *ld, const json_t *v, const char *const *names,
    size_t n, int64_t *out)
{
	char got[LD_GOT_MAX], list[LD_LIST_MAX];
	char mean[LD_MEAN_MAX] = "";

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
int
ld_v_name(struct ld *ld, const json_t *v, const char *what,
    char out[SC_NAME_MAX])
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	char got[LD_GOT_MAX], why[sizeof(got) + 32] = "";
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

int
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

int
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

int
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

/*
 * An optional array at root.key of at most max objects, each loaded by
 * fn; *n and *arr (elements of size) are set before the first is loaded.
 */
int
ld_array(struct ld *ld, json_t *root, const char *key, size_t max,
    const char *what, size_t size, void **arr, unsigned *n,
    int (*fn)(struct ld *, json_t *, struct scenario *, unsigned),
    struct scenario *sc)
{
	json_t *a = json_object_get(root, key);
	char got[LD_GOT_MAX];
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

/* ---- Objects the format describes (format.h). ---- */

size_t
ld_obj_names(const struct sc_obj *o, const char *names[SC_OBJ_KEYS_MAX])
{
	assert(o->nkeys <= SC_OBJ_KEYS_MAX);
	for (unsigned i = 0; i < o->nkeys; i++)
		names[i] = o->keys[i].name;
	return o->nkeys;
}

int
ld_obj(struct ld *ld, json_t *v, const struct sc_obj *o)
{
	const char *names[SC_OBJ_KEYS_MAX];
	char list[LD_LIST_MAX], what[LD_LIST_MAX + 32];
	size_t n = ld_obj_names(o, names);

	if (o->what == NULL) {
		snprintf(what, sizeof(what), "an object with keys %s",
		    ld_list(names, n, false, list, sizeof(list)));
	} else
		snprintf(what, sizeof(what), "%s", o->what);
	if (ld_object(ld, v, what) != 0 ||
	    ld_keys(ld, v, names, n, "key") != 0)
		return -1;
	return 0;
}

/* A probability: a number from 0 to 1. */
static int
ld_v_prob(struct ld *ld, const json_t *v, double *out)
{
	char got[64];

	if (!json_is_number(v) || json_number_value(v) < 0 ||
	    json_number_value(v) > 1)
		return ld_fail(ld, LD_AT_VALUE, "expected a probability from 0 "
		    "to 1, got %s", ld_got(v, got, sizeof(got)));
	*out = json_number_value(v);
	return 0;
}

/* A tie window: a duration of 0 or a power of two nanoseconds. */
static int
ld_v_window(struct ld *ld, const json_t *v, const struct sc_key *k,
    uint64_t *out)
{
	if (ld_v_unit(ld, v, k->unit, 0, (uint64_t)k->max, out) != 0)
		return -1;
	if (*out & (*out - 1))
		return ld_fail(ld, LD_AT_VALUE, "expected a power of two "
		    "nanoseconds (1ns, 2ns, 4ns, ... %lldns) or 0, got %lluns",
		    (long long)k->max, (unsigned long long)*out);
	return 0;
}

/* Store a slot key's value x (or, for SC_K_PROB, d) at base + k->off. */
static void
ld_store(const struct sc_key *k, void *base, int64_t x, double d)
{
	char *at = (char *)base + k->off;
	uint32_t u32 = (uint32_t)x;
	uint64_t u64 = (uint64_t)x;

	assert(k->size != 0);
	if (k->kind == SC_K_PROB) {
		assert(k->size == sizeof(d));
		memcpy(at, &d, sizeof(d));
	} else if (k->kind == SC_K_BOOL) {
		assert(k->size == sizeof(bool));
		*(bool *)(void *)at = x != 0;
	} else if (k->size == sizeof(u32)) {
		assert(x >= INT32_MIN && x <= (int64_t)UINT32_MAX);
		memcpy(at, &u32, sizeof(u32));
	} else {
		assert(k->size == sizeof(u64) && x >= 0);
		memcpy(at, &u64, sizeof(u64));
	}
}

/* The value v (the path at it) of slot key k, into base. */
static int
ld_field(struct ld *ld, const json_t *v, const struct sc_key *k, void *base)
{
	int64_t x = 0;
	uint64_t u = 0;
	double d = 0;
	bool b = false;
	int r;

	switch (k->kind) {
	case SC_K_INT:
		r = ld_v_int(ld, v, k->min, k->max, &x);
		break;
	case SC_K_BOOL:
		r = ld_v_bool(ld, v, &b);
		x = b;
		break;
	case SC_K_UNIT:
		assert(k->min >= 0 && k->max >= k->min);
		r = ld_v_unit(ld, v, k->unit, (uint64_t)k->min,
		    (uint64_t)k->max, &u);
		x = (int64_t)u;
		break;
	case SC_K_WINDOW:
		r = ld_v_window(ld, v, k, &u);
		x = (int64_t)u;
		break;
	case SC_K_CHOICE:
		r = ld_v_choice(ld, v, k->choices, k->nchoices, &x);
		break;
	case SC_K_PROB:
		r = ld_v_prob(ld, v, &d);
		break;
	default:
		assert(!"ld_field: a kind without a slot");
		r = -1;
	}
	if (r == 0)
		ld_store(k, base, x, d);
	return r;
}

int
ld_fields(struct ld *ld, json_t *obj, const struct sc_obj *o, void *base,
    bool defaults)
{
	for (unsigned i = 0; i < o->nkeys; i++) {
		const struct sc_key *k = &o->keys[i];
		json_t *v = obj != NULL ? json_object_get(obj, k->name) : NULL;
		char what[64];

		if (k->size == 0)
			continue;
		if (v == NULL && k->required) {
			assert(k->kind == SC_K_INT);
			snprintf(what, sizeof(what), "an integer from %lld to "
			    "%lld", (long long)k->min, (long long)k->max);
			return ld_missing(ld, k->name, what);
		}
		if (v == NULL) {
			/* A probability's default is 0 or 1, kept in def. */
			if (defaults)
				ld_store(k, base, k->def, (double)k->def);
			continue;
		}
		ld_push_key(ld, k->name);
		if (ld_field(ld, v, k, base) != 0)
			return -1;
		ld_pop(ld);
	}
	return 0;
}

int
ld_section(struct ld *ld, json_t *root, const struct sc_key *k, void *base,
    json_t **out)
{
	json_t *v = json_object_get(root, k->name);

	assert(k->kind == SC_K_OBJECT && k->obj != NULL);
	if (out != NULL)
		*out = v;
	if (v == NULL)
		return ld_fields(ld, NULL, k->obj, base, true);
	ld_push_key(ld, k->name);
	if (ld_obj(ld, v, k->obj) != 0 ||
	    ld_fields(ld, v, k->obj, base, true) != 0)
		return -1;
	ld_pop(ld);
	return 0;
}
