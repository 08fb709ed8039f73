/*
 * Answers from the live system (kernel_spec/slm.md). A request is
 * classified, the things it names are picked out (device classes, a PCI id,
 * memory, threads, uptime, drivers, CPUs) and the intent's action builds the
 * answer from the device registry, the block and network devices, the
 * memory allocators and the scheduler: nothing here is canned text about
 * hardware, every figure and name is read when asked.
 */
#include "kernel.h"
#include "blk.h"
#include "dev.h"
#include "device.h"
#include "hal/hal.h"
#include "mm.h"
#include "net.h"
#include "pci.h"
#include "sched.h"
#include "slm.h"
#include "slm/backend.h"
#include "slm/rules.h"

/* What a request talks about. */
enum {
	ENT_NETWORK = 1 << 0,
	ENT_DISK = 1 << 1,
	ENT_MEMORY = 1 << 2,
	ENT_THREADS = 1 << 3,
	ENT_UPTIME = 1 << 4,
	ENT_DRIVERS = 1 << 5,
	ENT_CPU = 1 << 6,
	ENT_DEVICES = 1 << 7,
	ENT_PCI_ID = 1 << 8,
	ENT_DISPLAY = 1 << 9,
	ENT_USB = 1 << 10,
};

struct entities {
	unsigned what;
	uint16_t vendor, device; /* ENT_PCI_ID */
};

struct word_entity {
	const char *word; /* at a word start; matches longer words ("disks") */
	unsigned entity;
};

static const struct word_entity words[] = {
	{ "network", ENT_NETWORK }, { "nic", ENT_NETWORK }, { "ethernet", ENT_NETWORK },
	{ "net", ENT_NETWORK }, { "eth", ENT_NETWORK }, { "lan", ENT_NETWORK },
	{ "wifi", ENT_NETWORK }, { "internet", ENT_NETWORK }, { "e1000", ENT_NETWORK },
	{ "disk", ENT_DISK }, { "storage", ENT_DISK }, { "block", ENT_DISK }, { "drive", ENT_DISK },
	{ "ssd", ENT_DISK }, { "hdd", ENT_DISK }, { "vd", ENT_DISK }, { "nvme", ENT_DISK },
	{ "sata", ENT_DISK }, { "memory", ENT_MEMORY }, { "ram", ENT_MEMORY }, { "mem", ENT_MEMORY },
	{ "thread", ENT_THREADS }, { "process", ENT_THREADS }, { "task", ENT_THREADS },
	{ "running", ENT_THREADS }, { "uptime", ENT_UPTIME }, { "up for", ENT_UPTIME },
	{ "how long", ENT_UPTIME }, { "driver", ENT_DRIVERS }, { "module", ENT_DRIVERS },
	{ "cpu", ENT_CPU }, { "processor", ENT_CPU }, { "core", ENT_CPU },
	{ "device", ENT_DEVICES }, { "hardware", ENT_DEVICES }, { "pci", ENT_DEVICES },
	{ "lspci", ENT_DEVICES }, { "peripheral", ENT_DEVICES }, { "gpu", ENT_DISPLAY },
	{ "graphics", ENT_DISPLAY }, { "display", ENT_DISPLAY }, { "vga", ENT_DISPLAY },
	{ "video", ENT_DISPLAY }, { "usb", ENT_USB },
};

static bool is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* A PCI id "vvvv:dddd" at p (whole word), or false. */
static bool parse_pci_id(const char *s, const char *p, uint16_t *vendor, uint16_t *device)
{
	uint32_t v = 0;
	if (p > s && is_word(p[-1]))
		return false;
	for (int i = 0; i < 9; i++) {
		if (i == 4) {
			if (p[i] != ':')
				return false;
			continue;
		}
		int h = hexval(p[i]);
		if (h < 0)
			return false;
		v = v << 4 | (uint32_t)h;
	}
	if (is_word(p[9]))
		return false;
	*vendor = (uint16_t)(v >> 16);
	*device = (uint16_t)v;
	return true;
}

static void extract(const char *text, struct entities *e)
{
	e->what = 0;
	for (const char *p = text; *p; p++) {
		if (p > text && is_word(p[-1]))
			continue;
		if (!(e->what & ENT_PCI_ID) && parse_pci_id(text, p, &e->vendor, &e->device))
			e->what |= ENT_PCI_ID;
		for (unsigned i = 0; i < ARRAY_SIZE(words); i++)
			if (strncmp(p, words[i].word, strlen(words[i].word)) == 0)
				e->what |= words[i].entity;
	}
}

/* ---- an output buffer that never overflows ------------------------------- */

struct out {
	char *buf;
	size_t size, len;
};

