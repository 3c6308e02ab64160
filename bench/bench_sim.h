/*
 * bench_sim.h -- what the benchmarks on the simulated machine
 * (bench/sim_*.c) share besides bench.h: a scenario of one host built in
 * code, a host counter looked up by name once the run is over, and a run
 * made in a child process of its own (a fresh address space, and its
 * peak resident set measured alone).
 *
 * Only set-up and read-out live here: nothing in this file runs inside a
 * timed region.
 */
#ifndef BENCH_BENCH_SIM_H
#define BENCH_BENCH_SIM_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/scenario/scenario.h"
#include "sim/sched/machine.h"
#include "stack/sys/evcnt.h"

/*
 * A scenario of one host, cpus CPUs at tick_hz, with what every bench
 * takes as given: seed 1, an hour of virtual time as the cap, a 16 ns tie
 * window, a 10 ms time slice and the default cost table; no NICs, no
 * programs.  The caller adds those, and keeps sc and host alive for as
 * long as a machine runs from them.
 */
static inline void
bench_sim_scenario(struct scenario *sc, struct sc_host *host,
    const char *name, const char *host_name, unsigned cpus, int tick_hz)
{
	memset(sc, 0, sizeof(*sc));
	memset(host, 0, sizeof(*host));
	snprintf(sc->name, sizeof(sc->name), "%s", name);
	sc->file = "(bench)";
	sc->seed = 1;
	sc->duration_ns = 3600ULL * 1000000000ULL;
	sc->interleaving.window_ns = 16;
	snprintf(host->name, sizeof(host->name), "%s", host_name);
	host->cpus = cpus;
	host->tick_hz = tick_hz;
	host->quantum_ns = 10000000;
	sim_cost_defaults(&host->cost);
	sc->nhosts = 1;
	sc->hosts = host;
}

/*
 * The counters called name whose group starts with group_prefix, summed
 * over every host and CPU of the machine ("dm0" for an interface's own,
 * "udp." for UDP's in every brane).
 */
static inline uint64_t
bench_sim_counter(const struct sim_machine *m, const char *group_prefix,
    const char *name)
{
	size_t plen = strlen(group_prefix);
	uint64_t sum = 0;

	for (u_int h = 0; h < m->nhosts; h++)
		for (u_int i = 0; i < m->hosts[h].nevcnts; i++) {
			const struct evcnt *ev = m->hosts[h].evcnts[i];

			if (strncmp(ev->ev_group, group_prefix, plen) == 0 &&
			    strcmp(ev->ev_name, name) == 0)
				sum += ev->ev_count;
		}
	return sum;
}

/*
 * Every drop the hosts of m counted, each packet once: the counters whose
 * name says drop or begins with full, except ip's nobufs, which counts
 * the ARP hold drops again.  What a flood bench checks its books with
 * (sent = taken + dropped).
 */
static inline uint64_t
bench_sim_drops(const struct sim_machine *m)
{
	uint64_t sum = 0;

	for (u_int h = 0; h < m->nhosts; h++)
		for (u_int i = 0; i < m->hosts[h].nevcnts; i++) {
			const struct evcnt *ev = m->hosts[h].evcnts[i];

			if (strcmp(ev->ev_name, "nobufs") == 0)
				continue;
			if (strstr(ev->ev_name, "drop") != NULL ||
			    strncmp(ev->ev_name, "full", 4) == 0)
				sum += ev->ev_count;
		}
	return sum;
}

/*
 * Check a flood's books: something was sent, and every datagram sent was
 * taken by a sink or counted as dropped; if not, say so (`who: file:
 * ...`) and exit 1 -- a run that loses packets silently measures nothing.
 */
static inline void
bench_sim_books(const char *who, const char *file, uint64_t sent,
    uint64_t delivered, uint64_t dropped)
{
	if (sent != 0 && sent == delivered + dropped)
		return;
	fprintf(stderr, "%s: %s: %llu sent, %llu taken, %llu dropped: the "
	    "books do not add up\n", who, file, (unsigned long long)sent,
	    (unsigned long long)delivered, (unsigned long long)dropped);
	exit(1);
}

/*
 * Run child(arg, fd) in a process of its own and read the len bytes of
 * its result from fd into res; returns the child's peak resident set in
 * KiB.  Any failure (no process, a short result, a child that did not
 * exit 0) is reported as `who: what: ...` and exits 1: a bench that
 * cannot measure says so instead of printing a figure.
 * => child writes exactly len bytes to fd and _exits 0, or _exits 1
 */
static inline long
bench_sim_in_child(const char *who, const char *what,
    void (*child)(void *arg, int fd), void *arg, void *res, size_t len)
{
	struct rusage ru;
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		perror(who);
		exit(1);
	}
	if (pid == 0) {
		close(fds[0]);
		child(arg, fds[1]);
		_exit(1);
	}
	close(fds[1]);
	if (read(fds[0], res, len) != (ssize_t)len) {
		fprintf(stderr, "%s: %s: the run failed\n", who, what);
		exit(1);
	}
	close(fds[0]);
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "%s: wait4: %s\n", who, strerror(errno));
			exit(1);
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		exit(1);
	return ru.ru_maxrss;
}

#endif /* BENCH_BENCH_SIM_H */
