/*
 * The SLM's device work: HARDWARE_IDENTIFY (what a device is) and
 * DRIVER_SELECT (which of the drivers whose tables match it runs it).
 *
 * For DRIVER_SELECT the request for the device is classified like any other
 * and must come out DRIVER_SELECT; then the rule engine's action scores the
 * candidates (how each matched: an exact PCI id says more than a
 * device-tree compatible, which says more than a PCI class; then every rule
 * whose conditions hold adds its weight or vetoes the candidate). With the
 * neural backend the model is asked which driver, and the candidate it names
 * goes first among those the rules allow. Highest score first; ties keep
 * the drivers' order.
 */
#include "kernel.h"
#include "pci.h"
#include "slm.h"
#include "slm/backend.h"

#define ANY (-1)

struct select_rule {
	const char *why;
	int bus;             /* ANY, DEV_BUS_PCI, DEV_BUS_DT */
	int vendor, device;  /* PCI ids, ANY */
	int class_code;      /* PCI base class, ANY */
	const char *driver;  /* candidate's name, NULL = any */
	enum match_kind how; /* MATCH_END = any */
	int weight;
	bool veto;
};

static const struct select_rule rules[] = {
	{ "bridges and host bridges are run by the PCI core, not by a driver", DEV_BUS_PCI, ANY, ANY,
	  PCI_CLASS_BRIDGE, NULL, MATCH_END, 0, true },
	{ "the 82574L is an e1000e part: its own driver knows its EEPROM and interrupt registers",
	  DEV_BUS_PCI, 0x8086, 0x10d3, ANY, "e1000e", MATCH_END, 50, false },
	{ "a driver that only knows the device class is the last resort", ANY, ANY, ANY, ANY, NULL,
	  MATCH_PCI_CLASS, -50, false },
};

static const char *last_reason;

/* ---- what a device is ---------------------------------------------------- */

struct name_entry {
	uint16_t vendor, device; /* device 0xffff: any device of the vendor */
	const char *name;
};

/* Vendors and the parts QEMU's machines and the drivers here deal with. */
static const struct name_entry names[] = {
	{ 0x8086, 0x100e, "Intel 82540EM Gigabit Ethernet" },
	{ 0x8086, 0x10d3, "Intel 82574L Gigabit Ethernet" },
	{ 0x8086, 0x1237, "Intel 440FX host bridge" },
	{ 0x8086, 0x7000, "Intel PIIX3 ISA bridge" },
	{ 0x8086, 0x7010, "Intel PIIX3 IDE" },
	{ 0x8086, 0x7113, "Intel PIIX4 ACPI" },
	{ 0x8086, 0x29c0, "Intel Q35 DRAM controller (host bridge)" },
	{ 0x8086, 0x2918, "Intel ICH9 LPC bridge" },
	{ 0x8086, 0x2922, "Intel ICH9 SATA AHCI" },
	{ 0x8086, 0x2930, "Intel ICH9 SMBus" },
	{ 0x1af4, 0x1000, "virtio network device (transitional)" },
	{ 0x1af4, 0x1041, "virtio network device" },
	{ 0x1af4, 0x1001, "virtio block device (transitional)" },
	{ 0x1af4, 0x1042, "virtio block device" },
	{ 0x1b36, 0x0008, "QEMU PCIe host bridge" },
	{ 0x1b36, 0x000c, "QEMU PCIe root port" },
	{ 0x1b36, 0x0001, "QEMU PCI-PCI bridge" },
	{ 0x1234, 0x1111, "QEMU standard VGA" },
	{ 0x8086, 0xffff, "Intel" },
	{ 0x1af4, 0xffff, "Red Hat virtio" },
	{ 0x1b36, 0xffff, "Red Hat QEMU" },
	{ 0x10ec, 0xffff, "Realtek" },
	{ 0x14e4, 0xffff, "Broadcom" },
	{ 0x1022, 0xffff, "AMD" },
	{ 0x10de, 0xffff, "NVIDIA" },
	{ 0x15ad, 0xffff, "VMware" },
};

