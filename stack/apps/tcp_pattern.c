/*
 * tcp_pattern.c -- the seeded byte stream of tcp_client and tcp_stream:
 * what they send, and what a client checks the echo against, byte for
 * byte (every byte back, in order, exactly once).
 *
 * The stream is cut into blocks of TCP_PATTERN_BLOCK bytes.  Every block
 * is one table of random bytes, made once from the seed, XORed with the
 * block's own 8-byte key, mix(keyseed + block number), repeated:
 *
 *	byte pos = table[pos % BLOCK] ^ byte (pos % 8) of key(pos / BLOCK)
 *
 * (the key's bytes little-endian, so a stream is the same on any host).
 * So the bytes depend on the seed and on the offset: bytes put in the
 * wrong place in a block read another table byte, in another block
 * another key, and a block's key repeats nowhere else in the stream (a
 * segment delivered twice, or late by a multiple of any buffer's size,
 * shows).  Making it is a copy with an XOR, a word at a time; checking
 * it compares without making a second buffer.  The old pattern, one
 * 64-bit mix a word, cost 3 instructions a byte: of a saturated bulk
 * transfer's 60,600 instructions a segment, 4,500 were the sender's
 * pattern (bench/README.md, "TCP per segment").
 *
 * Never calls a kernel service: tests/c/test_tcp_pattern.c checks it
 * on its own.
 */
#include <sys/kern.h>

#include <string.h>

#include "tcp_pattern.h"

CTASSERT(TCP_PATTERN_BLOCK % 64 == 0);

#define TP_GROUP        64              /* bytes a step of the fast loops */

static uint64_t
tp_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static uint64_t
tp_load(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

static void
tp_store(uint8_t *p, uint64_t w)
{
	memcpy(p, &w, sizeof(w));
}

/*
 * Block j's key, its bytes in stream order twice over (kb[i] is the key
 * of stream bytes with pos % 8 == i % 8), and *kw the word whose bytes
 * in memory are kb[r..r+8): XORed onto 8 bytes that start at a pos with
 * pos % 8 == r.
 */
static void
tp_key(const struct tcp_pattern *tp, uint64_t j, u_int r, uint8_t kb[16],
    uint64_t *kw)
{
	uint64_t k = tp_mix(tp->tp_keyseed + j);

	KASSERT(r < 8);
	for (u_int i = 0; i < 8; i++)
		kb[i] = kb[i + 8] = (uint8_t)(k >> (8 * i));
	*kw = tp_load(kb + r);
}

/* d = s ^ kw, 64 bytes (written out: gcc and clang make 16-byte XORs). */
static inline void
tp_xor_group(uint8_t *restrict d, const uint8_t *restrict s, uint64_t kw)
{
	tp_store(d, tp_load(s) ^ kw);
	tp_store(d + 8, tp_load(s + 8) ^ kw);
	tp_store(d + 16, tp_load(s + 16) ^ kw);
	tp_store(d + 24, tp_load(s + 24) ^ kw);
	tp_store(d + 32, tp_load(s + 32) ^ kw);
	tp_store(d + 40, tp_load(s + 40) ^ kw);
	tp_store(d + 48, tp_load(s + 48) ^ kw);
	tp_store(d + 56, tp_load(s + 56) ^ kw);
}

/* Nonzero if the 64 bytes of b are not s ^ kw. */
static inline uint64_t
tp_diff_group(const uint8_t *restrict b, const uint8_t *restrict s,
    uint64_t kw)
{
	uint64_t d;

	d = tp_load(b) ^ tp_load(s) ^ kw;
	d |= tp_load(b + 8) ^ tp_load(s + 8) ^ kw;
	d |= tp_load(b + 16) ^ tp_load(s + 16) ^ kw;
	d |= tp_load(b + 24) ^ tp_load(s + 24) ^ kw;
	d |= tp_load(b + 32) ^ tp_load(s + 32) ^ kw;
	d |= tp_load(b + 40) ^ tp_load(s + 40) ^ kw;
	d |= tp_load(b + 48) ^ tp_load(s + 48) ^ kw;
	d |= tp_load(b + 56) ^ tp_load(s + 56) ^ kw;
	return d;
}

/* The bytes among n of b that are not s ^ key, byte by byte. */
static size_t
tp_count(const uint8_t *b, const uint8_t *s, size_t n, const uint8_t *kb,
    u_int r)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++)
		bad += b[i] != (uint8_t)(s[i] ^ kb[(r + i) % 8]);
	return bad;
}

void
tcp_pattern_init(struct tcp_pattern *tp, uint64_t seed)
{
	KASSERT(tp != NULL);
	for (u_int i = 0; i < TCP_PATTERN_BLOCK / 8; i++) {
		uint64_t w = tp_mix(seed + i);

		for (u_int b = 0; b < 8; b++)
			tp->tp_table[8 * i + b] = (uint8_t)(w >> (8 * b));
	}
	tp->tp_keyseed = tp_mix(seed ^ 0x9e3779b97f4a7c15ull);
}

void
tcp_pattern_fill(const struct tcp_pattern *tp, uint64_t pos, void *buf,
    size_t len)
{
	uint8_t *p = buf, kb[16];
	uint64_t kw;
	size_t off, n, i;
	u_int r;

	KASSERT(tp != NULL && (buf != NULL || len == 0));
	while (len > 0) {
		off = (size_t)(pos % TCP_PATTERN_BLOCK);
		n = MIN(len, TCP_PATTERN_BLOCK - off);
		r = (u_int)(off % 8);
		tp_key(tp, pos / TCP_PATTERN_BLOCK, r, kb, &kw);
		for (i = 0; i + TP_GROUP <= n; i += TP_GROUP)
			tp_xor_group(p + i, tp->tp_table + off + i, kw);
		for (; i < n; i++)
			p[i] = (uint8_t)(tp->tp_table[off + i] ^ kb[(r + i) % 8]);
		p += n;
		pos += n;
		len -= n;
	}
}

size_t
tcp_pattern_check(const struct tcp_pattern *tp, uint64_t pos,
    const void *buf, size_t len)
{
	const uint8_t *p = buf, *s;
	uint8_t kb[16];
	uint64_t kw;
	size_t off, n, i, bad = 0;
	u_int r;

	KASSERT(tp != NULL && (buf != NULL || len == 0));
	while (len > 0) {
		off = (size_t)(pos % TCP_PATTERN_BLOCK);
		n = MIN(len, TCP_PATTERN_BLOCK - off);
		r = (u_int)(off % 8);
		s = tp->tp_table + off;
		tp_key(tp, pos / TCP_PATTERN_BLOCK, r, kb, &kw);
		for (i = 0; i + TP_GROUP <= n; i += TP_GROUP)
			if (tp_diff_group(p + i, s + i, kw))
				bad += tp_count(p + i, s + i, TP_GROUP, kb, r);
		bad += tp_count(p + i, s + i, n - i, kb, r);
		p += n;
		pos += n;
		len -= n;
	}
	KASSERT(bad <= (size_t)(p - (const uint8_t *)buf));
	return bad;
}
