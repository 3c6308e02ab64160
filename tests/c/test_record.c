/*
 * test_record.c -- drives the results database (sim/record/record.h) for
 * tests/test_record.py, which reads the file back with Python's sqlite3.
 *
 *	test_record open DB        open and close; the error, if any, on stderr
 *	test_record basic DB       two finished runs with counters, violations
 *	test_record forever DB     one run, batches of BATCH samples flushed in
 *	                           a loop until killed; prints "started ID"
 *	test_record cycle DB       short finished runs in a loop until killed
 *	test_record bulk DB N      one run of N samples, then its end
 *	test_record abandon DB N   N samples, then _exit without flush or close
 *	test_record unended DB     samples, then close without ending the run
 *	test_record badseed DB     begin a run with seed 2^63 (must be refused)
 *	test_record vanish DB      another connection deletes the open run's
 *	                           row before run_end (which must fail)
 *	test_record cap DB BYTES N one run of N samples with opts.bytes_max
 *	                           BYTES; prints each stop() call and the
 *	                           run's end, marking it 'error' if it failed
 *
 * Exit status 0 on success, 1 when the recorder refused (message on
 * stderr), 2 on bad usage.  Every value written is a function of the
 * loop counters, so the Python side can check it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sim/record/record.h"

#define FOREVER_BATCH	1000	/* samples per flush; below ROWS_MAX */
#define CYCLE_SAMPLES	500	/* samples per run in `cycle` */

static struct sim_recorder *
open_or_die(const char *path)
{
	char err[512];
	struct sim_recorder *r = sim_record_open(path, err, sizeof(err));

	if (r == NULL) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	return r;
}

static int64_t
begin_or_die(struct sim_recorder *r, const char *name, uint64_t seed)
{
	char err[512];
	int64_t id;

	id = sim_record_run_begin(r, name, "scenarios/test.json",
	    "{\"name\": \"test\"}\n", seed, "test-1", err, sizeof(err));
	if (id < 0) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	return id;
}

static void
check_no_error(struct sim_recorder *r)
{
	const char *e = sim_record_error(r);

	if (e != NULL) {
		fprintf(stderr, "%s\n", e);
		exit(1);
	}
}

/* Run 1: every NULL case; run 2: the largest seed and a violation end. */
static int
cmd_basic(const char *path)
{
	struct sim_recorder *r = open_or_die(path);
	char long_name[SIM_RECORD_STRING_MAX + 100];
	int64_t id;

	sim_record_close(NULL);
	id = begin_or_die(r, "alpha", 1);
	printf("run %" PRId64 "\n", id);
	sim_record_counter(r, "run.events", NULL, -1, 0, 0);
	sim_record_counter(r, "run.events", NULL, -1, 1000, 42);
	sim_record_counter(r, "ip.input", "h1", 0, 1000, 7);
	sim_record_counter(r, "ip.input", "h1", 1, 1000, -5);
	sim_record_counter(r, "ip.input", "h1", 0, 2000, INT64_MAX);
	sim_record_counter(r, "ip.input", "h1", 0, 2000, INT64_MIN);
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	sim_record_counter(r, long_name, "h2", -1, 3000, 1);
	sim_record_violation(r, 1500, "h1", 1, "softint/1", "kassert",
	    "stack/kern/subr_pcq.c", 120, "pcq->pcq_pc < pcq->pcq_nitems");
	sim_record_violation(r, 1600, NULL, -1, NULL, "deadlock", NULL, 77,
	    NULL);
	sim_record_run_end(r, 0x0123456789abcdefULL, 3000, 0, "ok", NULL);
	check_no_error(r);

	id = begin_or_die(r, "beta", (uint64_t)INT64_MAX);
	printf("run %" PRId64 "\n", id);
	sim_record_counter(r, "tcp.segs", "h2", 3, 10, 100);
	sim_record_flush(r);
	sim_record_counter(r, "tcp.segs", "h2", 3, 20, 200);
	sim_record_violation(r, 20, "h2", 3, "lwp0", "panic", "x.c", 1,
	    "boom");
	sim_record_run_end(r, UINT64_MAX, 20, 3, "violation", "panic: boom");
	check_no_error(r);
	sim_record_close(r);
	return 0;
}

/* Never returns: batches of FOREVER_BATCH samples, t_ns 0, 1, 2... */
static void __attribute__((noreturn))
cmd_forever(const char *path)
{
	struct sim_recorder *r = open_or_die(path);
	static const char *const names[] = { "a.x", "a.y", "b.x", "b.y" };
	uint64_t t = 0;
	int64_t id;

	id = begin_or_die(r, "forever", 7);
	printf("started %" PRId64 "\n", id);
	fflush(stdout);
	for (;;) {
		for (int i = 0; i < FOREVER_BATCH; i++, t++)
			sim_record_counter(r, names[t % 4], "h", (int)(t % 3) - 1,
			    t, (int64_t)t * 3);
		sim_record_violation(r, t - 1, "h", 0, "lwp", "check", "f.c",
		    1, "batch");
		sim_record_flush(r);
		check_no_error(r);
	}
}

