/*
 * test_fingerprint.c -- folding bytes into the fingerprint
 * (sim_fp_mix_bytes) tells apart what a run could compute differently.
 *
 *	test_fingerprint
 *
 * For every length from 0 to 300 bytes and a full 1514-byte frame: the
 * same bytes fold to the same value wherever they lie in memory; flipping
 * any one bit, swapping any two different 8-byte words, and one more zero
 * byte at the end each give another value.  Exits 0 and prints "ok"; on
 * failure prints what differed and exits 1.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/engine.h"

#define LEN_MAX 1514

/*
 * One engine for every fold, its fingerprint set back to a new engine's
 * before each: a fold is the bytes alone.  (An engine made and destroyed
 * for each of the half million folds cost its event queue's memory each
 * time: 9.5 minutes under AddressSanitizer on a machine where fresh
 * memory is dear, past the suite's 5-minute limit.)
 */
static struct sim_engine fold_engine;
static uint64_t fold_start;

static uint64_t
fold(const unsigned char *p, size_t n)
{
	fold_engine.ctx->fp = fold_start;
	sim_fp_mix_bytes(&fold_engine, p, n);
	return fold_engine.ctx->fp;
}

static void
fail(size_t n, const char *what)
{
	fprintf(stderr, "test_fingerprint: %zu bytes: %s\n", n, what);
	exit(1);
}

static void
check_len(const unsigned char *pattern, size_t n)
{
	static unsigned char buf[LEN_MAX + 16], moved[LEN_MAX + 16];
	uint64_t fp;

	memcpy(buf, pattern, n);
	fp = fold(buf, n);
	memcpy(moved + 3, pattern, n);
	if (fold(moved + 3, n) != fp)
		fail(n, "the same bytes at another address fold differently");
	for (size_t bit = 0; bit < 8 * n; bit++) {
		buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		if (fold(buf, n) == fp)
			fail(n, "a flipped bit folds to the same value");
		buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	for (size_t a = 0; a + 8 <= n; a += 8) {
		for (size_t b = a + 8; b + 8 <= n; b += 8) {
			unsigned char t[8];

			if (memcmp(buf + a, buf + b, 8) == 0)
				continue;
			memcpy(t, buf + a, 8);
			memcpy(buf + a, buf + b, 8);
			memcpy(buf + b, t, 8);
			if (fold(buf, n) == fp)
				fail(n, "two words swapped fold to the same value");
			memcpy(buf + b, buf + a, 8);
			memcpy(buf + a, t, 8);
		}
	}
	buf[n] = 0;
	if (fold(buf, n + 1) == fp)
		fail(n, "one more zero byte folds to the same value");
}

int
main(void)
{
	static unsigned char pattern[LEN_MAX + 1];
	uint64_t x = 0x243f6a8885a308d3ULL;

	sim_engine_init(&fold_engine);
	fold_start = fold_engine.ctx->fp;
	for (size_t i = 0; i < sizeof(pattern); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		pattern[i] = (unsigned char)x;
	}
	for (size_t n = 0; n <= 300; n++)
		check_len(pattern, n);
	check_len(pattern, LEN_MAX);
	sim_engine_fini(&fold_engine);
	printf("ok\n");
	return 0;
}
