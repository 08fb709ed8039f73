/* DMA memory: contiguous frames from the PMM, through the direct map. */
#include "kernel.h"
#include "dma.h"
#include "kerrno.h"
#include "mm.h"

int dma_alloc(struct dma_buf *b, size_t size)
{
	size_t pages = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;
	paddr_t pa = pages ? pmm_alloc_pages(pages, 1) : 0;
	if (!pa) {
		*b = (struct dma_buf){ 0 };
		return -ENOMEM;
	}
	*b = (struct dma_buf){ phys_to_virt(pa), pa, pages * PAGE_SIZE };
	memset(b->va, 0, b->size);
	return 0;
}

void dma_free(struct dma_buf *b)
{
	if (b->size)
		pmm_free_pages(b->pa, b->size / PAGE_SIZE);
	*b = (struct dma_buf){ 0 };
}
