/*
 * fuzz_scenario.c -- the scenario loader on any bytes.
 *
 * LLVMFuzzerTestOneInput is libFuzzer's entry point (`make fuzz`); the
 * driver (tests/fuzz/driver.c) runs the same function on files, which
 * is how the suite replays the corpus in every build (tests/test_fuzz.py).
 *
 * What must hold, whatever the bytes:
 *   - a load gives a scenario, or fails with one line that starts with
 *     the file's name, and leaves nothing allocated (ASan's leak check);
 *   - it reads nothing out of bounds, overflows nothing (ASan, UBSan);
 *   - a scenario with a sweep loads again at each of its first points,
 *     with that point's values set (a campaign's runs), or fails as
 *     above.
 * A breach aborts, and libFuzzer keeps the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/scenario.h"

#define FUZZ_FILE       "fuzz.json"
#define FUZZ_POINTS     4       /* a sweep's points loaded again */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A load's outcome against the contract in scenario.h. */
static void
fuzz_check(int rc, const struct scenario *sc, const char *err)
{
	if (rc == 0 && sc != NULL && err[0] == '\0')
		return;
	if (rc == -1 && sc == NULL &&
	    strncmp(err, FUZZ_FILE, strlen(FUZZ_FILE)) == 0 &&
	    strchr(err, '\n') == NULL && strlen(err) + 1 < SC_ERR_MAX)
		return;
	fprintf(stderr, "fuzz_scenario: the load broke its contract: "
	    "returned %d, scenario %s, message \"%s\"\n", rc,
	    sc != NULL ? "set" : "NULL", err);
	abort();
}

/* The bytes as the loader takes a file: malloc'ed, NUL after them. */
static char *
fuzz_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_set sets[SC_SWEEP_AXES_MAX];
	struct scenario *sc, *at;
	char err[SC_ERR_MAX];
	uint64_t seed;
	int rc;

	rc = sim_scenario_load_text(FUZZ_FILE, fuzz_text(data, size), size,
	    NULL, 0, &sc, err, sizeof(err));
	fuzz_check(rc, sc, err);
	if (rc != 0)
		return 0;
	for (uint64_t k = 0; k < sc->sweep.npoints && k < FUZZ_POINTS; k++) {
		sc_sweep_point(sc, k, sets, &seed);
		rc = sim_scenario_load_text(FUZZ_FILE, fuzz_text(data, size),
		    size, sets, sc->sweep.naxes, &at, err, sizeof(err));
		fuzz_check(rc, at, err);
		if (rc == 0)
			sim_scenario_free(at);
	}
	sim_scenario_free(sc);
	return 0;
}
