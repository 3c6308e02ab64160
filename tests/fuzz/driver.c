/*
 * driver.c -- run a fuzz target's LLVMFuzzerTestOneInput on files, once
 * each, without libFuzzer: how every build (release, asan) replays the
 * corpus and the shipped examples (tests/test_fuzz.py).
 *
 *	fuzz_NAME FILE|DIR...
 *
 * A directory's files are run in name order, and its directories' (not
 * those whose name starts with a dot).  Prints the count run; a breach
 * of the target's contract aborts, naming the file first.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/scenario/readfile.h"

#define DRIVER_MAX      (64u << 20)     /* bytes of one input */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long driver_runs;

static int
driver_file(const char *path)
{
	char err[1024];
	size_t len;
	char *text;

	if (sim_read_file(path, DRIVER_MAX, &text, &len, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	fprintf(stderr, "%s\n", path);
	LLVMFuzzerTestOneInput((const uint8_t *)text, len);
	free(text);
	driver_runs++;
	return 0;
}

static int
driver_dir(const char *dir)
{
	struct dirent **ents;
	char path[4096];
	struct stat st;
	int n, rc = 0;

	if ((n = scandir(dir, &ents, NULL, alphasort)) < 0) {
		perror(dir);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && stat(path, &st) == 0 &&
		    (S_ISDIR(st.st_mode) ? driver_dir(path) :
		    S_ISREG(st.st_mode) ? driver_file(path) : 0) != 0)
			rc = -1;
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int
main(int argc, char **argv)
{
	struct stat st;
	int rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			rc = 1;
		} else if ((S_ISDIR(st.st_mode) ? driver_dir(argv[i]) :
		    driver_file(argv[i])) != 0)
			rc = 1;
	}
	printf("%lu inputs\n", driver_runs);
	return rc;
}
