/*
 * format.c -- the scenario format, key by key (see format.h).
 *
 * Read this file to know what a scenario may say: each object's keys
 * (in the order an "expected one of" message lists them), with the
 * value each takes, its default and what it means.  The JSON Schema and the README's key
 * table are generated from it (make schema); the loader reads its
 * ranges and defaults from it.  A doc is a phrase in lower case without
 * a final stop, written for the person editing a scenario.
 *
 * Never put a range or a default here that the loader does not use: a
 * key read by code of its own (size 0) takes its range from here too.
 */
#include <assert.h>
#include <string.h>

#include "sim/scenario/format.h"
#include "sim/scenario/scenario.h"

#define SLOT(type, field) \
	.off = offsetof(type, field), .size = sizeof(((type *)0)->field)
#define KEYS(a) .keys = (a), .nkeys = sizeof(a) / sizeof((a)[0])
#define CHOICES(a, n) .choices = (a), .nchoices = (n)
#define NS_PER_S 1000000000LL

const char *const sc_kind_names[SC_NKINDS] = {
	[SC_K_INT] = "int", [SC_K_BOOL] = "bool", [SC_K_UNIT] = "unit",
	[SC_K_CHOICE] = "choice", [SC_K_PROB] = "prob",
	[SC_K_WINDOW] = "window", [SC_K_TEXT] = "text", [SC_K_PATH] = "path",
	[SC_K_NAME] = "name", [SC_K_NIC_NAME] = "nic_name",
	[SC_K_IFNAME] = "ifname", [SC_K_BRANE_NAME] = "brane_name",
	[SC_K_IPV4] = "ipv4", [SC_K_PREFIX] = "prefix",
	[SC_K_IFADDR] = "ifaddr", [SC_K_MAC] = "mac",
	[SC_K_ENDPOINT] = "endpoint", [SC_K_OBJECT] = "object",
	[SC_K_ARRAY] = "array", [SC_K_IFEND] = "ifend", [SC_K_COST] = "cost",
	[SC_K_PROBES] = "probes", [SC_K_PROBE_COST] = "probe_cost",
	[SC_K_PROGRAMS] = "programs", [SC_K_SWEEP] = "sweep",
};

/* ---- A host: CPUs, clock, costs, NICs, network configuration. ---- */

static const struct sc_key probe_cost_keys[] = {
	{ "fixed", SC_K_UNIT, .unit = SIM_UNIT_DURATION_PS, .min = 0,
	  .max = SC_COST_MAX_NS * 1000, SLOT(struct sim_probe_cost, fixed_ps),
	  .doc = "charged each time the probe fires" },
	{ "per_unit", SC_K_UNIT, .unit = SIM_UNIT_DURATION_PS, .min = 0,
	  .max = SC_COST_MAX_NS * 1000,
	  SLOT(struct sim_probe_cost, per_unit_ps),
	  .doc = "charged per unit of the probe's first argument, e.g. per "
	  "byte" },
};

const struct sc_obj sc_obj_probe_cost = {
	"probe_cost", NULL, NULL, "what a static probe costs when it fires: "
	"a duration (\"0.5ns\", picosecond precision, at most 1s) or an "
	"object with a fixed and a per-unit part", KEYS(probe_cost_keys),
};

