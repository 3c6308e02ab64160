/*
 * test_cksum.c -- the Internet checksum over mbuf chains, run as stack
 * code on the simulated machine, checked by tests/test_cksum.py against a
 * reference written in Python.
 *
 * Reads cases from standard input, one a line, and prints one result a
 * line: the checksum as the two bytes stored in the packet, in hex, or
 * -1.
 *
 *   cksum PROTO OFF LEN HEX SEGS   in4_cksum(m, PROTO, OFF, LEN) over a
 *                                  chain holding HEX ("-" for none) cut as
 *                                  SEGS: "len@lead,..." (bytes in each
 *                                  mbuf, and room left before them); with
 *                                  PROTO and OFF 0, in_cksum(m, LEN) too,
 *                                  which must agree
 *   fix16 CK OLD NEW               in_cksum_fixup16 on stored bytes (hex)
 *   fix32 CK OLD NEW               in_cksum_fixup32
 *
 * A failed check stops the run with a report (exit 3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sched/machine.h"
#include "sim/world/testhook.h"
#include "stack/netinet/in_cksum.h"
#include "stack/kern/mbuf.h"

#define MAX_CASES       100000
#define MAX_LINE        (1 << 16)

static char **lines;
static int nlines;

/* Hex to bytes; returns the count, or -1. */
static int
unhex(const char *h, uint8_t *out, int max)
{
	int n = 0;
	unsigned v;

	if (strcmp(h, "-") == 0)
		return 0;
	for (; h[0] != '\0' && h[1] != '\0' && n < max; h += 2) {
		if (sscanf(h, "%2x", &v) != 1)
			return -1;
		out[n++] = (uint8_t)v;
	}
	return h[0] == '\0' ? n : -1;
}

/* The chain: data cut as segs says. */
static struct mbuf *
build(const uint8_t *data, int len, char *segs)
{
	struct mbuf *top = NULL, **mp = &top, *m;
	int done = 0, seg, lead;

	for (char *tok = strtok(segs, ","); tok != NULL;
	    tok = strtok(NULL, ",")) {
		if (sscanf(tok, "%d@%d", &seg, &lead) != 2 || seg < 0 ||
		    lead < 0 || seg + lead > MCLBYTES || done + seg > len)
			panic("bad segment \"%s\"", tok);
		m = top == NULL ? m_gethdr(M_WAIT, MT_DATA) :
		    m_get(M_WAIT, MT_DATA);
		if (seg + lead > m_storage_end(m) - m->m_data)
			m_clget(m, M_WAIT);
		m->m_data += lead;
		memcpy(mtod(m, uint8_t *), data + done, (size_t)seg);
		m->m_len = seg;
		done += seg;
		*mp = m;
		mp = &m->m_next;
	}
	if (top == NULL || done != len)
		panic("segments hold %d of %d bytes", done, len);
	top->m_pkthdr.len = len;
	m_verify_packet(top);
	return top;
}

static void
print_sum(int r)
{
	uint16_t v = (uint16_t)r;
	uint8_t b[2];

	if (r < 0) {
		printf("-1\n");
		return;
	}
	memcpy(b, &v, 2);
	printf("%02x%02x\n", b[0], b[1]);
}

static void
do_cksum(char *args, uint8_t *buf)
{
	static char hex[MAX_LINE], segs[MAX_LINE];
	int proto, off, len, n, r;
	struct mbuf *m;

	if (sscanf(args, "%d %d %d %s %s", &proto, &off, &len, hex, segs) != 5
	    || (n = unhex(hex, buf, MAX_LINE)) < 0)
		panic("bad cksum case: %s", args);
	m = build(buf, n, segs);
	r = in4_cksum(m, (uint8_t)proto, off, len);
	if (proto == 0 && off == 0 && in_cksum(m, len) != r)
		panic("in_cksum and in4_cksum differ: %s", args);
	print_sum(r);
	m_freem(m);
}

static void
do_fix(char *args, bool wide)
{
	char a[16], b[16], c[16];
	uint8_t ck[2], o[4], n[4];
	uint16_t vck, vo16, vn16, r;
	uint32_t vo32, vn32;
	int w = wide ? 4 : 2;

	if (sscanf(args, "%15s %15s %15s", a, b, c) != 3 ||
	    unhex(a, ck, 2) != 2 || unhex(b, o, w) != w || unhex(c, n, w) != w)
		panic("bad fixup case: %s", args);
	memcpy(&vck, ck, 2);
	if (wide) {
		memcpy(&vo32, o, 4);
		memcpy(&vn32, n, 4);
		r = in_cksum_fixup32(vck, vo32, vn32);
	} else {
		memcpy(&vo16, o, 2);
		memcpy(&vn16, n, 2);
		r = in_cksum_fixup16(vck, vo16, vn16);
	}
	print_sum(r);
}

static void
run_cases(void *arg)
{
	uint8_t *buf = malloc(MAX_LINE);

	(void)arg;
	for (int i = 0; i < nlines; i++) {
		char *l = lines[i];

		if (strncmp(l, "cksum ", 6) == 0)
			do_cksum(l + 6, buf);
		else if (strncmp(l, "fix16 ", 6) == 0)
			do_fix(l + 6, false);
		else if (strncmp(l, "fix32 ", 6) == 0)
			do_fix(l + 6, true);
		else
			panic("unknown case: %s", l);
	}
	free(buf);
}

int
main(void)
{
	struct sim_test_opts o;
	static char line[MAX_LINE * 3];
	int status;

	lines = calloc(MAX_CASES, sizeof(*lines));
	while (nlines < MAX_CASES && fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '\0')
			lines[nlines++] = strdup(line);
	}
	memset(&o, 0, sizeof(o));
	o.quiet = 1;
	status = sim_test_run(&o, run_cases, NULL, NULL);
	for (int i = 0; i < nlines; i++)
		free(lines[i]);
	free(lines);
	if (status != 0)
		fprintf(stderr, "test_cksum: run ended with status %d\n", status);
	return status;
}
