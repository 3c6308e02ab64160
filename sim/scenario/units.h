/*
 * units.h -- numbers with units, as scenario files and the command line
 * write them: "250us", "1.5ms", "10Gbit", "100kpps", "64KiB".
 *
 * A value is a decimal number (digits, optionally a point and more
 * digits) followed directly by a unit, or a bare unsigned integer in the
 * kind's base unit (nanoseconds, bit/s, packets/s, bytes).  Parsing is
 * exact integer arithmetic, never floating point: a value that is not a
 * whole number of the result's unit ("0.5ns" where nanoseconds are
 * wanted) or that does not fit in 64 bits is refused with a message that
 * says so.  Messages have the shape "expected ..., got ..." so that the
 * scenario loader and the command line can put their own "where" in
 * front.
 */
#ifndef SIM_UNITS_H
#define SIM_UNITS_H

#include <stddef.h>
#include <stdint.h>

enum sim_unit_kind {
	SIM_UNIT_DURATION_PS,   /* a duration in picoseconds */
	SIM_UNIT_DURATION_NS,   /* a duration in whole nanoseconds */
	SIM_UNIT_RATE_BPS,      /* bits per second */
	SIM_UNIT_RATE_PPS,      /* packets per second */
	SIM_UNIT_SIZE,          /* bytes */
	SIM_NUNIT_KINDS
};

/*
 * Parse s as a value of the given kind.  Returns 0 and sets *out, or -1
 * with a one-line "expected ..., got ..." message in err.
 * => a bare integer ("1500") is in the base unit: ns for both duration
 *    kinds (so a duration_ps of "2" is 2000 ps), bit/s, packets/s, bytes
 * => never reads past the terminating NUL of s
 */
int	sim_parse_unit(enum sim_unit_kind, const char *s, uint64_t *out,
	    char *err, size_t errlen);

/*
 * Write v (in the kind's result unit) with the largest unit that shows it
 * exactly: 10000000000 ns as "10s", 65536 bytes as "64KiB", 1500 ns as
 * "1500ns".  Always NUL-terminates buf.
 */
void	sim_format_unit(enum sim_unit_kind, uint64_t v, char *buf, size_t len);

/* "a duration", "a bit rate", ...: what a value of the kind is called. */
const char *sim_unit_what(enum sim_unit_kind);

/* "a duration such as \"250us\" (units ps, ns, us, ms, s)", for messages. */
void	sim_unit_expected(enum sim_unit_kind, char *buf, size_t len);

/*
 * The short forms.  Durations: ps ns us (or µs) ms s; rates: bit kbit
 * Mbit Gbit Tbit (each optionally followed by "/s"), pps kpps Mpps;
 * sizes: B, kB (or KB), MB, GB in powers of 1000 and KiB MiB GiB in
 * powers of 1024.
 */
int	sim_parse_duration_ps(const char *s, uint64_t *ps, char *err, size_t len);
int	sim_parse_duration_ns(const char *s, uint64_t *ns, char *err, size_t len);
int	sim_parse_rate_bps(const char *s, uint64_t *bps, char *err, size_t len);
int	sim_parse_rate_pps(const char *s, uint64_t *pps, char *err, size_t len);
int	sim_parse_size(const char *s, uint64_t *bytes, char *err, size_t len);

#endif /* SIM_UNITS_H */
