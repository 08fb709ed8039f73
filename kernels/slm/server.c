/*
 * The resident SLM thread's loop: requests arrive on a channel (the SLM
 * command channel at boot) as struct slm_request, the answer goes into the
 * caller's struct slm_reply and the caller is woken. One request at a time,
 * so the backends need no locking of their own.
 */
#include "kernel.h"
#include "ipc.h"
#include "kerrno.h"
#include "mm.h"
#include "slm.h"

static void serve_one(uint32_t type, struct slm_request *rq)
{
	struct slm_reply *r = rq->reply;
	rq->text[SLM_TEXT_MAX] = '\0';
	r->status = 0;
	r->text[0] = '\0';
	switch (type) {
	case SLM_MSG_CLASSIFY:
		r->intent = slm_classify(rq->text, &r->confidence_milli);
		break;
	case SLM_MSG_ANSWER:
		r->intent = slm_answer(rq->text, r->text, sizeof(r->text), &r->confidence_milli);
		break;
	case SLM_MSG_GENERATE: {
		int n = rq->max_tokens;
		if (n <= 0 || n > SLM_GENERATE_MAX)
			n = SLM_GENERATE_DEFAULT;
		r->status = slm_generate(rq->text, n, r->text, sizeof(r->text));
		break;
	}
	default:
		r->status = -EINVAL;
	}
	sem_up(&r->done);
}

void slm_serve(void *arg)
{
	struct channel *chan = arg;
	/* Room for any message, so a stray one of another size is taken and dropped. */
	struct slm_request *rq = kmalloc(IPC_MAX_PAYLOAD);
	if (!rq)
		panic("slm: no memory for the server's receive buffer");
	for (;;) {
		struct ipc_header h;
		int len = chan_recv(chan, &h, rq, IPC_MAX_PAYLOAD, IPC_FOREVER);
		if (len == 0 && h.type == SLM_MSG_STOP)
			break;
		if (len == (int)sizeof(*rq))
			serve_one(h.type, rq);
		else
			printk("[SLM] dropped a %d-byte message of type %u from thread %u\n", len,
			       h.type, h.sender);
	}
	kfree(rq);
}

int slm_ask(struct channel *chan, enum slm_msg type, const char *text, int max_tokens,
	    struct slm_reply *reply, long timeout_ms)
{
	static struct slm_request rq;
	static struct mutex ask_lock = MUTEX_INIT("slm.ask");
	sem_init(&reply->done, "slm.reply", 0);
	mutex_lock(&ask_lock);
	rq.reply = reply;
	rq.max_tokens = max_tokens;
	strlcpy(rq.text, text, sizeof(rq.text));
	int err = chan_send(chan, type, 0, &rq, sizeof(rq), timeout_ms);
	mutex_unlock(&ask_lock);
	if (err < 0)
		return err;
	/* The server writes into *reply: wait for it however long it takes. */
	sem_down(&reply->done, -1);
	return reply->status;
}
