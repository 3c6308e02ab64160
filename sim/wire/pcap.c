/*
 * pcap.c -- the pcap writer (see pcap.h for the format and the capture
 * point).
 *
 * Writes go through a large stdio buffer; the first failure (a full
 * disk) is kept with its errno and reported at close, so a capture never
 * stops a run but never fails silently either.
 *
 * A real-time run's captures (sim_pcap_async) are not written by the
 * loop: the records are copied into chunks of PCAP_CHUNK_BYTES, and a
 * full chunk is handed to the writer thread (sim/record/writer.h), which
 * owns the file from then on; at most PCAP_CHUNKS_MAX chunks a capture
 * wait in memory.  The bytes in the file are the same.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/record/writer.h"
#include "sim/wire/pcap.h"

#define PCAP_BUF_BYTES  (1u << 20)
#define PCAP_CHUNK_BYTES (256u << 10)   /* a real-time run's hand-over */
#define PCAP_CHUNKS_MAX 32              /* 8 MiB waiting, a capture */
#define NS_PER_S        1000000000ULL

struct pcap_chunk {
	struct sim_pcap *pc;
	size_t len;
	uint8_t data[PCAP_CHUNK_BYTES];
};

struct sim_pcap {
	FILE *fp;               /* the writer's, while a chunk is queued */
	char *path;
	char *buf;              /* stdio's buffer, ours to free */
	uint64_t frames;
	int err;                /* errno of the first failed write, or 0;
				   the writer's, while a chunk is queued */
	/* A real-time run's: the writer, the chunk being filled, the pool. */
	struct sim_writer *w;
	struct pcap_chunk *cur;
	struct sim_writer_pool pool;
	int err_loop;           /* the loop's own failure (no memory) */
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

/* Write n bytes at p to the file (the loop's, or the writer's). */
static void
pcap_fwrite(struct sim_pcap *pc, const void *p, size_t n)
{
	if (pc->err != 0)
		return;
	errno = 0;
	if (fwrite(p, 1, n, pc->fp) != n)
		pc->err = errno != 0 ? errno : EIO;
}

/* The writer's job: a chunk to the file. */
static void
pcap_chunk_write(void *arg)
{
	struct pcap_chunk *c = arg;

	assert(c->len > 0 && c->len <= PCAP_CHUNK_BYTES);
	pcap_fwrite(c->pc, c->data, c->len);
}

/* Hand the chunk being filled to the writer. */
static void
pcap_hand(struct sim_pcap *pc)
{
	assert(pc->w != NULL);
	if (pc->cur == NULL || pc->cur->len == 0)
		return;
	sim_writer_hand(pc->w, &pc->pool, pcap_chunk_write, pc->cur);
	pc->cur = NULL;
}

static void
pcap_put(struct sim_pcap *pc, const void *p, size_t n)
{
	const uint8_t *b = p;

	if (pc->w == NULL) {
		pcap_fwrite(pc, p, n);
		return;
	}
	while (n > 0 && pc->err_loop == 0) {
		size_t k;

		if (pc->cur == NULL) {
			pc->cur = sim_writer_get(pc->w, &pc->pool, NULL, NULL);
			if (pc->cur == NULL &&
			    (pc->cur = malloc(sizeof(*pc->cur))) == NULL) {
				pc->err_loop = ENOMEM;
				return;
			}
			pc->cur->pc = pc;
			pc->cur->len = 0;
		}
		k = PCAP_CHUNK_BYTES - pc->cur->len;
		if (k > n)
			k = n;
		memcpy(pc->cur->data + pc->cur->len, b, k);
		pc->cur->len += k;
		b += k;
		n -= k;
		if (pc->cur->len == PCAP_CHUNK_BYTES)
			pcap_hand(pc);
	}
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

void
sim_pcap_async(struct sim_pcap *pc, struct sim_writer *w)
{
	assert(pc->w == NULL && w != NULL);
	/* What stdio holds goes first: the writer owns the file now. */
	if (pc->err == 0 && fflush(pc->fp) != 0)
		pc->err = errno != 0 ? errno : EIO;
	pc->w = w;
	pc->pool.max = PCAP_CHUNKS_MAX;
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
	if (pc->w != NULL) {
		struct pcap_chunk *c;

		/* The last chunk, then every chunk back: the file is ours. */
		pcap_hand(pc);
		sim_writer_reap(pc->w, &pc->pool, true, NULL, NULL);
		while ((c = sim_writer_spare(&pc->pool)) != NULL)
			free(c);
		if (pc->err == 0)
			pc->err = pc->err_loop;
	}
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