static const struct sc_key nic_keys[] = {
	{ "name", SC_K_NIC_NAME, true, .doc = "unique on its host; links "
	  "write a NIC as HOST.NIC" },
	{ "type", SC_K_CHOICE, CHOICES(sc_nic_type_names, SC_NNICTYPES),
	  .def = SC_NIC_DMA, SLOT(struct sc_nic, type),
	  .doc = "dma: descriptor rings in host memory; pio: a small on-card "
	  "FIFO read word by word" },
	{ "mac", SC_K_MAC, .def_text = "02:00:HH:HH:00:NN",
	  .doc = "unique among all NICs; by default the host's index in two "
	  "bytes (HH:HH), then the NIC's index plus one (NN)" },
	{ "addr", SC_K_IFADDR, .def_text = "none",
	  .doc = "its IPv4 address and prefix length, unique in its brane; "
	  "brings the connected route of the subnet" },
	{ "brane", SC_K_BRANE_NAME, .def_str = "default",
	  .doc = "the brane its interface belongs to; one of the host's" },
	{ "rx_ring", SC_K_INT, .min = SC_NIC_RING_MIN, .max = SC_NIC_RING_MAX,
	  .def = 256, SLOT(struct sc_nic, rx_ring),
	  .doc = "dma: receive descriptors; pio: mbufs pre-allocated at first" },
	{ "tx_ring", SC_K_INT, .min = SC_NIC_RING_MIN, .max = SC_NIC_RING_MAX,
	  .def = 256, SLOT(struct sc_nic, tx_ring),
	  .doc = "transmit descriptors (dma) or queued frames (pio)" },
	{ "mitigation", SC_K_BOOL, .def = true,
	  SLOT(struct sc_nic, mitigation),
	  .doc = "interrupt coalescing and, above intr_max, a masked line "
	  "polled at each clock tick" },
	{ "intr_max", SC_K_UNIT, .unit = SIM_UNIT_RATE_PPS, .min = 0,
	  .max = 100000000, .def = 20000, SLOT(struct sc_nic, intr_max),
	  .doc = "interrupts per second above which the line stays masked "
	  "and the interface is polled per tick (0: never)" },
	{ "coalesce_frames", SC_K_INT, .min = 1, .max = 1024, .def = 8,
	  SLOT(struct sc_nic, coalesce_frames),
	  .doc = "dma: interrupt after this many frames ..." },
	{ "coalesce", SC_K_UNIT, .unit = SIM_UNIT_DURATION_NS, .min = 0,
	  .max = 10000000, .def = 20000, SLOT(struct sc_nic, coalesce_ns),
	  .doc = "dma: ... or this long after the first pending one" },
	{ "prealloc_low", SC_K_INT, .min = 1, .max = 65536, .def = 32,
	  SLOT(struct sc_nic, prealloc_low),
	  .doc = "pio: pre-allocate more when fewer than this many mbufs are "
	  "left" },
	{ "prealloc_max", SC_K_INT, .min = 1, .max = 65536, .def = 4096,
	  SLOT(struct sc_nic, prealloc_max),
	  .doc = "pio: never keep more than this many pre-allocated" },
	{ "fifo", SC_K_UNIT, .unit = SIM_UNIT_SIZE, .min = 2048,
	  .max = 16 << 20, .def = 16384, SLOT(struct sc_nic, fifo_bytes),
	  .doc = "pio: the on-card receive FIFO" },
	{ "dma_latency", SC_K_UNIT, .unit = SIM_UNIT_DURATION_NS, .min = 0,
	  .max = 100000000, .def = 500, SLOT(struct sc_nic, dma_latency_ns),
	  .doc = "dma: the latency of one DMA transfer" },
	{ "dma_rate", SC_K_UNIT, .unit = SIM_UNIT_RATE_BPS, .min = 1000000,
	  .max = 10000000000000LL, .def = 64000000000LL,
	  SLOT(struct sc_nic, dma_rate_bps),
	  .doc = "dma: the DMA engine's bandwidth" },
	{ "intr_cpu", SC_K_INT, .min = 0, .max = SC_CPUS_MAX - 1,
	  .def_text = "its index modulo the host's CPUs",
	  .doc = "the CPU its interrupt line goes to, one of the host's" },
};

const struct sc_obj sc_obj_nic = {
	"nic", "a NIC object such as {\"name\": \"wm0\", \"type\": \"dma\"}",
	"NIC objects", "a network interface card and its model's parameters",
	KEYS(nic_keys),
};

static const struct sc_key vpair_end_keys[] = {
	{ "name", SC_K_IFNAME, true, .doc = "unique among the host's NICs and "
	  "pairs' ends" },
	{ "addr", SC_K_IFADDR, .def_text = "none",
	  .doc = "its IPv4 address and prefix length, as for a NIC" },
	{ "brane", SC_K_BRANE_NAME, .def_str = "default",
	  .doc = "the brane it belongs to; one of the host's" },
};

const struct sc_obj sc_obj_vpair_end = {
	"vpair_end", NULL, NULL, "one end of a virtual pair: its interface "
	"name, or an object with its name, address and brane",
	KEYS(vpair_end_keys),
};

static const struct sc_key vpair_keys[] = {
	{ "a", SC_K_IFEND, true, .obj = &sc_obj_vpair_end,
	  .doc = "one end: an interface name such as \"vp0a\", or an object" },
	{ "b", SC_K_IFEND, true, .obj = &sc_obj_vpair_end,
	  .doc = "the other end" },
};

const struct sc_obj sc_obj_vpair = {
	"vpair", "a virtual pair such as {\"a\": \"vp0a\", \"b\": \"vp0b\"}",
	"virtual pairs such as {\"a\": \"vp0a\", \"b\": \"vp0b\"}",
	"a virtual Ethernet pair made at boot: what one end sends the other "
	"receives", KEYS(vpair_keys),
};

