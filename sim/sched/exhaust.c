/*
 * exhaust.c -- stopping a run the real process cannot go on with (see
 * exhaust.h).
 *
 * The one idea: by the time this runs, memory is short, so describing the
 * shortage must not need any.  Everything is read with read(2) into
 * buffers on the stack and formatted with snprintf; stderr is unbuffered.
 * The figures are for the person reading the message only: nothing here
 * ever feeds the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sim/sched/exhaust.h"
#include "sim/sched/machine.h"

/* The first number in a /proc file, or -1 if it cannot be read. */
static long long
exhaust_proc_number(const char *path)
{
	char buf[64];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

/* The process's memory mappings: the lines of /proc/self/maps, or -1. */
static long long
exhaust_mappings(void)
{
	char buf[4096];
	long long lines = 0;
	ssize_t n;
	int fd;

	if ((fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return n < 0 ? -1 : lines;
}

/* bytes as "12 KiB", "3.4 MiB" or "5.6 GiB". */
static const char *
exhaust_size(unsigned long long bytes, char *buf, size_t len)
{
	if (bytes >= (1ULL << 30))
		snprintf(buf, len, "%.1f GiB", (double)bytes / (1ULL << 30));
	else if (bytes >= (1ULL << 20))
		snprintf(buf, len, "%.1f MiB", (double)bytes / (1ULL << 20));
	else
		snprintf(buf, len, "%llu KiB", (bytes + 1023) / 1024);
	return buf;
}

/*
 * malloc asks the kernel for more than it was asked for (a new heap top,
 * a whole mapping), so a request that fails near the limit may want this
 * much more than the caller knew.
 */
#define EXHAUST_SLACK   ((unsigned long long)1 << 20)

void
sim_exhaust_why(int err, size_t want, char *buf, size_t len)
{
	long long maps = exhaust_mappings();
	long long max_maps = exhaust_proc_number("/proc/sys/vm/max_map_count");
	long long vm_pages = exhaust_proc_number("/proc/self/statm");
	unsigned long long vm = vm_pages > 0 ? (unsigned long long)vm_pages *
	    (unsigned long long)sysconf(_SC_PAGESIZE) : 0;
	char s_vm[32], s_want[32], s_lim[32], more[64] = "";
	struct rlimit rl;
	bool as_limited;

	if (want > 0)
		snprintf(more, sizeof(more), " and %s more wanted",
		    exhaust_size(want, s_want, sizeof(s_want)));
	/* An mmap and the mprotect that splits off a guard take two. */
	if (maps >= 0 && max_maps > 0 && maps + 4 >= max_maps) {
		snprintf(buf, len, "%lld memory mappings in use, the limit "
		    "vm.max_map_count is %lld", maps, max_maps);
		return;
	}
	as_limited = getrlimit(RLIMIT_AS, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY;
	if (as_limited && vm + want + EXHAUST_SLACK > (unsigned long long)rl.rlim_cur) {
		snprintf(buf, len, "%s of address space in use%s, the limit "
		    "RLIMIT_AS (ulimit -v) is %s (%llu KiB)",
		    exhaust_size(vm, s_vm, sizeof(s_vm)), more,
		    exhaust_size(rl.rlim_cur, s_lim, sizeof(s_lim)),
		    (unsigned long long)rl.rlim_cur / 1024);
		return;
	}
	snprintf(buf, len, "the system refused memory (%s): %s of address "
	    "space in use%s, vm.overcommit_memory is %lld, %lld memory "
	    "mappings in use of vm.max_map_count %lld", strerror(err),
	    exhaust_size(vm, s_vm, sizeof(s_vm)), more,
	    exhaust_proc_number("/proc/sys/vm/overcommit_memory"), maps,
	    max_maps);
}

void
sim_exhaust_reserve(struct sim_machine *m)
{
	void *p;

	KASSERT(m->reserve == NULL);
	p = mmap(NULL, SIM_EXHAUST_RESERVE, PROT_NONE, MAP_PRIVATE |
	    MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return;
	m->reserve = p;
	m->reserve_len = SIM_EXHAUST_RESERVE;
}

void
sim_exhaust_unreserve(struct sim_machine *m)
{
	if (m->reserve == NULL)
		return;
	munmap(m->reserve, m->reserve_len);
	m->reserve = NULL;
	m->reserve_len = 0;
}

void
sim_machine_exhausted(struct sim_machine *m, const char *fmt, ...)
{
	char msg[sizeof(m->stop_reason)];
	struct cpu_info *ci = m->running;
	struct lwp *l;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sim_exhaust_unreserve(m);       /* room for the run's end */
	if (m->stop_status < 0)
		fprintf(stderr, "netsim: %s\n  the real process ran out, not "
		    "the simulated machine: the run stops (exit 2)\n", msg);
	sim_machine_stop(m, SIM_EXIT_USAGE, "%s", msg);
	KASSERT(m->stop_status >= 0);
	if (ci == NULL)
		return;
	/* Never resumed: the machine stops; the stack is freed at the end. */
	l = ci->cur;
	KASSERT(l != NULL && ci == m->running);
	sim_cpu_release(ci);
	sim_machine_set_running(m, NULL);
	for (;;)
		sim_coro_switch(&l->coro, &m->sched);
}
