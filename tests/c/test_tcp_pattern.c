/*
 * test_tcp_pattern.c -- the seeded stream of tcp_client
 * (stack/apps/tcp_pattern.c), checked by tests/test_tcp_pattern.py
 * against a reference written in Python from the definition.
 *
 * Reads cases from standard input, one a line, and prints one result a
 * line:
 *
 *   fill SEED POS LEN      the LEN bytes of the stream from POS, in hex
 *   check SEED POS HEX     the bytes of HEX that are not the stream's
 *                          from POS (a count)
 *
 * SEED and POS are decimal.  The functions are pure (no kernel
 * service), so no machine is built.  A malformed line exits 2.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/apps/tcp_pattern.h"

#define MAX_BYTES       65536
#define MAX_LINE        (2 * MAX_BYTES + 128)

static int
unhex(const char *h, uint8_t *out, size_t max, size_t *n)
{
	unsigned v;

	for (*n = 0; h[0] != '\0' && h[1] != '\0'; h += 2) {
		if (*n == max || sscanf(h, "%2x", &v) != 1)
			return -1;
		out[(*n)++] = (uint8_t)v;
	}
	return h[0] == '\0' ? 0 : -1;
}

int
main(void)
{
	static char line[MAX_LINE];
	static char hex[MAX_LINE];
	static uint8_t buf[MAX_BYTES];
	static struct tcp_pattern tp;
	uint64_t seed, pos;
	size_t len;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (sscanf(line, "fill %" SCNu64 " %" SCNu64 " %zu", &seed, &pos,
		    &len) == 3 && len <= MAX_BYTES) {
			tcp_pattern_init(&tp, seed);
			tcp_pattern_fill(&tp, pos, buf, len);
			for (size_t i = 0; i < len; i++)
				printf("%02x", buf[i]);
			printf("\n");
		} else if (sscanf(line, "check %" SCNu64 " %" SCNu64 " %s", &seed,
		    &pos, hex) == 3 && unhex(hex, buf, MAX_BYTES, &len) == 0) {
			tcp_pattern_init(&tp, seed);
			printf("%zu\n", tcp_pattern_check(&tp, pos, buf, len));
		} else {
			fprintf(stderr, "test_tcp_pattern: bad line: %s", line);
			return 2;
		}
	}
	return 0;
}
