/* The device registry and driver binding (see include/device.h). Devices
 * are only added, never freed; binding changes under dev_lock. */
#include "kernel.h"
#include "device.h"
#include "fdt.h"
#include "dt.h"
#include "kerrno.h"
#include "pci.h"
#include "slm.h"
#include "sync.h"

static struct device *head, *tail;
static unsigned count;
static struct mutex dev_lock = MUTEX_INIT("devices");

/* Takes dev_lock. */
void device_register(struct device *dev)
{
	mutex_lock(&dev_lock);
	dev->next = NULL;
	if (tail)
		tail->next = dev;
	else
		head = dev;
	tail = dev;
	count++;
	mutex_unlock(&dev_lock);
}

struct device *device_next(struct device *dev)
{
	return dev ? dev->next : head;
}

unsigned device_count(void)
{
	return count;
}

static bool pci_entry_matches(const struct dev_match *m, const struct pci_dev *p)
{
	uint32_t cls = (uint32_t)p->class_code << 16 | (uint32_t)p->subclass << 8 | p->prog_if;
	if (m->kind == MATCH_PCI_ID)
		return m->vendor == p->vendor && m->device == p->device;
	if (m->kind == MATCH_PCI_CLASS)
		return (cls & m->class_mask) == m->class_value;
	return false;
}

/* How a driver's table matches dev (the most specific entry), or MATCH_END. */
static enum match_kind table_match(const struct driver *drv, const struct device *dev)
{
	enum match_kind best = MATCH_END;
	for (const struct dev_match *m = drv->matches; m && m->kind != MATCH_END; m++) {
		bool hit = false;
		if (dev->bus == DEV_BUS_PCI)
			hit = pci_entry_matches(m, dev->pci);
		else if (m->kind == MATCH_DT_COMPAT && dt_boot_tree())
			hit = fdt_is_compatible(dt_boot_tree(), dev->dt_node, m->compatible);
		if (hit && (best == MATCH_END || m->kind == MATCH_PCI_ID))
			best = m->kind;
	}
	return best;
}

int device_candidates(struct device *dev, struct dev_candidate *out, int max)
{
	int n = 0;
	for (const struct driver *const *d = all_drivers; *d && n < max; d++) {
		enum match_kind how = table_match(*d, dev);
		if (how == MATCH_END || ((*d)->accept && !(*d)->accept(dev)))
			continue;
		out[n++] = (struct dev_candidate){ *d, how, 0 };
	}
	return n;
}

/* Takes dev_lock; the drivers' probe routines run under it. */
int device_probe(struct device *dev)
{
	struct dev_candidate c[DEV_MAX_CANDIDATES];
	mutex_lock(&dev_lock);
	if (dev->driver) {
		mutex_unlock(&dev_lock);
		return 0;
	}
	int n = device_candidates(dev, c, DEV_MAX_CANDIDATES);
	int allowed = slm_select_driver(dev, c, n);
	int err = -ENODEV;
	for (int i = 0; i < allowed; i++) {
		err = c[i].driver->probe(dev);
		if (err == 0) {
			dev->driver = c[i].driver;
			break;
		}
		printk("[HW] %s: driver %s refused it (error %d)\n", dev->name, c[i].driver->name, err);
	}
	dev->probe_error = n ? err : 0;
	mutex_unlock(&dev_lock);
	return err;
}

/* Takes dev_lock. */
void device_remove(struct device *dev)
{
	mutex_lock(&dev_lock);
	if (dev->driver) {
		if (dev->driver->remove)
			dev->driver->remove(dev);
		dev->driver = NULL;
		dev->driver_data = NULL;
	}
	mutex_unlock(&dev_lock);
}

const char *device_driver_name(const struct device *dev)
{
	return dev->driver ? dev->driver->name : "none";
}
