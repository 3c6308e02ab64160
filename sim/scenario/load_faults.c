/*
 * load_faults.c -- the faults: what strikes which part of the machine,
 * and when.
 *
 * One object serves every kind (format.c lists its keys); the kind,
 * read first, says which of them an entry may have, which it must have
 * and what its target names -- a NIC ("HOST.NIC"), a link, a host or a
 * CPU ("HOST.cpuN").  Targets are resolved here, against the hosts,
 * NICs and links loaded before, so a fault that names nothing fails
 * with the file's line and column, never at run time.
 *
 * A fault stops at its end, after count strikes, or at whichever comes
 * first; it needs one of the two (a cpu_hog, which strikes no number of
 * times, needs its end).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/load.h"

const char *const sc_fault_kind_names[SC_NFAULTKINDS] = {
	[SC_FAULT_INTR_STORM] = "intr_storm",
	[SC_FAULT_BURST] = "burst",
	[SC_FAULT_LOSS] = "loss",
	[SC_FAULT_FLAP] = "flap",
	[SC_FAULT_DMA_DELAY] = "dma_delay",
	[SC_FAULT_MBUF_EXHAUSTION] = "mbuf_exhaustion",
	[SC_FAULT_CPU_HOG] = "cpu_hog",
	[SC_FAULT_DUPLICATE] = "duplicate",
};

const char *const sc_loss_model_names[SC_NLOSSMODELS] = {
	[SC_LOSS_BERNOULLI] = "bernoulli",
	[SC_LOSS_GILBERT] = "gilbert",
};

const char *const sc_fault_dir_names[SC_NFAULTDIRS] = {
	[SC_DIR_BOTH] = "both",
	[SC_DIR_AB] = "ab",
	[SC_DIR_BA] = "ba",
};

#define LD_FAULT_KEYS_MAX 16    /* keys of one kind, common ones too */

/* The keys each kind takes besides kind, target, start, end and count. */
static const char *const *const fault_kind_keys[SC_NFAULTKINDS] = {
	[SC_FAULT_INTR_STORM] = (const char *const[]){ "rate", "frames",
	    "size", NULL },
	[SC_FAULT_BURST] = (const char *const[]){ "rate", "size", NULL },
	[SC_FAULT_LOSS] = (const char *const[]){ "model", "loss", "to_bad",
	    "to_good", "loss_good", "loss_bad", "dir", NULL },
	[SC_FAULT_FLAP] = (const char *const[]){ "down", "up", NULL },
	[SC_FAULT_DMA_DELAY] = (const char *const[]){ "delay", NULL },
	[SC_FAULT_MBUF_EXHAUSTION] = (const char *const[]){ "fail", NULL },
	[SC_FAULT_CPU_HOG] = (const char *const[]){ NULL },
	[SC_FAULT_DUPLICATE] = (const char *const[]){ "probability", "delay",
	    "dir", NULL },
};

/* What each kind's target is, for messages. */
static const char *const fault_target_what[SC_NFAULTKINDS] = {
	[SC_FAULT_INTR_STORM] = "a NIC, \"HOST.NIC\"",
	[SC_FAULT_BURST] = "a NIC, \"HOST.NIC\"",
	[SC_FAULT_LOSS] = "a link's name",
	[SC_FAULT_FLAP] = "a link's name",
	[SC_FAULT_DMA_DELAY] = "a DMA NIC, \"HOST.NIC\"",
	[SC_FAULT_MBUF_EXHAUSTION] = "a host's name",
	[SC_FAULT_CPU_HOG] = "a CPU, \"HOST.cpuN\"",
	[SC_FAULT_DUPLICATE] = "a link's name",
};

/* The keys a fault of kind may have, in the format's order; how many. */
static size_t
ld_fault_allowed(enum sc_fault_kind kind, const char *out[LD_FAULT_KEYS_MAX])
{
	static const char *const common[] = { "kind", "target", "start", "end",
	    "count" };
	size_t n = 0;

	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (kind != SC_FAULT_CPU_HOG || strcmp(common[i], "count") != 0)
			out[n++] = common[i];
	for (size_t i = 0; fault_kind_keys[kind][i] != NULL; i++) {
		assert(n < LD_FAULT_KEYS_MAX);
		out[n++] = fault_kind_keys[kind][i];
	}
	return n;
}

