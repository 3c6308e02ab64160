/*
 * native_test.c -- the failure reports of the native test programs (see
 * native_test.h).  Linked into every native program; only the tests call
 * it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/native/native_test.h"

static const char *native_test_prog = "test";
static char native_test_cmdline[256];

void
native_test_init(const char *prog, int argc, char **argv)
{
	size_t len = 0;

	native_test_prog = prog;
	for (int i = 0; i < argc && len < sizeof(native_test_cmdline); i++)
		len += (size_t)snprintf(native_test_cmdline + len,
		    sizeof(native_test_cmdline) - len, "%s%s", i ? " " : "",
		    argv[i]);
}

void
native_test_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: FAIL: ", native_test_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nreplay: %s\n", native_test_cmdline);
	exit(1);
}

unsigned long
native_test_number(const char *s, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "%s: \"%s\" is not a number in %lu..%lu\n",
		    native_test_prog, s, lo, hi);
		exit(2);
	}
	return v;
}
