/*
 * test_mbuf.c -- mbufs and pool caches, run as stack code on the
 * simulated machine (sim/world/testhook.h).
 *
 *   test_mbuf CASE [SEED [N]]
 *
 * Cases:
 *   prop SEED N      N random chain operations checked against a flat
 *                    byte array after every one
 *   pullup           m_pullup: enough bytes, too few (NULL, chain freed)
 *   share            clusters shared by m_copym, reference counts, m_dup,
 *                    m_makewritable
 *   prepend          M_PREPEND with and without leading space
 *   pool SEED        4 CPUs x 3 LWPs getting and putting concurrently
 *   limit            hard limits: PR_NOWAIT and M_DONTWAIT fail, counted
 *   limitwait        a PR_WAITOK get at the limit sleeps until a put
 *   limitdeadlock    ... and is a deadlock when nothing comes back
 *   rocopyback       m_copyback into a shared cluster stops the run
 *   useafterfree     reading a freed mbuf: AddressSanitizer stops the
 *                    sanitizer build; other builds print "ok"
 *
 * Each case prints "ok CASE key=value ..." and exits 0, or stops the run
 * with a report; then the last line printed is the command to replay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sched/machine.h"
#include "sim/engine/rng.h"
#include "sim/world/testhook.h"
#include "stack/sys/condvar.h"
#include "stack/sys/evcnt.h"
#include "stack/sys/intr.h"
#include "stack/sys/kthread.h"
#include "stack/sys/mutex.h"
#include "stack/kern/mbuf.h"
#include "stack/kern/pool.h"

#define FAIL(...)       panic(__VA_ARGS__)
#define CHECK(e, ...)   do { if (!(e)) FAIL(__VA_ARGS__); } while (0)

/* Uniform in [0, n); n > 0. */
static int
rnd(uint64_t *s, int n)
{
	return (int)(sim_splitmix64(s) % (uint64_t)n);
}

static void
rnd_bytes(uint64_t *s, uint8_t *p, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)sim_splitmix64(s);
}

/* Objects of a pool that are out: gets minus puts. */
static uint64_t
live(const struct pool_cache_stats *st)
{
	return st->pcs_get - st->pcs_put;
}

static void
mb_live(uint64_t *mbufs, uint64_t *clusters)
{
	struct mbstat ms;

	mbstat_get(&ms);
	*mbufs = live(&ms.ms_mbuf);
	*clusters = live(&ms.ms_cluster);
}

/* The chain holds exactly want[0 .. len) and is well formed. */
static void
check_chain(struct mbuf *m, const uint8_t *want, int len, const char *what)
{
	static uint8_t buf[1 << 16];

	CHECK(m != NULL, "%s: no chain", what);
	m_verify_packet(m);
	CHECK(m->m_flags & M_PKTHDR, "%s: no packet header", what);
	CHECK((int)m_length(m) == len && m->m_pkthdr.len == len,
	    "%s: length %u, m_pkthdr.len %d, model %d", what, m_length(m),
	    m->m_pkthdr.len, len);
	CHECK(len <= (int)sizeof(buf), "%s: model too long", what);
	m_copydata(m, 0, len, buf);
	for (int i = 0; i < len; i++)
		CHECK(buf[i] == want[i], "%s: byte %d is %02x, model %02x", what,
		    i, buf[i], want[i]);
}

/*
 * A chain holding data[0 .. len) cut at random places into mbufs and
 * clusters, each with random room before and after its data; some mbufs
 * are empty.  The first has a packet header if pkthdr.
 */
static struct mbuf *
build_chain(uint64_t *s, const uint8_t *data, int len, bool pkthdr)
{
	struct mbuf *top = NULL, **mp = &top, *m;
	int done = 0, cap, seg, type = MT_DATA;

	do {
		bool hdr = top == NULL && pkthdr;

		if (rnd(s, 3) == 0 || len - done > MLEN)
			m = m_getcl(M_WAIT, type, hdr ? M_PKTHDR : 0);
		else
			m = hdr ? m_gethdr(M_WAIT, type) : m_get(M_WAIT, type);
		cap = (int)(m_storage_end(m) - m->m_data);
		seg = MIN(cap, len - done);
		if (rnd(s, 4) == 0)
			seg = rnd(s, seg + 1);
		m->m_data += rnd(s, cap - seg + 1);
		memcpy(mtod(m, uint8_t *), data + done, (size_t)seg);
		m->m_len = seg;
		done += seg;
		*mp = m;
		mp = &m->m_next;
	} while (done < len);
	if (pkthdr)
		top->m_pkthdr.len = len;
	return top;
}

/* ------------------------------------------------------------------------ */
/* prop: random operations against a flat byte model                        */

#define PROP_MAXLEN     12000
#define PROP_CAP        (1 << 16)

struct side {
	struct mbuf *m;
	uint8_t b[PROP_CAP];
	int len;
};

struct prop {
	uint64_t seed, s;
	int nops, op;
	struct side side[2];    /* two chains that may share clusters */
	uint8_t tmp[PROP_CAP];
	int counts[16];         /* ops done, by kind */
	int readonly_seen;      /* ops that met a shared cluster */
};

static struct prop P;

static bool
chain_has_readonly(const struct mbuf *m)
{
	for (; m != NULL; m = m->m_next)
		if (M_READONLY(m))
			return true;
	return false;
}

static void
model_write(struct side *t, int off, const uint8_t *p, int n)
{
	if (off > t->len)
		memset(t->b + t->len, 0, (size_t)(off - t->len));
	memcpy(t->b + off, p, (size_t)n);
	t->len = MAX(t->len, off + n);
}

