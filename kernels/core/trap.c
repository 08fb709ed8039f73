/* Portable side of synchronous traps: a single hook that tests (and later the
 * debugger and fault handlers) install to consume traps. */
#include "kernel.h"
#include "hal/hal.h"
#include "trap.h"

static trap_hook_t hook;

trap_hook_t trap_set_hook(trap_hook_t h)
{
	trap_hook_t old = hook;
	hook = h;
	return old;
}

bool kernel_trap(const struct hal_trap_info *info)
{
	return hook ? hook(info) : false;
}
