/*
 * apps.h -- the table of simulated programs a scenario can run.
 *
 * A program is a function that runs in an LWP of a host and talks to the
 * machine through stack/sys/ only.  Each describes its parameters in a
 * constant table; the scenario loader checks a workload entry against it
 * (unknown keys, types, ranges, units) and hands the program the values in
 * declaration order.  Adding a program: write it in stack/apps/, describe
 * it here, add it to app_table in apps.c.
 *
 * A parameter that names something else of the scenario -- an interface
 * of the program's host, another host's NIC, a port only one program may
 * bind -- has a type of its own, so the loader resolves and checks the
 * reference before anything runs: a program never finds at run time
 * that its scenario asked for something that is not there.
 */
#ifndef _STACK_APPS_APPS_H_
#define _STACK_APPS_APPS_H_

#include <sys/kern.h>

struct evcnt;
struct ifnet;
struct socket;

enum app_param_type {
	APP_INT,        /* a JSON integer */
	APP_BOOL,       /* true / false (0 / 1) */
	APP_DURATION,   /* "250us" or integer nanoseconds; value in ns */
	APP_SIZE,       /* "1500B", "64KiB" or integer bytes; value in bytes */
	APP_RATE_BPS,   /* "10Gbit" or integer bits/s; value in bit/s */
	APP_RATE_PPS,   /* "100kpps" or integer packets/s; value in pkt/s */
	APP_ENUM,       /* one of choices[]; value is the index */
	APP_INADDR,     /* "10.0.0.1": an IPv4 address; value in host byte
			   order (10.0.0.1 is 0x0a000001), def/min/max too */
	APP_IFACE,      /* "wm0": an interface of the program's host (a NIC
			   or a virtual pair's end); value: its place in
			   attach order, the host's NICs in file order, then
			   each pair's a and b (app_ifnet's index) */
	APP_ETHER,      /* "HOST.NIC": that NIC's MAC, or "broadcast"; value:
			   the address as 48 bits, first byte highest
			   (APP_ETHER_BROADCAST for broadcast) */
	APP_UDP_BIND,   /* a UDP port the program binds, min to max: no
			   other program of its host's brane binds it */
	APP_TIMES,      /* "times.txt": a file of durations after the start,
			   one a line, non-decreasing, min to max lines
			   (relative to the scenario's folder), which the
			   loader reads; value: how many (0: not given), the
			   times in app_args.times_ns.  One a program. */
};

#define APP_ETHER_BROADCAST     0xffffffffffffLL
/*
 * The highest port a program may bind: the stack gives the ports above
 * (49152 to 65535, in_pcb.c's IPPORT_ANONMIN..MAX) to sockets that send
 * unbound, and one may already hold the port when the program binds.
 */
#define APP_PORT_BIND_MAX       49151

struct app_param {
	const char *name;
	enum app_param_type type;
	int64_t def;                    /* value when the key is absent */
	int64_t min, max;               /* inclusive range (not for APP_ENUM) */
	const char *const *choices;     /* APP_ENUM: NULL-terminated */
	const char *doc;
	bool required;                  /* the key must be given: no def */
};

#define APP_PARAMS_MAX 24

/* What a program receives: its parameters, in app_param order. */
struct app_args {
	const struct app_desc *desc;
	u_int instance;                 /* 0, 1, ... among the same program */
	/*
	 * The program's flow: its place in the scenario's workload, from 1.
	 * Packets it originates carry ids flow << 32 | n (n from 1), which
	 * is how per-packet records tie a packet to its sender.
	 */
	uint32_t flow;
	const char *brane;              /* its process's brane; NULL: default */
	int64_t v[APP_PARAMS_MAX];
	const uint64_t *times_ns;       /* its APP_TIMES parameter's, or NULL */
};

/*
 * The packet id of a program's n-th datagram (n from 1): its flow in the
 * high 32 bits, n in the low (see app_args.flow).  Unique in the run and
 * the same in every run of the scenario.
 */
static inline uint64_t
app_pktid(const struct app_args *a, uint64_t n)
{
	return (uint64_t)a->flow << 32 | (n & 0xffffffffu);
}

/*
 * Ids a stream program leaves unused after a connection it closed (which
 * may still send its FIN and last ACKs) before the next one's segments.
 */
#define APP_PKTID_GAP   256

/* Two parameters a workload entry may not give together, and why. */
struct app_excl {
	const char *a, *b;
	const char *why;
};

/*
 * What a flow's latency is, in the per-packet records (README, "Where
 * results go").  One-way: from a packet's send to the first program that
 * takes it.  Request: the program sends requests and takes responses
 * that carry the request's packet id back (ping, rpc_client); its
 * latency is request to response, as the program measures it, given by
 * a probe that closes the request (sim/record/trace.c's list).
 */
enum app_latency {
	APP_LATENCY_ONE_WAY,            /* the default */
	APP_LATENCY_REQUEST,
};

struct app_desc {
	const char *name;
	const char *doc;
	const struct app_param *params;
	u_int nparams;
	void (*main)(void *app_args);   /* runs in its own LWP */
	const struct app_excl *excl;    /* parameters exclusive of each other */
	u_int nexcl;
	enum app_latency latency;       /* what its flow's latency is */
};

/* Every program, NULL-terminated, in a fixed order. */
extern const struct app_desc *const app_table[];

const struct app_desc *app_lookup(const char *name);

/*
 * Run a program (the function the machine starts each program's LWP
 * with): make it a process in its brane (args->brane, or the host's
 * default), named after the program, then call its main.
 * => the brane exists (the scenario loader checked it)
 */
void	app_run(void *app_args);

/*
 * A program's counter group: name, then the instance if not 0: "ping",
 * "ping1", ...  Cut to fit buf's size bytes.
 */
void	app_group(char *buf, size_t size, const char *name, u_int instance);

/* "10.0.0.1" for an address in host byte order; buf holds 16 bytes. */
const char *app_inaddr_str(uint32_t a, char buf[16]);

/*
 * Attach the n counters ev[i] as group.names[i], in that order, or
 * (attach false) detach them.
 */
void	app_counters(const char *group, struct evcnt *const ev[],
	    const char *const names[], u_int n, bool attach);

/* --- sockets ---------------------------------------------------------------- */

/* An AF_INET socket; panics, naming prog, if none can be made. */
struct socket *app_socket(const char *prog, int type, int proto);
/*
 * Bind so to port on every address.
 * => port is an APP_UDP_BIND parameter: the scenario loader made sure no
 *    other program of the brane binds it, so failing to is a bug (panic)
 */
void	app_bind_port(struct socket *so, const char *prog, u_int port);

/* --- raw Ethernet traffic (rawsend) --------------------------------------- */

/* The host's interface number index (0: the first attached), or NULL. */
struct ifnet *app_ifnet(u_int index);
/* An APP_ETHER value as the six bytes of a MAC address. */
void	app_ether_addr(int64_t v, uint8_t mac[6]);

/* Bytes app_frame_head writes: the Ethernet header, number, time. */
#define APP_FRAME_HEAD  30
/*
 * The head of a test frame at p (APP_FRAME_HEAD bytes, as sim/framegen
 * lays them out): dst, ifp's address, type, then seq and the virtual
 * time now, 8 bytes big-endian each.
 */
void	app_frame_head(uint8_t *p, const struct ifnet *ifp,
	    const uint8_t *dst, uint16_t type, uint64_t seq);

#endif /* _STACK_APPS_APPS_H_ */