static void
op_append(struct side *t)
{
	int k = rnd(&P.s, 3000);

	rnd_bytes(&P.s, P.tmp, k);
	CHECK(m_append(t->m, k, P.tmp) == 1, "m_append failed");
	model_write(t, t->len, P.tmp, k);
}

static void
op_prepend(struct side *t)
{
	int k = rnd(&P.s, MHLEN + 1);

	rnd_bytes(&P.s, P.tmp, k);
	M_PREPEND(t->m, k, M_DONTWAIT);
	CHECK(t->m != NULL, "M_PREPEND failed");
	CHECK(t->m->m_len >= k && (k == 0 || !M_READONLY(t->m)),
	    "M_PREPEND gave %d bytes, read-only %d", t->m->m_len,
	    M_READONLY(t->m));
	memcpy(mtod(t->m, uint8_t *), P.tmp, (size_t)k);
	memmove(t->b + k, t->b, (size_t)t->len);
	memcpy(t->b, P.tmp, (size_t)k);
	t->len += k;
}

static void
op_adj(struct side *t)
{
	int k = rnd(&P.s, 2 * t->len + 41) - (t->len + 20);

	m_adj(t->m, k);
	if (k >= 0) {
		k = MIN(k, t->len);
		memmove(t->b, t->b + k, (size_t)(t->len - k));
		t->len -= k;
	} else
		t->len -= MIN(-k, t->len);
}

static void
op_pullup(struct side *t)
{
	int k = 1 + rnd(&P.s, MIN(MCLBYTES, t->len + 20));
	struct mbuf *r = m_pullup(t->m, k);

	if (k > t->len) {
		CHECK(r == NULL, "m_pullup(%d) of %d bytes did not fail", k,
		    t->len);
		t->m = build_chain(&P.s, t->b, t->len, true);
		return;
	}
	CHECK(r != NULL && r->m_len >= k, "m_pullup(%d) of %d bytes gave "
	    "%d contiguous", k, t->len, r ? r->m_len : -1);
	CHECK(memcmp(mtod(r, uint8_t *), t->b, (size_t)k) == 0,
	    "m_pullup changed the data");
	t->m = r;
}

static void
op_copydata(struct side *t)
{
	int off = rnd(&P.s, t->len + 1), l = rnd(&P.s, t->len - off + 1);

	m_copydata(t->m, off, l, P.tmp);
	CHECK(memcmp(P.tmp, t->b + off, (size_t)l) == 0,
	    "m_copydata(%d, %d) differs", off, l);
}

static void
op_copyback(struct side *t)
{
	int off = rnd(&P.s, t->len + 200), l = rnd(&P.s, 600);

	rnd_bytes(&P.s, P.tmp, l);
	if (chain_has_readonly(t->m)) {
		P.readonly_seen++;
		CHECK(m_copyback_cow(&t->m, off, l, P.tmp, M_DONTWAIT) == 0,
		    "m_copyback_cow failed");
	} else
		CHECK(m_copyback(t->m, off, l, P.tmp) == 0,
		    "m_copyback failed");
	model_write(t, off, P.tmp, l);
}

/* A copy of part of t, written to, becomes the other side. */
static void
op_copym(struct side *t, struct side *o)
{
	int off = rnd(&P.s, t->len + 1), l = rnd(&P.s, t->len - off + 1);
	int woff, wl;
	struct mbuf *c, *h;

	if (rnd(&P.s, 4) == 0)
		l = t->len - off;
	c = m_copym(t->m, off, l == t->len - off && rnd(&P.s, 2) ?
	    M_COPYALL : l, M_DONTWAIT);
	CHECK(c != NULL && (int)m_length(c) == l, "m_copym(%d, %d) gave %u "
	    "bytes", off, l, c ? m_length(c) : 0);
	CHECK(((c->m_flags & M_PKTHDR) != 0) == (off == 0),
	    "m_copym(%d, ...) packet header %d", off, c->m_flags & M_PKTHDR);
	if ((c->m_flags & M_PKTHDR) == 0) {
		h = m_gethdr(M_WAIT, MT_DATA);
		h->m_next = c;
		h->m_pkthdr.len = l;
		c = h;
	}
	m_freem(o->m);
	o->m = c;
	memcpy(o->b, t->b + off, (size_t)l);
	o->len = l;
	check_chain(o->m, o->b, o->len, "m_copym");
	if (chain_has_readonly(o->m))
		P.readonly_seen++;
	woff = rnd(&P.s, o->len + 20);
	wl = rnd(&P.s, 400);
	rnd_bytes(&P.s, P.tmp, wl);
	CHECK(m_copyback_cow(&o->m, woff, wl, P.tmp, M_DONTWAIT) == 0,
	    "m_copyback_cow into a copy failed");
	model_write(o, woff, P.tmp, wl);
}

static void
op_cat(struct side *t)
{
	int k = rnd(&P.s, 3000);
	struct mbuf *n;

	rnd_bytes(&P.s, P.tmp, k);
	n = build_chain(&P.s, P.tmp, k, rnd(&P.s, 2) == 0);
	m_cat(t->m, n);
	t->m->m_pkthdr.len += k;
	model_write(t, t->len, P.tmp, k);
}

