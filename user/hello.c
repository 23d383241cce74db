/* hello: the smallest program. */
#include "user.h"

int main(int argc, char **argv)
{
	printf("hello, world from pid %d (%s, %d argument%s)\n", getpid(), argv[0], argc - 1,
	       argc == 2 ? "" : "s");
	return 0;
}