/* Never returns: runs of CYCLE_SAMPLES samples and one violation each. */
static void __attribute__((noreturn))
cmd_cycle(const char *path)
{
	struct sim_recorder *r = open_or_die(path);

	for (uint64_t n = 0;; n++) {
		int64_t id = begin_or_die(r, "cycle", n);

		if (n == 0) {
			printf("started %" PRId64 "\n", id);
			fflush(stdout);
		}
		for (int i = 0; i < CYCLE_SAMPLES; i++)
			sim_record_counter(r, "c", NULL, -1, (uint64_t)i, i);
		sim_record_violation(r, 1, NULL, -1, NULL, "check", NULL, 0,
		    NULL);
		sim_record_run_end(r, n, CYCLE_SAMPLES, 0, "ok", NULL);
		check_no_error(r);
	}
}

/* n samples over 64 names, 4 hosts, 5 CPU columns (one NULL). */
static void
write_samples(struct sim_recorder *r, long n)
{
	static const char *const hosts[] = { "h0", "h1", "h2", "h3" };
	char names[64][24];

	for (unsigned i = 0; i < 64; i++)
		snprintf(names[i], sizeof(names[i]), "grp%u.ctr%u", i / 8, i % 8);
	for (long i = 0; i < n; i++)
		sim_record_counter(r, names[i % 64], hosts[(i / 64) % 4],
		    (int)((i / 256) % 5) - 1, (uint64_t)(i / 1280) * 1000, i);
}

static int
cmd_bulk(const char *path, long n)
{
	struct sim_recorder *r = open_or_die(path);
	int64_t id = begin_or_die(r, "bulk", 1);

	write_samples(r, n);
	sim_record_run_end(r, 1, (uint64_t)n, 0, "ok", NULL);
	check_no_error(r);
	sim_record_close(r);
	printf("run %" PRId64 " rows %ld\n", id, n);
	return 0;
}

static void __attribute__((noreturn))
cmd_abandon(const char *path, long n)
{
	struct sim_recorder *r = open_or_die(path);
	int64_t id = begin_or_die(r, "abandon", 1);

	write_samples(r, n);
	check_no_error(r);
	printf("run %" PRId64 "\n", id);
	fflush(stdout);
	_exit(0);       /* no flush, no close: as if killed */
}

static int
cmd_unended(const char *path)
{
	struct sim_recorder *r = open_or_die(path);
	int64_t id = begin_or_die(r, "unended", 1);

	write_samples(r, 10);
	sim_record_violation(r, 5, NULL, -1, NULL, "check", NULL, 0, "x");
	check_no_error(r);
	sim_record_close(r);
	printf("run %" PRId64 "\n", id);
	return 0;
}

static int
cmd_badseed(const char *path)
{
	struct sim_recorder *r = open_or_die(path);
	char err[512];
	int64_t id;

	id = sim_record_run_begin(r, "bad", NULL, NULL, (uint64_t)INT64_MAX + 1,
	    NULL, err, sizeof(err));
	sim_record_close(r);
	if (id >= 0) {
		printf("seed 2^63 was accepted as run %" PRId64 "\n", id);
		return 0;
	}
	fprintf(stderr, "%s\n", err);
	return 1;
}

static int
cmd_vanish(const char *path)
{
	struct sim_recorder *r = open_or_die(path);
	int64_t id = begin_or_die(r, "vanish", 1);
	sqlite3 *other;
	char sql[512];

	write_samples(r, 10);
	snprintf(sql, sizeof(sql), "DELETE FROM runs WHERE id = %" PRId64, id);
	if (sqlite3_open(path, &other) != SQLITE_OK ||
	    sqlite3_exec(other, sql, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "test_record: %s\n", sqlite3_errmsg(other));
		return 2;
	}
	sqlite3_close(other);
	if (sim_record_run_end(r, 1, 10, 0, "ok", NULL) == 0 ||
	    sim_record_error(r) == NULL) {
		printf("run_end succeeded without its row\n");
		sim_record_close(r);
		return 0;
	}
	fprintf(stderr, "%s\n", sim_record_error(r));
	/* Nor can the row be marked 'error': it is gone. */
	if (sim_record_run_fail(r, 1, 10, 2, "lost") == 0)
		printf("run_fail marked a row that is gone\n");
	/* The failure sticks: the next run is refused with the same words. */
	if (sim_record_run_begin(r, "next", NULL, NULL, 1, NULL, sql,
	    sizeof(sql)) >= 0 || strcmp(sql, sim_record_error(r)) != 0)
		printf("a run began after a failure\n");
	sim_record_close(r);
	return 1;
}

static struct sim_recorder *cap_rec;

static void
cap_stop(void *arg, bool failed)
{
	uint64_t rows;

	sim_record_stats(cap_rec, &rows, NULL, NULL, NULL);
	printf("stop failed=%d rows=%" PRIu64 " %s\n", failed, rows,
	    (const char *)arg);
}

