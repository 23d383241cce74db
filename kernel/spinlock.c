/* Spinlocks; holding one keeps interrupts off on this CPU (push_off/pop_off nest). */
#include "kernel.h"

void spin_init(struct spinlock *lk, const char *name)
{
	lk->locked = 0;
	lk->name = name;
	lk->cpu = 0;
}

/* Take lk, spinning; interrupts stay off until the matching release. */
void acquire(struct spinlock *lk)
{
	push_off();
	if (holding(lk))
		panic(lk->name);
	while (__sync_lock_test_and_set(&lk->locked, 1) != 0)
		;
	__sync_synchronize(); /* the critical section's accesses stay after the lock is taken */
	lk->cpu = mycpu();
}

/* Give lk back. */
void release(struct spinlock *lk)
{
	if (!holding(lk))
		panic(lk->name);
	lk->cpu = 0;
	__sync_synchronize(); /* ... and before it is given back */
	__sync_lock_release(&lk->locked);
	pop_off();
}

/* Whether this CPU holds lk. Interrupts must be off. */
int holding(struct spinlock *lk)
{
	return lk->locked && lk->cpu == mycpu();
}

/* Interrupts off, counting; pop_off turns them back on only at the outermost level. */
void push_off(void)
{
	int old = arch_intr_get();

	arch_intr_off();
	if (mycpu()->noff == 0)
		mycpu()->intena = old;
	mycpu()->noff++;
}

void pop_off(void)
{
	struct cpu *c = mycpu();

	if (arch_intr_get())
		panic("pop_off: interrupts on");
	if (c->noff < 1)
		panic("pop_off: not pushed");
	c->noff--;
	if (c->noff == 0 && c->intena)
		arch_intr_on();
}