static const char *class_name(uint8_t cls, uint8_t sub)
{
	switch (cls) {
	case 0x01:
		switch (sub) {
		case 0x01: return "IDE storage controller";
		case 0x06: return "SATA storage controller";
		case 0x08: return "NVMe storage controller";
		default: return "storage controller";
		}
	case 0x02: return sub == 0x00 ? "Ethernet network controller" : "network controller";
	case 0x03: return "display controller";
	case 0x04: return "multimedia controller";
	case 0x05: return "memory controller";
	case 0x06:
		switch (sub) {
		case 0x00: return "host bridge";
		case 0x01: return "ISA bridge";
		case 0x04: return "PCI bridge";
		default: return "bridge";
		}
	case 0x07: return "communication controller";
	case 0x08: return "system peripheral";
	case 0x0c: return sub == 0x03 ? "USB controller" : sub == 0x05 ? "SMBus controller" : "serial bus controller";
	default: return "device";
	}
}

/* The best name for a PCI id: the part, else the vendor, else NULL. */
static const char *pci_name(uint16_t vendor, uint16_t device, bool *whole_part)
{
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].vendor == vendor && names[i].device == device) {
			*whole_part = true;
			return names[i].name;
		}
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].vendor == vendor && names[i].device == 0xffff) {
			*whole_part = false;
			return names[i].name;
		}
	*whole_part = false;
	return NULL;
}

void slm_describe_device(const struct device *dev, char *out, size_t outlen)
{
	if (dev->bus != DEV_BUS_PCI) {
		snprintf(out, outlen, "%s at 0x%llx", dev->compatible ? dev->compatible : dev->name,
			 (unsigned long long)dev->mmio_base);
		return;
	}
	const struct pci_dev *p = dev->pci;
	bool part;
	const char *name = pci_name(p->vendor, p->device, &part);
	const char *cls = class_name(p->class_code, p->subclass);
	if (name && part)
		snprintf(out, outlen, "%s, %s (%04x:%04x)", cls, name, p->vendor, p->device);
	else if (name)
		snprintf(out, outlen, "%s from %s (%04x:%04x)", cls, name, p->vendor, p->device);
	else
		snprintf(out, outlen, "%s (%04x:%04x)", cls, p->vendor, p->device);
}

/* The device as a request names it: "pci 8086:100e" or its compatible. */
static void device_id(const struct device *dev, char *out, size_t outlen)
{
	if (dev->bus == DEV_BUS_PCI)
		snprintf(out, outlen, "%04x:%04x", dev->pci->vendor, dev->pci->device);
	else
		snprintf(out, outlen, "%s", dev->compatible ? dev->compatible : dev->name);
}

void slm_identify_device(const struct device *dev, char *out, size_t outlen)
{
	char id[48], request[128];
	int conf;
	device_id(dev, id, sizeof(id));
	snprintf(request, sizeof(request), "identify the device %s", id);
	int intent = slm_classify(request, &conf);
	slm_describe_device(dev, out, outlen);
	printk("[SLM] %s %s %s: %s (%s " SLM_CONF_FMT ")\n", slm_intent_name(intent), dev->name, id, out,
	       slm_backend_name(), SLM_CONF_ARGS(conf));
}

/* ---- which driver --------------------------------------------------------- */

static int base_score(enum match_kind how)
{
	switch (how) {
	case MATCH_PCI_ID:
		return 300;
	case MATCH_DT_COMPAT:
		return 200;
	case MATCH_PCI_CLASS:
		return 100;
	default:
		return 0;
	}
}

static bool applies(const struct select_rule *r, const struct device *dev,
		    const struct dev_candidate *c)
{
	const struct pci_dev *p = dev->bus == DEV_BUS_PCI ? dev->pci : NULL;
	if (r->bus != ANY && (int)dev->bus != r->bus)
		return false;
	if ((r->vendor != ANY || r->device != ANY || r->class_code != ANY) && !p)
		return false;
	if (p && ((r->vendor != ANY && p->vendor != r->vendor) ||
		  (r->device != ANY && p->device != r->device) ||
		  (r->class_code != ANY && p->class_code != r->class_code)))
		return false;
	if (r->driver && strcmp(r->driver, c->driver->name) != 0)
		return false;
	return r->how == MATCH_END || r->how == c->how;
}