static const struct sc_key route_keys[] = {
	{ "dst", SC_K_PREFIX, true, .doc = "the destination prefix, no bits "
	  "set past its length; unique in the brane and not a connected "
	  "subnet" },
	{ "via", SC_K_IPV4, .def_text = "none",
	  .doc = "the gateway: on a connected subnet of the brane (of dev, "
	  "if given), not the brane's own address" },
	{ "dev", SC_K_IFNAME, .def_text = "none",
	  .doc = "the interface (of this brane) to send through; without via "
	  "the destination is on its link, and dev needs an address" },
};

static const char *const route_any_of[] = { "via", "dev", NULL };

const struct sc_obj sc_obj_route = {
	"route", "a route such as {\"dst\": \"0.0.0.0/0\", \"via\": "
	"\"10.0.0.254\"}", "routes", "a static route: a gateway (via), an "
	"interface (dev), or both", KEYS(route_keys), route_any_of,
};

static const struct sc_key brane_keys[] = {
	{ "name", SC_K_BRANE_NAME, true, .doc = "unique on the host; "
	  "\"default\" is the brane of everything not placed elsewhere" },
	{ "forwarding", SC_K_BOOL, .def = false,
	  SLOT(struct sc_brane, forwarding),
	  .doc = "a router: forward packets not addressed to the brane" },
	{ "syncache", SC_K_BOOL, .def = false,
	  SLOT(struct sc_brane, syncache),
	  .doc = "TCP keeps half-open connections in a per-brane syncache "
	  "(compact entries in a bounded hash table) and answers SYNs with "
	  "SYN cookies when it is full; false: each listener keeps at most "
	  "its backlog of them and drops SYNs beyond" },
	{ "routes", SC_K_ARRAY, .max = SC_ROUTES_MAX, .obj = &sc_obj_route,
	  .def_text = "none", .doc = "static routes, besides the connected "
	  "routes its interfaces' addresses bring" },
};

const struct sc_obj sc_obj_brane = {
	"brane", "a brane such as {\"name\": \"default\", \"forwarding\": "
	"false, \"routes\": []}", "branes", "a brane: one network stack "
	"(routes, addresses, protocol state)", KEYS(brane_keys),
};

static const struct sc_key host_keys[] = {
	{ "name", SC_K_NAME, true, .doc = "unique among the hosts" },
	{ "cpus", SC_K_INT, .min = 1, .max = SC_CPUS_MAX, .def = 1,
	  SLOT(struct sc_host, cpus), .doc = "its CPUs" },
	{ "hz", SC_K_INT, .min = SC_HZ_MIN, .max = SC_HZ_MAX, .def = 1000,
	  SLOT(struct sc_host, tick_hz), .doc = "clock ticks per second" },
	{ "quantum", SC_K_UNIT, .unit = SIM_UNIT_DURATION_NS,
	  .min = SC_QUANTUM_MIN_NS, .max = SC_QUANTUM_MAX_NS,
	  .def = 10000000, SLOT(struct sc_host, quantum_ns),
	  .doc = "an LWP's time slice" },
	{ "cost", SC_K_COST, .def_text = "the cost table",
	  .doc = "what each kernel-service operation costs this host's CPUs, "
	  "and \"probes\": what static probes cost; entries left out keep "
	  "their defaults" },
	{ "nics", SC_K_ARRAY, .max = SC_NICS_MAX, .obj = &sc_obj_nic,
	  .def_text = "none", .doc = "its network interface cards" },
	{ "vpairs", SC_K_ARRAY, .max = SC_VPAIRS_MAX, .obj = &sc_obj_vpair,
	  .def_text = "none", .doc = "virtual Ethernet pairs made at boot" },
	{ "branes", SC_K_ARRAY, .max = SC_BRANES_MAX, .obj = &sc_obj_brane,
	  .def_text = "\"default\" only", .doc = "its network stacks; "
	  "\"default\" exists whether listed or not and comes first" },
	{ "rx_model", SC_K_CHOICE, CHOICES(sc_rx_model_names, SC_NRXMODELS),
	  .def = SC_RX_POLL, SLOT(struct sc_host, rx_model),
	  .doc = "poll: interrupt, defer, continuation, if_poll (the "
	  "proposal); legacy: the interrupt handler receives, queues to "
	  "ipintrq, a soft interrupt drains it under one big network lock" },
};

