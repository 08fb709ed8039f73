/* The legacy 8259 PIC pair. The kernel uses the local APIC instead, but the
 * firmware leaves the PICs delivering at vectors 8-15, on top of the CPU
 * exceptions: remap them to 32-47 and mask every line. */
#include "kernel.h"
#include "arch/x86_64/x86.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define ICW1_INIT_ICW4 0x11
#define ICW4_8086 0x01
#define PIC_EOI 0x20
#define PIC_CASCADE_IRQ 2

/* Port 0x80 is unused POST-code space: a write there gives the old PICs time
 * to settle between initialisation words. */
static void io_wait(void)
{
	outb(0x80, 0);
}

void pic_disable(void)
{
	static const uint8_t init[][2] = {
		{ PIC1_CMD, ICW1_INIT_ICW4 }, { PIC2_CMD, ICW1_INIT_ICW4 },
		{ PIC1_DATA, VEC_PIC_BASE },  { PIC2_DATA, VEC_PIC_BASE + 8 },
		{ PIC1_DATA, 1 << PIC_CASCADE_IRQ }, { PIC2_DATA, PIC_CASCADE_IRQ },
		{ PIC1_DATA, ICW4_8086 },     { PIC2_DATA, ICW4_8086 },
		{ PIC1_DATA, 0xff },          { PIC2_DATA, 0xff }, /* mask all */
	};
	for (unsigned i = 0; i < ARRAY_SIZE(init); i++) {
		outb(init[i][0], init[i][1]);
		io_wait();
	}
}

/* A spurious IRQ 15 comes through the master's cascade line, which did see
 * a real request and needs its EOI; a spurious IRQ 7 needs none. */
void pic_spurious(unsigned irq)
{
	if (irq == 15)
		outb(PIC1_CMD, PIC_EOI);
}
