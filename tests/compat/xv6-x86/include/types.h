/* Stand-in for xv6-x86's types.h, for vmkit's hosted tests of the drop-in vm.c. */
typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;
typedef uint pde_t;