static bool
ld_in(const char *key, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(key, names[i]) == 0)
			return true;
	return false;
}

/*
 * Only the keys of f's kind: a key of another kind says so, an unknown
 * one gets the usual "did you mean".
 */
static int
ld_fault_keys(struct ld *ld, json_t *obj, const struct sc_fault *f)
{
	const char *allowed[LD_FAULT_KEYS_MAX], *every[SC_OBJ_KEYS_MAX];
	size_t n = ld_fault_allowed(f->kind, allowed);
	size_t nevery = ld_obj_names(&sc_obj_fault, every);
	char list[LD_LIST_MAX], q[LD_GOT_MAX];
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		if (ld_in(key, allowed, n) || !ld_in(key, every, nevery))
			continue;
		ld_push_key(ld, key);
		sim_json_quote(key, LD_GOT_CHARS, q, sizeof(q));
		return ld_fail(ld, LD_AT_KEY, "key %s does not apply to a fault "
		    "of kind %s; expected one of %s", q,
		    sc_fault_kind_names[f->kind],
		    ld_list(allowed, n, false, list, sizeof(list)));
	}
	return ld_keys(ld, obj, allowed, n, "key");
}

/*
 * "kind" is missing: a key that is no fault key may be its misspelling
 * ("knid"); a fault key ("end") never is.
 */
