/*
 * tcp_unit.h -- what the unit-test programs of TCP's parts (test_tcp_cc,
 * test_tcp_sack) share: a table of named cases, one of which runs as
 * stack code on the simulated machine, and number parsing that stops
 * the run on junk.  Included by each program, once.
 */
#ifndef TESTS_C_TCP_UNIT_H
#define TESTS_C_TCP_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/world/testhook.h"

struct tcp_unit_case {
	const char *name;
	void (*fn)(int argc, char **argv);      /* argv[1] is the name */
};

struct tcp_unit_run {
	int argc;
	char **argv;
	const struct tcp_unit_case *cases;
	size_t ncases;
};

static uint64_t
tcp_unit_num(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (*s == '\0' || *end != '\0')
		panic("not a number: \"%s\"", s);
	return v;
}

static void
tcp_unit_case_run(void *arg)
{
	const struct tcp_unit_run *u = arg;

	for (size_t i = 0; i < u->ncases; i++) {
		if (strcmp(u->cases[i].name, u->argv[1]) == 0) {
			u->cases[i].fn(u->argc, u->argv);
			return;
		}
	}
	panic("unknown case \"%s\"", u->argv[1]);
}

/* main's body: run the case argv[1] names; the run's exit status. */
static int
tcp_unit_main(int argc, char **argv, const char *prog,
    const struct tcp_unit_case *cases, size_t ncases)
{
	struct tcp_unit_run u = { argc, argv, cases, ncases };
	struct sim_test_opts o;
	int status;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CASE ARGS...\n", prog);
		return 2;
	}
	memset(&o, 0, sizeof(o));
	o.quiet = 1;
	status = sim_test_run(&o, tcp_unit_case_run, &u, NULL);
	if (status != 0)
		fprintf(stderr, "%s: run ended with status %d\n", prog, status);
	return status;
}

#endif /* TESTS_C_TCP_UNIT_H */
