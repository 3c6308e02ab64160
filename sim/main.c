/*
 * main.c -- the netsim command line (skeleton; grows with the machine).
 */
#include <stdio.h>

int
main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "netsim: not built yet\n");
	return 2;
}
