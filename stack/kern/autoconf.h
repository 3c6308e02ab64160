/*
 * autoconf.h -- matching a host's devices to drivers at boot.
 *
 * Each driver names the device model it drives and an attach routine;
 * the table (stack/dev/devsw.c) is constant.  config_attach_all(), called
 * from kern_boot(), attaches every device of the host whose model has a
 * driver, in device order.
 */
#ifndef _STACK_KERN_AUTOCONF_H_
#define _STACK_KERN_AUTOCONF_H_

#include <sys/kern.h>
#include <sys/device.h>

struct cfdriver {
	const char *cd_model;                   /* device_model() it drives */
	int (*cd_attach)(device_t);             /* 0 or an errno */
};

/* Every driver, terminated by an entry with a NULL model. */
extern const struct cfdriver cfdrivers[];

void	config_attach_all(void);

#endif /* _STACK_KERN_AUTOCONF_H_ */