__attribute__((format(printf, 2, 3))) static void say(struct out *o, const char *fmt, ...)
{
	if (o->len + 1 >= o->size)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len = MIN(o->len + (size_t)n, o->size - 1);
}

/* ---- facts ---------------------------------------------------------------- */

/* The registry entry of a block or network device's driver: the first bound
 * device whose driver has that name (a name shared by two devices gives the
 * first; the report says which). */
static const struct device *device_of_driver(const char *driver, unsigned nth)
{
	for (struct device *d = device_next(NULL); d; d = device_next(d))
		if (d->driver && strcmp(d->driver->name, driver) == 0 && nth-- == 0)
			return d;
	return NULL;
}

static void say_device_line(struct out *o, const struct device *d)
{
	char what[128];
	slm_describe_device(d, what, sizeof(what));
	say(o, "%s: %s, driver %s\n", d->name, what, device_driver_name(d));
}

static void facts_network(struct out *o)
{
	char mac[18];
	unsigned n = 0, per_driver[8] = { 0 };
	const char *seen[8] = { 0 };
	for (struct netdev *nd = netdev_next(NULL); nd; nd = netdev_next(nd), n++) {
		unsigned k = 0;
		while (k < 8 && seen[k] && strcmp(seen[k], nd->driver) != 0)
			k++;
		if (k < 8 && !seen[k])
			seen[k] = nd->driver;
		const struct device *d = device_of_driver(nd->driver, k < 8 ? per_driver[k]++ : 0);
		char what[128] = "";
		if (d)
			slm_describe_device(d, what, sizeof(what));
		say(o, "%s: %s, driver %s, mac %s, %llu frames sent, %llu received\n", nd->name,
		    d ? what : "network interface", nd->driver, mac_to_string(nd->mac, mac),
		    (unsigned long long)nd->tx_frames, (unsigned long long)nd->rx_frames);
	}
	if (!n)
		say(o, "no network card: the machine has no NIC the kernel found\n");
	for (struct device *d = device_next(NULL); d; d = device_next(d))
		if (d->bus == DEV_BUS_PCI && d->pci->class_code == 0x02 && !d->driver)
			say(o, "%s: %s has no driver\n", d->name, "network controller");
}

static void facts_disk(struct out *o)
{
	unsigned n = 0, nth = 0;
	const char *last = NULL;
	for (struct blkdev *b = blk_next(NULL); b; b = blk_next(b), n++) {
		nth = last && strcmp(last, b->driver) == 0 ? nth + 1 : 0;
		last = b->driver;
		const struct device *d = device_of_driver(b->driver, nth);
		char what[128] = "";
		if (d)
			slm_describe_device(d, what, sizeof(what));
		say(o, "%s: %llu MiB (%llu sectors)%s, driver %s%s%s\n", b->name,
		    (unsigned long long)(b->sectors * BLK_SECTOR_SIZE >> 20),
		    (unsigned long long)b->sectors, b->read_only ? " read-only" : "", b->driver,
		    d ? ", " : "", d ? what : "");
	}
	if (!n)
		say(o, "no disk: the machine has no block device the kernel found\n");
	for (struct device *d = device_next(NULL); d; d = device_next(d))
		if (d->bus == DEV_BUS_PCI && d->pci->class_code == 0x01 && !d->driver)
			say(o, "%s: storage controller %04x:%04x has no driver\n", d->name, d->pci->vendor,
			    d->pci->device);
}

static void facts_memory(struct out *o)
{
	struct slab_stats s;
	slab_get_stats(&s);
	size_t free_b = pmm_free_count() * PAGE_SIZE, total = pmm_total_count() * PAGE_SIZE;
	say(o, "memory: %zu MiB free of %zu MiB (%zu KiB free, %zu pages)\n", free_b >> 20,
	    total >> 20, free_b >> 10, pmm_free_count());
	say(o, "kmalloc: %zu objects in %zu slabs, %zu large allocations\n", s.live_objects, s.slabs,
	    s.large_live);
	say(o, "SLM pool: %zu KiB free of %zu KiB (backend %s)\n", slm_pool_free_bytes() >> 10,
	    slm_pool_size() >> 10, slm_backend_name());
}

