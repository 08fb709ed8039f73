/* The console: an ARM PL011 UART, polled. */
#include "kernel.h"
#include "hal/hal.h"
#include "aarch64.h"

/* QEMU virt's PL011, used only until boot.c has read the device tree. */
#define UART_EARLY_BASE 0x09000000

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_LCR_H 0x2c
#define UART_CR 0x30
#define UART_IMSC 0x38

#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define FR_BUSY (1u << 3)
#define LCR_H_FEN (1u << 4)
#define LCR_H_WLEN8 (3u << 5)
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)

#define UART_SIZE 0x1000

static uintptr_t base = UART_EARLY_BASE; /* physical */
static uintptr_t regs;                   /* where the registers are mapped */

/* Enables the UART for 8N1 with FIFOs, keeping the baud rate the firmware
 * chose (QEMU ignores it; real firmware has already set it for its own output). */
static void uart_setup(void)
{
	regs = aarch64_ioremap(base, UART_SIZE);
	while (mmio_read32(regs + UART_FR) & FR_BUSY)
		;
	mmio_write32(regs + UART_CR, 0);
	mmio_write32(regs + UART_LCR_H, LCR_H_WLEN8 | LCR_H_FEN);
	mmio_write32(regs + UART_IMSC, 0); /* polled: no UART interrupts */
	mmio_write32(regs + UART_CR, CR_UARTEN | CR_TXE | CR_RXE);
}

/* Readies the early (QEMU virt) UART; boot.c moves to the DTB's one. */
void hal_console_init(void)
{
	uart_setup();
}

/* Moves the console to the UART the device tree names (0 keeps the current one). */
void uart_set_base(uintptr_t new_base)
{
	if (!new_base || new_base == base)
		return;
	base = new_base;
	uart_setup();
}

/* Where the console UART is now (physical). */
uintptr_t uart_base(void)
{
	return base;
}

/* Waits for room in the transmit FIFO, then sends one byte. */
void hal_console_putc(char c)
{
	while (mmio_read32(regs + UART_FR) & FR_TXFF)
		;
	mmio_write32(regs + UART_DR, (uint8_t)c);
}

/* The next received byte, or -1 when the receive FIFO is empty. */
int hal_console_getc(void)
{
	if (mmio_read32(regs + UART_FR) & FR_RXFE)
		return -1;
	return (int)(mmio_read32(regs + UART_DR) & 0xff);
}
