/*
 * args.c -- reading what the netsim commands share (args.h).
 *
 * Every error is one sentence naming the option and what it got, then a
 * pointer to --help: the commands return its status (2) at once.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/args.h"
#include "sim/sched/machine.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/units.h"

#define ARGS_WALL_MAX_MS (24ULL * 3600 * 1000)  /* a day */

int
sim_cli_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("netsim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(see netsim --help)\n", stderr);
	return SIM_EXIT_USAGE;
}

int
sim_cli_seed(const char *s, uint64_t *seed)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v > (unsigned long long)INT64_MAX)
		return -1;
	*seed = v;
	return 0;
}

int
sim_cli_seed_range(const char *s, uint64_t *lo, uint64_t *hi)
{
	const char *dots = strstr(s, "..");
	char first[32];

	if (dots == NULL) {
		if (sim_cli_seed(s, lo) != 0)
			return -1;
		*hi = *lo;
		return 0;
	}
	if ((size_t)(dots - s) >= sizeof(first))
		return -1;
	memcpy(first, s, (size_t)(dots - s));
	first[dots - s] = '\0';
	if (sim_cli_seed(first, lo) != 0 || sim_cli_seed(dots + 2, hi) != 0 ||
	    *lo > *hi)
		return -1;
	return 0;
}

int
sim_cli_policy(const char *name, struct scenario *sc)
{
	char choices[256];
	size_t n = 0;

	for (int i = 0; i < SC_NPOLICIES; i++)
		if (strcmp(name, sc_policy_names[i]) == 0) {
			sc->interleaving.policy = (enum sc_policy)i;
			sc->interleaving.policy_given = true;
			return 0;
		}
	choices[0] = '\0';
	for (int i = 0; i < SC_NPOLICIES && n < sizeof(choices); i++)
		n += (size_t)snprintf(choices + n, sizeof(choices) - n, "%s%s",
		    i == 0 ? "" : ", ", sc_policy_names[i]);
	return sim_cli_usage("--policy needs one of %s; got \"%s\"", choices,
	    name);
}

int
sim_cli_depth(const char *s, struct scenario *sc)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || errno != 0 || *end != '\0' || v < 1 ||
	    v > SC_PCT_DEPTH_MAX)
		return sim_cli_usage("--depth needs a number from 1 to %d, got "
		    "\"%s\"", SC_PCT_DEPTH_MAX, s);
	sc->interleaving.depth = (uint32_t)v;
	return 0;
}

int
sim_cli_wall_ms(const char *s, uint64_t *ms)
{
	char buf[64], err[256];
	uint64_t ns;

	/* A plain number is seconds. */
	if (s[0] != '\0' && strspn(s, "0123456789.") == strlen(s)) {
		if (snprintf(buf, sizeof(buf), "%ss", s) >= (int)sizeof(buf))
			return -1;
		s = buf;
	}
	if (sim_parse_duration_ns(s, &ns, err, sizeof(err)) != 0)
		return -1;
	if (ns < 1000000 || ns / 1000000 > ARGS_WALL_MAX_MS)
		return -1;
	*ms = ns / 1000000;
	return 0;
}