static void
op_dup(struct side *t)
{
	int off = rnd(&P.s, t->len + 1), l = rnd(&P.s, t->len - off + 1);
	struct mbuf *d;

	if (rnd(&P.s, 2)) {
		d = m_dup(t->m, 0, M_COPYALL, M_DONTWAIT);
		CHECK(d != NULL && !chain_has_readonly(d), "m_dup failed");
		m_freem(t->m);
		t->m = d;
		return;
	}
	d = m_dup(t->m, off, l, M_DONTWAIT);
	CHECK(d != NULL && (int)m_length(d) == l && !chain_has_readonly(d),
	    "m_dup(%d, %d) failed", off, l);
	m_verify_packet(d);
	m_copydata(d, 0, l, P.tmp);
	CHECK(memcmp(P.tmp, t->b + off, (size_t)l) == 0, "m_dup differs");
	m_freem(d);
}

static void
op_makewritable(struct side *t)
{
	int off = rnd(&P.s, t->len + 1), l = rnd(&P.s, t->len - off + 1);
	int pos = 0;

	if (chain_has_readonly(t->m))
		P.readonly_seen++;
	CHECK(m_makewritable(&t->m, off, l, M_DONTWAIT) == 0,
	    "m_makewritable failed");
	for (struct mbuf *m = t->m; m != NULL; pos += m->m_len, m = m->m_next)
		CHECK(l == 0 || m->m_len == 0 || pos + m->m_len <= off ||
		    pos >= off + l || !M_READONLY(m),
		    "m_makewritable(%d, %d) left bytes %d.. read-only", off, l,
		    pos);
}

static void
op_rebuild(struct side *t)
{
	m_freem(t->m);
	t->m = build_chain(&P.s, t->b, t->len, true);
}

static void
prop_step(void)
{
	struct side *t = &P.side[rnd(&P.s, 2)], *o = &P.side[t == P.side];
	int kind = rnd(&P.s, 12);

	/* Keep the models bounded: trim a long one first. */
	if (o->len > PROP_MAXLEN)
		t = o;
	if (t->len > PROP_MAXLEN)
		kind = 2;
	P.counts[kind]++;
	switch (kind) {
	case 0: op_append(t); break;
	case 1: op_prepend(t); break;
	case 2: op_adj(t); break;
	case 3: op_pullup(t); break;
	case 4: op_copydata(t); break;
	case 5: op_copyback(t); break;
	case 6: op_copym(t, o); break;
	case 7: op_cat(t); break;
	case 8: op_dup(t); break;
	case 9: op_makewritable(t); break;
	case 10: op_rebuild(t); break;
	default: op_copym(o, t); break;
	}
}

static void
case_prop(void *arg)
{
	uint64_t mbufs, clusters;

	(void)arg;
	P.s = P.seed;
	for (int i = 0; i < 2; i++) {
		P.side[i].len = rnd(&P.s, 3000);
		rnd_bytes(&P.s, P.side[i].b, P.side[i].len);
		P.side[i].m = build_chain(&P.s, P.side[i].b, P.side[i].len, true);
	}
	for (P.op = 0; P.op < P.nops; P.op++) {
		prop_step();
		check_chain(P.side[0].m, P.side[0].b, P.side[0].len, "side 0");
		check_chain(P.side[1].m, P.side[1].b, P.side[1].len, "side 1");
	}
	m_freem(P.side[0].m);
	m_freem(P.side[1].m);
	mb_live(&mbufs, &clusters);
	CHECK(mbufs == 0 && clusters == 0, "leak: %llu mbufs, %llu clusters "
	    "still out", (unsigned long long)mbufs,
	    (unsigned long long)clusters);
	printf("ok prop seed=%llu ops=%d readonly=%d", (unsigned long long)P.seed,
	    P.nops, P.readonly_seen);
	for (int i = 0; i < 12; i++)
		printf(" op%d=%d", i, P.counts[i]);
	printf("\n");
}

/* ------------------------------------------------------------------------ */
/* pullup, share, prepend                                                   */

/* A chain of n mbufs of the given lengths, bytes 0, 1, 2, ... */
static struct mbuf *
chain_of(const int *lens, int n)
{
	struct mbuf *top = NULL, **mp = &top, *m;
	int total = 0;

	for (int i = 0; i < n; i++) {
		m = i == 0 ? m_gethdr(M_WAIT, MT_DATA) : m_get(M_WAIT, MT_DATA);
		if (lens[i] > MHLEN)
			m_clget(m, M_WAIT);
		/* Data flush with the end of the storage: nothing after it. */
		m->m_data = m_storage_end(m) - lens[i];
		for (int j = 0; j < lens[i]; j++)
			mtod(m, uint8_t *)[j] = (uint8_t)(total + j);
		m->m_len = lens[i];
		total += lens[i];
		*mp = m;
		mp = &m->m_next;
	}
	top->m_pkthdr.len = total;
	return top;
}