const struct sc_obj sc_obj_host = {
	"host", "a host object such as {\"name\": \"a\", \"cpus\": 2}",
	"host objects", "a simulated machine", KEYS(host_keys),
};

/* ---- The wires. ---- */

static const struct sc_key switch_keys[] = {
	{ "name", SC_K_NAME, true, .doc = "unique among hosts and switches" },
	{ "ports", SC_K_INT, true, .min = 1, .max = SC_SWITCH_PORTS_MAX,
	  SLOT(struct sc_switch, ports), .doc = "its ports, numbered from 0 "
	  "and written SWITCH.PORT" },
	{ "latency", SC_K_UNIT, .unit = SIM_UNIT_DURATION_NS, .min = 0,
	  .max = SC_LATENCY_MAX_NS, .def = 1000,
	  SLOT(struct sc_switch, latency_ns), .doc = "from a frame's last bit "
	  "in to its being queued out" },
	{ "queue", SC_K_INT, .min = 0, .max = SC_QUEUE_MAX, .def = 256,
	  SLOT(struct sc_switch, queue), .doc = "frames waiting per output "
	  "port (not counting the one being sent); more are dropped" },
	{ "aging", SC_K_UNIT, .unit = SIM_UNIT_DURATION_NS, .min = 0,
	  .max = SC_DURATION_MAX_NS, .def = 300 * NS_PER_S,
	  SLOT(struct sc_switch, aging_ns), .doc = "a MAC not heard from for "
	  "this long is forgotten; 0: never" },
};

const struct sc_obj sc_obj_switch = {
	"switch", "a switch object such as {\"name\": \"sw0\", \"ports\": 8}",
	"switch objects", "a store-and-forward learning Ethernet switch",
	KEYS(switch_keys),
};

static const struct sc_key link_keys[] = {
	{ "name", SC_K_NAME, true, .doc = "unique among links; names its "
	  "counters, random streams and capture file" },
	{ "a", SC_K_ENDPOINT, true, .doc = "one end, \"HOST.NIC\" or "
	  "\"SWITCH.PORT\"; no other link's end" },
	{ "b", SC_K_ENDPOINT, .def_text = "none: bridge",
	  .doc = "the other end, not a's; or, instead of b, a bridge" },
	{ "bridge", SC_K_OBJECT, .obj = &sc_obj_bridge, .def_text = "none",
	  .doc = "instead of b: the other end is a Linux TAP device, so frames "
	  "cross between the simulated a and real Linux programs with this "
	  "link's timing; only in a real-time run (see \"Talking to Linux\" "
	  "in the README)" },
	{ "rate", SC_K_UNIT, .unit = SIM_UNIT_RATE_BPS,
	  .min = SC_RATE_MIN_BPS, .max = SC_RATE_MAX_BPS, .def = 1000000000,
	  SLOT(struct sc_link, rate_bps), .doc = "bits per second each way" },
	{ "delay", SC_K_UNIT, .unit = SIM_UNIT_DURATION_NS, .min = 0,
	  .max = SC_DELAY_MAX_NS, .def = 0, SLOT(struct sc_link, delay_ns),
	  .doc = "propagation delay" },
	{ "mtu", SC_K_INT, .min = SC_MTU_MIN, .max = SC_MTU_MAX, .def = 1500,
	  SLOT(struct sc_link, mtu), .doc = "the largest payload (a frame "
	  "less its 14-byte header); longer frames are dropped" },
	{ "loss", SC_K_PROB, .def = 0, SLOT(struct sc_link, loss),
	  .doc = "each frame is lost with this probability (seeded)" },
	{ "reorder", SC_K_PROB, .def = 0, SLOT(struct sc_link, reorder),
	  .doc = "each frame is held back reorder_delay with this probability "
	  "(seeded), so later ones overtake it" },
	{ "reorder_delay", SC_K_UNIT, .unit = SIM_UNIT_DURATION_NS, .min = 0,
	  .max = SC_DELAY_MAX_NS, .def = 10000,
	  SLOT(struct sc_link, reorder_delay_ns),
	  .doc = "how long a reordered frame is held back" },
	{ "pcap", SC_K_PATH, .max = SC_PATH_MAX, .def_text = "none",
	  .doc = "capture both directions to this pcap file; unique among "
	  "links" },
};

static const struct sc_key bridge_keys[] = {
	{ "tap", SC_K_IFNAME, true, .doc = "the TAP device's name (created "
	  "if missing, which needs root); unique among links" },
};

