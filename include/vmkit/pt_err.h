/* vmkit's error codes (engine and address spaces). Every operation returns one; none panics. */
#ifndef VMKIT_PT_ERR_H
#define VMKIT_PT_ERR_H

enum pt_err {
	PT_OK = 0,
	PT_EINVAL,    /* a null pointer, unknown flags or an unusable format */
	PT_EEMPTY,    /* size is 0 */
	PT_EALIGN,    /* VA, PA or size not a multiple of 4 KiB */
	PT_ERANGE,    /* VA beyond the format's address space */
	PT_ECANON,    /* VA not canonical (upper bits do not copy the top translated bit) */
	PT_EWRAP,     /* the range wraps around or crosses the canonical hole */
	PT_EPA,       /* PA beyond the format's physical address width */
	PT_EPERM,     /* permissions the format cannot express */
	PT_EEXIST,    /* the range overlaps an existing mapping */
	PT_ENOMEM,    /* the memory interface could not supply a table */
	PT_ENOENT,    /* nothing is mapped there */
	PT_ECORRUPT,  /* a malformed entry was found where the operation needed to read it */
	PT_ESTOPPED,  /* a visitor callback asked to stop */
	PT_ENOSPC,    /* the caller's scratch space is too small */
	PT_EFAULT,    /* a user address the access is not allowed at (lib/vm) */
	PT_ETOOLONG,  /* no string terminator within the limit (lib/vm) */
	PT_ERR_COUNT
};

/* A short English description of err, never NULL. */
const char *pt_strerror(enum pt_err err);

/* The enumerator's name ("PT_EEXIST"), never NULL. */
const char *pt_errname(enum pt_err err);

#endif