static void
case_pullup(void *arg)
{
	static const int lens[] = { 3, 4, 3 }, big[] = { 100, 100, 100, 100,
	    100, 100, 100, 100, 100, 100, 100, 100 };
	struct mbuf *m, *c;
	uint64_t mbufs, clusters;
	uint8_t buf[1200];

	(void)arg;
	/* Too few bytes: NULL, the chain freed, nothing read past it. */
	for (int want = 11; want <= 64; want += 53) {
		m = chain_of(lens, 3);
		CHECK(m_pullup(m, want) == NULL, "m_pullup(%d) of 10 bytes", want);
		mb_live(&mbufs, &clusters);
		CHECK(mbufs == 0 && clusters == 0, "short chain not freed");
	}
	/* Exactly enough. */
	m = m_pullup(chain_of(lens, 3), 10);
	CHECK(m != NULL && m->m_len == 10 && m->m_pkthdr.len == 10,
	    "m_pullup(10) of 10 bytes");
	for (int i = 0; i < 10; i++)
		CHECK(mtod(m, uint8_t *)[i] == i, "byte %d", i);
	m_verify_packet(m);
	m_freem(m);
	/* More than MHLEN: into a cluster. */
	m = m_pullup(chain_of(big, 12), 1000);
	CHECK(m != NULL && m->m_len >= 1000 && (m->m_flags & M_EXT),
	    "m_pullup(1000)");
	m_verify_packet(m);
	m_copydata(m, 0, 1200, buf);
	for (int i = 0; i < 1200; i++)
		CHECK(buf[i] == (uint8_t)i, "byte %d after m_pullup(1000)", i);
	CHECK(m_pullup(m, 1201) == NULL, "m_pullup(1201) of 1200 bytes");
	/* A shared first cluster is not written: a new first mbuf. */
	m = m_getcl(M_WAIT, MT_DATA, M_PKTHDR);
	m->m_len = m->m_pkthdr.len = 8;
	memset(mtod(m, char *), 'a', 8);
	m->m_next = m_get(M_WAIT, MT_DATA);
	m->m_next->m_len = 8;
	memset(mtod(m->m_next, char *), 'b', 8);
	m->m_pkthdr.len = 16;
	c = m_copym(m, 0, M_COPYALL, M_WAIT);
	c = m_pullup(c, 12);
	CHECK(c != NULL && c->m_len >= 12 && !M_READONLY(c), "pullup of copy");
	CHECK(m->m_len == 8 && mtod(m, char *)[7] == 'a' &&
	    m->m_next->m_len == 8, "m_pullup of a copy changed the original");
	m_verify_packet(c);
	m_verify_packet(m);
	m_freem(c);
	m_freem(m);
	mb_live(&mbufs, &clusters);
	CHECK(mbufs == 0 && clusters == 0, "leak after pullup");
	printf("ok pullup\n");
}

static uint32_t
refcnt(const struct mbuf *m)
{
	return m->m_ext.ext_ref->m_ext.ext_refcnt;
}

static void
case_share(void *arg)
{
	struct mbuf *m, *c, *c2, *d;
	uint64_t mbufs, clusters;

	(void)arg;
	for (int order = 0; order < 2; order++) {
		m = m_getcl(M_WAIT, MT_DATA, M_PKTHDR);
		for (int i = 0; i < 1500; i++)
			mtod(m, uint8_t *)[i] = (uint8_t)(i * 7);
		m->m_len = m->m_pkthdr.len = 1500;
		CHECK(refcnt(m) == 1 && !M_READONLY(m), "fresh cluster");
		c = m_copym(m, 0, M_COPYALL, M_WAIT);
		c2 = m_copym(m, 100, 200, M_WAIT);
		CHECK(c->m_ext.ext_buf == m->m_ext.ext_buf &&
		    c2->m_ext.ext_buf == m->m_ext.ext_buf, "copies not shared");
		CHECK(refcnt(m) == 3 && M_READONLY(m) && M_READONLY(c) &&
		    M_READONLY(c2), "refcnt %u after two copies", refcnt(m));
		CHECK((c->m_flags & M_PKTHDR) && c->m_pkthdr.len == 1500 &&
		    !(c2->m_flags & M_PKTHDR) && c2->m_len == 200 &&
		    mtod(c2, char *) == mtod(m, char *) + 100, "copy shapes");
		CHECK(M_LEADINGSPACE(c) == 0 && M_TRAILINGSPACE(c) == 0,
		    "shared storage offers room");
		mb_live(&mbufs, &clusters);
		CHECK(mbufs == 3 && clusters == 1, "live %llu/%llu",
		    (unsigned long long)mbufs, (unsigned long long)clusters);
		if (order == 0) {
			m_freem(m);     /* the owner goes first: kept */
			mb_live(&mbufs, &clusters);
			CHECK(refcnt(c) == 2 && mbufs == 3 && clusters == 1,
			    "after freeing the owner: refcnt %u live %llu",
			    refcnt(c), (unsigned long long)mbufs);
			CHECK(mtod(c, uint8_t *)[1499] == (uint8_t)(1499 * 7),
			    "data lost with the owner");
			m_freem(c2);
			CHECK(refcnt(c) == 1 && !M_READONLY(c), "last copy");
			CHECK(m_copyback(c, 0, 4, "abcd") == 0, "write");
			m_freem(c);
		} else {
			m_freem(c);
			m_freem(c2);
			CHECK(refcnt(m) == 1 && !M_READONLY(m), "owner alone");
			m_freem(m);
		}
		mb_live(&mbufs, &clusters);
		CHECK(mbufs == 0 && clusters == 0, "leak, order %d", order);
	}
	/* m_dup shares nothing; m_makewritable unshares in place. */
	m = m_getcl(M_WAIT, MT_DATA, M_PKTHDR);
	m->m_data += 40;
	memset(mtod(m, char *), 'x', 1000);
	m->m_len = m->m_pkthdr.len = 1000;
	d = m_dup(m, 0, M_COPYALL, M_WAIT);
	CHECK(refcnt(m) == 1 && !M_READONLY(d) && m_length(d) == 1000,
	    "m_dup shared");
	c = m_copym(m, 0, M_COPYALL, M_WAIT);
	CHECK(m_makewritable(&c, 10, 10, M_WAIT) == 0 && !M_READONLY(c) &&
	    c->m_ext.ext_buf != m->m_ext.ext_buf && refcnt(m) == 1 &&
	    M_LEADINGSPACE(c) == 40, "m_makewritable");
	CHECK(m_copyback(c, 0, 3, "abc") == 0 && mtod(m, char *)[0] == 'x',
	    "writing the private copy changed the original");
	m_verify_packet(c);
	m_freem(c);
	m_freem(d);
	m_freem(m);
	mb_live(&mbufs, &clusters);
	CHECK(mbufs == 0 && clusters == 0, "leak after m_dup");
	printf("ok share\n");
}