const struct sc_obj sc_obj_bridge = {
	"bridge", "a bridge object such as {\"tap\": \"nstap0\"}", NULL,
	"a link's end bridged to a Linux TAP device in a real-time run",
	KEYS(bridge_keys),
};

static const char *const link_any_of[] = { "b", "bridge", NULL };

const struct sc_obj sc_obj_link = {
	"link", "a link object such as {\"name\": \"l0\", \"a\": \"a.wm0\", "
	"\"b\": \"sw0.0\"}", "link objects", "a full-duplex point-to-point "
	"link; both directions get the same parameters", KEYS(link_keys),
	link_any_of,
};

/* ---- Faults: one object for every kind; each kind takes some keys. ---- */

static const char *const fault_any_of[] = { "end", "count", NULL };

static const struct sc_key fault_keys[] = {
	{ "kind", SC_K_CHOICE, true,
	  CHOICES(sc_fault_kind_names, SC_NFAULTKINDS),
	  .doc = "what strikes: intr_storm (a NIC raises its line at a "
	  "rate), burst (frames arrive at a NIC at line rate), loss (a link "
	  "loses frames), flap (a link goes down and up), dma_delay (a DMA "
	  "NIC's transfers complete late), mbuf_exhaustion (a host's "
	  "KM_NOSLEEP allocations fail), cpu_hog (a busy thread takes a "
	  "CPU), duplicate (a link delivers some frames twice)" },
	{ "target", SC_K_TEXT, true, .max = SC_TARGET_MAX - 1,
	  .doc = "what it strikes: \"HOST.NIC\" (intr_storm, burst, "
	  "dma_delay), a link's name (loss, flap, duplicate), \"HOST\" "
	  "(mbuf_exhaustion), \"HOST.cpuN\" (cpu_hog)" },
	{ "start", SC_K_UNIT, .unit = SIM_UNIT_DURATION_NS, .min = 0,
	  .max = SC_DURATION_MAX_NS, .def = 0, SLOT(struct sc_fault, start_ns),
	  .doc = "when it begins, in virtual time from the start of the run" },
	{ "end", SC_K_UNIT, .unit = SIM_UNIT_DURATION_NS, .min = 1,
	  .max = SC_DURATION_MAX_NS, .def_text = "none",
	  .doc = "when it ends (after start); give end, count or both: it "
	  "stops at whichever comes first" },
	{ "count", SC_K_INT, .min = 1, .max = (int64_t)SC_FAULT_COUNT_MAX,
	  .def_text = "none", .doc = "how many times it strikes: line raises "
	  "(intr_storm), frames (burst), frames judged (loss, in each "
	  "direction), down periods (flap), transfers delayed (dma_delay), allocations refused "
	  "(mbuf_exhaustion), frames judged (duplicate, in each direction); "
	  "not for cpu_hog" },
	{ "rate", SC_K_UNIT, .unit = SIM_UNIT_RATE_PPS, .min = 1,
	  .max = 100000000, .def = 0, SLOT(struct sc_fault, rate_pps),
	  .def_text = "required (intr_storm); line rate (burst)",
	  .doc = "intr_storm: line raises a second; burst: frames a second "
	  "(default: back to back at the rate of the NIC's link)" },
	{ "frames", SC_K_BOOL, .def = false, SLOT(struct sc_fault, frames),
	  .doc = "intr_storm: a frame arrives with each raise (a PIO NIC "
	  "storms only with frames)" },
	{ "size", SC_K_UNIT, .unit = SIM_UNIT_SIZE, .min = 60, .max = 9234,
	  .def = 60, SLOT(struct sc_fault, size),
	  .doc = "intr_storm, burst: bytes of each frame (ethertype 0x88b5, "
	  "to the NIC's MAC: counted in the interface's rx_sink)" },
	{ "model", SC_K_CHOICE, CHOICES(sc_loss_model_names, SC_NLOSSMODELS),
	  .def = SC_LOSS_BERNOULLI, SLOT(struct sc_fault, model),
	  .doc = "loss: bernoulli (each frame lost with probability loss) or "
	  "gilbert (Gilbert-Elliott: a good and a bad state, each with its "
	  "own loss)" },
	{ "loss", SC_K_PROB, .def_text = "required (bernoulli)",
	  SLOT(struct sc_fault, loss),
	  .doc = "loss, bernoulli: each frame is lost with this probability" },
	{ "to_bad", SC_K_PROB, .def_text = "required (gilbert)",
	  SLOT(struct sc_fault, to_bad),
	  .doc = "loss, gilbert: after each frame, the chance that the good "
	  "state turns bad" },
	{ "to_good", SC_K_PROB, .def_text = "required (gilbert)",
	  SLOT(struct sc_fault, to_good),
	  .doc = "loss, gilbert: after each frame, the chance that the bad "
	  "state turns good (bad runs last 1 / to_good frames on average)" },
	{ "loss_good", SC_K_PROB, .def = 0, SLOT(struct sc_fault, loss_good),
	  .doc = "loss, gilbert: the loss probability in the good state" },
	{ "loss_bad", SC_K_PROB, .def = 1, SLOT(struct sc_fault, loss_bad),
	  .doc = "loss, gilbert: the loss probability in the bad state" },
	{ "dir", SC_K_CHOICE, CHOICES(sc_fault_dir_names, SC_NFAULTDIRS),
	  .def = SC_DIR_BOTH, SLOT(struct sc_fault, dir),
	  .doc = "loss, duplicate: the directions it strikes, each with its "
	  "own state and streams: both, ab (a to b) or ba" },
	{ "down", SC_K_UNIT, .unit = SIM_UNIT_DURATION_NS, .min = 1,
	  .max = SC_DURATION_MAX_NS, .def_text = "required (flap)",
	  SLOT(struct sc_fault, down_ns),
	  .doc = "flap: how long the link stays down each time; a frame sent "
	  "then is lost" },
	{ "up", SC_K_UNIT, .unit = SIM_UNIT_DURATION_NS, .min = 1,
	  .max = SC_DURATION_MAX_NS, .def_text = "as down",
	  SLOT(struct sc_fault, up_ns),
	  .doc = "flap: how long it stays up between two downs" },
	{ "delay", SC_K_UNIT, .unit = SIM_UNIT_DURATION_NS, .min = 1,
	  .max = SC_LATENCY_MAX_NS,
	  .def_text = "required (dma_delay); one frame's serialisation time "
	  "(duplicate)", SLOT(struct sc_fault, delay_ns),
	  .doc = "dma_delay: how much later each transfer completes (in "
	  "order: one never overtakes another); duplicate: how long after "
	  "the original its copy arrives" },
	{ "fail", SC_K_PROB, .def = 1, SLOT(struct sc_fault, fail),
	  .doc = "mbuf_exhaustion: each KM_NOSLEEP allocation fails with "
	  "this probability (KM_SLEEP ones wait, so they succeed)" },
	{ "probability", SC_K_PROB, .def_text = "required (duplicate)",
	  SLOT(struct sc_fault, probability),
	  .doc = "duplicate: each frame that is not lost arrives a second "
	  "time, a frame of its own, with this probability" },
};

