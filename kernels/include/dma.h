/*
 * Memory devices read and write themselves (dev/dma.c): physically
 * contiguous, zeroed, page-aligned, reached by the CPU through the direct
 * map. Devices see physical addresses (no IOMMU); all three platforms keep
 * DMA coherent with the caches, so no flushing is needed, only the ordering
 * of hal_io_barrier() around doorbells.
 */
#ifndef AUTON_DMA_H
#define AUTON_DMA_H

#include "kernel.h"
#include "hal/mmu.h"

struct dma_buf {
	void *va;
	paddr_t pa;
	size_t size;   /* rounded up to pages */
};

/* Zeroed, physically contiguous memory; 0 or -ENOMEM. */
int dma_alloc(struct dma_buf *b, size_t size);
void dma_free(struct dma_buf *b);

#endif
