/*
 * The SLM-driven boot (kernel_spec/slm.md): the SLM comes up first, then
 * identifies each device discovery found (HARDWARE_IDENTIFY), chooses each
 * device's driver (DRIVER_SELECT, from device_probe), sets up what the
 * kernel can install today and says what it cannot, and finally stays
 * resident as a thread of class SLM serving the SLM command channel.
 */
#include "kernel.h"
#include "blk.h"
#include "dev.h"
#include "device.h"
#include "ipc.h"
#include "net.h"
#include "sched.h"
#include "slm.h"

static struct thread *resident;

static void install_step(void)
{
	unsigned nics = 0, disks = 0;
	for (struct netdev *nd = netdev_next(NULL); nd; nd = netdev_next(nd))
		nics++;
	for (struct blkdev *b = blk_next(NULL); b; b = blk_next(b))
		disks++;
	printk("[SLM] installation: set up %u network interface%s and %u disk%s with their drivers\n",
	       nics, nics == 1 ? "" : "s", disks, disks == 1 ? "" : "s");
	printk("[SLM] installation: could not install applications or write settings: no package "
	       "store and no file system yet\n");
}

void slm_boot(const struct bootinfo *bi, bool serve)
{
	slm_init(bi);
	printk("[SLM] lifecycle: hardware discovery\n");
	dev_discover(bi);
	char what[128];
	for (struct device *d = device_next(NULL); d; d = device_next(d))
		slm_identify_device(d, what, sizeof(what));
	printk("[SLM] lifecycle: driver configuration\n");
	dev_bind_all();
	dev_report();
	net_boot_check();
	printk("[SLM] lifecycle: installation and application setup\n");
	install_step();
	if (!serve) {
		printk("[SLM] lifecycle: the in-kernel tests own the command channel; no resident SLM thread\n");
		return;
	}
	resident = thread_create("slm", SCHED_SLM, slm_serve, slm_command_channel());
	if (!resident)
		panic("slm: no memory for the resident SLM thread");
	printk("[SLM] lifecycle: resident thread %u at priority %s serving %s (backend %s)\n",
	       resident->tid, sched_class_name(SCHED_SLM), chan_name(slm_command_channel()),
	       slm_backend_name());
}
