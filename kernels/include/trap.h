/* Installing a handler for synchronous traps (see hal/hal.h kernel_trap). */
#ifndef AUTON_TRAP_H
#define AUTON_TRAP_H

#include "hal/hal.h"

typedef bool (*trap_hook_t)(const struct hal_trap_info *info);
/* Installs h (NULL removes it) and returns the previous hook. */
trap_hook_t trap_set_hook(trap_hook_t h);

#endif