/* The rule engine's DRIVER_SELECT action: scores, vetoes, stable order.
 * Returns how many candidates are allowed. */
static int rules_order(const struct device *dev, struct dev_candidate *cands, int n)
{
	bool vetoed[DEV_MAX_CANDIDATES] = { false };
	for (int i = 0; i < n; i++) {
		cands[i].score = base_score(cands[i].how);
		for (unsigned r = 0; r < ARRAY_SIZE(rules); r++) {
			if (!applies(&rules[r], dev, &cands[i]))
				continue;
			cands[i].score += rules[r].weight;
			if (rules[r].veto) {
				vetoed[i] = true;
				last_reason = rules[r].why;
			}
		}
	}
	/* Stable insertion sort: allowed before vetoed, then by score. */
	for (int i = 1; i < n; i++) {
		for (int j = i; j > 0; j--) {
			bool swap = vetoed[j - 1] != vetoed[j] ? vetoed[j - 1]
							       : cands[j].score > cands[j - 1].score;
			if (!swap)
				break;
			struct dev_candidate t = cands[j];
			cands[j] = cands[j - 1];
			cands[j - 1] = t;
			bool v = vetoed[j];
			vetoed[j] = vetoed[j - 1];
			vetoed[j - 1] = v;
		}
	}
	int allowed = 0;
	while (allowed < n && !vetoed[allowed])
		allowed++;
	return allowed;
}

/* Whether the model's answer names driver (as a whole word). */
static bool names_driver(const char *answer, const char *driver)
{
	size_t n = strlen(driver);
	for (const char *p = answer; *p; p++) {
		if (strncmp(p, driver, n) != 0)
			continue;
		char before = p == answer ? ' ' : p[-1], after = p[n];
		bool word_before = before == '_' || (before >= 'a' && before <= 'z') || (before >= '0' && before <= '9');
		bool word_after = after == '_' || (after >= 'a' && after <= 'z') || (after >= '0' && after <= '9');
		if (!word_before && !word_after)
			return true;
	}
	return false;
}

/* The neural backend's choice: the allowed candidate its answer names moves
 * to the front. Returns the generated answer's source for the log line. */
static const char *neural_prefer(const char *request, struct dev_candidate *cands, int allowed)
{
	char answer[96];
	char prompt[SLM_TEXT_MAX];
	snprintf(prompt, sizeof(prompt), "### request: %s\n### answer:", request);
	if (slm_generate(prompt, 12, answer, sizeof(answer)) < 0)
		return "rules";
	for (int i = 0; i < allowed; i++) {
		if (!names_driver(answer, cands[i].driver->name))
			continue;
		struct dev_candidate pick = cands[i];
		for (int j = i; j > 0; j--)
			cands[j] = cands[j - 1];
		cands[0] = pick;
		return "neural";
	}
	return "rules";
}

int slm_select_driver(const struct device *dev, struct dev_candidate *cands, int n)
{
	char id[48], request[160];
	int conf = 0;
	last_reason = NULL;
	if (n > DEV_MAX_CANDIDATES)
		n = DEV_MAX_CANDIDATES;
	device_id(dev, id, sizeof(id));
	snprintf(request, sizeof(request), "select a driver for %s", id);
	int intent = slm_classify(request, &conf);
	int allowed = rules_order(dev, cands, n);
	const char *by = "rules";
	if (intent != SLM_INTENT_DRIVER_SELECT)
		by = "rules, the request classified as another intent";
	else if (allowed > 1 && slm_backend()->generate)
		by = neural_prefer(request, cands, allowed);
	if (n == 0)
		return 0;
	printk("[SLM] DRIVER_SELECT %s -> %s (%s " SLM_CONF_FMT ")\n", id,
	       allowed ? cands[0].driver->name : "none", by, SLM_CONF_ARGS(conf));
	return allowed;
}

const char *slm_select_driver_reason(void)
{
	return last_reason;
}
