/*
 * devsw.c -- the drivers this kernel has (constant).
 */
#include <sys/kern.h>
#include <sys/autoconf.h>

const struct cfdriver cfdrivers[] = {
	{ NULL, NULL },
};
