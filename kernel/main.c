/* Boot, after the arch code has brought each CPU into supervisor mode with a stack. */
#include "kernel.h"

static volatile int started;

/* Every CPU comes here; CPU 0 sets the machine up while the others wait. */
void kmain(void)
{
	if (arch_cpuid() == 0) {
		console_init();
		kprintf("\nvmkit kernel (%s) booting\n", ARCH_NAME);
		kmem_init(arch_kernel_end(), PHYSTOP);
		spin_init(&tickslock, "ticks");
		proc_init();
		kvm_init();
		kvm_init_hart();
		arch_trap_init_hart();
		user_init();
		kprintf("cpu 0: up, %u frames free\n", kmem_free_frames());
		__sync_synchronize();
		started = 1;
	} else {
		while (!started)
			;
		__sync_synchronize();
		kvm_init_hart();
		arch_trap_init_hart();
		kprintf("cpu %d: up\n", arch_cpuid());
	}
	scheduler();
}
