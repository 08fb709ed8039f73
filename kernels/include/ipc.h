/*
 * IPC: typed messages over channels. See kernel_spec/ipc.md.
 *
 * A channel is a bounded ring buffer of bytes holding whole messages
 * (header + payload, padded to 8 bytes). Senders block while it is full,
 * receivers while it is empty, each with a timeout. A priority channel has
 * two rings: messages flagged IPC_URGENT go to the first and are always
 * received before those in the second. The SLM command channel is one.
 */
#ifndef AUTON_IPC_H
#define AUTON_IPC_H

#include "kernel.h"

#define IPC_MAX_PAYLOAD 4096

/* Message flags. */
#define IPC_URGENT 0x1u

/* Timeouts in ms for send and receive. */
#define IPC_NOWAIT 0L
#define IPC_FOREVER (-1L)

struct ipc_header {
	uint32_t type;    /* meaning agreed by sender and receiver */
	uint32_t length;  /* payload bytes, at most IPC_MAX_PAYLOAD */
	uint32_t sender;  /* tid of the sending thread (0 before the scheduler) */
	uint32_t flags;   /* IPC_URGENT */
};

/* Channel creation flags. */
#define CHAN_PRIORITY 0x1u /* two rings: IPC_URGENT messages first */

struct channel;

/* A channel whose ring (each ring, for CHAN_PRIORITY) holds ring_bytes,
 * rounded up to a power of two, at least 64. NULL when out of memory. */
struct channel *chan_create(const char *name, size_t ring_bytes, unsigned flags);
/* Frees the channel; no thread may be using it. */
void chan_destroy(struct channel *c);

/* Sends one message. timeout_ms: IPC_NOWAIT, IPC_FOREVER or ms to wait for
 * room. Returns 0, -EAGAIN (full, IPC_NOWAIT), -ETIMEDOUT, or -EMSGSIZE
 * (payload over IPC_MAX_PAYLOAD or bigger than the ring). */
int chan_send(struct channel *c, uint32_t type, uint32_t flags, const void *payload, size_t len,
	      long timeout_ms);
/* Receives the next message (urgent first on a priority channel): fills
 * *hdr and copies the payload into buf. Returns the payload length, -EAGAIN
 * (empty, IPC_NOWAIT), -ETIMEDOUT, or -EMSGSIZE when buf is smaller than
 * the payload (the message stays queued; hdr tells its length). */
int chan_recv(struct channel *c, struct ipc_header *hdr, void *buf, size_t buf_size, long timeout_ms);
/* Messages queued in all rings. */
size_t chan_pending(struct channel *c);
const char *chan_name(const struct channel *c);

/* The SLM command channel (a priority channel), created by ipc_init. */
struct channel *slm_command_channel(void);
void ipc_init(void);

#endif