static int
cmd_cap(const char *path, long bytes, long n)
{
	struct sim_record_opts o = { .bytes_max = (uint64_t)bytes,
	    .stop = cap_stop, .arg = "cap" };
	uint64_t rows, written, lost, est;
	char err[512];
	int rc;

	cap_rec = sim_record_open_opts(path, &o, err, sizeof(err));
	if (cap_rec == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	begin_or_die(cap_rec, "cap", 1);
	write_samples(cap_rec, n);
	rc = sim_record_run_end(cap_rec, 1, (uint64_t)n, 0, "ok", NULL);
	sim_record_stats(cap_rec, &rows, &est, &written, &lost);
	printf("end %d rows %" PRIu64 " bytes %" PRIu64 " written %" PRIu64
	    " lost %" PRIu64 "\n", rc, rows, est, written, lost);
	if (rc != 0)
		printf("fail %d\n", sim_record_run_fail(cap_rec, 1,
		    (uint64_t)n, 2, sim_record_error(cap_rec)));
	sim_record_close(cap_rec);
	return 0;
}

static long
count_arg(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || n < 0 || n > 100000000) {
		fprintf(stderr, "test_record: bad count '%s'\n", s);
		exit(2);
	}
	return n;
}

/*
 * Flow 1 (one-way, udp_send): 1000 packets whose latencies (app_send to
 * app_recv at flow 3) are 1000, 2000, ..., 1000000 ns, written in a
 * shuffled order; each also passes ip_input halfway.  Flow 2 (request,
 * ping): one request, its reply taken 7 ns later by flow 2 itself and at
 * 150 by flow 3 too (another program on the host).
 */
static int
cmd_packets(const char *path)
{
	struct sim_recorder *r = open_or_die(path);
	uint64_t order[1000];

	begin_or_die(r, "packets", 1);
	sim_record_flow(r, 1, "a", "udp_send", "dst=10.0.0.2", "one_way");
	sim_record_flow(r, 2, "b", "ping", "count=1", "request");
	for (uint64_t i = 0; i < 1000; i++)
		order[i] = i;
	for (uint64_t i = 999; i > 0; i--) {    /* a fixed shuffle */
		uint64_t j = (i * 2654435761u) % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (uint64_t k = 0; k < 1000; k++) {
		uint64_t i = order[k], id = 1ULL << 32 | (i + 1);
		uint64_t t0 = 10000000 + i * 5000, lat = (i + 1) * 1000;

		sim_record_packet_stage(r, id, "app_send", "a", 0, t0, 1);
		sim_record_packet_stage(r, id, "ip_input", "b", 1, t0 + lat / 2,
		    0);
		sim_record_packet_stage(r, id, "app_recv", "b", 1, t0 + lat, 3);
	}
	/* Lost after ip_input: counted in flow 1, not timed. */
	sim_record_packet_stage(r, 1ULL << 32 | 1001, "app_send", "a", 0, 5, 1);
	sim_record_packet_stage(r, 1ULL << 32 | 1001, "ip_input", "b", 1, 9, 0);
	sim_record_packet_stage(r, 2ULL << 32 | 1, "app_send", "b", 0, 100, 2);
	sim_record_packet_stage(r, 2ULL << 32 | 1, "app_recv", "b", 0, 107, 2);
	sim_record_packet_stage(r, 2ULL << 32 | 1, "app_recv", "b", 1, 150, 3);
	sim_record_request(r, 2ULL << 32 | 1, 99, 106);
	sim_record_run_end(r, 0x1234, 20000000, 0, "ok", NULL);
	sim_record_close(r);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (argc == 3 && strcmp(cmd, "open") == 0) {
		sim_record_close(open_or_die(argv[2]));
		return 0;
	}
	if (argc == 3 && strcmp(cmd, "basic") == 0)
		return cmd_basic(argv[2]);
	if (argc == 3 && strcmp(cmd, "packets") == 0)
		return cmd_packets(argv[2]);
	if (argc == 3 && strcmp(cmd, "forever") == 0)
		cmd_forever(argv[2]);
	if (argc == 3 && strcmp(cmd, "cycle") == 0)
		cmd_cycle(argv[2]);
	if (argc == 4 && strcmp(cmd, "bulk") == 0)
		return cmd_bulk(argv[2], count_arg(argv[3]));
	if (argc == 4 && strcmp(cmd, "abandon") == 0)
		cmd_abandon(argv[2], count_arg(argv[3]));
	if (argc == 3 && strcmp(cmd, "unended") == 0)
		return cmd_unended(argv[2]);
	if (argc == 3 && strcmp(cmd, "badseed") == 0)
		return cmd_badseed(argv[2]);
	if (argc == 3 && strcmp(cmd, "vanish") == 0)
		return cmd_vanish(argv[2]);
	if (argc == 5 && strcmp(cmd, "cap") == 0)
		return cmd_cap(argv[2], count_arg(argv[3]), count_arg(argv[4]));
	fprintf(stderr, "usage: test_record open|basic|forever|cycle|unended|"
	    "badseed|vanish DB\n       test_record bulk|abandon DB N\n"
	    "       test_record cap DB BYTES N\n");
	return 2;
}
