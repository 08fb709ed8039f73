/* slm_select_driver(): the rule engine that stands in for the SLM's
 * DRIVER_SELECT intent. Each candidate starts from how it matched (an exact
 * PCI id says more than a device-tree compatible, which says more than a
 * PCI class), then every rule whose conditions hold adds its weight or
 * vetoes the candidate. Highest score first; ties keep the drivers' order. */
#include "kernel.h"
#include "slm.h"
#include "pci.h"

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

int slm_select_driver(const struct device *dev, struct dev_candidate *cands, int n)
{
	bool vetoed[DEV_MAX_CANDIDATES] = { false };
	last_reason = NULL;
	if (n > DEV_MAX_CANDIDATES)
		n = DEV_MAX_CANDIDATES;
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

const char *slm_select_driver_reason(void)
{
	return last_reason;
}
