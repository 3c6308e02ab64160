/*
 * devsw.c -- the drivers this kernel has (constant).
 */
#include <sys/kern.h>
#include <sys/autoconf.h>

#include <dev/dmanic.h>

const struct cfdriver cfdrivers[] = {
	{ "dmanic", dmanic_attach },
	{ NULL, NULL },
};