static int
ld_missing_kind(struct ld *ld, json_t *obj, const char *what)
{
	const char *every[SC_OBJ_KEYS_MAX];
	size_t nevery = ld_obj_names(&sc_obj_fault, every);
	const char *key;
	json_t *v, *near = json_object();
	int r;

	if (near == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	json_object_foreach(obj, key, v)
		if (!ld_in(key, every, nevery))
			json_object_set(near, key, v);
	r = ld_missing_near(ld, near, "kind", what);
	json_decref(near);
	return r;
}

static int
ld_fault_kind(struct ld *ld, json_t *obj, struct sc_fault *f)
{
	json_t *v = json_object_get(obj, "kind");
	char list[LD_LIST_MAX], what[LD_LIST_MAX + 32];
	int64_t k;
	int r;

	if (v == NULL) {
		snprintf(what, sizeof(what), "one of %s", ld_list(
		    sc_fault_kind_names, SC_NFAULTKINDS, false, list,
		    sizeof(list)));
		return ld_missing_kind(ld, obj, what);
	}
	ld_push_key(ld, "kind");
	r = ld_v_choice(ld, v, sc_fault_kind_names, SC_NFAULTKINDS, &k);
	ld_pop(ld);
	if (r == 0)
		f->kind = (enum sc_fault_kind)k;
	return r;
}

/* ---- Targets: the value is at the path. ---- */

/* Host name (len bytes of s) names hosts[*out]; else fail. */
static int
ld_fault_host(struct ld *ld, const json_t *v, const struct scenario *sc,
    const char *s, size_t len, unsigned *out)
{
	const char **names;
	char name[SC_NAME_MAX], got[LD_GOT_MAX], q[LD_GOT_MAX];
	char list[LD_LIST_MAX], mean[LD_MEAN_MAX] = "";
	int64_t x;

	if (len < sizeof(name)) {
		memcpy(name, s, len);
		name[len] = '\0';
		if ((x = ld_index_get(ld, LD_IX_HOST, name)) >= 0) {
			*out = (unsigned)x;
			return 0;
		}
	} else
		snprintf(name, sizeof(name), "?");
	if ((names = ld_names(sc->hosts[0].name, sc->nhosts,
	    sizeof(sc->hosts[0]), 0)) == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	if (len < sizeof(name))
		ld_mean(name, names, sc->nhosts, mean, sizeof(mean));
	ld_list(names, sc->nhosts, false, list, sizeof(list));
	free(names);
	sim_json_quote(name, LD_GOT_CHARS, q, sizeof(q));
	return ld_fail(ld, LD_AT_VALUE, "expected a target naming a host (one "
	    "of %s), got %s: no host is named %s%s", list,
	    ld_got(v, got, sizeof(got)), q, mean);
}

/* "HOST.X": the host before the last '.', and X after it. */
static int
ld_fault_split(struct ld *ld, const json_t *v, const struct scenario *sc,
    const char *example, unsigned *host, const char **rest)
{
	const char *s = json_string_value(v), *dot = strrchr(s, '.');
	char got[LD_GOT_MAX];

	if (dot == NULL || dot == s || dot[1] == '\0')
		return ld_fail(ld, LD_AT_VALUE, "expected %s, got %s", example,
		    ld_got(v, got, sizeof(got)));
	*rest = dot + 1;
	return ld_fault_host(ld, v, sc, s, (size_t)(dot - s), host);
}

/* Is NIC nic of host h an end of some link? */
static bool
ld_nic_linked(const struct scenario *sc, unsigned h, unsigned nic)
{
	for (unsigned i = 0; i < sc->nlinks; i++) {
		const struct sc_endpoint *e[2] = { &sc->links[i].a,
		    &sc->links[i].b };

		for (int j = 0; j < 2; j++)
			if (e[j]->kind == SC_EP_NIC && e[j]->index == h &&
			    e[j]->sub == nic)
				return true;
	}
	return false;
}

/* "HOST.NIC" for a storm, a burst or a delay; the NIC must suit it. */
static int
ld_fault_nic(struct ld *ld, json_t *obj, const json_t *v,
    const struct scenario *sc, struct sc_fault *f)
{
	struct sc_endpoint ep;
	const struct sc_nic *n;
	const char *nic;
	char got[LD_GOT_MAX];

	if (ld_fault_split(ld, v, sc, "a NIC, \"HOST.NIC\", such as "
	    "\"b.wm0\"", &f->host, &nic) != 0 ||
	    ld_ep_nic(ld, v, sc, f->host, nic, &ep) != 0)
		return -1;
	f->sub = ep.sub;
	n = &sc->hosts[f->host].nics[f->sub];
	ld_got(v, got, sizeof(got));
	if (f->kind == SC_FAULT_DMA_DELAY && n->type != SC_NIC_DMA)
		return ld_fail(ld, LD_AT_VALUE, "expected a DMA NIC (type dma), "
		    "got %s, a NIC of type %s: only a DMA NIC has transfers to "
		    "delay", got, sc_nic_type_names[n->type]);
	if (f->kind == SC_FAULT_INTR_STORM && n->type != SC_NIC_DMA &&
	    !json_is_true(json_object_get(obj, "frames")))
		return ld_fail(ld, LD_AT_VALUE, "expected a DMA NIC for a storm "
		    "without frames, got %s, a NIC of type %s, whose line "
		    "follows its FIFO: give it \"frames\": true", got,
		    sc_nic_type_names[n->type]);
	if (f->kind == SC_FAULT_BURST && json_object_get(obj, "rate") == NULL &&
	    !ld_nic_linked(sc, f->host, f->sub))
		return ld_fail(ld, LD_AT_VALUE, "expected a NIC on a link for a "
		    "burst at line rate, got %s, which is on no link: give the "
		    "burst a \"rate\"", got);
	return 0;
}

static int
ld_fault_link(struct ld *ld, const json_t *v, const struct scenario *sc,
    struct sc_fault *f)
{
	const char **names;
	char got[LD_GOT_MAX], list[LD_LIST_MAX], mean[LD_MEAN_MAX];
	int64_t i = ld_index_get(ld, LD_IX_LINK, json_string_value(v));

	if (i >= 0) {
		f->link = (unsigned)i;
		return 0;
	}
	ld_got(v, got, sizeof(got));
	if (sc->nlinks == 0)
		return ld_fail(ld, LD_AT_VALUE, "expected a link's name, got %s, "
		    "but the scenario has no links", got);
	if ((names = ld_names(sc->links[0].name, sc->nlinks,
	    sizeof(sc->links[0]), 0)) == NULL)
		return ld_fail(ld, LD_AT_VALUE, "out of memory");
	ld_list(names, sc->nlinks, false, list, sizeof(list));
	ld_mean(json_string_value(v), names, sc->nlinks, mean, sizeof(mean));
	free(names);
	return ld_fail(ld, LD_AT_VALUE, "expected a link's name (one of %s), "
	    "got %s%s", list, got, mean);
}

/* "HOST.cpuN", N one of the host's CPUs. */
static int
ld_fault_cpu(struct ld *ld, const json_t *v, const struct scenario *sc,
    struct sc_fault *f)
{
	const struct sc_host *h;
	const char *cpu;
	char got[LD_GOT_MAX];
	size_t n;

	if (ld_fault_split(ld, v, sc, "a CPU, \"HOST.cpuN\", such as "
	    "\"a.cpu0\"", &f->host, &cpu) != 0)
		return -1;
	h = &sc->hosts[f->host];
	n = strlen(cpu);
	if (n > 3 && n <= 5 && strncmp(cpu, "cpu", 3) == 0 &&
	    strspn(cpu + 3, "0123456789") == n - 3 &&
	    (cpu[3] != '0' || n == 4) &&
	    (f->sub = (unsigned)strtoul(cpu + 3, NULL, 10)) < h->cpus)
		return 0;
	return ld_fail(ld, LD_AT_VALUE, "expected a CPU of host %s (%s.cpu0 to "
	    "%s.cpu%u), got %s", h->name, h->name, h->name, h->cpus - 1,
	    ld_got(v, got, sizeof(got)));
}

static int
ld_fault_target(struct ld *ld, json_t *obj, const struct scenario *sc,
    struct sc_fault *f)
{
	json_t *v = json_object_get(obj, "target");
	char got[LD_GOT_MAX];
	const char *s;
	int r;

	if (v == NULL)
		return ld_missing_near(ld, obj, "target",
		    fault_target_what[f->kind]);
	ld_push_key(ld, "target");
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) >= SC_TARGET_MAX ||
	    strlen(s = json_string_value(v)) != json_string_length(v))
		return ld_fail(ld, LD_AT_VALUE, "expected %s (1 to %d "
		    "characters), got %s", fault_target_what[f->kind],
		    SC_TARGET_MAX - 1, ld_got(v, got, sizeof(got)));
	snprintf(f->target, sizeof(f->target), "%s", s);
	switch (f->kind) {
	case SC_FAULT_LOSS:
	case SC_FAULT_FLAP:
	case SC_FAULT_DUPLICATE:
		r = ld_fault_link(ld, v, sc, f);
		break;
	case SC_FAULT_MBUF_EXHAUSTION:
		r = ld_fault_host(ld, v, sc, s, strlen(s), &f->host);
		break;
	case SC_FAULT_CPU_HOG:
		r = ld_fault_cpu(ld, v, sc, f);
		break;
	default:
		r = ld_fault_nic(ld, obj, v, sc, f);
		break;
	}
	if (r == 0)
		ld_pop(ld);
	return r;
}

