/*
 * Device register access for portable drivers. Registers are reached through
 * mappings from vmm_map_mmio() (uncached device memory on every arch), one
 * naturally aligned access each: volatile keeps the compiler from merging,
 * splitting or reordering them. Every device the kernel drives is
 * little-endian, as are all three CPUs. hal_io_barrier() orders them against
 * DMA memory.
 */
#ifndef AUTON_IO_H
#define AUTON_IO_H

#include <stdint.h>
#include "hal/hal.h"

static inline uint8_t mmio_r8(const volatile void *base, uintptr_t off)
{
	return *(const volatile uint8_t *)((uintptr_t)base + off);
}
static inline uint16_t mmio_r16(const volatile void *base, uintptr_t off)
{
	return *(const volatile uint16_t *)((uintptr_t)base + off);
}
static inline uint32_t mmio_r32(const volatile void *base, uintptr_t off)
{
	return *(const volatile uint32_t *)((uintptr_t)base + off);
}
static inline void mmio_w8(volatile void *base, uintptr_t off, uint8_t v)
{
	*(volatile uint8_t *)((uintptr_t)base + off) = v;
}
static inline void mmio_w16(volatile void *base, uintptr_t off, uint16_t v)
{
	*(volatile uint16_t *)((uintptr_t)base + off) = v;
}
static inline void mmio_w32(volatile void *base, uintptr_t off, uint32_t v)
{
	*(volatile uint32_t *)((uintptr_t)base + off) = v;
}
/* 64-bit registers as two 32-bit halves, low first (virtio and e1000 accept
 * that; not every bus passes a 64-bit access). */
static inline void mmio_w64(volatile void *base, uintptr_t off, uint64_t v)
{
	mmio_w32(base, off, (uint32_t)v);
	mmio_w32(base, off + 4, (uint32_t)(v >> 32));
}

#endif