const struct sc_obj sc_obj_fault = {
	"fault", "a fault object such as {\"kind\": \"loss\", \"target\": "
	"\"l0\", \"end\": \"10ms\", \"loss\": 0.1}", "fault objects",
	"a fault: what strikes (kind) which part of the machine (target), "
	"from start to end or for count occurrences", KEYS(fault_keys),
	fault_any_of,
};

/* ---- The workload: its own keys; each program adds its parameters. ---- */

static const struct sc_key program_keys[] = {
	{ "program", SC_K_NAME, true, .doc = "which program (below)" },
	{ "host", SC_K_NAME, .def_text = "the only host",
	  .doc = "the host it runs on; may be left out when there is only "
	  "one" },
	{ "brane", SC_K_BRANE_NAME, .def_str = "default",
	  .doc = "the brane (network stack) its process and sockets belong "
	  "to; one of its host's" },
};

const struct sc_obj sc_obj_program = {
	"program", "a program object such as {\"program\": \"counter\"}",
	"program objects", "a program run in its own LWP on a host, with "
	"its parameters", KEYS(program_keys),
};

/* ---- The small sections. ---- */

static const struct sc_key record_keys[] = {
	{ "interval", SC_K_UNIT, .unit = SIM_UNIT_DURATION_NS, .min = 0,
	  .max = SC_DURATION_MAX_NS, .def = 1000000,
	  SLOT(struct scenario, record.interval_ns),
	  .doc = "counter sampling period; 0 samples only at the end" },
	{ "counters", SC_K_BOOL, .def = true,
	  SLOT(struct scenario, record.counters),
	  .doc = "write the counters time series" },
	{ "packets", SC_K_BOOL, .def = false,
	  SLOT(struct scenario, record.packets),
	  .doc = "record each traced packet's stages (app send, NIC, "
	  "interrupt, poll, ip_input, demux, socket wake, app receive; a TCP "
	  "segment's tcp_output, tcp_rexmit, tcp_input) in packet_stages, "
	  "and TCP's loss recovery in tcp_events; see the packets, "
	  "flow_latency and tcp_recovery views" },
};

