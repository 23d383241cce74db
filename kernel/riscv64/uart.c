/* The console: QEMU virt's 16550 UART, polled. */
#include "kernel.h"

#define UART_REG(r) ((volatile unsigned char *)(uintptr_t)(UART0 + (r)))
#define RHR 0 /* receive holding */
#define THR 0 /* transmit holding */
#define FCR 2 /* FIFO control */
#define LSR 5 /* line status */
#define LSR_DATA_READY (1 << 0)
#define LSR_TX_IDLE (1 << 5)

void arch_console_putc(int c)
{
	while ((*UART_REG(LSR) & LSR_TX_IDLE) == 0)
		;
	*UART_REG(THR) = (unsigned char)c;
}

int arch_console_getc(void)
{
	if ((*UART_REG(LSR) & LSR_DATA_READY) == 0)
		return -1;
	return *UART_REG(RHR);
}

/* Stop the machine through the virt test device; QEMU exits with code. */
void arch_poweroff(int code)
{
	volatile uint32_t *test = (volatile uint32_t *)(uintptr_t)VIRT_TEST;

	*test = code == 0 ? 0x5555 : ((uint32_t)code << 16) | 0x3333;
	for (;;)
		arch_wait_for_interrupt();
}
