/* mm_init: bring memory management up in order. */
#include "kernel.h"
#include "bootinfo.h"
#include "hal/hal.h"
#include "mm.h"

void mm_init(const struct bootinfo *bi)
{
	pmm_init(bi);
	hal_mmu_init(bi, pmm_alloc_page);
	struct hal_mmu_layout l;
	hal_mmu_layout(&l);
	printk("[MM] paging: %s, direct map at 0x%lx, kernel at 0x%lx\n", l.scheme,
	       (unsigned long)l.direct_base, (unsigned long)l.kernel_base);
	slab_init();
	vmm_init();
	printk("[MM] vmap: 0x%lx, %llu GiB\n", (unsigned long)l.vmap_base,
	       (unsigned long long)(l.vmap_size >> 30));
	slm_pool_init();
}
