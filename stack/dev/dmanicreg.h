/*
 * dmanicreg.h -- the DMA NIC's hardware: registers and descriptors.
 *
 * What a datasheet extract would say, shared by the device model
 * (sim/nic/nic_dma.c) and the driver (stack/dev/dmanic.c), so the two cannot
 * disagree.  The card is a plain descriptor-ring Ethernet controller in the
 * style of the Intel 8254x: one receive and one transmit ring in host
 * memory, a DMA engine per direction, interrupt causes that are read to
 * clear, and interrupt coalescing by count and by time.
 *
 * Registers are 32 bits wide unless marked 64; a 64-bit register is read
 * and written whole (bus_space_*_8).  Descriptors are 32 bytes in the
 * host's byte order.
 *
 * Rings.  A ring is DMANIC_RDLEN/TDLEN descriptors (8..4096) at bus
 * address RDBA/TDBA (16-byte aligned).  Head and tail are descriptor
 * indices.  The card owns the descriptors from head up to, not
 * including, tail (mod the ring size): head == tail means it owns none.
 * The driver advances the tail to give descriptors to the card; the card
 * advances the head as it takes them.  So a driver posts at most
 * size - 1 descriptors at once and keeps one back.
 *
 * Receive.  A frame that passes the address filter (the station address
 * in RAL/RAH, any group address, or anything with CTRL_PROMISC) takes the
 * descriptor at RDH; its buffer is RXBUFSZ bytes.  The DMA engine writes
 * the frame into the buffer, then the descriptor's length and status (DD,
 * EOP): one transfer of dma_latency + bytes / dma_rate, transfers of one
 * engine back to back.  A frame finding no descriptor (RDH == RDT), a
 * frame longer than RXBUFSZ, a frame to another station, and any frame
 * while CTRL_RXEN is clear are dropped and counted (DMANIC_STAT_*).
 *
 * Transmit.  Writing TDT is the doorbell: the card reads the descriptors
 * from TDH to TDT, a frame being one to DMANIC_TX_MAXSEGS descriptors of
 * which the last has TXC_EOP, fetches each frame's bytes with the transmit
 * DMA engine (same timing), keeps up to DMANIC_TX_FIFO fetched frames on
 * the card, and sends them in order as the wire takes them.  Once a
 * frame is on the wire -- or dropped because the port has no link, or
 * malformed (TXS_ERR) -- the card writes TXS_DD into each of its
 * descriptors.
 *
 * Interrupts.  Every rx descriptor written back sets ICR_RXT, every
 * transmitted frame ICR_TXDW.  The card raises its (level) interrupt line
 * once ITR_FRAMES write-backs are pending or ITR_NS after the first
 * pending one, whichever comes first (ITR_NS 0: at once), and holds it
 * while any cause enabled in the mask (IMS) is set.  Reading ICR returns
 * the causes, clears them, lowers the line and acknowledges the pending
 * write-backs.  IMS/IMC set and clear bits of the mask.
 */
#ifndef _STACK_DEV_DMANICREG_H_
#define _STACK_DEV_DMANICREG_H_

#include <sys/kern.h>

/* --- registers (byte offsets) ---------------------------------------------- */

#define DMANIC_CTRL             0x0000  /* rw: control */
#define  DMANIC_CTRL_RXEN       0x00000001      /* receive enabled */
#define  DMANIC_CTRL_TXEN       0x00000002      /* transmit enabled */
#define  DMANIC_CTRL_PROMISC    0x00000004      /* accept every address */
#define  DMANIC_CTRL_RST        0x80000000      /* write: reset, self-clearing */
#define DMANIC_STATUS           0x0004  /* ro */
#define  DMANIC_STATUS_LINK     0x00000001      /* the port is cabled */
#define DMANIC_ICR              0x0008  /* ro, read to clear: causes */
#define DMANIC_IMS              0x000c  /* w: enable causes; r: the mask */
#define DMANIC_IMC              0x0010  /* w: disable causes */
#define  DMANIC_INTR_RXT        0x00000001      /* rx descriptors written back */
#define  DMANIC_INTR_TXDW       0x00000002      /* tx descriptors written back */
#define DMANIC_ITR_FRAMES       0x0014  /* rw: interrupt after n write-backs */
#define DMANIC_ITR_NS           0x0018  /* rw: ... or ns after the first */
#define DMANIC_RXBUFSZ          0x001c  /* rw: bytes in every rx buffer */
#define DMANIC_RAL              0x0020  /* rw: station address bytes 0-3 */
#define DMANIC_RAH              0x0024  /* rw: bytes 4-5 (low 16 bits) */

