/*
 * ns16550a serial console: polled output (works before interrupts and inside
 * panic), received bytes buffered from the UART interrupt, polled otherwise.
 */
#include "kernel.h"
#include "hal/hal.h"
#include "riscv.h"

/* QEMU virt's UART (physical), used only until the device tree has been
 * read; reached through the direct map like every device. */
#define UART_EARLY_BASE 0x10000000ul

enum {
	RBR = 0, THR = 0, /* receive buffer / transmit holding */
	IER = 1,          /* interrupt enable */
	IIR = 2, FCR = 2, /* interrupt identification / FIFO control */
	LCR = 3,          /* line control */
	MCR = 4,          /* modem control */
	LSR = 5,          /* line status */
};
#define IER_RX 0x01
#define IER_TX_EMPTY 0x02
#define IIR_NONE 0x01
#define IIR_ID_MASK 0x0e
#define IIR_TX_EMPTY 0x02
#define LSR_DATA 0x01
#define LSR_THR_EMPTY 0x20
#define LSR_TX_IDLE 0x40

static volatile uint8_t *uart = (volatile uint8_t *)(DIRECT_MAP_BASE + UART_EARLY_BASE);

static uint8_t rx_buf[64];
static volatile unsigned rx_head, rx_tail; /* written by the irq / by getc */
static volatile unsigned long tx_irqs;

/* Switches to the UART at physical base, as the device tree names it
 * (0 keeps the default). */
void uart_set_base(uint64_t base)
{
	if (base)
		uart = hal_phys_to_virt(base);
}

/* Leaves the firmware's baud rate alone (the divisor depends on a clock the
 * kernel does not need to know); 8N1, FIFOs on, interrupts off. */
void hal_console_init(void)
{
	/* Resetting the FIFOs would cut off the firmware's last line. */
	while (!(uart[LSR] & LSR_TX_IDLE))
		;
	uart[IER] = 0;
	uart[LCR] = 0x03;
	uart[FCR] = 0x07;
	uart[MCR] = 0x0b; /* DTR, RTS, OUT2 (gates the IRQ line on PC-style parts) */
}

void hal_console_putc(char c)
{
	while (!(uart[LSR] & LSR_THR_EMPTY))
		;
	uart[THR] = (uint8_t)c;
}

int hal_console_getc(void)
{
	if (rx_tail != rx_head) {
		int c = rx_buf[rx_tail % sizeof(rx_buf)];
		rx_tail++;
		return c;
	}
	return (uart[LSR] & LSR_DATA) ? uart[RBR] : -1;
}

void uart_enable_rx_irq(void)
{
	uart[IER] |= IER_RX;
}

/* Asks for a THR-empty interrupt: the transmitter is idle, so the UART
 * raises it at once; uart_irq() counts it and turns it back off. */
void uart_raise_tx_irq(void)
{
	uart[IER] |= IER_TX_EMPTY;
}

unsigned long uart_tx_irq_count(void)
{
	return tx_irqs;
}

/* The UART's PLIC source fired: buffer received bytes (dropping them when
 * the buffer is full) and retire a requested THR-empty interrupt. */
void uart_irq(void)
{
	uint8_t iir;
	while (!((iir = uart[IIR]) & IIR_NONE)) {
		if ((iir & IIR_ID_MASK) == IIR_TX_EMPTY) {
			uart[IER] &= (uint8_t)~IER_TX_EMPTY;
			tx_irqs++;
		}
		while (uart[LSR] & LSR_DATA) {
			uint8_t c = uart[RBR];
			if (rx_head - rx_tail < sizeof(rx_buf))
				rx_buf[rx_head++ % sizeof(rx_buf)] = c;
		}
	}
}
