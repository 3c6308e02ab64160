/*
 * demux_close.c -- a demux delivers packets to endpoints it finds in a
 * table while a closer closes them one by one.
 *
 * The catalogue's use-after-free (scenarios/races/demux-close-uaf.json).
 * The stack's own close path is correct: udp_detach takes the PCB out of
 * its hash bucket under the bucket's writer lock before soclose frees the
 * socket, and demux (in_pcblookup_deliver) looks up and delivers under
 * the reader lock, so no demux can hold a socket that close frees.  No
 * seed of ours breaks that, so this program plants the bug in a model of
 * the same pattern, built from the kernel's own parts: a table of
 * endpoints under a krwlock (the hash bucket), each endpoint with a
 * receive PCQ (the socket's), a demux LWP on one CPU that looks an
 * endpoint up and puts a packet on its PCQ under the reader lock
 * (so_deliver), and a closer LWP on another that closes them.
 *
 * With "close": "unhook_first" the closer does what the stack does: out
 * of the table under the writer lock, then drain and free.  With
 * "close": "free_first" (the mutant) it frees the endpoint first and
 * unhooks it after: a demux that found it in the table just before
 * delivers into freed memory.
 *
 * The checker is poisoning, as a kernel's memory debugging does: freeing
 * an endpoint writes a "freed" stamp and the line that freed it into it
 * (the memory is kept until the program ends, so the model itself never
 * touches memory really freed), and the demux checks the stamp before
 * and after each delivery.  A freed stamp panics naming the demux's line
 * and the closer's, which stops the run with exit status 3.
 */
#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/kmem.h>
#include <sys/kthread.h>
#include <sys/rwlock.h>
#include <sys/sdt.h>

#include <kern/pcq.h>

#include "apps.h"

enum { DC_ENDPOINTS, DC_PACKETS, DC_CLOSE };
enum dc_close { CLOSE_UNHOOK_FIRST, CLOSE_FREE_FIRST };

static const char *const dc_closes[] = { "unhook_first", "free_first", NULL };

#define DC_ENDPOINTS_MAX        64
#define DC_PACKETS_MAX          10000

static const struct app_param dc_params[] = {
	[DC_ENDPOINTS] = { "endpoints", APP_INT, 4, 1, DC_ENDPOINTS_MAX, NULL,
	    "endpoints in the table, closed one by one", false },
	[DC_PACKETS] = { "packets", APP_INT, 40, 1, DC_PACKETS_MAX, NULL,
	    "packets the demux delivers, to the endpoints in turn", false },
	[DC_CLOSE] = { "close", APP_ENUM, CLOSE_UNHOOK_FIRST, 0, 0, dc_closes,
	    "how an endpoint is closed: unhook_first (out of the table "
	    "under the writer lock, then freed, as the stack does) or "
	    "free_first (freed, then unhooked: a use-after-free)", false },
};

#define DC_LIVE         0x4c495645u     /* "LIVE" */
#define DC_FREED        0xdeadbeefu     /* the poison */

/* Legend: c = constant while live, a = atomic. */
struct dc_ep {
	volatile uint32_t ep_stamp;     /* a: DC_LIVE or DC_FREED */
	volatile int ep_freed_line;     /* a: where it was freed */
	u_int ep_index;                 /* c */
	pcq_t *ep_rxq;                  /* c: packets from the demux */
};

/*
 * Legend: c = constant after start, t = table_lock (written under the
 * writer lock, read atomically under the reader lock), d = the demux
 * only, o = the closer only.
 */
struct dc {
	krwlock_t table_lock;           /* the hash bucket's lock */
	struct dc_ep *volatile *table;  /* t: NULL once unhooked */
	struct dc_ep **eps;             /* c: every endpoint, freed at the end */
	u_int nep;                      /* c */
	uint64_t packets;               /* c */
	enum dc_close close;            /* c */
	uint64_t delivered;             /* d */
	uint64_t unhooked;              /* d: found no endpoint */
	uint64_t drained;               /* o */
};

/* Panic if the demux holds a freed endpoint. */
static void
dc_check(const struct dc_ep *ep, int line)
{
	if (atomic_load_relaxed(&ep->ep_stamp) == DC_LIVE)
		return;
	panic("demux_close: use after free: the demux at %s:%d delivers to "
	    "endpoint %u, which the closer freed at %s:%d before unhooking "
	    "it from the table", __FILE__, line, ep->ep_index, __FILE__,
	    atomic_load_relaxed(&ep->ep_freed_line));
}

/* The demux: find the endpoint, put a packet on its PCQ (so_deliver). */
static void
dc_demux(void *arg)
{
	struct dc *dc = arg;
	struct dc_ep *ep;

	for (uint64_t i = 0; i < dc->packets; i++) {
		SDT_PROBE0(demux_close, work);
		rw_enter(&dc->table_lock, RW_READER);
		ep = atomic_load_consume(&dc->table[i % dc->nep]);
		if (ep == NULL) {
			dc->unhooked++;
		} else {
			dc_check(ep, __LINE__);
			if (pcq_put(ep->ep_rxq, (void *)(uintptr_t)(i + 1)))
				dc->delivered++;
			dc_check(ep, __LINE__ - 2);
		}
		rw_exit(&dc->table_lock);
	}
}

