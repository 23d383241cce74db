/* Stand-in for xv6-x86's x86.h. xv6 has these as static inline functions around one
 * instruction each; here they are plain functions the hosted test defines and records. */
struct segdesc;

void lcr3(uint val);                      // load CR3: switch page tables, flush the TLB
void ltr(ushort sel);                     // load the task register
void lgdt(struct segdesc *p, int size);   // load the GDT register
