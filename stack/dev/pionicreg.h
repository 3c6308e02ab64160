/*
 * pionicreg.h -- the "pionic" programmed-I/O Ethernet card: its registers,
 * as a datasheet extract.  Shared by the card's model (sim/nic/nic_pio.c) and
 * its driver (stack/dev/pionic.c); nothing else belongs here.
 *
 * The card has no DMA engine.  Received frames wait in a small on-card
 * FIFO and the host reads each one out through a single data register,
 * four bytes per read; frames to send are written in through another,
 * four bytes per write.  Every register is 32 bits wide and is accessed
 * with bus_space_{read,write}_4 (the data registers with the _multi_4
 * forms).  A read crosses the bus and stalls the CPU (pio_read); a write
 * is posted (pio_write): draining the FIFO is what a PIO card costs.
 *
 * Receive.  A frame that arrives while RXEN is set, is addressed to the
 * card's MAC (or to a group address, or PROMISC is set) and fits in the
 * FIFO is appended to it; one that does not fit is dropped and counted
 * (RX_OVERFLOW).  A frame occupies PIONIC_FIFO_ENTRY(len) bytes of FIFO.
 * The host reads RXLEN (the head frame's length, 0 when the FIFO is
 * empty), then howmany(len, 4) words of RXDATA, then writes RXDONE, which
 * removes the head frame: whether it was read fully, partly or not at all
 * (that is how a driver with nowhere to put a frame skips it cheaply).
 * RXCOUNT says how many frames the FIFO holds, the head one included.
 *
 * Transmit.  The host writes howmany(len, 4) words to TXDATA, then len to
 * TXLEN; the card copies the frame to the wire at once if the wire is
 * free, else keeps it in its one-frame transmit buffer and sends it when
 * the wire frees.  While a frame waits there, STATUS.TXRDY is clear and a
 * frame committed with TXLEN is dropped and counted (TX_BUSY).
 *
 * Byte order.  RXDATA and TXDATA are byte streams: a 32-bit access moves
 * the next four bytes of the frame as they lie in memory, so reading
 * howmany(len, 4) words into a buffer reproduces the frame, on any host.
 * Reads past a frame's end return zero bytes.
 *
 * Interrupts.  ICR shows the causes whether enabled or not; the line is
 * raised while (ICR & IMR) != 0.  RX is a level: set while a frame waits.
 * TX latches when the transmit buffer frees and is cleared by reading ICR.
 */
#ifndef _STACK_DEV_PIONICREG_H_
#define _STACK_DEV_PIONICREG_H_

/* Register offsets (bytes from the card's base). */
#define PIONIC_STATUS           0x00    /* R: PIONIC_STATUS_* */
#define PIONIC_RXLEN            0x04    /* R: head frame's bytes, 0: none */
#define PIONIC_RXDATA           0x08    /* R: next 4 bytes of the head frame */
#define PIONIC_RXDONE           0x0c    /* W: drop the head frame (any value) */
#define PIONIC_TXDATA           0x10    /* W: append 4 bytes to the tx frame */
#define PIONIC_TXLEN            0x14    /* W: send the tx frame of this length */
#define PIONIC_IMR              0x18    /* RW: interrupts enabled, PIONIC_INTR_* */
#define PIONIC_ICR              0x1c    /* R: causes pending; reading clears TX */
#define PIONIC_CTRL             0x20    /* RW: PIONIC_CTRL_* */
#define PIONIC_FIFOSZ           0x24    /* R: receive FIFO bytes */
#define PIONIC_MAC0             0x28    /* R: MAC bytes 0..3, byte 0 in bits 0-7 */
#define PIONIC_MAC1             0x2c    /* R: MAC bytes 4..5 in bits 0-15 */
#define PIONIC_RXCOUNT          0x30    /* R: frames in the FIFO */

/* Statistics: read-only, 32 bits, wrapping; the model keeps 64-bit copies. */
#define PIONIC_STAT_RX_FRAMES   0x40    /* frames put in the FIFO */
#define PIONIC_STAT_RX_OVERFLOW 0x44    /* dropped: the FIFO was full */
#define PIONIC_STAT_RX_FILTERED 0x48    /* dropped: not for this MAC */
#define PIONIC_STAT_RX_DISABLED 0x4c    /* dropped: RXEN clear */
#define PIONIC_STAT_TX_FRAMES   0x50    /* frames put on the wire */
#define PIONIC_STAT_TX_BUSY     0x54    /* dropped: transmit buffer full */
#define PIONIC_REG_END          0x58

/* STATUS */
#define PIONIC_STATUS_RXRDY     0x01    /* a frame waits in the FIFO */
#define PIONIC_STATUS_TXRDY     0x02    /* the transmit buffer is free */

/* IMR and ICR */
#define PIONIC_INTR_RX          0x01    /* a frame waits (level) */
#define PIONIC_INTR_TX          0x02    /* the transmit buffer freed (latched) */

/* CTRL */
#define PIONIC_CTRL_RXEN        0x01    /* accept frames */
#define PIONIC_CTRL_PROMISC     0x02    /* ... for any destination */

/* The largest frame TXLEN takes (no FCS): the transmit buffer. */
#define PIONIC_TXBUF_BYTES      2048

/* FIFO bytes a frame of len bytes takes: a length word, whole data words. */
#define PIONIC_FIFO_ENTRY(len)  (4 + (((len) + 3) & ~3u))

#endif /* _STACK_DEV_PIONICREG_H_ */
