/* The console: a 16550 UART on COM1, polled (no interrupts) so that it works
 * before the IDT exists and inside panic. */
#include "kernel.h"
#include "hal/hal.h"
#include "arch/x86_64/x86.h"

#define UART_DATA 0     /* THR / RBR; divisor low with DLAB */
#define UART_IER 1      /* divisor high with DLAB */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07
#define MCR_DTR_RTS 0x03
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

/* Programs 115200 baud 8N1 with FIFOs and no UART interrupts. */
void hal_console_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DATA, 1); /* divisor 1: 115200 baud */
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
}

/* Waits for room in the transmitter, then sends c. Without a UART the port
 * reads 0xff, which looks empty, so this never hangs. */
void hal_console_putc(char c)
{
	while (!(inb(COM1 + UART_LSR) & LSR_THR_EMPTY))
		;
	outb(COM1 + UART_DATA, (uint8_t)c);
}

int hal_console_getc(void)
{
	uint8_t lsr = inb(COM1 + UART_LSR);
	if (lsr == 0xff || !(lsr & LSR_DATA_READY))
		return -1;
	return inb(COM1 + UART_DATA);
}
