/*
 * load.h -- the scenario loader's private interface: what its files
 * (load_*.c, scenario.c) share and nothing outside sim/scenario/ sees.
 *
 * The loader walks the Jansson tree of a scenario file while keeping the
 * JSON path of what it is looking at in a small stack (struct ld).  When
 * a value is wrong it stops at once: ld_fail() turns that path into
 * "$.hosts[2].cost" and, through jsonpos.h, into FILE:LINE:COL of the
 * value in the original text, and the load ends with that one line.
 *
 * What a file may say -- objects, keys, ranges, defaults -- is the
 * tables of format.h (format.c); the loader reads its ranges and
 * defaults from there, and ld_fields() reads every key that needs no
 * code of its own.  The files, one seam each:
 *	load_core.c	the path, errors, hints ("did you mean"), typed values,
 *			the keys format.c describes
 *	load_host.c	hosts, their cost tables and NICs, unique MACs
 *	load_net.c	addresses, virtual pairs, branes and routes
 *	load_workload.c	programs and their parameters
 *	load_wire.c	switches and links
 *	load_faults.c	faults: storms, bursts, loss, flaps, slow DMA, memory,
 *			busy CPUs
 *	scenario.c	the top level, the small sections, the entry points
 *
 * Conventions every loader function keeps: it returns 0 or, after
 * ld_fail, -1; on success the path is as it found it (every push popped);
 * on failure the path is left where the error is, and the caller
 * returns -1 at once.  Nothing is freed here: sim_scenario_free frees a
 * half-filled scenario, so every array is counted (n set) as soon as it
 * is allocated.
 */
#ifndef SIM_SCENARIO_LOAD_H
#define SIM_SCENARIO_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sim/scenario/format.h"
#include "sim/scenario/jsonpos.h"
#include "sim/scenario/scenario.h"

#define LD_DEPTH_MAX    16      /* deeper than any path of the format */
#define LD_LIST_MAX     480     /* bytes of an "expected one of" list */
#define LD_GOT_CHARS    40      /* characters of a string value shown */
#define LD_GOT_MAX      (LD_GOT_CHARS * 4 + 16) /* bytes of a shown value */
#define LD_SUGGEST_MAX  64      /* longer names get no "did you mean" */
#define LD_MEAN_MAX     (LD_SUGGEST_MAX + 32)   /* bytes of a suggestion */
#define LD_PROBE_NAME_MAX 80
#define LD_APPS_MAX     64      /* programs app_table may list */

/* The loader's state: where the text is and where in it we are. */
struct ld {
	const char *file;
	const char *text;
	size_t len;
	struct sim_jsonpath_step path[LD_DEPTH_MAX];
	size_t depth;
	char *err;
	size_t errlen;
	const struct sc_set *sets;      /* applied to the tree (--set) */
	unsigned nsets;
	json_t *sweep;                  /* the file's "sweep", or NULL */
	void *index;                    /* ld_index_*: what is named what */
	unsigned app_programs[LD_APPS_MAX]; /* programs so far of each app */
};

enum ld_at {
	LD_AT_VALUE,            /* point at the value at the path */
	LD_AT_KEY,              /* point at the key of the path's last step */
};

/* ---- load_core.c: the path and errors. ---- */

void	ld_push_key(struct ld *, const char *key);
void	ld_push_index(struct ld *, size_t i);
void	ld_pop(struct ld *);
/* Make s one printable line (control characters, bad UTF-8 replaced). */
void	ld_sanitize(char *s);
/* Report an error at the current path.  Always returns -1. */
int	ld_fail(struct ld *, enum ld_at, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 3, 4)));

/* ---- load_core.c: hints for messages. ---- */

/* What was found, for "got ...": a quoted string, a number, a kind. */
const char *ld_got(const json_t *v, char *buf, size_t len);
/* "a, b, c" (or "\"a\", \"b\"" with quote); a long list ends in "...". */
const char *ld_list(const char *const *names, size_t n, bool quote,
	    char *buf, size_t len);
/* " (did you mean \"x\"?)" or "". */
const char *ld_mean(const char *got, const char *const *names, size_t n,
	    char *buf, size_t len);
/*
 * The names of n objects for a message's list: the name fields at first,
 * first + stride, ... (the name member of an array of structs), in an
 * array of n + extra entries (the caller may append extra more).  Only an
 * error path builds one, so a lookup costs no array as big as the
 * scenario's hosts.
 * => the caller frees it; NULL when out of memory
 */
const char **ld_names(const char *first, size_t n, size_t stride,
	    size_t extra);

