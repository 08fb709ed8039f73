/*
 * ARM Generic Interrupt Controller, version 2 (memory-mapped CPU interface)
 * or 3 (system-register CPU interface, per-CPU redistributors). Which one and
 * where comes from the device tree. PPIs for the timer; shared interrupts
 * (SPIs) stay disabled until a driver routes one (gic_route_spi).
 */
#include "kernel.h"
#include "aarch64.h"

/* Distributor (both versions). */
#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_IGROUPR 0x080
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_ICFGR 0xc00
#define GICD_IROUTER 0x6000
#define GICD_CTLR_RWP (1u << 31)
/* Banked per-CPU registers for INTIDs 0..31: in the v2 distributor, in the
 * v3 redistributor's SGI frame; same offsets. */
#define GIC_IGROUPR0 0x080
#define GIC_ISENABLER0 0x100
#define GIC_ICENABLER0 0x180
#define GIC_IPRIORITYR 0x400

/* v2 CPU interface. */
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_BPR 0x08
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10

/* v3 redistributor: RD frame, then the SGI frame 64 KiB above. */
#define GICR_CTLR 0x0000
#define GICR_TYPER 0x0008
#define GICR_WAKER 0x0014
#define GICR_SGI_FRAME 0x10000
#define GICR_CTLR_RWP (1u << 3)
#define GICR_TYPER_VLPIS (1u << 1)
#define GICR_TYPER_LAST (1u << 4)
#define GICR_WAKER_SLEEP (1u << 1)
#define GICR_WAKER_CHILDREN_ASLEEP (1u << 2)

#define PRIORITY_DEFAULT 0xa0

static unsigned version, spi_lines;
static uintptr_t gicd, gicc, gicr; /* mapped register addresses */
static uintptr_t banked; /* where the INTID 0..31 registers of this CPU live */

/* Waits until a register write has taken effect (RWP: register write pending). */
static void wait_rwp(uintptr_t reg, uint32_t bit)
{
	while (mmio_read32(reg) & bit)
		;
}

/* Disables every shared interrupt: nothing but what we enable may fire. */
static void dist_disable_spis(void)
{
	unsigned lines = ((mmio_read32(gicd + GICD_TYPER) & 0x1f) + 1) * 32;
	spi_lines = MIN(lines, 1020u);
	for (unsigned i = 32; i < lines; i += 32)
		mmio_write32(gicd + GICD_ICENABLER + i / 8, 0xffffffff);
}

/* Finds this CPU's redistributor by its affinity (GICR_TYPER[63:32]). */
static uintptr_t find_redistributor(uintptr_t region)
{
	uint64_t mpidr = read_sysreg(mpidr_el1);
	uint32_t aff = (uint32_t)(((mpidr >> 8) & 0xff000000) | (mpidr & 0xffffff));
	uintptr_t rd = region;
	for (int i = 0; i < 4096; i++) {
		uint64_t typer = mmio_read64(rd + GICR_TYPER);
		if ((uint32_t)(typer >> 32) == aff)
			return rd;
		if (typer & GICR_TYPER_LAST)
			break;
		rd += (typer & GICR_TYPER_VLPIS) ? 0x40000 : 0x20000;
	}
	return 0;
}

/* Makes SGIs and PPIs of this CPU disabled, Group 1 and of one priority. */
static void banked_reset(void)
{
	mmio_write32(banked + GIC_ICENABLER0, 0xffffffff);
	for (unsigned i = 0; i < 32; i += 4)
		mmio_write32(banked + GIC_IPRIORITYR + i, PRIORITY_DEFAULT * 0x01010101u);
}

/* GICv2: distributor and the memory-mapped CPU interface. */
static int gic2_init(void)
{
	mmio_write32(gicd + GICD_CTLR, 0);
	dist_disable_spis();
	banked = gicd;
	banked_reset();
	/* Without security extensions (QEMU virt) everything is Group 0 and is
	 * signalled as IRQ while FIQEn is clear; as the non-secure side of a
	 * secure GIC, bit 0 enables Group 1 instead. Either way IRQs arrive. */
	mmio_write32(gicd + GICD_CTLR, 3);
	mmio_write32(gicc + GICC_PMR, 0xff);
	mmio_write32(gicc + GICC_BPR, 0);
	mmio_write32(gicc + GICC_CTLR, 3);
	return 0;
}

/* GICv3: distributor with affinity routing, this CPU's redistributor woken
 * up, and the system-register CPU interface. */
