/*
 * writer.c -- a real-time run's writes on a thread of their own (see
 * writer.h).
 *
 * The one idea: the loop never does a write that may block; it copies
 * what is to be written into a buffer, hands the buffer over, and goes
 * on.  A queue of jobs (a ring of SIM_WRITER_JOBS_MAX) and one thread
 * that takes them in order; tickets count jobs handed over and jobs
 * done, so "is my buffer back?" is one comparison under the mutex.
 *
 * Never: let a job touch anything of the machine; let the loop wait
 * without counting it (sim_writer_get), but at the end of a run.
 */
#include <assert.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/record/writer.h"

struct writer_job {
	void (*fn)(void *);
	void *arg;
};

struct sim_writer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;            /* a job was handed over, or stop */
	pthread_cond_t done_cv;         /* a job was done */
	struct writer_job q[SIM_WRITER_JOBS_MAX];
	uint64_t handed;                /* tickets given: the last one */
	uint64_t done;                  /* tickets done: jobs 1..done */
	bool stopping;
	struct sim_writer_stats st;
};

/* Wall-clock nanoseconds, to time a wait; never in a result row. */
static uint64_t
writer_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void *
writer_main(void *arg)
{
	struct sim_writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct writer_job job;

		while (w->done == w->handed && !w->stopping)
			pthread_cond_wait(&w->work, &w->mu);
		if (w->done == w->handed)
			break;          /* stopping, and nothing left */
		assert(w->handed - w->done <= SIM_WRITER_JOBS_MAX);
		job = w->q[w->done % SIM_WRITER_JOBS_MAX];
		pthread_mutex_unlock(&w->mu);
		job.fn(job.arg);
		pthread_mutex_lock(&w->mu);
		w->done++;
		pthread_cond_broadcast(&w->done_cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct sim_writer *
sim_writer_start(char *err, size_t len)
{
	struct sim_writer *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	int rc;

	if (w == NULL) {
		snprintf(err, len, "out of memory for the writer thread");
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->done_cv, NULL);
	/*
	 * The thread takes no signal (it inherits this mask): SIGINT and
	 * SIGTERM are the loop's, which ends the run where it stands.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, writer_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, len, "cannot start the writer thread: %s",
		    strerror(rc));
		pthread_cond_destroy(&w->done_cv);
		pthread_cond_destroy(&w->work);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return NULL;
	}
	return w;
}

void
sim_writer_stop(struct sim_writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	assert(w->done == w->handed);
	pthread_cond_destroy(&w->done_cv);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

/*
 * Wait, the mutex held, until ticket t is done; counted as the loop's
 * wait if counted and it had to wait at all.
 */
static void
writer_wait_locked(struct sim_writer *w, uint64_t t, bool counted)
{
	uint64_t t0;

	assert(t <= w->handed);
	if (t <= w->done)
		return;
	t0 = writer_wall_ns();
	while (t > w->done)
		pthread_cond_wait(&w->done_cv, &w->mu);
	if (counted) {
		w->st.waits++;
		w->st.wait_ns += writer_wall_ns() - t0;
	}
}

static uint64_t
writer_put(struct sim_writer *w, void (*fn)(void *), void *arg)
{
	uint64_t t, queued;

	assert(fn != NULL);
	pthread_mutex_lock(&w->mu);
	assert(!w->stopping);
	/* A full queue: the oldest job's end makes room (counted). */
	if (w->handed - w->done == SIM_WRITER_JOBS_MAX)
		writer_wait_locked(w, w->done + 1, true);
	t = ++w->handed;
	w->q[(t - 1) % SIM_WRITER_JOBS_MAX] = (struct writer_job){ fn, arg };
	queued = w->handed - w->done;
	if (queued > w->st.queued_max)
		w->st.queued_max = queued;
	w->st.jobs++;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	assert(t > 0);
	return t;
}

void
sim_writer_hand(struct sim_writer *w, struct sim_writer_pool *p,
    void (*fn)(void *), void *buf)
{
	unsigned i;

	assert(p->nqueued < p->max && p->max <= SIM_WRITER_POOL_MAX);
	assert(buf != NULL);
	i = (p->head + p->nqueued) % SIM_WRITER_POOL_MAX;
	p->queued[i] = buf;
	p->ticket[i] = writer_put(w, fn, buf);
	p->nqueued++;
}

/* Take back the oldest queued buffer of p. => its ticket is done */
static void
writer_back(struct sim_writer_pool *p, void (*done)(void *, void *),
    void *arg)
{
	void *buf = p->queued[p->head];

	assert(p->nqueued > 0 && p->nspare < SIM_WRITER_POOL_MAX);
	p->head = (p->head + 1) % SIM_WRITER_POOL_MAX;
	p->nqueued--;
	if (done != NULL)
		done(buf, arg);
	p->spare[p->nspare++] = buf;
}

void
sim_writer_reap(struct sim_writer *w, struct sim_writer_pool *p, bool wait,
    void (*done)(void *, void *), void *arg)
{
	while (p->nqueued > 0) {
		uint64_t t = p->ticket[p->head];
		bool ready;

		pthread_mutex_lock(&w->mu);
		if (wait)
			writer_wait_locked(w, t, false);
		ready = t <= w->done;
		pthread_mutex_unlock(&w->mu);
		if (!ready)
			break;
		writer_back(p, done, arg);
	}
	assert(!wait || p->nqueued == 0);
}

void *
sim_writer_get(struct sim_writer *w, struct sim_writer_pool *p,
    void (*done)(void *, void *), void *arg)
{
	assert(p->max > 0 && p->max <= SIM_WRITER_POOL_MAX);
	sim_writer_reap(w, p, false, done, arg);
	if (p->nspare == 0 && p->made < p->max) {
		p->made++;
		return NULL;            /* the caller makes one */
	}
	if (p->nspare == 0) {
		/* Every buffer is queued: the loop waits for the oldest. */
		assert(p->nqueued > 0);
		pthread_mutex_lock(&w->mu);
		writer_wait_locked(w, p->ticket[p->head], true);
		pthread_mutex_unlock(&w->mu);
		writer_back(p, done, arg);
	}
	assert(p->nspare > 0);
	return p->spare[--p->nspare];
}

void *
sim_writer_spare(struct sim_writer_pool *p)
{
	return p->nspare > 0 ? p->spare[--p->nspare] : NULL;
}

void
sim_writer_keep(struct sim_writer_pool *p, void *buf)
{
	assert(buf != NULL && p->nspare < p->made);
	p->spare[p->nspare++] = buf;
}

void
sim_writer_stats(struct sim_writer *w, struct sim_writer_stats *st)
{
	pthread_mutex_lock(&w->mu);
	*st = w->st;
	pthread_mutex_unlock(&w->mu);
}