/*
 * ---- load_core.c: the index: what each name (or MAC, endpoint, port)
 * belongs to, so that finding a host by name, or the earlier object with
 * the same name, takes one lookup: a walk of every earlier one makes a
 * load quadratic (30,000 hosts: 38 s against 2).  kind keeps the kinds
 * apart (LD_IX_*); the key is any string; each key holds the first index
 * put there.  libc's tsearch tree, of small nodes only: a hash table's
 * bucket array, megabytes at 10,000 hosts and freed after the load, made
 * glibc's malloc raise its mmap threshold for the rest of the run (300
 * MB more resident there).  Freed with the load (ld_index_free).
 */
enum ld_ix {
	LD_IX_HOST = 'h',       /* a host's name: its index */
	LD_IX_SWITCH = 's',     /* a switch's name: its index */
	LD_IX_LINK = 'l',       /* a link's name: its index */
	LD_IX_MAC = 'm',        /* a MAC: host * SC_NICS_MAX + nic */
	LD_IX_END = 'e',        /* an endpoint (ld_ep_key): link * 2 + b */
	LD_IX_PCAP = 'p',       /* a capture file: the link's index */
	LD_IX_TAP = 't',        /* a TAP device: the link's index */
	LD_IX_UDP = 'u',        /* host/brane/port: the program's index */
};
/* What key was put under kind first, or -1 if nothing was. */
int64_t	ld_index_get(struct ld *, enum ld_ix kind, const char *key);
/*
 * Put index under kind and key, unless something is there already
 * (which keeps the first).  => 0, or -1 after ld_fail (out of memory)
 */
int	ld_index_put(struct ld *, enum ld_ix kind, const char *key,
	    int64_t index);
/* Free the index (the load's end). */
void	ld_index_free(struct ld *);
/*
 * name, of $.array[i] (a noun), is no earlier one's of kind: put it in
 * the index, or fail at its "name" naming the earlier one.
 */
int	ld_name_unique(struct ld *, enum ld_ix kind, const char *name,
	    unsigned i, const char *noun, const char *array);

/* ---- load_core.c: objects and their keys. ---- */

/* Refuse any key of obj that is not in allowed[]; noun is "key", "probe". */
int	ld_keys(struct ld *, json_t *obj, const char *const *allowed,
	    size_t n, const char *noun);
/* v must be an object; what says which ("a host object such as ..."). */
int	ld_object(struct ld *, const json_t *v, const char *what);
int	ld_missing(struct ld *, const char *key, const char *what);
/* A required key is missing: point at a misspelling of it if obj has one. */
int	ld_missing_near(struct ld *, json_t *obj, const char *key,
	    const char *what);
/*
 * An optional array at root.key of at most max objects, each loaded by
 * fn; *n and *arr (elements of size) are set before the first is loaded.
 */
int	ld_array(struct ld *, json_t *root, const char *key, size_t max,
	    const char *what, size_t size, void **arr, unsigned *n,
	    int (*fn)(struct ld *, json_t *, struct scenario *, unsigned),
	    struct scenario *sc);

/* ---- load_core.c: values (the path is already at v). ---- */

int	ld_v_int(struct ld *, const json_t *v, int64_t min, int64_t max,
	    int64_t *out);
int	ld_v_bool(struct ld *, const json_t *v, bool *out);
/* A value with a unit: a string ("250us") or an integer in the base unit. */
int	ld_v_unit(struct ld *, const json_t *v, enum sim_unit_kind,
	    uint64_t min, uint64_t max, uint64_t *out);
/* A string that must be one of names[]; *out is its index. */
int	ld_v_choice(struct ld *, const json_t *v, const char *const *names,
	    size_t n, int64_t *out);
/* A name: 1..SC_NAME_MAX-1 characters of [A-Za-z0-9._-]. */
int	ld_v_name(struct ld *, const json_t *v, const char *what,
	    char out[SC_NAME_MAX]);

/* ---- load_core.c: optional keys of obj; absent keeps *out. ---- */

int	ld_opt_int(struct ld *, json_t *obj, const char *key, int64_t min,
	    int64_t max, int64_t *out);
int	ld_opt_unit(struct ld *, json_t *obj, const char *key,
	    enum sim_unit_kind, uint64_t min, uint64_t max, uint64_t *out);
/* obj's required "name". */
int	ld_req_name(struct ld *, json_t *obj, const char *what,
	    char out[SC_NAME_MAX]);

/* ---- load_core.c: objects the format describes (format.h). ---- */

/* The names of o's keys, in order; returns how many. */
size_t	ld_obj_names(const struct sc_obj *o,
	    const char *names[SC_OBJ_KEYS_MAX]);
