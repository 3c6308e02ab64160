/*
 * ping.c -- ICMP echo through a raw socket, like ping(8).
 *
 * Sends `count` echo requests of `size` data bytes to `dst`, one every
 * `interval`, and waits at most `timeout` for each reply.  One LWP does
 * it all: it sleeps in soreceive until the next send or the oldest
 * request's deadline, whichever comes first (so sends fall on clock
 * ticks, as the socket's receive timeout does).  Each reply's round trip
 * is measured in virtual nanoseconds from just before sosend to just
 * after soreceive and printed like ping's "time=" line; at the end a
 * summary line and the counters "ping<N>.{sent,received,unreach,timeout,
 * error,rtt_min_ns,rtt_avg_ns,rtt_max_ns}": sent = received + unreach +
 * timeout + error.
 *
 * Requests carry the identifier (the program's flow) and the sequence
 * number; replies and ICMP unreachables quoting a request are matched by
 * both, so several pings on one brane keep apart.  A request that cannot
 * be sent for lack of a route counts as unreachable at once, one that
 * cannot be sent for another reason (EMSGSIZE: larger than the MTU) as
 * an error.  Request seq has packet id app_pktid(seq + 1) (probes
 * ping:sent, ping:reply), and so has its reply (ICMP turns the request's
 * mbuf around): the flow's latency is request to reply, and ping:reply
 * gives the records the round trip it prints.
 */
#include <sys/kern.h>
#include <sys/evcnt.h>
#include <sys/kmem.h>
#include <sys/sdt.h>

#include <kern/ksocket.h>

#include <string.h>

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>

#include "apps.h"

enum { PING_DST, PING_COUNT, PING_INTERVAL, PING_SIZE, PING_TIMEOUT };

#define PING_SIZE_MAX   (SO_SEND_MAX - ICMP_MINLEN)
#define PING_COUNT_MAX  100000
#define PING_RCVBUF     (IP_MAXPACKET + 1)

static const struct app_param ping_params[] = {
	[PING_DST] = { "dst", APP_INADDR, 0, 0, 0xffffffff, NULL,
	    "the address to ping, e.g. \"10.0.2.1\"", true },
	[PING_COUNT] = { "count", APP_INT, 4, 1, PING_COUNT_MAX, NULL,
	    "echo requests to send", false },
	[PING_INTERVAL] = { "interval", APP_DURATION, 1000000000, 1000,
	    3600000000000, NULL, "time between two requests", false },
	[PING_SIZE] = { "size", APP_SIZE, 56, 0, PING_SIZE_MAX, NULL,
	    "data bytes after the 8-byte ICMP header", false },
	[PING_TIMEOUT] = { "timeout", APP_DURATION, 1000000000, 1000,
	    3600000000000, NULL, "how long to wait for each reply", false },
};

enum ping_state {
	PS_UNSENT, PS_WAITING, PS_REPLIED, PS_UNREACH, PS_TIMEOUT, PS_ERROR
};

/* One LWP's; legend: c = constant after start. */
struct ping {
	const struct app_args *args;    /* c */
	struct socket *so;              /* c */
	struct sockaddr_in dst;         /* c */
	uint16_t ident;                 /* c */
	u_int count, size;              /* c */
	uint64_t interval_ns, timeout_ns;       /* c */
	uint64_t *sent_at;              /* per sequence number */
	uint8_t *state;                 /* enum ping_state, per sequence */
	u_int nsent, oldest;            /* next to send; oldest waiting */
	u_int waiting;
	uint8_t *buf;                   /* PING_RCVBUF bytes */
	char group[24];
	char host[16];
	struct evcnt ev_sent, ev_received, ev_unreach, ev_timeout, ev_error;
	struct evcnt ev_rtt_min, ev_rtt_avg, ev_rtt_max;
	uint64_t rtt_sum_ns;
};

/* The Internet checksum (RFC 1071) of a buffer, as stored. */
static uint16_t
ping_cksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	uint16_t w, r;

	for (size_t i = 0; i + 1 < len; i += 2) {
		memcpy(&w, p + i, sizeof(w));
		sum += w;
	}
	if (len & 1) {
		w = 0;
		memcpy(&w, p + len - 1, 1);
		sum += w;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	r = (uint16_t)~sum;
	return r;
}

