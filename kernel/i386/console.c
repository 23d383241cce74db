/* The console: COM1, polled; and the machine's power switch, QEMU's isa-debug-exit port. */
#include "kernel.h"

#define LSR 5
#define LSR_DATA_READY 0x01
#define LSR_TX_IDLE 0x20

static int serial_ready;

static void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts: the kernel polls */
	outb(COM1 + 3, 0x80); /* divisor latch: 115200 / 12 = 9600 baud */
	outb(COM1 + 0, 12);
	outb(COM1 + 1, 0);
	outb(COM1 + 3, 0x03); /* 8 bits, no parity, one stop bit */
	outb(COM1 + 2, 0xC7); /* FIFOs on and cleared */
	serial_ready = 1;
}

void arch_console_putc(int c)
{
	if (!serial_ready)
		serial_init();
	for (int i = 0; i < 100000 && !(inb(COM1 + LSR) & LSR_TX_IDLE); i++)
		;
	outb(COM1, (uint8_t)c);
}

int arch_console_getc(void)
{
	if (!serial_ready)
		serial_init();
	if (!(inb(COM1 + LSR) & LSR_DATA_READY))
		return -1;
	return inb(COM1);
}

/* QEMU exits with status (code << 1) | 1. */
void arch_poweroff(int code)
{
	outb(DEBUG_EXIT_PORT, (uint8_t)code);
	for (;;) {
		arch_intr_off();
		arch_wait_for_interrupt();
	}
}