static void
case_prepend(void *arg)
{
	struct mbuf *m, *old, *c;
	uint64_t mbufs, clusters;

	(void)arg;
	/* Leading space: in place. */
	m = m_gethdr(M_WAIT, MT_DATA);
	M_ALIGN(m, 50);
	m->m_len = m->m_pkthdr.len = 50;
	old = m;
	M_PREPEND(m, 20, M_WAIT);
	CHECK(m == old && m->m_len == 70 && m->m_pkthdr.len == 70 &&
	    m->m_next == NULL, "in-place M_PREPEND");
	m_verify_packet(m);
	/* None left: a new first mbuf takes the packet header. */
	M_PREPEND(m, M_LEADINGSPACE(m) + 1, M_WAIT);
	CHECK(m != old && (m->m_flags & M_PKTHDR) && !(old->m_flags & M_PKTHDR)
	    && m->m_next == old && m->m_pkthdr.len == 70 + m->m_len,
	    "M_PREPEND into a new mbuf");
	CHECK(M_LEADINGSPACE(m) >= MHLEN - m->m_len - 7,
	    "the new mbuf's data is not at its end");
	m_verify_packet(m);
	m_freem(m);
	/* The whole of MHLEN. */
	m = m_gethdr(M_WAIT, MT_DATA);
	M_PREPEND(m, MHLEN, M_WAIT);
	CHECK(m->m_len == MHLEN && m->m_pkthdr.len == MHLEN, "MHLEN prepend");
	m_verify_packet(m);
	m_freem(m);
	/* A shared cluster has leading space but is not written. */
	m = m_getcl(M_WAIT, MT_DATA, M_PKTHDR);
	m->m_data += 100;
	m->m_len = m->m_pkthdr.len = 10;
	c = m_copym(m, 0, M_COPYALL, M_WAIT);
	old = c;
	M_PREPEND(c, 14, M_WAIT);
	CHECK(c != old && c->m_len == 14 && c->m_pkthdr.len == 24 &&
	    m->m_len == 10, "M_PREPEND on a shared cluster");
	m_verify_packet(c);
	m_freem(c);
	m_freem(m);
	/* m_prepend itself leaves m_pkthdr.len alone. */
	m = m_gethdr(M_WAIT, MT_DATA);
	m->m_len = m->m_pkthdr.len = 5;
	m = m_prepend(m, 8, M_WAIT);
	CHECK(m->m_len == 8 && m->m_pkthdr.len == 5, "m_prepend");
	m->m_pkthdr.len = 13;
	m_verify_packet(m);
	m_freem(m);
	mb_live(&mbufs, &clusters);
	CHECK(mbufs == 0 && clusters == 0, "leak after prepend");
	printf("ok prepend\n");
}

/* ------------------------------------------------------------------------ */
/* pool: concurrent gets and puts on 4 CPUs                                 */

#define POOL_CPUS       4
#define POOL_LWPS       3               /* per CPU */
#define POOL_HELD       48              /* three magazines' worth */
#define POOL_HAND       32
#define POOL_KEEP       7               /* still out at the check */
#define OBJ_MAGIC       0x6f626a21u
#define OBJ_HANDOFF     0xffffffffu

struct pobj {
	uint32_t owner;                 /* 0 free, LWP number, or handoff */
	uint32_t magic;
	uint64_t pad[7];
};

struct ptest {
	pool_cache_t pc;
	kmutex_t lock;                  /* the hand-off queues */
	struct pobj *hand[POOL_HAND];
	int nhand;
	struct mbuf *mhand[POOL_HAND];
	int nmhand;
	uint64_t ctors, dtors;
	uint64_t seed;
	int iters;
	lwp_t *lwps[POOL_CPUS * POOL_LWPS];
	int got;                        /* limitwait: the taker's get returned */
};

static struct ptest T;

static int
pobj_ctor(void *arg, void *obj, int flags)
{
	struct pobj *o = obj;

	(void)flags;
	CHECK(arg == &T, "ctor arg");
	o->owner = 0;
	o->magic = OBJ_MAGIC;
	T.ctors++;
	return 0;
}

static void
pobj_dtor(void *arg, void *obj)
{
	struct pobj *o = obj;

	(void)arg;
	CHECK(o->magic == OBJ_MAGIC && o->owner == 0, "dtor of a live object");
	T.dtors++;
}

static void
pobj_take(struct pobj *o, uint32_t me, uint32_t was)
{
	CHECK(o->magic == OBJ_MAGIC, "object without its constructed state");
	CHECK(o->owner == was, "object handed out twice: owner %u, taker %u",
	    o->owner, me);
	o->owner = me;
}