#define DMANIC_RDBA             0x0100  /* rw, 64: rx ring bus address */
#define DMANIC_RDLEN            0x0108  /* rw: rx descriptors */
#define DMANIC_RDH              0x010c  /* ro: next the card fills */
#define DMANIC_RDT              0x0110  /* rw: one past the last posted */
#define DMANIC_TDBA             0x0200  /* rw, 64: tx ring bus address */
#define DMANIC_TDLEN            0x0208  /* rw: tx descriptors */
#define DMANIC_TDH              0x020c  /* ro: next the card reads */
#define DMANIC_TDT              0x0210  /* rw: doorbell, one past the last */

/* Statistics: 64 bits each, read-only, counting since power-on. */
#define DMANIC_STAT(i)          (0x0400 + 8 * (i))
#define DMANIC_STAT_RX_FRAMES           0       /* written to host memory */
#define DMANIC_STAT_RX_BYTES            1
#define DMANIC_STAT_TX_FRAMES           2       /* handed to the wire */
#define DMANIC_STAT_TX_BYTES            3
#define DMANIC_STAT_RX_RING_FULL        4       /* dropped: no descriptor */
#define DMANIC_STAT_RX_MAC_FILTER       5       /* dropped: not for us */
#define DMANIC_STAT_RX_TOO_LONG         6       /* dropped: > RXBUFSZ */
#define DMANIC_STAT_RX_OFF              7       /* dropped: RXEN clear */
#define DMANIC_STAT_TX_NO_LINK          8       /* dropped: port uncabled */
#define DMANIC_STAT_TX_ERRORS           9       /* malformed tx frames */
#define DMANIC_STAT_INTRS               10      /* times the line went up */
#define DMANIC_STAT_DMA_XFERS           11      /* DMA transfers, both ways */
#define DMANIC_NSTATS                   12

#define DMANIC_REGS_SIZE        (DMANIC_STAT(DMANIC_NSTATS))

/* Limits of the card. */
#define DMANIC_RING_MIN         8
#define DMANIC_RING_MAX         4096
#define DMANIC_RXBUFSZ_MIN      64
#define DMANIC_RXBUFSZ_MAX      16384
#define DMANIC_ITR_FRAMES_MAX   1024
#define DMANIC_TX_MAXSEGS       8       /* descriptors in one tx frame */
#define DMANIC_TX_FIFO          64      /* tx frames fetched ahead */

/*
 * --- descriptors (32 bytes, host byte order) -----------------------------
 *
 * A netsim extension, like a hardware timestamp field: each descriptor
 * carries a 64-bit trace tag.  The card sends the tag of a frame's last
 * transmit descriptor along with the frame, and the receiving card writes
 * it into the receive descriptor, so a packet's id (m_pkthdr.ph_id) crosses
 * the wire for per-packet records at no cost beyond the descriptor access
 * the driver makes anyway.
 */

/*
 * Receive descriptor.  The driver writes rd_addr and clears rd_status;
 * the card writes rd_len, rd_errors and then rd_status.
 */
struct dmanic_rxdesc {
	uint64_t rd_addr;               /* bus address of the buffer */
	uint16_t rd_len;                /* bytes of the frame (no FCS) */
	uint8_t rd_status;              /* DMANIC_RXS_* */
	uint8_t rd_errors;              /* 0: none defined yet */
	uint32_t rd_reserved;
	uint64_t rd_tag;                /* the frame's trace tag (card writes) */
	uint64_t rd_reserved2;
};

#define DMANIC_RXS_DD           0x01    /* descriptor done */
#define DMANIC_RXS_EOP          0x02    /* end of packet (always, here) */

/*
 * Transmit descriptor.  The driver writes td_addr, td_len, td_cmd and
 * clears td_status; the card writes td_status.
 */
struct dmanic_txdesc {
	uint64_t td_addr;               /* bus address of the bytes */
	uint16_t td_len;                /* bytes at td_addr */
	uint8_t td_cmd;                 /* DMANIC_TXC_* */
	uint8_t td_status;              /* DMANIC_TXS_* */
	uint32_t td_reserved;
	uint64_t td_tag;                /* trace tag, read from the EOP one */
	uint64_t td_reserved2;
};

#define DMANIC_TXC_EOP          0x01    /* the frame's last descriptor */
#define DMANIC_TXS_DD           0x01    /* descriptor done */
#define DMANIC_TXS_ERR          0x02    /* frame malformed, not sent */

CTASSERT(sizeof(struct dmanic_rxdesc) == 32);
CTASSERT(sizeof(struct dmanic_txdesc) == 32);

#endif /* _STACK_DEV_DMANICREG_H_ */
