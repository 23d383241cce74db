/* echo: prints its arguments, separated by spaces, on one line (one write). */
#include "user.h"

static char line[1024];

int main(int argc, char **argv)
{
	size_t len = 0;

	for (int i = 1; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (len + n + 2 > sizeof(line)) {
			write(1, line, (long)len);
			len = 0;
		}
		if (n + 2 > sizeof(line)) {
			write(1, argv[i], (long)n);
		} else {
			memcpy(line + len, argv[i], n);
			len += n;
		}
		if (i + 1 < argc)
			line[len++] = ' ';
	}
	line[len++] = '\n';
	return write(1, line, (long)len) == (long)len ? 0 : 1;
}