/* Give an object or a packet copy to whichever LWP asks next. */
static void
worker_handoff(uint64_t *s, struct pobj **held, int *nheld, uint32_t me)
{
	struct mbuf *m, *c;
	int j;

	mutex_enter(&T.lock);
	if (rnd(s, 2) && *nheld > 0 && T.nhand < POOL_HAND) {
		j = rnd(s, *nheld);
		pobj_take(held[j], OBJ_HANDOFF, me);
		T.hand[T.nhand++] = held[j];
		held[j] = held[--*nheld];
	} else if (T.nhand > 0 && *nheld < POOL_HELD) {
		held[*nheld] = T.hand[--T.nhand];
		pobj_take(held[(*nheld)++], me, OBJ_HANDOFF);
	}
	mutex_exit(&T.lock);
	/* Packets: a copy sharing our cluster is freed on another CPU. */
	m = m_getcl(M_WAIT, MT_DATA, M_PKTHDR);
	m->m_len = m->m_pkthdr.len = 64;
	c = m_copym(m, 0, M_COPYALL, M_WAIT);
	m_freem(m);
	mutex_enter(&T.lock);
	if (T.nmhand < POOL_HAND) {
		T.mhand[T.nmhand++] = c;
		c = NULL;
	}
	m = T.nmhand > 1 ? T.mhand[--T.nmhand] : NULL;
	mutex_exit(&T.lock);
	m_freem(c);
	m_freem(m);
}

/*
 * Bursts of gets and puts longer than a magazine, so the depot is busy;
 * hand-offs, so objects migrate between CPUs; and sleeps, so the other
 * LWPs of the CPU run while objects are held.
 */
static void
pool_worker(void *arg)
{
	uint32_t me = (uint32_t)(uintptr_t)arg;
	uint64_t s = T.seed * 1000 + me;
	struct pobj *held[POOL_HELD], *o;
	int nheld = 0, j, r, n;

	for (int i = 0; i < T.iters; i++) {
		r = rnd(&s, 16);
		if (r < 12 && (nheld == 0 || (nheld < POOL_HELD &&
		    rnd(&s, 2)))) {
			for (n = 1 + rnd(&s, POOL_HELD - nheld); n > 0; n--) {
				o = pool_cache_get(T.pc, rnd(&s, 2) ?
				    PR_WAITOK : PR_NOWAIT);
				CHECK(o != NULL, "pool_cache_get failed with "
				    "no limit");
				pobj_take(o, me, 0);
				held[nheld++] = o;
			}
		} else if (r < 12) {
			for (n = 1 + rnd(&s, nheld); n > 0; n--) {
				j = rnd(&s, nheld);
				pobj_take(held[j], 0, me);
				pool_cache_put(T.pc, held[j]);
				held[j] = held[--nheld];
			}
		} else if (r < 15)
			worker_handoff(&s, held, &nheld, me);
		else
			kpause("ptest", false, 1, NULL);
	}
	while (nheld > 0) {
		pobj_take(held[--nheld], 0, me);
		pool_cache_put(T.pc, held[nheld]);
	}
}

/* The per-CPU counter group.name of this host, for CPU cpu. */
static uint64_t
evcnt_value(const char *group, const char *name, int cpu)
{
	struct sim_host *h = &sim_cur->hosts[0];

	for (u_int i = 0; i < h->nevcnts; i++) {
		const struct evcnt *ev = h->evcnts[i];

		if (strcmp(ev->ev_group, group) == 0 &&
		    strcmp(ev->ev_name, name) == 0 && ev->ev_cpu == cpu)
			return ev->ev_count;
	}
	FAIL("no counter %s.%s for cpu %d", group, name, cpu);
}

static void
case_pool(void *arg)
{
	struct pool_cache_stats st;
	struct pobj *keep[POOL_KEEP];
	uint64_t mbufs, clusters, hits[POOL_CPUS], sum = 0;
	int n = 0;

	(void)arg;
	T.pc = pool_cache_init(sizeof(struct pobj), 0, "ptest", IPL_NONE,
	    pobj_ctor, pobj_dtor, &T);
	mutex_init(&T.lock, MUTEX_DEFAULT, IPL_NONE);
	for (u_int c = 0; c < POOL_CPUS; c++)
		for (u_int k = 0; k < POOL_LWPS; k++, n++)
			kthread_create(PRI_NONE, KTHREAD_MUSTJOIN, cpu_lookup(c),
			    pool_worker, (void *)(uintptr_t)(n + 1), &T.lwps[n],
			    "ptest.%u.%u", c, k);
	for (int i = 0; i < n; i++)
		kthread_join(T.lwps[i]);
	for (int i = 0; i < T.nhand; i++) {
		pobj_take(T.hand[i], 0, OBJ_HANDOFF);
		pool_cache_put(T.pc, T.hand[i]);
	}
	for (int i = 0; i < T.nmhand; i++)
		m_freem(T.mhand[i]);
	for (int i = 0; i < POOL_KEEP; i++)
		pobj_take(keep[i] = pool_cache_get(T.pc, PR_WAITOK), 999, 0);

	pool_cache_stats(T.pc, &st);
	CHECK(st.pcs_get == st.pcs_put + POOL_KEEP, "gets %llu != puts %llu + "
	    "%d live", (unsigned long long)st.pcs_get,
	    (unsigned long long)st.pcs_put, POOL_KEEP);
	CHECK(st.pcs_fail == 0 && st.pcs_refill > 0 && st.pcs_flush > 0 &&
	    st.pcs_grow > 0 && st.pcs_hit > st.pcs_get / 2,
	    "counters: hit %llu refill %llu flush %llu grow %llu",
	    (unsigned long long)st.pcs_hit, (unsigned long long)st.pcs_refill,
	    (unsigned long long)st.pcs_flush, (unsigned long long)st.pcs_grow);
	CHECK(T.ctors == st.pcs_nobj, "%llu constructed, pool owns %u",
	    (unsigned long long)T.ctors, st.pcs_nobj);
	for (int c = 0; c < POOL_CPUS; c++) {
		hits[c] = evcnt_value("ptest", "hit", c);
		CHECK(hits[c] > 0, "no hits on cpu %d", c);
		sum += hits[c];
	}
	CHECK(sum == st.pcs_hit, "per-CPU hit counters do not add up");
	for (int i = 0; i < POOL_KEEP; i++) {
		pobj_take(keep[i], 0, 999);
		pool_cache_put(T.pc, keep[i]);
	}
	pool_cache_destroy(T.pc);
	CHECK(T.dtors == T.ctors, "%llu destructed of %llu",
	    (unsigned long long)T.dtors, (unsigned long long)T.ctors);
	mb_live(&mbufs, &clusters);
	CHECK(mbufs == 0 && clusters == 0, "mbuf leak: %llu/%llu",
	    (unsigned long long)mbufs, (unsigned long long)clusters);
	printf("ok pool get=%llu put=%llu hit=%llu refill=%llu flush=%llu "
	    "grow=%llu objects=%u hits=%llu,%llu,%llu,%llu\n",
	    (unsigned long long)st.pcs_get, (unsigned long long)st.pcs_put,
	    (unsigned long long)st.pcs_hit, (unsigned long long)st.pcs_refill,
	    (unsigned long long)st.pcs_flush, (unsigned long long)st.pcs_grow,
	    st.pcs_nobj, (unsigned long long)hits[0],
	    (unsigned long long)hits[1], (unsigned long long)hits[2],
	    (unsigned long long)hits[3]);
}

