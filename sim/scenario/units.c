/*
 * units.c -- parse and print numbers with units (see units.h).
 *
 * The one idea: a value "I.F<unit>" is I * unit + F * unit / 10^k in the
 * kind's finest unit (picoseconds for durations, bits, packets, bytes),
 * computed in 128-bit integers so that nothing rounds and nothing wraps;
 * then it must divide exactly into the result unit (nanoseconds for a
 * whole-ns duration) and fit in 64 bits.  No floating point anywhere:
 * "0.1ms" is exactly 100000000 ps, not 99999999.99.
 *
 * Every kind is a row of unit_kinds[]; its units are listed largest first,
 * which is also the order sim_format_unit() tries them in.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sim/scenario/jsonpos.h"
#include "sim/scenario/units.h"

typedef unsigned __int128 u128;

#define FRACTION_DIGITS_MAX 19          /* 10^19 < 2^64 */
#define ECHO_CHARS 40                   /* how much of the input a message shows */

struct unit {
	const char *name;
	uint64_t mult;                  /* in the kind's finest unit */
	bool alias;                     /* accepted, never printed */
};

struct unit_kind {
	const char *what;               /* "a duration" */
	const char *example;            /* "250us" */
	const char *names;              /* the units, for messages */
	const char *whole;              /* the result unit, plural */
	const struct unit *units;       /* largest first */
	size_t nunits;
	uint64_t per_result;            /* finest units in one result unit */
	uint64_t per_bare;              /* finest units in one bare-integer unit */
};

static const struct unit duration_units[] = {
	{ "s", 1000000000000ULL, false },
	{ "ms", 1000000000ULL, false },
	{ "us", 1000000ULL, false },
	{ "\xc2\xb5s", 1000000ULL, true },      /* U+00B5 MICRO SIGN */
	{ "\xce\xbcs", 1000000ULL, true },      /* U+03BC GREEK SMALL MU */
	{ "ns", 1000ULL, false },
	{ "ps", 1ULL, false },
};

static const struct unit bps_units[] = {
	{ "Tbit", 1000000000000ULL, false },
	{ "Tbit/s", 1000000000000ULL, true },
	{ "Gbit", 1000000000ULL, false },
	{ "Gbit/s", 1000000000ULL, true },
	{ "Mbit", 1000000ULL, false },
	{ "Mbit/s", 1000000ULL, true },
	{ "kbit", 1000ULL, false },
	{ "kbit/s", 1000ULL, true },
	{ "bit", 1ULL, false },
	{ "bit/s", 1ULL, true },
};

static const struct unit pps_units[] = {
	{ "Mpps", 1000000ULL, false },
	{ "kpps", 1000ULL, false },
	{ "pps", 1ULL, false },
};

static const struct unit size_units[] = {
	{ "GiB", 1ULL << 30, false },
	{ "GB", 1000000000ULL, false },
	{ "MiB", 1ULL << 20, false },
	{ "MB", 1000000ULL, false },
	{ "KiB", 1ULL << 10, false },
	{ "kB", 1000ULL, false },
	{ "KB", 1000ULL, true },
	{ "B", 1ULL, false },
};

#define UNITS_(a) a, sizeof(a) / sizeof((a)[0])

static const struct unit_kind unit_kinds[SIM_NUNIT_KINDS] = {
	[SIM_UNIT_DURATION_PS] = { "a duration", "250us",
	    "ps, ns, us, ms, s", "picoseconds", UNITS_(duration_units),
	    1, 1000 },
	[SIM_UNIT_DURATION_NS] = { "a duration", "250us",
	    "ps, ns, us, ms, s", "nanoseconds", UNITS_(duration_units),
	    1000, 1000 },
	[SIM_UNIT_RATE_BPS] = { "a bit rate", "10Gbit",
	    "bit, kbit, Mbit, Gbit, Tbit, optionally with /s",
	    "bits per second", UNITS_(bps_units), 1, 1 },
	[SIM_UNIT_RATE_PPS] = { "a packet rate", "100kpps",
	    "pps, kpps, Mpps", "packets per second", UNITS_(pps_units), 1, 1 },
	[SIM_UNIT_SIZE] = { "a size", "64KiB",
	    "B, kB, MB, GB, KiB, MiB, GiB", "bytes", UNITS_(size_units), 1, 1 },
};

