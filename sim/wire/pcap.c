/*
 * pcap.c -- the pcap writer (see pcap.h for the format and the capture
 * point).
 *
 * Writes go through a large stdio buffer; the first failure (a full
 * disk) is kept with its errno and reported at close, so a capture never
 * stops a run but never fails silently either.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/wire/pcap.h"

#define PCAP_BUF_BYTES  (1u << 20)
#define NS_PER_S        1000000000ULL

struct sim_pcap {
	FILE *fp;
	char *path;
	char *buf;              /* stdio's buffer, ours to free */
	uint64_t frames;
	int err;                /* errno of the first failed write, or 0 */
};

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
pcap_put(struct sim_pcap *pc, const void *p, size_t n)
{
	if (pc->err != 0)
		return;
	errno = 0;
	if (fwrite(p, 1, n, pc->fp) != n)
		pc->err = errno != 0 ? errno : EIO;
}

struct sim_pcap *
sim_pcap_open(const char *path, char *err, size_t errlen)
{
	struct sim_pcap *pc = calloc(1, sizeof(*pc));
	uint8_t h[24];

	if (pc == NULL || (pc->path = strdup(path)) == NULL ||
	    (pc->buf = malloc(PCAP_BUF_BYTES)) == NULL) {
		snprintf(err, errlen, "pcap file %s: cannot open: out of memory",
		    path);
		goto fail;
	}
	if ((pc->fp = fopen(path, "wb")) == NULL) {
		snprintf(err, errlen, "pcap file %s: cannot open: %s", path,
		    strerror(errno));
		goto fail;
	}
	setvbuf(pc->fp, pc->buf, _IOFBF, PCAP_BUF_BYTES);
	put32(h, SIM_PCAP_MAGIC_NS);
	put16(h + 4, 2);                /* version 2.4 */
	put16(h + 6, 4);
	put32(h + 8, 0);                /* thiszone: UTC */
	put32(h + 12, 0);               /* sigfigs */
	put32(h + 16, SIM_PCAP_SNAPLEN);
	put32(h + 20, SIM_PCAP_LINKTYPE_ETHERNET);
	pcap_put(pc, h, sizeof(h));
	return pc;
fail:
	if (pc != NULL) {
		free(pc->path);
		free(pc->buf);
		free(pc);
	}
	return NULL;
}

void
sim_pcap_write(struct sim_pcap *pc, uint64_t t_ns, const uint8_t *data,
    uint32_t len)
{
	uint32_t caplen = len < SIM_PCAP_SNAPLEN ? len : SIM_PCAP_SNAPLEN;
	uint8_t h[16];

	put32(h, (uint32_t)(t_ns / NS_PER_S));
	put32(h + 4, (uint32_t)(t_ns % NS_PER_S));
	put32(h + 8, caplen);
	put32(h + 12, len);
	pcap_put(pc, h, sizeof(h));
	pcap_put(pc, data, caplen);
	pc->frames++;
}

uint64_t
sim_pcap_frames(const struct sim_pcap *pc)
{
	return pc->frames;
}

const char *
sim_pcap_path(const struct sim_pcap *pc)
{
	return pc->path;
}

int
sim_pcap_close(struct sim_pcap *pc, char *err, size_t errlen)
{
	int r = 0;

	if (pc == NULL)
		return 0;
	errno = 0;
	if (fclose(pc->fp) != 0 && pc->err == 0)
		pc->err = errno != 0 ? errno : EIO;
	if (pc->err != 0) {
		if (err != NULL)
			snprintf(err, errlen, "pcap file %s: write failed: %s",
			    pc->path, strerror(pc->err));
		r = -1;
	}
	free(pc->path);
	free(pc->buf);
	free(pc);
	return r;
}