static const char *state_name(enum thread_state s)
{
	static const char *const names[] = { "ready", "running", "blocked", "sleeping", "dead" };
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

static void one_thread(const struct thread *t, void *arg)
{
	struct out *o = arg;
	say(o, "  %u %s %s %s\n", t->tid, t->name,
	    t->cls < SCHED_NCLASSES ? sched_class_name(t->cls) : "IDLE", state_name(t->state));
}

static void count_thread(const struct thread *t, void *arg)
{
	UNUSED(t);
	(*(unsigned *)arg)++;
}

static void facts_threads(struct out *o)
{
	unsigned n = 0;
	sched_for_each_thread(count_thread, &n);
	say(o, "threads: %u (tid name class state), %llu context switches\n", n,
	    (unsigned long long)sched_switch_count());
	sched_for_each_thread(one_thread, o);
}

static void facts_uptime(struct out *o)
{
	uint64_t ms = hal_time_ns() / 1000000;
	say(o, "uptime: %llu.%03llu s (%llu timer ticks)\n", (unsigned long long)(ms / 1000),
	    (unsigned long long)(ms % 1000), (unsigned long long)timer_ticks());
}

static void facts_drivers(struct out *o)
{
	unsigned bound = 0;
	for (struct device *d = device_next(NULL); d; d = device_next(d))
		if (d->driver) {
			say_device_line(o, d);
			bound++;
		}
	say(o, "%u of %u devices have a driver; drivers built in:", bound, device_count());
	for (const struct driver *const *d = all_drivers; *d; d++)
		say(o, " %s", (*d)->name);
	say(o, "\n");
}

static void facts_cpu(struct out *o)
{
	const struct platform_info *pi = platform_info();
	say(o, "cpus: %u (%s), firmware %s\n", pi->cpus, hal_arch_name(), pi->firmware);
}

static void facts_devices(struct out *o, int pci_class)
{
	unsigned n = 0;
	for (struct device *d = device_next(NULL); d; d = device_next(d)) {
		if (pci_class >= 0 && (d->bus != DEV_BUS_PCI || d->pci->class_code != pci_class))
			continue;
		say_device_line(o, d);
		n++;
	}
	if (!n)
		say(o, "none found\n");
}

static void facts_pci_id(struct out *o, const struct entities *e)
{
	unsigned n = 0;
	for (struct device *d = device_next(NULL); d; d = device_next(d)) {
		if (d->bus != DEV_BUS_PCI || d->pci->vendor != e->vendor || d->pci->device != e->device)
			continue;
		say_device_line(o, d);
		n++;
	}
	if (!n) {
		struct dev_candidate c[DEV_MAX_CANDIDATES];
		say(o, "%04x:%04x is not in this machine", e->vendor, e->device);
		/* Which built-in driver's table names it, as if it were plugged in. */
		struct pci_dev p = { .vendor = e->vendor, .device = e->device };
		struct device d = { .bus = DEV_BUS_PCI, .pci = &p };
		int k = device_candidates(&d, c, DEV_MAX_CANDIDATES);
		if (k)
			say(o, "; driver %s would take it", c[0].driver->name);
		say(o, "\n");
	}
}

/* The facts a request names; false when it names none. */
static bool facts(struct out *o, const struct entities *e)
{
	size_t before = o->len;
	if (e->what & ENT_PCI_ID)
		facts_pci_id(o, e);
	if (e->what & ENT_NETWORK)
		facts_network(o);
	if (e->what & ENT_DISK)
		facts_disk(o);
	if (e->what & ENT_DISPLAY)
		facts_devices(o, 0x03);
	if (e->what & ENT_USB)
		facts_devices(o, 0x0c);
	if (e->what & ENT_MEMORY)
		facts_memory(o);
	if (e->what & ENT_THREADS)
		facts_threads(o);
	if (e->what & ENT_UPTIME)
		facts_uptime(o);
	if (e->what & ENT_CPU)
		facts_cpu(o);
	if ((e->what & ENT_DRIVERS) && !(e->what & (ENT_NETWORK | ENT_DISK | ENT_PCI_ID)))
		facts_drivers(o);
	if ((e->what & ENT_DEVICES) && o->len == before)
		facts_devices(o, -1);
	return o->len != before;
}

/* ---- the intents' actions ---------------------------------------------- */

static void troubleshoot(struct out *o, const struct entities *e)
{
	unsigned problems = 0;
	for (struct device *d = device_next(NULL); d; d = device_next(d)) {
		if (d->driver)
			continue;
		bool bridge = d->bus == DEV_BUS_PCI && d->pci->class_code == PCI_CLASS_BRIDGE;
		if (d->probe_error) {
			say(o, "problem: %s: every driver refused it (last error %d)\n", d->name,
			    d->probe_error);
			problems++;
		} else if (!bridge && (!(e->what & (ENT_NETWORK | ENT_DISK)) ||
				       (d->bus == DEV_BUS_PCI &&
					((e->what & ENT_NETWORK && d->pci->class_code == 0x02) ||
					 (e->what & ENT_DISK && d->pci->class_code == 0x01))))) {
			char what[128];
			slm_describe_device(d, what, sizeof(what));
			say(o, "note: %s (%s) has no driver\n", d->name, what);
		}
	}
	bool all = !(e->what & (ENT_NETWORK | ENT_DISK));
	if (all || (e->what & ENT_NETWORK)) {
		unsigned nics = 0;
		for (struct netdev *nd = netdev_next(NULL); nd; nd = netdev_next(nd), nics++) {
			bool alive = nd->rx_frames > 0;
			say(o, "%s %s: %llu frames sent, %llu received%s\n", alive ? "ok:" : "problem:",
			    nd->name, (unsigned long long)nd->tx_frames,
			    (unsigned long long)nd->rx_frames,
			    alive ? " (the link answers)" : " (nothing came back: link down or no peer)");
			problems += !alive;
		}
		if (!nics && (e->what & ENT_NETWORK)) {
			say(o, "problem: no network interface\n");
			problems++;
		}
	}
	if (all || (e->what & ENT_DISK)) {
		unsigned disks = 0;
		for (struct blkdev *b = blk_next(NULL); b; b = blk_next(b))
			disks++;
		if (!disks && (e->what & ENT_DISK)) {
			say(o, "problem: no disk\n");
			problems++;
		}
	}
	size_t free_pages = pmm_free_count(), total = pmm_total_count();
	bool low = free_pages * 10 < total;
	say(o, "%s memory: %zu MiB free of %zu MiB\n", low ? "problem:" : "ok:",
	    free_pages * PAGE_SIZE >> 20, total * PAGE_SIZE >> 20);
	problems += low;
	say(o, "%u problem%s found\n", problems, problems == 1 ? "" : "s");
}

static void driver_select(struct out *o, const struct entities *e)
{
	if (e->what & (ENT_NETWORK | ENT_DISK | ENT_PCI_ID | ENT_DISPLAY | ENT_USB)) {
		facts(o, e);
		return;
	}
	facts_drivers(o);
}

static void install_configure(struct out *o, const struct entities *e, const char *text)
{
	if (e->what)
		facts(o, e);
	if (e->what & ENT_NETWORK)
		say(o, "configured: every NIC above is up with its driver and answered ARP at boot "
		       "when it shows frames received; cannot yet: IP addresses, DHCP, DNS or routes "
		       "(the kernel has Ethernet and ARP only)\n");
	else if (e->what & ENT_DISK)
		say(o, "cannot yet: partitions, file systems or mounts (the kernel reads and writes "
		       "raw sectors only)\n");
	else
		say(o, "cannot yet: \"%s\" needs settings storage and services the kernel does not "
		       "have; what exists is configured at boot (drivers bound, NICs up)\n", text);
}

static void app_install(struct out *o, const char *text)
{
	unsigned disks = 0;
	for (struct blkdev *b = blk_next(NULL); b; b = blk_next(b))
		disks++;
	say(o, "cannot install or remove applications yet: the kernel has no package store, "
	       "no file system and no user space (request: \"%s\")\n", text);
	say(o, "what exists: %u disk%s for raw sectors, %zu MiB free memory\n", disks,
	    disks == 1 ? "" : "s", pmm_free_count() * PAGE_SIZE >> 20);
}

static void system_manage(struct out *o, const struct entities *e, const char *text)
{
	if (facts(o, e))
		return;
	facts_uptime(o);
	facts_memory(o);
	say(o, "cannot yet: \"%s\" needs users, services or a file system, which the kernel does "
	       "not have\n", text);
}

void slm_dispatch(int intent, const char *request, char *outbuf, size_t outlen)
{
	char text[SLM_TEXT_MAX + 1];
	struct entities e;
	struct out o = { outbuf, outlen, 0 };
	if (outlen)
		outbuf[0] = '\0';
	slm_normalize(request, text, sizeof(text));
	extract(text, &e);
	switch (intent) {
	case SLM_INTENT_HARDWARE_IDENTIFY:
		if (!facts(&o, &e))
			facts_devices(&o, -1);
		break;
	case SLM_INTENT_DRIVER_SELECT:
		driver_select(&o, &e);
		break;
	case SLM_INTENT_INSTALL_CONFIGURE:
		install_configure(&o, &e, text);
		break;
	case SLM_INTENT_APP_INSTALL:
		app_install(&o, text);
		break;
	case SLM_INTENT_TROUBLESHOOT:
		troubleshoot(&o, &e);
		break;
	default:
		system_manage(&o, &e, text);
	}
}

int slm_answer(const char *request, char *out, size_t outlen, int *confidence_milli)
{
	int conf;
	int intent = slm_classify(request, &conf);
	int n = snprintf(out, outlen, "[SLM] %s " SLM_CONF_FMT "\n", slm_intent_name(intent), SLM_CONF_ARGS(conf));
	if (n > 0 && (size_t)n < outlen)
		slm_dispatch(intent, request, out + n, outlen - (size_t)n);
	if (confidence_milli)
		*confidence_milli = conf;
	return intent;
}
