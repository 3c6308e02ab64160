/*
 * subr_autoconf.c -- attach a driver to each of the host's devices.
 *
 * A device without a driver, or whose attach fails, is a configuration
 * error the run cannot recover from: it panics naming the device.
 */
#include <sys/kern.h>
#include <sys/device.h>

#include <kern/autoconf.h>

#include <string.h>

void
config_attach_all(void)
{
	device_t dev;

	for (u_int i = 0; (dev = device_lookup(i)) != NULL; i++) {
		const struct cfdriver *cd;
		int error;

		for (cd = cfdrivers; cd->cd_model != NULL; cd++)
			if (strcmp(cd->cd_model, device_model(dev)) == 0)
				break;
		if (cd->cd_model == NULL)
			panic("%s: no driver for device model %s",
			    device_xname(dev), device_model(dev));
		if ((error = (*cd->cd_attach)(dev)) != 0)
			panic("%s: attach failed, error %d", device_xname(dev),
			    error);
	}
}
