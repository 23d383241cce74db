/* Stand-in for xv6-x86's param.h (the values the drop-in and its tests use). */
#define NPROC 64         // processes
#define KSTACKSIZE 4096  // bytes of one kernel stack
#define NCPU 8           // CPUs
#define NOFILE 16        // open files per process
#define MAXARG 32        // exec arguments
