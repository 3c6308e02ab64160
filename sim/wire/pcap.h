/*
 * pcap.h -- capture a link's frames to a pcap file that Wireshark and
 * tshark read.
 *
 * The format is libpcap's with nanosecond timestamps (magic 0xa1b23c4d,
 * version 2.4, link type 1: Ethernet), written little-endian whatever
 * the host, so the same run writes the same bytes everywhere.
 *
 * The capture point: a frame is written when its last bit arrives at the
 * far end of the link, timestamped with that arrival time, both
 * directions of the link in one file, in arrival order (so timestamps
 * never go back).  Virtual time counts from the epoch: a frame arriving
 * 1 s + 10 us into the run shows as 1970-01-01 00:00:01.000010000 UTC
 * (frame.time_epoch 1.000010000).  What never arrives -- frames lost on
 * the link, frames over the MTU -- is not in the file; a reordered frame
 * is written when it finally arrives.  The bytes are the frame as sent,
 * padded to 60 bytes if it was shorter, without the FCS.
 */
#ifndef SIM_PCAP_H
#define SIM_PCAP_H

#include <stddef.h>
#include <stdint.h>

#define SIM_PCAP_MAGIC_NS       0xa1b23c4dU
#define SIM_PCAP_LINKTYPE_ETHERNET 1
#define SIM_PCAP_SNAPLEN        65535

struct sim_pcap;

/*
 * Create (or truncate) path and write the file header.  Returns NULL with
 * "pcap file PATH: cannot open: REASON" in err on failure.
 */
struct sim_pcap *sim_pcap_open(const char *path, char *err, size_t errlen);

/*
 * Append one frame captured at t_ns.  A write that fails is remembered
 * and reported by sim_pcap_close; later writes are skipped.
 */
void	sim_pcap_write(struct sim_pcap *, uint64_t t_ns, const uint8_t *data,
	    uint32_t len);

/*
 * A real-time run's capture: from now on its records are handed to the
 * writer thread w in chunks (sim/record/writer.h), never written by the
 * caller; sim_pcap_close waits for them.  The file's bytes are the same.
 */
struct sim_writer;
void	sim_pcap_async(struct sim_pcap *, struct sim_writer *w);

/* Frames written so far. */
uint64_t sim_pcap_frames(const struct sim_pcap *);
const char *sim_pcap_path(const struct sim_pcap *);

/*
 * Flush and close.  Returns 0, or -1 with "pcap file PATH: write failed:
 * REASON" in err if any write failed.  Accepts NULL (returns 0).
 * => err may be NULL
 */
int	sim_pcap_close(struct sim_pcap *, char *err, size_t errlen);

#endif /* SIM_PCAP_H */