static int gic3_init(void)
{
	mmio_write32(gicd + GICD_CTLR, 0);
	wait_rwp(gicd + GICD_CTLR, GICD_CTLR_RWP);
	dist_disable_spis();
	/* ARE (affinity routing) | EnableGrp1 | EnableGrp0; in the non-secure
	 * view the same bits are ARE_NS | EnableGrp1A | EnableGrp1. */
	mmio_write32(gicd + GICD_CTLR, (1u << 4) | (1u << 1) | (1u << 0));
	wait_rwp(gicd + GICD_CTLR, GICD_CTLR_RWP);

	uintptr_t rd = find_redistributor(gicr);
	if (!rd)
		return -1;
	mmio_write32(rd + GICR_WAKER, mmio_read32(rd + GICR_WAKER) & ~GICR_WAKER_SLEEP);
	while (mmio_read32(rd + GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP)
		;
	gicr = rd;
	banked = rd + GICR_SGI_FRAME;
	banked_reset();
	mmio_write32(banked + GIC_IGROUPR0, 0xffffffff); /* non-secure Group 1 */
	wait_rwp(rd + GICR_CTLR, GICR_CTLR_RWP);

	write_sysreg(icc_sre_el1, read_sysreg(icc_sre_el1) | 1); /* system registers */
	isb();
	write_sysreg(icc_pmr_el1, 0xff);
	write_sysreg(icc_bpr1_el1, 0);
	write_sysreg(icc_igrpen1_el1, 1);
	isb();
	return 0;
}

/* Brings up the distributor and this CPU's interface, as the device tree
 * described them. Returns 0, or -1 when that layout does not work. */
int gic_init(void)
{
	const struct aarch64_platform *p = &aarch64_platform;
	version = p->gic_version;
	gicd = aarch64_ioremap(p->gicd, p->gicd_size);
	if (version == 2) {
		gicc = aarch64_ioremap(p->gic_cpu, p->gic_cpu_size);
		return gic2_init();
	}
	gicr = aarch64_ioremap(p->gic_cpu, p->gic_cpu_size);
	return gic3_init();
}

/* Enables a private peripheral interrupt (INTID 16..31) on this CPU. */
void gic_enable_ppi(unsigned intid)
{
	mmio_write32(banked + GIC_ISENABLER0, 1u << (intid & 31));
	if (version == 3)
		wait_rwp(gicr + GICR_CTLR, GICR_CTLR_RWP);
}

/* True when a private interrupt (INTID < 32) is enabled on this CPU. */
bool gic_irq_enabled(unsigned intid)
{
	return intid < 32 && (mmio_read32(banked + GIC_ISENABLER0) & (1u << intid));
}

/* Acknowledges the highest-priority pending interrupt. Returns the raw
 * acknowledge value, which gic_eoi() wants back unchanged (a v2 SGI carries
 * its source CPU in it); gic_intid() extracts the INTID. */
uint32_t gic_ack(void)
{
	if (version == 3)
		return (uint32_t)read_sysreg(icc_iar1_el1);
	return mmio_read32(gicc + GICC_IAR);
}

/* The INTID inside an acknowledge value. */
unsigned gic_intid(uint32_t ack)
{
	return version == 3 ? (ack & 0xffffff) : (ack & 0x3ff);
}

/* Signals the end of handling an interrupt that gic_ack() returned. */
void gic_eoi(uint32_t ack)
{
	if (version == 3) {
		write_sysreg(icc_eoir1_el1, ack);
		isb();
	} else {
		mmio_write32(gicc + GICC_EOIR, ack);
	}
}

/* Configures a shared interrupt (level or rising edge; the GIC has no
 * active-low inputs), sends it to this CPU at the default priority and
 * enables it. Returns false for an INTID that is not an SPI of this GIC. */
bool gic_route_spi(unsigned intid, bool level)
{
	if (intid < 32 || intid >= spi_lines)
		return false;
	uint32_t bit = 1u << (intid % 32);
	mmio_write32(gicd + GICD_ICENABLER + intid / 32 * 4, bit);
	if (version == 3)
		wait_rwp(gicd + GICD_CTLR, GICD_CTLR_RWP);
	uintptr_t cfg = gicd + GICD_ICFGR + intid / 16 * 4;
	uint32_t edge = 2u << (intid % 16 * 2);
	mmio_write32(cfg, level ? mmio_read32(cfg) & ~edge : mmio_read32(cfg) | edge);
	*(volatile uint8_t *)(gicd + GICD_IPRIORITYR + intid) = PRIORITY_DEFAULT;
	if (version == 3) {
		uint64_t mpidr = read_sysreg(mpidr_el1);
		uint64_t aff = (mpidr & 0xffffff) | ((mpidr >> 32 & 0xff) << 32);
		*(volatile uint64_t *)(gicd + GICD_IROUTER + 8 * intid) = aff;
		uintptr_t grp = gicd + GICD_IGROUPR + intid / 32 * 4;
		mmio_write32(grp, mmio_read32(grp) | bit); /* non-secure Group 1, like the PPIs */
	} else {
		/* Reading a banked target byte (INTID 0..31) gives this CPU's own bit. */
		uint8_t self = (uint8_t)(mmio_read32(gicd + GICD_ITARGETSR) & 0xff);
		*(volatile uint8_t *)(gicd + GICD_ITARGETSR + intid) = self ? self : 1;
	}
	mmio_write32(gicd + GICD_ISENABLER + intid / 32 * 4, bit);
	return true;
}

/* Disables a shared interrupt. */
void gic_mask_spi(unsigned intid)
{
	if (intid < 32 || intid >= spi_lines)
		return;
	mmio_write32(gicd + GICD_ICENABLER + intid / 32 * 4, 1u << (intid % 32));
	if (version == 3)
		wait_rwp(gicd + GICD_CTLR, GICD_CTLR_RWP);
}
