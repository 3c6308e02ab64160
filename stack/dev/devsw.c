/*
 * devsw.c -- the drivers this kernel has (constant).
 */
#include <sys/kern.h>

#include <kern/autoconf.h>

#include <dev/dmanic.h>
#include <dev/pionicvar.h>

const struct cfdriver cfdrivers[] = {
	{ "dmanic", dmanic_attach },
	{ "pionic", pionic_attach },
	{ NULL, NULL },
};