/* ---- When: start, end, count. ---- */

static int
ld_fault_when(struct ld *ld, json_t *obj, struct sc_fault *f)
{
	const struct sc_key *ke = sc_key(&sc_obj_fault, "end");
	const struct sc_key *kc = sc_key(&sc_obj_fault, "count");
	char s[48], e[48];
	int64_t count = 0;

	f->end_ns = SC_FAULT_NO_END;
	if (ld_opt_unit(ld, obj, "end", ke->unit, (uint64_t)ke->min,
	    (uint64_t)ke->max, &f->end_ns) != 0 ||
	    ld_opt_int(ld, obj, "count", kc->min, kc->max, &count) != 0)
		return -1;
	f->count = (uint64_t)count;
	if (f->end_ns != SC_FAULT_NO_END && f->end_ns <= f->start_ns) {
		ld_push_key(ld, "end");
		sim_format_unit(SIM_UNIT_DURATION_NS, f->end_ns, e, sizeof(e));
		sim_format_unit(SIM_UNIT_DURATION_NS, f->start_ns, s, sizeof(s));
		return ld_fail(ld, LD_AT_VALUE, "expected an end after the "
		    "start (%s), got %s", f->start_ns == 0 ? "0" : s, e);
	}
	if (f->end_ns != SC_FAULT_NO_END || f->count != 0)
		return 0;
	if (f->kind == SC_FAULT_CPU_HOG)
		return ld_missing_near(ld, obj, "end", "when the hog lets its "
		    "CPU go");
	return ld_fail(ld, LD_AT_VALUE, "missing key \"end\" or \"count\": a "
	    "fault stops at its end, after count strikes, or at whichever "
	    "comes first");
}

/* ---- What each kind needs. ---- */

