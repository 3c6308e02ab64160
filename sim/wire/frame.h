/*
 * frame.h -- Ethernet frames on the simulated wires, and where their
 * memory comes from.
 *
 * A frame is the bytes a real MAC puts on the wire between the start of
 * frame delimiter and the frame check sequence: destination MAC, source
 * MAC, ethertype, payload.  The FCS is not in the bytes, but the wire
 * counts it, with the preamble+SFD and the inter-frame gap, when it works
 * out how long a frame takes (SIM_FRAME_WIRE_BYTES).  A frame shorter
 * than the Ethernet minimum of 60 bytes is padded with zeros by the link
 * that sends it, as a real MAC does.
 *
 * Frames live in a pool (one per topology): slabs of frames of three
 * sizes, small (up to SIM_FRAME_SMALL_BYTES, so that a flood of small
 * packets in flight costs a few hundred bytes each, not two kilobytes),
 * standard (up to SIM_FRAME_STD_BYTES) and jumbo (up to
 * SIM_FRAME_BYTES_MAX), cut as needed and kept on free lists, with a cap
 * on how many may be in use at once.  Frame memory is the machine's, never
 * the stack's: a NIC model copies bytes between frames and host memory.
 * Every frame gets an id, unique in the run and given in allocation
 * order, so a trace can follow it.
 */
#ifndef SIM_FRAME_H
#define SIM_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_ETHER_ADDR_LEN      6
#define SIM_ETHER_HDR_LEN       14      /* dst, src, ethertype */
#define SIM_ETHER_MIN_LEN       60      /* without FCS; shorter is padded */
#define SIM_ETHER_FCS_LEN       4
#define SIM_ETHER_PREAMBLE_LEN  8       /* 7 bytes preamble, 1 byte SFD */
#define SIM_ETHER_IFG_LEN       12      /* the inter-frame gap, in byte times */

/* Bytes of wire time a frame of len bytes (without FCS) takes: 84 for 60. */
#define SIM_FRAME_WIRE_BYTES(len) \
	(((len) < SIM_ETHER_MIN_LEN ? SIM_ETHER_MIN_LEN : (len)) + \
	SIM_ETHER_FCS_LEN + SIM_ETHER_PREAMBLE_LEN + SIM_ETHER_IFG_LEN)

#define SIM_FRAME_SMALL_BYTES   256     /* ACKs, pings, small datagrams */
#define SIM_FRAME_STD_BYTES     2048    /* covers 1514 and a VLAN tag */
#define SIM_FRAME_BYTES_MAX     9234    /* a 9216-byte MTU, header, VLAN tag */
#define SIM_FRAME_CLASSES       3
#define SIM_FRAME_POOL_DEFAULT_MAX (1u << 18)   /* frames in use at once */

struct sim_frame_pool;
struct sim_link_dir;

struct sim_frame {
	uint64_t id;            /* unique in the run, from 1 (read-only) */
	uint32_t len;           /* bytes in data, no FCS (read-write) */
	uint32_t cap;           /* bytes data can hold (read-only) */
	uint8_t *data;          /* dst MAC, src MAC, ethertype, payload */
	uint64_t tag;           /* free for the frame's current owner */
	uint64_t pkt_id;        /* the stack's packet id it carries, or 0:
				   per-packet records follow it (read-write) */

	/* Private. */
	struct sim_frame *next;         /* the owner's queue, or a free list */
	struct sim_frame_pool *pool;
	struct sim_link_dir *on;        /* the link carrying it (link.c) */
	bool is_free;                   /* on the pool's free list */
};

struct sim_frame_slab;

struct sim_frame_pool {
	struct sim_frame *free[SIM_FRAME_CLASSES];  /* small, standard, jumbo */
	struct sim_frame_slab *slabs;   /* every slab cut, to free at the end */
	uint64_t next_id;
	uint64_t in_use;
	uint64_t in_use_max;            /* the cap: alloc fails beyond it */
	uint64_t in_use_hw;             /* high-water mark */
	uint64_t failed;                /* allocations refused */
};

void	sim_frame_pool_init(struct sim_frame_pool *, uint64_t in_use_max);
/* => frees every frame, in use or not; accepts a pool already finished */
void	sim_frame_pool_fini(struct sim_frame_pool *);

/*
 * A frame of len bytes (contents undefined), or NULL when the pool is at
 * its cap or out of memory (counted in pool->failed).
 * => len <= SIM_FRAME_BYTES_MAX
 */
struct sim_frame *sim_frame_alloc(struct sim_frame_pool *, uint32_t len);
/* A new frame (new id) with f's bytes and tag, or NULL as above. */
struct sim_frame *sim_frame_copy(const struct sim_frame *f);
/* => f came from a pool and is not on any queue; accepts NULL */
void	sim_frame_free(struct sim_frame *f);

static inline const uint8_t *
sim_frame_dst(const struct sim_frame *f)
{
	return f->data;
}

static inline const uint8_t *
sim_frame_src(const struct sim_frame *f)
{
	return f->data + SIM_ETHER_ADDR_LEN;
}

static inline uint16_t
sim_frame_ethertype(const struct sim_frame *f)
{
	return (uint16_t)(f->data[12] << 8 | f->data[13]);
}

/* Group (broadcast or multicast) destinations have the I/G bit set. */
static inline bool
sim_ether_is_group(const uint8_t *mac)
{
	return (mac[0] & 1) != 0;
}

/* A 48-bit MAC as an integer, first octet most significant. */
static inline uint64_t
sim_ether_key(const uint8_t *mac)
{
	uint64_t k = 0;

	for (int i = 0; i < SIM_ETHER_ADDR_LEN; i++)
		k = k << 8 | mac[i];
	return k;
}

/* Write dst, src and ethertype into the first 14 bytes of f. */
void	sim_frame_set_header(struct sim_frame *f, const uint8_t *dst,
	    const uint8_t *src, uint16_t ethertype);

#endif /* SIM_FRAME_H */
