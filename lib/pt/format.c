/* The registry of built-in formats. */
#include "vmkit/pt_format.h"

const struct pt_format *const pt_formats[] = {
	&pt_format_sv32,   &pt_format_sv39,    &pt_format_sv48,   &pt_format_sv57,
	&pt_format_x86_32, &pt_format_x86_pae, &pt_format_x86_64, &pt_format_x86_la57,
	0,
};

static bool same_string(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* The built-in format called name, or NULL. */
const struct pt_format *pt_format_by_name(const char *name)
{
	for (unsigned i = 0; name && pt_formats[i]; i++)
		if (same_string(pt_formats[i]->name, name))
			return pt_formats[i];
	return 0;
}