static void
ping_send(struct ping *pg, u_int seq)
{
	struct icmp *icp = (struct icmp *)pg->buf;
	size_t len = ICMP_MINLEN + pg->size;
	uint64_t id = app_pktid(pg->args, seq + 1);
	int error;

	memset(icp, 0, ICMP_MINLEN);
	icp->icmp_type = ICMP_ECHO;
	icp->icmp_id = htons(pg->ident);
	icp->icmp_seq = htons((uint16_t)seq);
	for (u_int i = 0; i < pg->size; i++)
		pg->buf[ICMP_MINLEN + i] = (uint8_t)(seq + i);
	icp->icmp_cksum = ping_cksum(pg->buf, len);
	pg->ev_sent.ev_count++;
	SDT_PROBE3(ping, sent, len, id, seq);
	pg->sent_at[seq] = getnanouptime();
	error = sosend(pg->so, (const struct sockaddr *)&pg->dst, pg->buf, len,
	    0);
	if (error == 0) {
		pg->state[seq] = PS_WAITING;
		pg->waiting++;
		return;
	}
	kern_printf("ping %s: icmp_seq=%u not sent: error %d\n", pg->host,
	    seq, error);
	if (error == EHOSTUNREACH || error == ENETUNREACH ||
	    error == EHOSTDOWN) {
		pg->state[seq] = PS_UNREACH;
		pg->ev_unreach.ev_count++;
	} else {
		pg->state[seq] = PS_ERROR;
		pg->ev_error.ev_count++;
	}
}

static void
ping_reply(struct ping *pg, u_int seq, uint64_t now, size_t len,
    const struct ip *ip)
{
	uint64_t rtt = now - pg->sent_at[seq];

	pg->state[seq] = PS_REPLIED;
	pg->waiting--;
	pg->ev_received.ev_count++;
	pg->rtt_sum_ns += rtt;
	if (pg->ev_received.ev_count == 1 || rtt < pg->ev_rtt_min.ev_count)
		pg->ev_rtt_min.ev_count = rtt;
	if (rtt > pg->ev_rtt_max.ev_count)
		pg->ev_rtt_max.ev_count = rtt;
	SDT_PROBE4(ping, reply, len, app_pktid(pg->args, seq + 1), rtt,
	    pg->sent_at[seq]);
	kern_printf("ping: %zu bytes from %s: icmp_seq=%u ttl=%u time=%llu ns\n",
	    len, pg->host, seq, ip->ip_ttl, (unsigned long long)rtt);
}

/*
 * The sequence number of our echo request an ICMP message is about, or
 * -1: the reply itself, or the request quoted by an unreachable.
 */
static int
ping_match(const struct ping *pg, const struct icmp *icp, size_t len,
    bool *unreach)
{
	const struct ip *inner;
	const struct icmp *q;

	*unreach = false;
	if (icp->icmp_type == ICMP_UNREACH) {
		/* The quoted header and the first 8 bytes of our request. */
		if (len < ICMP_MINLEN + sizeof(struct ip))
			return -1;
		inner = (const struct ip *)((const char *)icp + ICMP_MINLEN);
		if (inner->ip_p != IPPROTO_ICMP ||
		    len < ICMP_MINLEN + (size_t)IP_HL(inner) + ICMP_MINLEN)
			return -1;
		q = (const struct icmp *)((const char *)inner + IP_HL(inner));
		*unreach = true;
	} else if (icp->icmp_type == ICMP_ECHOREPLY)
		q = icp;
	else
		return -1;
	if ((q != icp && q->icmp_type != ICMP_ECHO) ||
	    ntohs(q->icmp_id) != pg->ident || ntohs(q->icmp_seq) >= pg->nsent ||
	    pg->state[ntohs(q->icmp_seq)] != PS_WAITING)
		return -1;
	return ntohs(q->icmp_seq);
}

/* Wait at most wait_ns for an ICMP message and act on it. */
static void
ping_recv(struct ping *pg, uint64_t wait_ns)
{
	size_t len = PING_RCVBUF;
	const struct ip *ip;
	const struct icmp *icp;
	bool unreach;
	int seq;

	KASSERT(wait_ns > 0);
	(void)sosetopt(pg->so, SOL_SOCKET, SO_RCVTIMEO, &wait_ns,
	    sizeof(wait_ns));
	if (soreceive(pg->so, NULL, pg->buf, &len, 0) != 0)
		return;         /* timed out: the caller looks at the clock */
	ip = (const struct ip *)pg->buf;
	if (len < sizeof(*ip) || len < (size_t)IP_HL(ip) + ICMP_MINLEN)
		return;
	icp = (const struct icmp *)(pg->buf + IP_HL(ip));
	if ((seq = ping_match(pg, icp, len - IP_HL(ip), &unreach)) < 0)
		return;
	if (!unreach) {
		ping_reply(pg, (u_int)seq, getnanouptime(), len - IP_HL(ip), ip);
		return;
	}
	pg->state[seq] = PS_UNREACH;
	pg->waiting--;
	pg->ev_unreach.ev_count++;
	kern_printf("ping %s: icmp_seq=%u destination unreachable (code %u)\n",
	    pg->host, (u_int)seq, icp->icmp_code);
}

