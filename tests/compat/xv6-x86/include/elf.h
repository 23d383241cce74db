/* Stand-in for xv6-x86's elf.h: the drop-in includes it; the test's exec uses its program
 * header to describe the segments it loads. */
#define ELF_MAGIC 0x464C457FU // "\x7FELF", little-endian

// The ELF file header.
struct elfhdr {
	uint magic;
	uchar elf[12];
	ushort type;
	ushort machine;
	uint version;
	uint entry;
	uint phoff;
	uint shoff;
	uint flags;
	ushort ehsize;
	ushort phentsize;
	ushort phnum;
	ushort shentsize;
	ushort shnum;
	ushort shstrndx;
};

// One program header.
struct proghdr {
	uint type;
	uint off;
	uint vaddr;
	uint paddr;
	uint filesz;
	uint memsz;
	uint flags;
	uint align;
};

#define ELF_PROG_LOAD 1 // proghdr.type of a segment to load

#define ELF_PROG_FLAG_EXEC 1
#define ELF_PROG_FLAG_WRITE 2
#define ELF_PROG_FLAG_READ 4
