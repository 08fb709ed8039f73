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

static const char *access_name(unsigned access)
{
	if (access & MMU_EXEC)
		return "exec";
	if (access & MMU_WRITE)
		return "write";
	if (access & MMU_READ)
		return "read";
	return "unknown";
}

bool kernel_trap(const struct hal_trap_info *info)
{
	if (hook && hook(info))
		return true;
	if (info->kind == HAL_TRAP_PAGE_FAULT && !info->probe)
		printk("[MM] page fault: addr=0x%lx access=%s cause=%s pc=0x%lx\n", (unsigned long)info->addr,
		       access_name(info->access), info->cause ? info->cause : "unknown", (unsigned long)info->pc);
	return false;
}