const struct sc_obj sc_obj_record = {
	"record", NULL, NULL, "what the run writes to the database",
	KEYS(record_keys),
};

static const struct sc_key limits_keys[] = {
	{ "events", SC_K_INT, .min = 0, .max = INT64_MAX, .def = 0,
	  SLOT(struct scenario, limits.max_events),
	  .doc = "stop with status 5 after this many events; 0: no limit" },
	{ "points", SC_K_INT, .min = 0, .max = INT64_MAX, .def = 0,
	  SLOT(struct scenario, limits.max_points),
	  .doc = "stop with status 5 after this many scheduling points; 0: "
	  "no limit" },
};

const struct sc_obj sc_obj_limits = {
	"limits", NULL, NULL, "where the run stops on its own", KEYS(limits_keys),
};

static const struct sc_key interleaving_keys[] = {
	{ "policy", SC_K_CHOICE, CHOICES(sc_policy_names, SC_NPOLICIES),
	  .def = SC_POLICY_TIME, SLOT(struct scenario, interleaving.policy),
	  .doc = "how the machine picks among CPUs that could run next: "
	  "time = smallest local clock, ties broken by the seed; random, pct "
	  "and pos reorder within the skew bound once every host has booted "
	  "(README, \"How the policies reorder\"); --policy overrides it" },
	{ "window", SC_K_WINDOW, .unit = SIM_UNIT_DURATION_NS,
	  .max = SC_WINDOW_MAX_NS, .def = SC_WINDOW_DEFAULT_NS,
	  SLOT(struct scenario, interleaving.window_ns),
	  .doc = "under time (and while hosts boot), CPUs whose clocks fall "
	  "in the same window of this many nanoseconds are tied and ordered "
	  "by the seed; 0 or 1: exact ties only" },
	{ "lookahead", SC_K_BOOL, .def = true,
	  SLOT(struct scenario, interleaving.lookahead),
	  .doc = "under time, a CPU runs on past other hosts' CPUs by the "
	  "least link delay (what no frame between two hosts takes less "
	  "than): each host sees what it would see without, only hosts' "
	  "turns interleave differently; off when a link has no delay or "
	  "is bridged to Linux; false: every CPU cuts in at its clock" },
	{ "jitter", SC_K_PROB, .def = 0, .doc = "stretch every charged cost "
	  "by a seeded random 0..jitter of itself (per CPU), so CPUs running "
	  "the same loop drift as real cores do; 0 keeps costs exact" },
	{ "skew", SC_K_UNIT, .unit = SIM_UNIT_DURATION_NS, .min = 0,
	  .max = SC_SKEW_MAX_NS, .def = SC_SKEW_DEFAULT_NS,
	  SLOT(struct scenario, interleaving.skew_ns),
	  .doc = "random, pct, pos: how far ahead of the earliest runnable CPU "
	  "another may act; the CPUs it overtakes wait and their clocks move "
	  "up (cpu.skew_ns)" },
	{ "depth", SC_K_INT, .min = 1, .max = SC_PCT_DEPTH_MAX,
	  .def = SC_PCT_DEPTH_DEFAULT, SLOT(struct scenario, interleaving.depth),
	  .doc = "pct: the bug depth d it aims at (d - 1 priority change "
	  "points); --depth overrides it" },
	{ "steps", SC_K_INT, .min = 0, .max = INT64_MAX, .def = 0,
	  SLOT(struct scenario, interleaving.steps),
	  .doc = "pct: k, the scheduling points after boot its change points "
	  "are drawn among; 0: limits.points if set, else counted by a first "
	  "pass of the same seed under time" },
	{ "plain_points", SC_K_UNIT, .unit = SIM_UNIT_DURATION_NS, .min = 0,
	  .max = 1000000, .def = 0,
	  SLOT(struct scenario, interleaving.plain_point_ns),
	  .doc = "in the exploration build (make explore), make every plain "
	  "load and store of the stack to shared memory a scheduling point "
	  "that costs this long, so the machine can put another CPU between "
	  "two of them; 0: they are not; the release build ignores it" },
};

const struct sc_obj sc_obj_interleaving = {
	"interleaving", NULL, NULL, "how the machine orders CPUs",
	KEYS(interleaving_keys),
};

