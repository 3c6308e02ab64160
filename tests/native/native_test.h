/*
 * native_test.h -- how a native test program (tests/native/test_*.c)
 * reports: a failed check prints "PROG: FAIL: what failed" and the
 * command line that replays it, and exits 1; a bad number on the command
 * line is a message and exit 2.
 *
 * A threaded run is not deterministic: the replay runs the same workload
 * again, it does not promise the same interleaving.
 */
#ifndef TESTS_NATIVE_NATIVE_TEST_H
#define TESTS_NATIVE_NATIVE_TEST_H

#include <sys/kern.h>

/* Remember the program's name and its command line, for the reports. */
void	native_test_init(const char *prog, int argc, char **argv);
/* Report a failed check with the replay line; never returns. */
void	native_test_fail(const char *fmt, ...) __printflike(1, 2) __noreturn;
/* s as a decimal number in lo..hi, else a message and exit status 2. */
unsigned long native_test_number(const char *s, unsigned long lo,
	    unsigned long hi);

#define CHECK(e, ...) do { if (!(e)) native_test_fail(__VA_ARGS__); } while (0)

#endif
