/* The SLM command channel: how the kernel asks the resident language model
 * for work. A priority channel, so urgent requests (IPC_URGENT) overtake
 * queued routine ones. */
#include "kernel.h"
#include "ipc.h"

/* Each ring holds at least three maximum-size messages. */
#define SLM_RING_BYTES (16 * 1024)

static struct channel *slm_cmd;

void ipc_init(void)
{
	slm_cmd = chan_create("slm.cmd", SLM_RING_BYTES, CHAN_PRIORITY);
	if (!slm_cmd)
		panic("ipc: no memory for the SLM command channel");
}

struct channel *slm_command_channel(void)
{
	return slm_cmd;
}
