/*
 * tcp_pattern.h -- the seeded byte stream a TCP client sends and checks
 * (tcp_pattern.c says how it is made).
 */
#ifndef _STACK_APPS_TCP_PATTERN_H_
#define _STACK_APPS_TCP_PATTERN_H_

#include <stddef.h>
#include <stdint.h>

#define TCP_PATTERN_BLOCK       2048    /* bytes of a block: one key each */

/* Legend: c = constant after tcp_pattern_init. */
struct tcp_pattern {
	uint64_t tp_keyseed;                    /* c: the blocks' keys' */
	uint8_t tp_table[TCP_PATTERN_BLOCK];    /* c: every block's base */
};

/*
 * Make the pattern of this seed.
 * => pure: no kernel service, no allocation (tp is the caller's)
 */
void	tcp_pattern_init(struct tcp_pattern *tp, uint64_t seed);

/* Write the len bytes of the stream from offset pos into buf. */
void	tcp_pattern_fill(const struct tcp_pattern *tp, uint64_t pos,
	    void *buf, size_t len);

/*
 * Compare buf with the len bytes of the stream from offset pos, without
 * making them.  => the number of bytes that differ (0: all right)
 */
size_t	tcp_pattern_check(const struct tcp_pattern *tp, uint64_t pos,
	    const void *buf, size_t len);

#endif /* _STACK_APPS_TCP_PATTERN_H_ */
