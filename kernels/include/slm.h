/*
 * The kernel's questions to the resident SLM (kernels/slm/). Until the model
 * runs in the kernel each question is answered by a small rule engine with
 * the same interface; the SLM issue replaces the engine with the model's
 * intents (DRIVER_SELECT for the driver choice).
 */
#ifndef AUTON_SLM_H
#define AUTON_SLM_H

#include "device.h"

/* Orders cands (best first) for dev and returns how many of them may be
 * tried: candidates a rule vetoes are moved past that count. n <= DEV_MAX_CANDIDATES. */
int slm_select_driver(const struct device *dev, struct dev_candidate *cands, int n);
/* The reason the last veto of slm_select_driver gave (for the log), or NULL. */
const char *slm_select_driver_reason(void);

#endif