static const struct sc_key top_keys[] = {
	{ "name", SC_K_NAME, true, .doc = "the scenario's name, as results "
	  "are filed under" },
	{ "description", SC_K_TEXT, .max = SC_DESCRIPTION_MAX,
	  .def_text = "none", .doc = "free text for people" },
	{ "seed", SC_K_INT, .min = 0, .max = INT64_MAX, .def = 1,
	  SLOT(struct scenario, seed), .doc = "seeds every random choice of "
	  "the run; --seed overrides it" },
	{ "duration", SC_K_UNIT, .unit = SIM_UNIT_DURATION_NS, .min = 1,
	  .max = SC_DURATION_MAX_NS, .def = NS_PER_S,
	  SLOT(struct scenario, duration_ns), .doc = "the virtual time cap; "
	  "a workload still running then ends the run with status 5 (a run "
	  "ends earlier once its workload is done: see \"When a run ends\" "
	  "in the README)" },
	{ "realtime", SC_K_BOOL, .def = false,
	  SLOT(struct scenario, realtime), .doc = "pace virtual time to the "
	  "wall clock and meet the outside world (bridges); such a run is not "
	  "deterministic and claims no fingerprint; --realtime sets it (see "
	  "\"Talking to Linux\" in the README)" },
	{ "hosts", SC_K_ARRAY, true, .min = 1, .max = SC_HOSTS_MAX,
	  .obj = &sc_obj_host, .doc = "the simulated machines" },
	{ "switches", SC_K_ARRAY, .max = SC_SWITCHES_MAX,
	  .obj = &sc_obj_switch, .def_text = "none",
	  .doc = "learning Ethernet switches" },
	{ "links", SC_K_ARRAY, .max = SC_LINKS_MAX, .obj = &sc_obj_link,
	  .def_text = "none", .doc = "links, each joining two of: a host's "
	  "NIC, a switch's port; each takes at most one link" },
	{ "workload", SC_K_PROGRAMS, .max = SC_PROGRAMS_MAX,
	  .obj = &sc_obj_program, .def_text = "none",
	  .doc = "the programs to run, each in its own LWP on a host" },
	{ "faults", SC_K_ARRAY, .max = SC_FAULTS_MAX, .obj = &sc_obj_fault,
	  .def_text = "none", .doc = "faults and storms: what strikes which "
	  "part of the machine, and when (see \"Faults\" in the README)" },
	{ "record", SC_K_OBJECT, .obj = &sc_obj_record, .def_text = "",
	  .doc = "what the run writes to the database" },
	{ "limits", SC_K_OBJECT, .obj = &sc_obj_limits, .def_text = "",
	  .doc = "where the run stops on its own" },
	{ "interleaving", SC_K_OBJECT, .obj = &sc_obj_interleaving,
	  .def_text = "", .doc = "how the machine orders CPUs" },
	{ "sweep", SC_K_SWEEP, .min = 1, .max = SC_SWEEP_VALUES_MAX,
	  .def_text = "none", .doc = "a grid of values to run the scenario "
	  "at: each key a JSON path into the scenario (\"workload[1].rate\", "
	  "\"hosts[2].rx_model\") with an array of values, each checked as "
	  "if written there; \"seeds\": an array of seeds.  `netsim run` "
	  "runs every point of the cross product as one campaign (see "
	  "\"Sweeps and campaigns\" in the README)" },
};

const struct sc_obj sc_obj_top = {
	"scenario", NULL, NULL, "a netsim scenario: hosts, their CPUs, cost "
	"tables and NICs, the switches and links between them, and the "
	"programs they run", KEYS(top_keys),
};

const struct sc_obj *const sc_objs[] = {
	&sc_obj_top, &sc_obj_host, &sc_obj_probe_cost, &sc_obj_nic,
	&sc_obj_vpair, &sc_obj_vpair_end, &sc_obj_brane, &sc_obj_route,
	&sc_obj_switch, &sc_obj_link, &sc_obj_bridge, &sc_obj_program,
	&sc_obj_fault, &sc_obj_record, &sc_obj_limits, &sc_obj_interleaving,
	NULL,
};

const struct sc_key *
sc_key(const struct sc_obj *o, const char *name)
{
	assert(o != NULL && name != NULL);
	for (unsigned i = 0; i < o->nkeys; i++)
		if (strcmp(o->keys[i].name, name) == 0)
			return &o->keys[i];
	assert(!"sc_key: no such key in the format");
	return NULL;
}