/* Poison ep: from here it is freed memory. */
static void
dc_free(struct dc *dc, struct dc_ep *ep, int line)
{
	atomic_store_relaxed(&ep->ep_freed_line, line);
	atomic_store_relaxed(&ep->ep_stamp, DC_FREED);
	while (pcq_get(ep->ep_rxq) != NULL)
		dc->drained++;
}

static void
dc_unhook(struct dc *dc, u_int i)
{
	rw_enter(&dc->table_lock, RW_WRITER);
	atomic_store_relaxed(&dc->table[i], NULL);
	rw_exit(&dc->table_lock);
}

static void
dc_closer(void *arg)
{
	struct dc *dc = arg;
	uint64_t gap = dc->packets / dc->nep;

	for (u_int i = 0; i < dc->nep; i++) {
		struct dc_ep *ep = dc->eps[i];

		/* Close them spread over the demux's run. */
		for (uint64_t k = 0; k < gap; k++)
			SDT_PROBE0(demux_close, work);
		switch (dc->close) {
		case CLOSE_UNHOOK_FIRST:
			dc_unhook(dc, i);
			dc_free(dc, ep, __LINE__);
			break;
		case CLOSE_FREE_FIRST:
			/* The bug: a demux may have found ep already. */
			dc_free(dc, ep, __LINE__);
			dc_unhook(dc, i);
			break;
		}
	}
}

static void
dc_main(void *argp)
{
	const struct app_args *args = argp;
	lwp_t *demux, *closer;
	struct dc *dc;
	int error;

	dc = kmem_zalloc(sizeof(*dc), KM_SLEEP);
	dc->nep = (u_int)args->v[DC_ENDPOINTS];
	dc->packets = (uint64_t)args->v[DC_PACKETS];
	dc->close = (enum dc_close)args->v[DC_CLOSE];
	KASSERT(dc->nep >= 1 && dc->nep <= DC_ENDPOINTS_MAX);
	rw_init(&dc->table_lock);
	dc->table = kmem_zalloc(dc->nep * sizeof(dc->table[0]), KM_SLEEP);
	dc->eps = kmem_zalloc(dc->nep * sizeof(dc->eps[0]), KM_SLEEP);
	for (u_int i = 0; i < dc->nep; i++) {
		struct dc_ep *ep = kmem_zalloc(sizeof(*ep), KM_SLEEP);

		ep->ep_stamp = DC_LIVE;
		ep->ep_index = i;
		/* Room for every packet the demux sends it. */
		ep->ep_rxq = pcq_create((dc->packets + dc->nep - 1) / dc->nep,
		    KM_SLEEP);
		dc->eps[i] = ep;
		dc->table[i] = ep;
	}

	error = kthread_create(PRI_NONE, KTHREAD_MUSTJOIN, cpu_lookup(0),
	    dc_closer, dc, &closer, "demux_close.closer");
	KASSERT(error == 0);
	error = kthread_create(PRI_NONE, KTHREAD_MUSTJOIN,
	    cpu_lookup(1 % ncpu), dc_demux, dc, &demux, "demux_close.demux");
	KASSERT(error == 0);
	kthread_join(demux);
	kthread_join(closer);
	/* Whatever the demux delivered, the closer drained. */
	KASSERTMSG(dc->delivered == dc->drained, "demux_close: %llu "
	    "delivered, %llu drained", (unsigned long long)dc->delivered,
	    (unsigned long long)dc->drained);
	kern_printf("demux_close: %llu delivered, %llu found no endpoint, "
	    "no use after free, close %s\n",
	    (unsigned long long)dc->delivered,
	    (unsigned long long)dc->unhooked, dc_closes[dc->close]);

	for (u_int i = 0; i < dc->nep; i++) {
		pcq_destroy(dc->eps[i]->ep_rxq);
		kmem_free(dc->eps[i], sizeof(*dc->eps[i]));
	}
	kmem_free(dc->eps, dc->nep * sizeof(dc->eps[0]));
	kmem_free((void *)(uintptr_t)dc->table,
	    dc->nep * sizeof(dc->table[0]));
	rw_destroy(&dc->table_lock);
	kmem_free(dc, sizeof(*dc));
}

const struct app_desc app_demux_close_desc = {
	.name = "demux_close",
	.doc = "a demux delivers to endpoints in a table while a closer "
	    "closes them; a delivery to a freed endpoint is a violation "
	    "(exit 3)",
	.params = dc_params,
	.nparams = __arraycount(dc_params),
	.main = dc_main,
};