/* A decimal number as written: integer part, fraction digits. */
struct decimal {
	u128 ipart;                     /* saturates above UINT64_MAX */
	uint64_t frac;                  /* fraction digits as an integer */
	unsigned fdigits;               /* significant fraction digits */
	bool has_point;
	const char *unit;               /* what follows the number */
};

static u128
pow10_u128(unsigned k)
{
	u128 r = 1;

	while (k-- > 0)
		r *= 10;
	return r;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Read digits[.digits] from s.  Returns 0, -1 if there are no digits, -2
 * if the fraction has more significant digits than 64 bits hold.
 */
static int
decimal_read(const char *s, struct decimal *d)
{
	const char *p = s;
	unsigned n = 0;

	memset(d, 0, sizeof(*d));
	if (!is_digit(*p))
		return -1;
	for (; is_digit(*p); p++)
		if (d->ipart <= UINT64_MAX)
			d->ipart = d->ipart * 10 + (u128)(*p - '0');
	if (*p == '.') {
		d->has_point = true;
		if (!is_digit(*++p))
			return -1;
		for (; is_digit(*p); p++) {
			n++;
			if (*p == '0')
				continue;
			/* A significant digit: bring in the zeros before it. */
			if (n > FRACTION_DIGITS_MAX)
				return -2;
			for (; d->fdigits < n - 1; d->fdigits++)
				d->frac *= 10;
			d->frac = d->frac * 10 + (uint64_t)(*p - '0');
			d->fdigits = n;
		}
	}
	d->unit = p;
	return 0;
}

static const struct unit *
unit_lookup(const struct unit_kind *k, const char *name, bool nocase)
{
	for (size_t i = 0; i < k->nunits; i++)
		if ((nocase ? strcasecmp : strcmp)(k->units[i].name, name) == 0)
			return &k->units[i];
	return NULL;
}

/* Why a unit is not understood: a space, the wrong case, or unknown. */
static void
unit_hint(const struct unit_kind *k, const char *s, const char *unit,
    char *hint, size_t len)
{
	const char *u = unit;
	const struct unit *near;
	char q[64];

	while (*u == ' ' || *u == '\t')
		u++;
	if (u != unit && unit_lookup(k, u, false) != NULL) {
		snprintf(hint, len, " (write no space between the number and "
		    "the unit: \"%.*s%s\")", (int)(unit - s), s, u);
		return;
	}
	if ((near = unit_lookup(k, u, true)) != NULL) {
		snprintf(hint, len, " (units are case-sensitive: did you mean "
		    "\"%s\"?)", near->name);
		return;
	}
	sim_json_quote(u, 16, q, sizeof(q));
	snprintf(hint, len, " (unknown unit %s)", q);
}

/* Check the decimal against the kind and compute the result. */
static int
unit_value(const struct unit_kind *k, const char *s, const struct decimal *d,
    uint64_t *out, char *err, size_t len, const char *echo)
{
	const struct unit *u = NULL;
	uint64_t mult = k->per_bare;
	u128 total, part;
	char hint[160], max[48];

	if (*d->unit != '\0' && (u = unit_lookup(k, d->unit, false)) == NULL) {
		unit_hint(k, s, d->unit, hint, sizeof(hint));
		snprintf(err, len, "expected %s such as \"%s\" (units %s), "
		    "got %s%s", k->what, k->example, k->names, echo, hint);
		return -1;
	}
	if (u == NULL && d->has_point) {
		snprintf(err, len, "expected %s such as \"%s\" (units %s), "
		    "got %s (a number with a fraction needs a unit)", k->what,
		    k->example, k->names, echo);
		return -1;
	}
	if (u != NULL)
		mult = u->mult;
	part = (u128)d->frac * mult;
	if (part % pow10_u128(d->fdigits) != 0 ||
	    (total = d->ipart * mult + part / pow10_u128(d->fdigits)) %
	    k->per_result != 0) {
		snprintf(err, len, "expected a whole number of %s, got %s",
		    k->whole, echo);
		return -1;
	}
	if (d->ipart > UINT64_MAX || total / k->per_result > UINT64_MAX) {
		sim_format_unit((enum sim_unit_kind)(k - unit_kinds), UINT64_MAX,
		    max, sizeof(max));
		snprintf(err, len, "expected %s that fits in 64 bits (at most "
		    "%s), got %s", k->what, max, echo);
		return -1;
	}
	*out = (uint64_t)(total / k->per_result);
	return 0;
}

int
sim_parse_unit(enum sim_unit_kind kind, const char *s, uint64_t *out,
    char *err, size_t len)
{
	const struct unit_kind *k;
	struct decimal d;
	char echo[ECHO_CHARS * 4 + 16];
	int r;

	if ((unsigned)kind >= SIM_NUNIT_KINDS) {
		snprintf(err, len, "unknown unit kind %d", (int)kind);
		return -1;
	}
	k = &unit_kinds[kind];
	sim_json_quote(s, ECHO_CHARS, echo, sizeof(echo));
	if (*s == '-') {
		snprintf(err, len, "expected %s of 0 or more, got %s", k->what,
		    echo);
		return -1;
	}
	if ((r = decimal_read(s, &d)) == -2) {
		snprintf(err, len, "expected at most %d significant digits "
		    "after the decimal point, got %s", FRACTION_DIGITS_MAX, echo);
		return -1;
	}
	if (r != 0) {
		snprintf(err, len, "expected %s such as \"%s\" (units %s), "
		    "got %s", k->what, k->example, k->names, echo);
		return -1;
	}
	return unit_value(k, s, &d, out, err, len, echo);
}

void
sim_format_unit(enum sim_unit_kind kind, uint64_t v, char *buf, size_t len)
{
	const struct unit_kind *k = &unit_kinds[kind];
	u128 fine = (u128)v * k->per_result;

	for (size_t i = 0; i < k->nunits; i++) {
		const struct unit *u = &k->units[i];

		if (u->alias || fine % u->mult != 0)
			continue;
		snprintf(buf, len, "%llu%s",
		    (unsigned long long)(fine / u->mult), u->name);
		return;
	}
	/* Unreachable: every kind's last unit is its finest. */
	snprintf(buf, len, "%llu", (unsigned long long)v);
}

const char *
sim_unit_what(enum sim_unit_kind kind)
{
	return unit_kinds[kind].what;
}

void
sim_unit_expected(enum sim_unit_kind kind, char *buf, size_t len)
{
	const struct unit_kind *k = &unit_kinds[kind];

	snprintf(buf, len, "%s such as \"%s\" (units %s)", k->what, k->example,
	    k->names);
}

int
sim_parse_duration_ps(const char *s, uint64_t *ps, char *err, size_t len)
{
	return sim_parse_unit(SIM_UNIT_DURATION_PS, s, ps, err, len);
}

int
sim_parse_duration_ns(const char *s, uint64_t *ns, char *err, size_t len)
{
	return sim_parse_unit(SIM_UNIT_DURATION_NS, s, ns, err, len);
}

int
sim_parse_rate_bps(const char *s, uint64_t *bps, char *err, size_t len)
{
	return sim_parse_unit(SIM_UNIT_RATE_BPS, s, bps, err, len);
}

int
sim_parse_rate_pps(const char *s, uint64_t *pps, char *err, size_t len)
{
	return sim_parse_unit(SIM_UNIT_RATE_PPS, s, pps, err, len);
}

int
sim_parse_size(const char *s, uint64_t *bytes, char *err, size_t len)
{
	return sim_parse_unit(SIM_UNIT_SIZE, s, bytes, err, len);
}
