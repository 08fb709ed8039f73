/* The drivers in kernels/drivers/ (private to the driver model's table). */
#ifndef AUTON_DRIVERS_DRIVERS_H
#define AUTON_DRIVERS_DRIVERS_H

#include "device.h"

extern const struct driver virtio_blk_driver;
extern const struct driver virtio_net_driver;
extern const struct driver e1000_driver;
extern const struct driver e1000e_driver;

#endif