/* Key must be in obj (the kind needs it); why says what it is. */
static int
ld_fault_needs(struct ld *ld, json_t *obj, const struct sc_fault *f,
    const char *key, const char *why)
{
	char what[256];

	if (json_object_get(obj, key) != NULL)
		return 0;
	snprintf(what, sizeof(what), "a fault of kind %s needs %s",
	    sc_fault_kind_names[f->kind], why);
	return ld_missing_near(ld, obj, key, what);
}

/* Key must not be in obj: it belongs to the other loss model. */
static int
ld_fault_not(struct ld *ld, json_t *obj, const char *key, const char *why)
{
	if (json_object_get(obj, key) == NULL)
		return 0;
	ld_push_key(ld, key);
	return ld_fail(ld, LD_AT_KEY, "key \"%s\" does not apply here: %s", key,
	    why);
}

static int
ld_fault_loss(struct ld *ld, json_t *obj, const struct sc_fault *f)
{
	if (f->model == SC_LOSS_BERNOULLI)
		return ld_fault_needs(ld, obj, f, "loss", "its probability "
		    "per frame, such as 0.01 (or \"model\": \"gilbert\")") ||
		    ld_fault_not(ld, obj, "to_bad", "the bernoulli model has "
		    "one state; give \"model\": \"gilbert\" for two") ||
		    ld_fault_not(ld, obj, "to_good", "the bernoulli model has "
		    "one state; give \"model\": \"gilbert\" for two") ||
		    ld_fault_not(ld, obj, "loss_good", "the bernoulli model "
		    "has one state; its loss is \"loss\"") ||
		    ld_fault_not(ld, obj, "loss_bad", "the bernoulli model "
		    "has one state; its loss is \"loss\"") ? -1 : 0;
	return ld_fault_needs(ld, obj, f, "to_bad", "for the gilbert model "
	    "the chance per frame that the good state turns bad") ||
	    ld_fault_needs(ld, obj, f, "to_good", "for the gilbert model the "
	    "chance per frame that the bad state turns good") ||
	    ld_fault_not(ld, obj, "loss", "the gilbert model loses "
	    "loss_good in the good state and loss_bad in the bad one") ? -1 : 0;
}

static int
ld_fault_kind_needs(struct ld *ld, json_t *obj, struct sc_fault *f)
{
	switch (f->kind) {
	case SC_FAULT_INTR_STORM:
		return ld_fault_needs(ld, obj, f, "rate", "the rate its line "
		    "is raised at, such as \"200kpps\"");
	case SC_FAULT_LOSS:
		return ld_fault_loss(ld, obj, f);
	case SC_FAULT_FLAP:
		if (ld_fault_needs(ld, obj, f, "down", "how long the link "
		    "stays down, such as \"1ms\"") != 0)
			return -1;
		if (json_object_get(obj, "up") == NULL)
			f->up_ns = f->down_ns;
		return 0;
	case SC_FAULT_DMA_DELAY:
		return ld_fault_needs(ld, obj, f, "delay", "how much later each "
		    "transfer completes, such as \"20us\"");
	case SC_FAULT_DUPLICATE:
		return ld_fault_needs(ld, obj, f, "probability", "the chance "
		    "per frame that it arrives twice, such as 0.01");
	default:
		return 0;
	}
}

static int
ld_fault(struct ld *ld, json_t *v, struct scenario *sc, unsigned i)
{
	struct sc_fault *f = &sc->faults[i];

	return ld_object(ld, v, sc_obj_fault.what) != 0 ||
	    ld_fault_kind(ld, v, f) != 0 ||
	    ld_fault_keys(ld, v, f) != 0 ||
	    ld_fields(ld, v, &sc_obj_fault, f, true) != 0 ||
	    ld_fault_when(ld, v, f) != 0 ||
	    ld_fault_kind_needs(ld, v, f) != 0 ||
	    ld_fault_target(ld, v, sc, f) != 0 ? -1 : 0;
}

int
ld_faults(struct ld *ld, json_t *root, struct scenario *sc)
{
	return ld_array(ld, root, "faults", SC_FAULTS_MAX, "fault objects",
	    sizeof(*sc->faults), (void **)&sc->faults, &sc->nfaults, ld_fault,
	    sc);
}
