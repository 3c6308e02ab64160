/*
 * bench.h -- what every benchmark program shares: the command line (a
 * name prefix), a wall clock, and the one output line a figure,
 *
 *	bench <name> <median> <unit> min=<x> max=<y> runs=<n>
 *
 * Wall-clock time is read here and only here: benchmarks measure the real
 * machine; nothing they read ever reaches a simulation's results.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *bench_prefix_ = "";

static inline void
bench_init(int argc, char **argv)
{
	if (argc > 1)
		bench_prefix_ = argv[1];
}

/* Whether the figure called name was asked for. */
static inline int
bench_wanted(const char *name)
{
	return strncmp(name, bench_prefix_, strlen(bench_prefix_)) == 0;
}

/* Whether any of the figures in names (NULL-terminated) was asked for. */
static inline int
bench_any_wanted(const char *const *names)
{
	for (; *names != NULL; names++)
		if (bench_wanted(*names))
			return 1;
	return 0;
}

/*
 * Run cmd (a peer such as ns-3, or another build of a benchmark) and
 * read the first line it prints into line: 0, or -1 if it could not be
 * started, printed nothing or did not exit 0.
 */
static inline int
bench_run_line(const char *cmd, char *line, size_t len)
{
	FILE *f = popen(cmd, "r");
	int ok;

	if (f == NULL)
		return -1;
	ok = fgets(line, (int)len, f) != NULL;
	if (pclose(f) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

static inline double
bench_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int
bench_cmp_(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Whole numbers from 100 up, three significant digits below. */
static inline const char *
bench_fmt_(char *buf, size_t len, double x)
{
	if (x >= 100 || x <= -100)
		snprintf(buf, len, "%.0f", x);
	else
		snprintf(buf, len, "%.3g", x);
	return buf;
}

/* Print the figure's line from n samples (sorts them in place). */
static inline void
bench_report(const char *name, const char *unit, double *v, int n)
{
	char a[32], b[32], c[32];
	double med;

	qsort(v, (size_t)n, sizeof(*v), bench_cmp_);
	med = (n % 2) ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	printf("bench %s %s %s min=%s max=%s runs=%d\n", name,
	    bench_fmt_(a, sizeof(a), med), unit, bench_fmt_(b, sizeof(b), v[0]),
	    bench_fmt_(c, sizeof(c), v[n - 1]), n);
	fflush(stdout);
}

#endif /* BENCH_BENCH_H */