/* ------------------------------------------------------------------------ */
/* hard limits                                                              */

#define LIMIT_OBJS      10

static void
limit_pool(void)
{
	struct pool_cache_stats st;
	void *o[LIMIT_OBJS];

	T.pc = pool_cache_init(64, 0, "ltest", IPL_NONE, NULL, NULL, NULL);
	pool_cache_sethardlimit(T.pc, LIMIT_OBJS, "WARNING: ltest limit "
	    "reached", 60);
	for (int i = 0; i < LIMIT_OBJS; i++)
		CHECK((o[i] = pool_cache_get(T.pc, PR_NOWAIT)) != NULL,
		    "get %d under the limit failed", i);
	CHECK(pool_cache_get(T.pc, PR_NOWAIT) == NULL, "PR_NOWAIT past the "
	    "limit succeeded");
	CHECK(pool_cache_get(T.pc, PR_WAITOK | PR_LIMITFAIL) == NULL,
	    "PR_LIMITFAIL past the limit succeeded");
	pool_cache_stats(T.pc, &st);
	CHECK(st.pcs_fail == 2 && st.pcs_nobj == LIMIT_OBJS &&
	    st.pcs_get == LIMIT_OBJS, "fail %llu nobj %u",
	    (unsigned long long)st.pcs_fail, st.pcs_nobj);
	pool_cache_put(T.pc, o[3]);
	CHECK((o[3] = pool_cache_get(T.pc, PR_NOWAIT)) != NULL, "get after a "
	    "put at the limit failed");
	for (int i = 0; i < LIMIT_OBJS; i++)
		pool_cache_put(T.pc, o[i]);
	pool_cache_destroy(T.pc);
}

/* Take mbufs M_DONTWAIT until none is left; returns how many. */
static int
exhaust(struct mbuf **hold, int max)
{
	int n = 0;

	while (n < max && (hold[n] = m_get(M_DONTWAIT, MT_DATA)) != NULL)
		n++;
	return n;
}

static void
limit_mbufs(void)
{
	struct mbuf *hold[64], *m, *c;
	struct mbstat ms;
	int n, k;

	mb_sethardlimits(32, 4);
	n = exhaust(hold, 64);
	mbstat_get(&ms);
	CHECK(n == 32 && ms.ms_mbuf.pcs_fail == 1, "%d mbufs at a limit of 32, "
	    "%llu failures", n, (unsigned long long)ms.ms_mbuf.pcs_fail);
	for (int i = 0; i < n; i++)
		m_free(hold[i]);
	for (k = 0; k < 8 && (hold[k] = m_getcl(M_DONTWAIT, MT_DATA, 0)); k++)
		;
	mbstat_get(&ms);
	CHECK(k == 4 && ms.ms_cluster.pcs_fail == 1 &&
	    live(&ms.ms_mbuf) == 4, "%d clusters at a limit of 4", k);
	for (int i = 0; i < k; i++)
		m_free(hold[i]);
	/* m_copym and M_PREPEND out of mbufs free what they hold. */
	m = m_gethdr(M_WAIT, MT_DATA);
	m->m_len = 10;
	m->m_next = m_get(M_WAIT, MT_DATA);
	m->m_next->m_len = 10;
	m->m_pkthdr.len = 20;
	n = exhaust(hold, 64);
	CHECK(n == 30, "%d mbufs left beside a chain of two", n);
	CHECK(m_copym(m, 0, M_COPYALL, M_DONTWAIT) == NULL,
	    "m_copym out of mbufs");
	m_free(hold[--n]);
	c = m_copym(m, 0, M_COPYALL, M_DONTWAIT);
	CHECK(c == NULL, "m_copym of two mbufs with one free");
	mbstat_get(&ms);
	CHECK(live(&ms.ms_mbuf) == 31, "m_copym kept its partial copy");
	CHECK((hold[n++] = m_get(M_DONTWAIT, MT_DATA)) != NULL,
	    "the partial copy's mbuf did not come back");
	/* Full again; the chain has no room before its data. */
	M_PREPEND(m, 8, M_DONTWAIT);
	CHECK(m == NULL, "M_PREPEND without leading space out of mbufs");
	mbstat_get(&ms);
	CHECK(live(&ms.ms_mbuf) == 30, "M_PREPEND kept the chain");
	for (int i = 0; i < n; i++)
		m_free(hold[i]);
	mbstat_get(&ms);
	CHECK(live(&ms.ms_mbuf) == 0, "%llu mbufs leaked at the limit",
	    (unsigned long long)live(&ms.ms_mbuf));
	mb_sethardlimits(0, 0);
}