/* v (the path at it) must be an object of o: an object with o's keys only. */
int	ld_obj(struct ld *, json_t *v, const struct sc_obj *o);
/*
 * Read every key of o that has a slot (format.h) into base: the value
 * obj gives, checked by the key's kind and range, or, when obj has none,
 * the key's default (with defaults; else the slot is kept).  obj NULL
 * means an absent object: every slot gets its default.
 * => a required slot key must be in obj
 */
int	ld_fields(struct ld *, json_t *obj, const struct sc_obj *o,
	    void *base, bool defaults);
/*
 * The section k (an SC_K_OBJECT key of root): check it and read its slot
 * keys into base (every default if it is absent); *out (if out is not
 * NULL) is its object, or NULL, for the keys code reads itself.
 */
int	ld_section(struct ld *, json_t *root, const struct sc_key *k,
	    void *base, json_t **out);

/* ---- load_net.c: addresses, interfaces, branes. ---- */

#define LD_IFS_MAX      (SC_NICS_MAX + 2 * SC_VPAIRS_MAX)

/* An interface of a host as the file gives it: a NIC or a vpair end. */
struct ld_if {
	const char *name;
	const struct sc_ifconf *conf;
	unsigned index;                 /* into nics[] or vpairs[] */
	const char *end;                /* NULL for a NIC, else "a" or "b" */
};

/*
 * The host's interfaces, NICs first, then each vpair's a and b: the
 * order the host attaches them (drivers at boot, then net_boot's pairs).
 * Returns how many (at most LD_IFS_MAX).
 */
unsigned ld_host_ifs(const struct sc_host *h, struct ld_if *out);
/* v (at the path) names an interface of h: *out is its ld_host_ifs index. */
int	ld_v_iface(struct ld *, const json_t *v, const struct sc_host *h,
	    unsigned *out);

/* A program's address parameter, "10.0.0.1"; *out in host byte order. */
int	ld_v_inaddr(struct ld *, const json_t *v, uint64_t min, uint64_t max,
	    int64_t *out);
/* A brane's name: a name of at most SC_BRANE_NAME_MAX - 1 characters. */
int	ld_v_brane_name(struct ld *, const json_t *v,
	    char out[SC_BRANE_NAME_MAX]);
/* The value at the path names a brane of h (loaded): or fail. */
int	ld_brane_exists(struct ld *, const struct sc_host *h, const char *name);
/* "addr" and "brane" of a NIC or a vpair end (obj). */
int	ld_ifconf(struct ld *, json_t *obj, struct sc_ifconf *c);
int	ld_vpairs(struct ld *, json_t *hv, struct sc_host *h, unsigned hi);
/*
 * "branes": h->branes gets "default" first -- the file's, or an implied
 * one with no routes -- then the others in file order.
 */
int	ld_branes(struct ld *, json_t *hv, struct sc_host *h, unsigned hi);
/*
 * Across the host: every interface's brane exists, and no brane has an
 * address twice.  The path is at $.hosts[hi].
 */
int	ld_netcheck(struct ld *, const struct sc_host *h, unsigned hi);

/* ---- The sections of the top level. ---- */

int	ld_hosts(struct ld *, json_t *root, struct scenario *sc);
int	ld_switches(struct ld *, json_t *root, struct scenario *sc);
int	ld_links(struct ld *, json_t *root, struct scenario *sc);
/* The endpoint v (at the path) names NIC nic of host h: which one. */
int	ld_ep_nic(struct ld *, const json_t *v, const struct scenario *sc,
	    unsigned h, const char *nic, struct sc_endpoint *ep);
int	ld_workload(struct ld *, json_t *root, struct scenario *sc);
/* The faults, after the hosts, NICs and links their targets name. */
int	ld_faults(struct ld *, json_t *root, struct scenario *sc);

/* ---- load_sweep.c: --set and "sweep". ---- */

/*
 * Apply sets to root (the file's JSON) before it is read; the path
 * stays empty.  Errors name the set (and its place in the sweep).
 */
int	ld_apply_sets(struct ld *, json_t *root, const struct sc_set *sets,
	    unsigned nsets);
/* "sweep": its axes (less those sets pinned), seeds and points. */
int	ld_sweep(struct ld *, json_t *root, struct scenario *sc);
/*
 * Where an error at the current path comes from when a set put the
 * value there: *msg gets " (the value of $.sweep[...][K])" or " (from
 * --set P=V)", and the path where the text holds it.  => false: the
 * file's own value
 */
bool	ld_set_origin(struct ld *, struct sim_jsonpath_step *path,
	    size_t *depth, char *msg, size_t len);

#endif /* SIM_SCENARIO_LOAD_H */
