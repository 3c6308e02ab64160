/*
 * frame.c -- the frame pool (see frame.h).
 *
 * Frames are cut from slabs of SLAB_FRAMES at a time and go back to a
 * free list when freed; slabs are only given back when the pool ends, so
 * the per-packet path calls malloc once per SLAB_FRAMES frames at most,
 * and a frame still in flight when the run ends (in an event, on a queue)
 * is freed with its slab.  Nothing here looks at a pointer's value: ids
 * come from a counter.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim/wire/frame.h"

#define SLAB_FRAMES     64

struct sim_frame_slab {
	struct sim_frame_slab *next;
	/* then SLAB_FRAMES of (struct sim_frame, data[cap]) */
};

static const uint32_t class_cap[SIM_FRAME_CLASSES] = {
    SIM_FRAME_SMALL_BYTES, SIM_FRAME_STD_BYTES, SIM_FRAME_BYTES_MAX };

/* A link pads a short frame in place, up to the Ethernet minimum. */
_Static_assert(SIM_FRAME_SMALL_BYTES >= SIM_ETHER_MIN_LEN,
    "every frame has room for the padding");

/* The smallest class that holds len bytes. */
static int
frame_class(uint32_t len)
{
	int cls = 0;

	while (len > class_cap[cls]) {
		cls++;
		assert(cls < SIM_FRAME_CLASSES);
	}
	return cls;
}

/* Room for one frame and its bytes, keeping the next header aligned. */
static size_t
frame_stride(int cls)
{
	size_t a = _Alignof(struct sim_frame);

	return (sizeof(struct sim_frame) + class_cap[cls] + a - 1) / a * a;
}

void
sim_frame_pool_init(struct sim_frame_pool *pool, uint64_t in_use_max)
{
	memset(pool, 0, sizeof(*pool));
	pool->next_id = 1;
	pool->in_use_max = in_use_max ? in_use_max : SIM_FRAME_POOL_DEFAULT_MAX;
}

void
sim_frame_pool_fini(struct sim_frame_pool *pool)
{
	struct sim_frame_slab *s, *next;

	for (s = pool->slabs; s != NULL; s = next) {
		next = s->next;
		free(s);
	}
	pool->slabs = NULL;
	memset(pool->free, 0, sizeof(pool->free));
}

/* Cut a new slab of class cls onto its free list. */
static int
pool_grow(struct sim_frame_pool *pool, int cls)
{
	size_t stride = frame_stride(cls);
	size_t hdr = (sizeof(struct sim_frame_slab) +
	    _Alignof(struct sim_frame) - 1) / _Alignof(struct sim_frame) *
	    _Alignof(struct sim_frame);
	struct sim_frame_slab *s = malloc(hdr + SLAB_FRAMES * stride);
	char *base;

	if (s == NULL)
		return -1;
	s->next = pool->slabs;
	pool->slabs = s;
	base = (char *)s + hdr;
	for (int i = SLAB_FRAMES - 1; i >= 0; i--) {
		struct sim_frame *f = (struct sim_frame *)(base + i * stride);

		f->cap = class_cap[cls];
		f->data = (uint8_t *)(f + 1);
		f->pool = pool;
		f->is_free = true;
		f->next = pool->free[cls];
		pool->free[cls] = f;
	}
	return 0;
}

/*
 * sim_frame_alloc with no frame of class cls at hand, or at the cap: a
 * new slab and the allocation again, or NULL.
 */
static struct sim_frame * __attribute__((__noinline__, __cold__))
frame_alloc_slow(struct sim_frame_pool *pool, uint32_t len, int cls)
{
	if (pool->in_use >= pool->in_use_max || pool_grow(pool, cls) != 0) {
		pool->failed++;
		return NULL;
	}
	assert(pool->free[cls] != NULL);
	return sim_frame_alloc(pool, len);
}

struct sim_frame *
sim_frame_alloc(struct sim_frame_pool *pool, uint32_t len)
{
	struct sim_frame *f;
	int cls;

	assert(len <= SIM_FRAME_BYTES_MAX);
	cls = frame_class(len);
	/* The slow path a tail call: no registers saved here. */
	if (pool->in_use >= pool->in_use_max || pool->free[cls] == NULL)
		return frame_alloc_slow(pool, len, cls);
	f = pool->free[cls];
	pool->free[cls] = f->next;
	assert(f->cap == class_cap[cls] && f->pool == pool && f->is_free);
	f->is_free = false;
	f->next = NULL;
	f->on = NULL;
	f->id = pool->next_id++;
	f->len = len;
	f->tag = 0;
	f->pkt_id = 0;
	if (++pool->in_use > pool->in_use_hw)
		pool->in_use_hw = pool->in_use;
	return f;
}

struct sim_frame *
sim_frame_copy(const struct sim_frame *f)
{
	struct sim_frame *c;

	assert(!f->is_free);            /* a freed frame's bytes are anyone's */
	c = sim_frame_alloc(f->pool, f->len);
	if (c == NULL)
		return NULL;
	assert(f->len <= f->cap && f->len <= c->cap);
	memcpy(c->data, f->data, f->len);
	c->tag = f->tag;
	c->pkt_id = f->pkt_id;
	return c;
}

void
sim_frame_free(struct sim_frame *f)
{
	struct sim_frame_pool *pool;
	int cls;

	if (f == NULL)
		return;
	pool = f->pool;
	cls = frame_class(f->cap);
	assert(f->cap == class_cap[cls]);
	assert(!f->is_free);            /* freed twice */
	assert(f->next == NULL);        /* still on a queue, which would break */
	assert(f->on == NULL);          /* still on a link: delivered later */
	assert(pool->in_use > 0);
	f->is_free = true;
	f->next = pool->free[cls];
	f->on = NULL;
	pool->free[cls] = f;
	pool->in_use--;
}

void
sim_frame_set_header(struct sim_frame *f, const uint8_t *dst,
    const uint8_t *src, uint16_t ethertype)
{
	assert(f->len >= SIM_ETHER_HDR_LEN);
	memcpy(f->data, dst, SIM_ETHER_ADDR_LEN);
	memcpy(f->data + SIM_ETHER_ADDR_LEN, src, SIM_ETHER_ADDR_LEN);
	f->data[12] = (uint8_t)(ethertype >> 8);
	f->data[13] = (uint8_t)ethertype;
}
