/* Checking addresses against a format, and moving between VAs and index space. */
#include "pt_internal.h"

static const struct {
	const char *name;
	const char *text;
} pt_errors[PT_ERR_COUNT] = {
	[PT_OK] = {"PT_OK", "success"},
	[PT_EINVAL] = {"PT_EINVAL", "invalid argument"},
	[PT_EEMPTY] = {"PT_EEMPTY", "size is zero"},
	[PT_EALIGN] = {"PT_EALIGN", "address or size not page-aligned"},
	[PT_ERANGE] = {"PT_ERANGE", "address beyond the format's virtual address space"},
	[PT_ECANON] = {"PT_ECANON", "non-canonical virtual address"},
	[PT_EWRAP] = {"PT_EWRAP", "range wraps around or crosses the canonical hole"},
	[PT_EPA] = {"PT_EPA", "physical address beyond the format's physical width"},
	[PT_EPERM] = {"PT_EPERM", "permissions the format cannot express"},
	[PT_EEXIST] = {"PT_EEXIST", "range overlaps an existing mapping"},
	[PT_ENOMEM] = {"PT_ENOMEM", "out of memory for page tables"},
	[PT_ENOENT] = {"PT_ENOENT", "not mapped"},
	[PT_ECORRUPT] = {"PT_ECORRUPT", "malformed page-table entry"},
	[PT_ESTOPPED] = {"PT_ESTOPPED", "stopped by a visitor"},
	[PT_ENOSPC] = {"PT_ENOSPC", "scratch space too small"},
	[PT_EFAULT] = {"PT_EFAULT", "bad user address"},
	[PT_ETOOLONG] = {"PT_ETOOLONG", "string not terminated within the limit"},
};

const char *pt_strerror(enum pt_err err)
{
	if ((unsigned)err >= PT_ERR_COUNT)
		return "unknown error";
	return pt_errors[err].text;
}

const char *pt_errname(enum pt_err err)
{
	if ((unsigned)err >= PT_ERR_COUNT)
		return "PT_E?";
	return pt_errors[err].name;
}

/* Check a single VA and return its iva. */
enum pt_err pt_iva_from(const struct pt_format *f, va_t va, uint64_t *iva)
{
	uint64_t space = pt_space_end(f);
	uint64_t top;

	if (!f->sign_extended) {
		if (va >= space)
			return PT_ERANGE;
		*iva = va;
		return PT_OK;
	}
	/* Bits 63:va_bits-1 must be all zeros or all ones. */
	top = va >> (f->va_bits - 1);
	if (top == 0)
		*iva = va;
	else if (top == (~(uint64_t)0 >> (f->va_bits - 1)))
		*iva = va & (space - 1);
	else
		return PT_ECANON;
	return PT_OK;
}

/* Check va/size against the format and turn them into index space. */
enum pt_err pt_range_from(const struct pt_format *f, va_t va, uint64_t size,
			  struct pt_range *out)
{
	uint64_t space = pt_space_end(f);
	uint64_t iva;
	enum pt_err err;

	if (size == 0)
		return PT_EEMPTY;
	if ((va | size) & (PT_PAGE_SIZE - 1))
		return PT_EALIGN;
	err = pt_iva_from(f, va, &iva);
	if (err)
		return err;
	if (size > space - iva)
		return (f->sign_extended || va + size < va) ? PT_EWRAP : PT_ERANGE;
	if (f->sign_extended && iva < space / 2 && iva + size > space / 2)
		return PT_EWRAP;
	out->iva = iva;
	out->end = iva + size;
	return PT_OK;
}

/* The canonical VA for an index into the format's VA space. */
va_t pt_canonical(const struct pt_format *f, uint64_t iva)
{
	return pt_canonical_va(f, iva);
}
