/*
 * format.h -- the scenario format: every object a scenario file holds,
 * every key of each, the value it takes, its default and its meaning.
 *
 * These tables are the one description of the format.  The loader
 * checks a file against them -- which keys exist, their ranges, their
 * defaults -- and scripts/gen_schema.py turns them (as
 * `test_scenario_load --dump-tables` prints them) into the JSON Schema
 * (schema/scenario.schema.json) and the README's key table,
 * so a key cannot exist in one and not the others.  The cost table
 * (sim/sched/cost.h), the probes (stack/sys/sdt.h) and the programs'
 * parameters (stack/apps/apps.h) are tables of their own, read the same
 * way.
 *
 * A key with a storage slot (size != 0) is read by the loader's one
 * generic function, which stores the value or the default at off in the
 * object's struct; a key without one is read by code of its own (names
 * that must be unique, addresses, endpoints, sub-objects), which still
 * takes the key's range and doc from here.
 */
#ifndef SIM_SCENARIO_FORMAT_H
#define SIM_SCENARIO_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/scenario/units.h"

/* What a key's value is.  The generator gives each kind its schema. */
enum sc_kind {
	SC_K_INT,               /* an integer from min to max */
	SC_K_BOOL,              /* true or false */
	SC_K_UNIT,              /* a value of unit, min to max (scenario units) */
	SC_K_CHOICE,            /* one of choices[]; the value is the index */
	SC_K_PROB,              /* a number from 0 to 1 */
	SC_K_WINDOW,            /* a duration of 0 or a power of two ns, <= max */
	SC_K_TEXT,              /* a string of at most max characters */
	SC_K_PATH,              /* a file name of 1 to max bytes */
	SC_K_NAME,              /* [A-Za-z0-9._-], 1 to SC_NAME_MAX - 1 */
	SC_K_NIC_NAME,          /* a name without "." */
	SC_K_IFNAME,            /* an interface name: no ".", < SC_IFNAME_MAX */
	SC_K_BRANE_NAME,        /* a name of fewer than SC_BRANE_NAME_MAX */
	SC_K_IPV4,              /* "10.0.0.254" */
	SC_K_PREFIX,            /* "10.9.0.0/16" */
	SC_K_IFADDR,            /* "10.0.0.1/24": a host address and its length */
	SC_K_MAC,               /* "02:00:00:00:00:01", unicast */
	SC_K_ENDPOINT,          /* "HOST.NIC" or "SWITCH.PORT" */
	SC_K_OBJECT,            /* an object of obj */
	SC_K_ARRAY,             /* an array of min to max objects of obj */
	SC_K_IFEND,             /* an interface name or an object of obj */
	SC_K_COST,              /* the cost table's entries and "probes" */
	SC_K_PROBES,            /* {"provider:name": probe cost, ...} */
	SC_K_PROBE_COST,        /* a duration (ps) or an object of obj */
	SC_K_PROGRAMS,          /* an array of at most max program objects */
	SC_K_SWEEP,             /* {"JSON path": [values], "seeds": [...]} */
	SC_NKINDS
};

/* The names of the kinds, as the tables' dump writes them. */
extern const char *const sc_kind_names[SC_NKINDS];

struct sc_obj;

struct sc_key {
	const char *name;
	enum sc_kind kind;
	bool required;
	enum sim_unit_kind unit;        /* SC_K_UNIT, SC_K_WINDOW, PROBE_COST */
	/*
	 * INT, UNIT: the inclusive range; WINDOW: max; TEXT: at most max
	 * characters; PATH: bytes; ARRAY, PROGRAMS: from min to max items.
	 */
	int64_t min, max;
	int64_t def;                    /* the value when absent (not required) */
	const char *def_str;            /* a string default, or NULL */
	const char *def_text;           /* a default derived by the loader, as
					   the README shows it ("none"); NULL:
					   def (or def_str) is the default */
	const char *const *choices;     /* SC_K_CHOICE */
	unsigned nchoices;
	const struct sc_obj *obj;       /* OBJECT, ARRAY, IFEND, PROBE_COST */
	const char *doc;                /* what it means, lower case, no stop */
	size_t off, size;               /* the loader's slot; size 0: by code */
};

struct sc_obj {
	const char *name;               /* the schema's name for it: "nic" */
	const char *what;               /* "a NIC object such as {...}", or NULL
					   for "an object with keys ..." */
	const char *plural;             /* "NIC objects", for array messages */
	const char *doc;
	const struct sc_key *keys;
	unsigned nkeys;
	/* At least one of these keys (NULL-terminated), or NULL. */
	const char *const *any_of;
};

#define SC_OBJ_KEYS_MAX 24              /* keys of any one object */

/* The objects, each once; the top level first. */
extern const struct sc_obj sc_obj_top, sc_obj_host, sc_obj_probe_cost,
    sc_obj_nic, sc_obj_vpair, sc_obj_vpair_end, sc_obj_brane, sc_obj_route,
    sc_obj_switch, sc_obj_link, sc_obj_bridge, sc_obj_program, sc_obj_fault,
    sc_obj_record, sc_obj_limits, sc_obj_interleaving;
extern const struct sc_obj *const sc_objs[];    /* NULL-terminated */

/* The key of o named name; asserts there is one. */
const struct sc_key *sc_key(const struct sc_obj *o, const char *name);

#endif /* SIM_SCENARIO_FORMAT_H */
