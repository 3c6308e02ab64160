/*
 * pionicvar.h -- the pionic driver's entry point for autoconfiguration
 * (stack/dev/devsw.c).  Its softc is private to pionic.c.
 */
#ifndef _STACK_DEV_PIONICVAR_H_
#define _STACK_DEV_PIONICVAR_H_

#include <sys/kern.h>
#include <sys/device.h>

/* Attach the driver to a "pionic" device: 0, or an errno. */
int	pionic_attach(device_t);

#endif /* _STACK_DEV_PIONICVAR_H_ */
