/* Every driver the kernel has: the candidates device_probe() chooses from.
 * Order only breaks ties the SLM's selection leaves. */
#include "device.h"
#include "drivers.h"

const struct driver *const all_drivers[] = {
	&virtio_blk_driver,
	&virtio_net_driver,
	&e1000_driver,
	&e1000e_driver,
	NULL,
};
