/*
 * bus.h -- how drivers touch devices (NetBSD's bus_space(9), bus_dma(9)).
 *
 * bus_space: programmed I/O to a device's registers.  Every access is a
 * scheduling point priced from the cost table: a read (pio_read) waits for
 * the device across the bus, a write (pio_write) is posted; the *_multi
 * forms read or write one register count times, as a driver draining a
 * PIO NIC's FIFO word by word does, and pay for every access.
 *
 * bus_dma: devices read and write host memory directly.  The simulated
 * machine has no IOMMU: a bus address is the kernel address, and a loaded
 * map just describes the segments.  bus_dmamap_sync is where a driver
 * hands memory to the device or takes it back; it costs a call and orders
 * nothing further (memory is sequentially consistent at scheduling points).
 */
#ifndef _STACK_SYS_BUS_H_
#define _STACK_SYS_BUS_H_

#include <sys/kern.h>

struct bus_space;
struct bus_dma_tag;
typedef struct bus_space *bus_space_tag_t;
typedef uintptr_t bus_space_handle_t;
typedef uint64_t bus_size_t;
typedef uint64_t bus_addr_t;
typedef struct bus_dma_tag *bus_dma_tag_t;

uint8_t	bus_space_read_1(bus_space_tag_t, bus_space_handle_t, bus_size_t);
uint16_t bus_space_read_2(bus_space_tag_t, bus_space_handle_t, bus_size_t);
uint32_t bus_space_read_4(bus_space_tag_t, bus_space_handle_t, bus_size_t);
uint64_t bus_space_read_8(bus_space_tag_t, bus_space_handle_t, bus_size_t);
void	bus_space_write_1(bus_space_tag_t, bus_space_handle_t, bus_size_t,
	    uint8_t);
void	bus_space_write_2(bus_space_tag_t, bus_space_handle_t, bus_size_t,
	    uint16_t);
void	bus_space_write_4(bus_space_tag_t, bus_space_handle_t, bus_size_t,
	    uint32_t);
void	bus_space_write_8(bus_space_tag_t, bus_space_handle_t, bus_size_t,
	    uint64_t);
void	bus_space_read_multi_4(bus_space_tag_t, bus_space_handle_t,
	    bus_size_t, uint32_t *, bus_size_t count);
void	bus_space_write_multi_4(bus_space_tag_t, bus_space_handle_t,
	    bus_size_t, const uint32_t *, bus_size_t count);

#define BUS_DMA_MAXSEGS 8

typedef struct bus_dma_segment {
	bus_addr_t ds_addr;
	bus_size_t ds_len;
} bus_dma_segment_t;

typedef struct bus_dmamap {
	bus_size_t dm_maxsize;                  /* c */
	int dm_maxsegs;                         /* c */
	int dm_nsegs;                           /* segments loaded, 0 if none */
	bus_size_t dm_mapsize;                  /* bytes loaded */
	bus_dma_segment_t dm_segs[];            /* dm_maxsegs of them */
} *bus_dmamap_t;

#define BUS_DMA_WAITOK          0x00
#define BUS_DMA_NOWAIT          0x01
#define BUS_DMASYNC_PREREAD     0x01    /* before the device writes */
#define BUS_DMASYNC_POSTREAD    0x02    /* after the device wrote */
#define BUS_DMASYNC_PREWRITE    0x04    /* before the device reads */
#define BUS_DMASYNC_POSTWRITE   0x08    /* after the device read */

int	bus_dmamap_create(bus_dma_tag_t, bus_size_t size, int nsegs,
	    bus_size_t maxsegsz, bus_size_t boundary, int flags, bus_dmamap_t *);
void	bus_dmamap_destroy(bus_dma_tag_t, bus_dmamap_t);
/* => returns EFBIG if buf does not fit the map */
int	bus_dmamap_load(bus_dma_tag_t, bus_dmamap_t, void *buf, bus_size_t len,
	    void *proc, int flags);
void	bus_dmamap_unload(bus_dma_tag_t, bus_dmamap_t);
void	bus_dmamap_sync(bus_dma_tag_t, bus_dmamap_t, bus_size_t off,
	    bus_size_t len, int ops);

#endif /* _STACK_SYS_BUS_H_ */