static void
case_limit(void *arg)
{
	(void)arg;
	limit_pool();
	limit_mbufs();
	printf("ok limit\n");
}

static void
limitwait_taker(void *arg)
{
	void *o;

	(void)arg;
	o = pool_cache_get(T.pc, PR_WAITOK);    /* sleeps: all are out */
	CHECK(o != NULL, "PR_WAITOK returned NULL");
	T.got = 1;
	pool_cache_put(T.pc, o);
}

static void
case_limitwait(void *arg)
{
	struct pool_cache_stats st;
	void *o[LIMIT_OBJS];
	lwp_t *l;

	(void)arg;
	T.pc = pool_cache_init(64, 0, "wtest", IPL_NONE, NULL, NULL, NULL);
	pool_cache_sethardlimit(T.pc, LIMIT_OBJS, NULL, 0);
	for (int i = 0; i < LIMIT_OBJS; i++)
		o[i] = pool_cache_get(T.pc, PR_WAITOK);
	kthread_create(PRI_NONE, KTHREAD_MUSTJOIN, cpu_lookup(1),
	    limitwait_taker, NULL, &l, "taker");
	kpause("hold", false, 5, NULL);
	CHECK(T.got == 0, "the taker got an object past the limit");
	pool_cache_put(T.pc, o[0]);
	kthread_join(l);
	CHECK(T.got == 1, "the taker did not get the object put back");
	pool_cache_stats(T.pc, &st);
	CHECK(st.pcs_wait == 1 && st.pcs_nobj == LIMIT_OBJS, "wait %llu",
	    (unsigned long long)st.pcs_wait);
	for (int i = 1; i < LIMIT_OBJS; i++)
		pool_cache_put(T.pc, o[i]);
	pool_cache_destroy(T.pc);
	printf("ok limitwait\n");
}

static void
case_limitdeadlock(void *arg)
{
	(void)arg;
	T.pc = pool_cache_init(64, 0, "dltest", IPL_NONE, NULL, NULL, NULL);
	pool_cache_sethardlimit(T.pc, 2, NULL, 0);
	(void)pool_cache_get(T.pc, PR_WAITOK);
	(void)pool_cache_get(T.pc, PR_WAITOK);
	(void)pool_cache_get(T.pc, PR_WAITOK);  /* nobody will put one back */
	FAIL("a third get at a limit of two returned");
}

static void
case_rocopyback(void *arg)
{
	struct mbuf *m, *c;

	(void)arg;
	m = m_getcl(M_WAIT, MT_DATA, M_PKTHDR);
	m->m_len = m->m_pkthdr.len = 100;
	c = m_copym(m, 0, M_COPYALL, M_WAIT);
	(void)c;
	m_copyback(m, 10, 4, "oops");   /* would change c too */
	FAIL("m_copyback into a shared cluster returned");
}

static void
case_useafterfree(void *arg)
{
	struct mbuf *m;
	volatile int len;

	(void)arg;
	m = m_get(M_WAIT, MT_DATA);
	m_free(m);
	len = m->m_len;         /* the bug */
	(void)len;
	printf("ok useafterfree caught=no\n");
}

/* ------------------------------------------------------------------------ */

static const struct {
	const char *name;
	void (*fn)(void *);
	unsigned cpus;
	int quiet;
	uint64_t quantum_ns;            /* 0: the default, 10 ms */
} cases[] = {
	{ "prop", case_prop, 1, 1, 0 },
	{ "pullup", case_pullup, 1, 1, 0 },
	{ "share", case_share, 1, 1, 0 },
	{ "prepend", case_prepend, 1, 1, 0 },
	/* LWPs preempted every microsecond: a context on the same CPU can
	 * come between any two scheduling points the magazines allow. */
	{ "pool", case_pool, POOL_CPUS, 1, 1000 },
	{ "limit", case_limit, 1, 0, 0 },
	{ "limitwait", case_limitwait, 2, 1, 0 },
	{ "limitdeadlock", case_limitdeadlock, 1, 1, 0 },
	{ "rocopyback", case_rocopyback, 1, 1, 0 },
	{ "useafterfree", case_useafterfree, 1, 1, 0 },
};

int
main(int argc, char **argv)
{
	struct sim_test_opts o;
	struct sim_test_result res;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	int n = argc > 3 ? atoi(argv[3]) : 3000, status;

	if (argc < 2) {
		fprintf(stderr, "usage: test_mbuf CASE [SEED [N]]\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(cases[i].name, argv[1]) != 0)
			continue;
		memset(&o, 0, sizeof(o));
		o.cpus = cases[i].cpus;
		o.seed = seed;
		o.quiet = cases[i].quiet;
		o.quantum_ns = cases[i].quantum_ns;
		P.seed = seed;
		P.nops = n;
		T.seed = seed;
		T.iters = n;
		status = sim_test_run(&o, cases[i].fn, NULL, &res);
		printf("status %d fingerprint %016llx end_ns %llu\n", status,
		    (unsigned long long)res.fingerprint,
		    (unsigned long long)res.end_ns);
		if (status != 0)
			printf("replay: %s %s %llu %d\n", argv[0], argv[1],
			    (unsigned long long)seed, n);
		return status;
	}
	fprintf(stderr, "test_mbuf: unknown case %s\n", argv[1]);
	return 2;
}