/* Give up on requests whose reply is overdue. */
static void
ping_expire(struct ping *pg, uint64_t now)
{
	for (; pg->oldest < pg->nsent; pg->oldest++) {
		u_int s = pg->oldest;

		if (pg->state[s] != PS_WAITING)
			continue;
		if (pg->sent_at[s] + pg->timeout_ns > now)
			break;
		pg->state[s] = PS_TIMEOUT;
		pg->waiting--;
		pg->ev_timeout.ev_count++;
	}
}

static void
ping_loop(struct ping *pg)
{
	uint64_t now, next_send = getnanouptime(), wake;

	for (;;) {
		now = getnanouptime();
		if (pg->nsent < pg->count && now >= next_send) {
			ping_send(pg, pg->nsent++);
			next_send += pg->interval_ns;
			continue;
		}
		ping_expire(pg, now);
		if (pg->nsent == pg->count && pg->waiting == 0)
			return;
		wake = UINT64_MAX;
		if (pg->nsent < pg->count)
			wake = next_send;
		if (pg->waiting > 0)
			wake = MIN(wake, pg->sent_at[pg->oldest] + pg->timeout_ns);
		KASSERT(wake > now && wake != UINT64_MAX);
		ping_recv(pg, wake - now);
	}
}

static void
ping_counters(struct ping *pg, bool attach)
{
	struct evcnt *ev[] = { &pg->ev_sent, &pg->ev_received,
	    &pg->ev_unreach, &pg->ev_timeout, &pg->ev_error, &pg->ev_rtt_min,
	    &pg->ev_rtt_avg, &pg->ev_rtt_max };
	static const char *const names[] = { "sent", "received", "unreach",
	    "timeout", "error", "rtt_min_ns", "rtt_avg_ns", "rtt_max_ns" };

	CTASSERT(__arraycount(ev) == __arraycount(names));
	app_counters(pg->group, ev, names, __arraycount(ev), attach);
}

static void
ping_main(void *argp)
{
	const struct app_args *args = argp;
	struct ping *pg = kmem_zalloc(sizeof(*pg), KM_SLEEP);
	uint64_t first = app_pktid(args, 1);

	pg->args = args;
	pg->count = (u_int)args->v[PING_COUNT];
	pg->size = (u_int)args->v[PING_SIZE];
	pg->interval_ns = (uint64_t)args->v[PING_INTERVAL];
	pg->timeout_ns = (uint64_t)args->v[PING_TIMEOUT];
	pg->ident = (uint16_t)args->flow;
	sockaddr_in_init(&pg->dst,
	    (struct in_addr){ htonl((uint32_t)args->v[PING_DST]) }, 0);
	app_inaddr_str((uint32_t)args->v[PING_DST], pg->host);
	app_group(pg->group, sizeof(pg->group), "ping", args->instance);
	pg->sent_at = kmem_zalloc(pg->count * sizeof(*pg->sent_at), KM_SLEEP);
	pg->state = kmem_zalloc(pg->count, KM_SLEEP);
	pg->buf = kmem_zalloc(PING_RCVBUF, KM_SLEEP);
	ping_counters(pg, true);
	pg->so = app_socket("ping", SOCK_RAW, IPPROTO_ICMP);
	(void)sosetopt(pg->so, SOL_SOCKET, SO_PKTID, &first, sizeof(first));
	ping_loop(pg);
	soclose(pg->so);
	if (pg->ev_received.ev_count > 0)
		pg->ev_rtt_avg.ev_count = pg->rtt_sum_ns /
		    pg->ev_received.ev_count;
	kern_printf("ping %s: %llu sent, %llu received, %llu unreachable, "
	    "%llu timed out; rtt min/avg/max %llu/%llu/%llu ns\n", pg->host,
	    (unsigned long long)pg->ev_sent.ev_count,
	    (unsigned long long)pg->ev_received.ev_count,
	    (unsigned long long)pg->ev_unreach.ev_count,
	    (unsigned long long)pg->ev_timeout.ev_count,
	    (unsigned long long)pg->ev_rtt_min.ev_count,
	    (unsigned long long)pg->ev_rtt_avg.ev_count,
	    (unsigned long long)pg->ev_rtt_max.ev_count);
	ping_counters(pg, false);
	kmem_free(pg->buf, PING_RCVBUF);
	kmem_free(pg->state, pg->count);
	kmem_free(pg->sent_at, pg->count * sizeof(*pg->sent_at));
	kmem_free(pg, sizeof(*pg));
}

const struct app_desc app_ping_desc = {
	.name = "ping",
	.doc = "ICMP echo requests through a raw socket; each reply's round "
	    "trip in virtual ns, replies, unreachables and timeouts counted",
	.params = ping_params,
	.nparams = __arraycount(ping_params),
	.main = ping_main,
	.latency = APP_LATENCY_REQUEST,
};
