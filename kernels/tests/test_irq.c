/* Device interrupt bookkeeping that needs no device: lines the controller
 * lacks are refused and nothing is left behind. */
#include "ktest.h"
#include "hal/hal.h"
#include "irq.h"

static bool never(void *arg)
{
	return false;
}

KTEST(irq_refuses_lines_the_controller_lacks)
{
	KT_EXPECT(irq_attach(0x7fffffffu, HAL_IRQ_LEVEL, "test", never, NULL) < 0);
	KT_EXPECT_EQ(irq_count(0x7fffffffu), 0);
	KT_EXPECT(!kernel_irq_dispatch(0x7fffffffu));
	irq_detach(0x7fffffffu, never, NULL);
}
