/*
 * The SLM inside the kernel (kernels/slm/, kernel_spec/slm.md). Every
 * request (console, boot lifecycle, other kernel code) is classified into
 * an intent with a confidence by the backend chosen at boot (the rule
 * engine, or the neural model given as the boot module) and dispatched to
 * kernel operations; answers are computed from the live system.
 */
#ifndef AUTON_SLM_H
#define AUTON_SLM_H

#include "device.h"
#include "sync.h"

struct bootinfo;

/* Longest request the SLM takes (longer ones are cut). */
#define SLM_TEXT_MAX 512
/* Room for an answer (several lines) or a generated continuation. */
#define SLM_REPLY_MAX 2048
/* Tokens `generate` produces when not told. */
#define SLM_GENERATE_DEFAULT 16
#define SLM_GENERATE_MAX 256

/* A confidence in thousandths printed as 0.xx: printk(SLM_CONF_FMT, SLM_CONF_ARGS(c)). */
#define SLM_CONF_FMT "%d.%02d"
#define SLM_CONF_ARGS(milli) ((milli) + 5) / 1000, (((milli) + 5) / 10) % 100

/* ---- backend (slm/slm.c) ------------------------------------------------ */
/* Chooses the backend (neural when a valid model is the boot module and the
 * SLM pool can hold it, else the rule engine) and prints `[SLM] backend ...`
 * with the reason for a fallback. */
void slm_init(const struct bootinfo *bi);
/* Classifies with the chosen backend (the rule engine when the neural one
 * fails on this request); confidence in thousandths. Returns enum slm_intent. */
int slm_classify(const char *request, int *confidence_milli);
/* The greedy (or sampled) continuation of prompt: tokens generated, or
 * -ENOTSUP when the backend cannot generate (the rule engine). */
int slm_generate(const char *prompt, int max_tokens, char *out, size_t outlen);
/* "rules" or "neural". */
const char *slm_backend_name(void);

/* ---- answers (slm/answer.c) --------------------------------------------- */
/* Answers a natural-language request from the live system: classifies it,
 * dispatches the intent and writes the answer (lines ending in '\n') to out.
 * Returns the intent; *confidence_milli gets its confidence. */
int slm_answer(const char *request, char *out, size_t outlen, int *confidence_milli);
/* The answer for a known intent (what slm_answer dispatches to). */
void slm_dispatch(int intent, const char *request, char *out, size_t outlen);

/* ---- devices (slm/driver_select.c) -------------------------------------- */
/* HARDWARE_IDENTIFY for one device: writes what it is ("network controller
 * Intel 82540EM (e1000)") to out and prints `[SLM] HARDWARE_IDENTIFY ...`. */
void slm_identify_device(const struct device *dev, char *out, size_t outlen);
/* What the device is, without classifying or printing (for answers). */
void slm_describe_device(const struct device *dev, char *out, size_t outlen);
/* DRIVER_SELECT for dev: the request is classified, the backend's choice
 * orders cands (best first; the rule engine scores and vetoes, the neural
 * backend's named driver goes first) and one `[SLM] DRIVER_SELECT` line is
 * printed. Returns how many may be tried: vetoed candidates are moved past
 * that count. n <= DEV_MAX_CANDIDATES. */
int slm_select_driver(const struct device *dev, struct dev_candidate *cands, int n);
/* The reason the last veto of slm_select_driver gave (for the log), or NULL. */
const char *slm_select_driver_reason(void);

/* ---- lifecycle (slm/lifecycle.c) ---------------------------------------- */
/* The SLM-driven boot: backend, hardware discovery and identification,
 * driver configuration, installation as far as the kernel goes, and the
 * resident SLM thread on the command channel (not started when serve is
 * false: the in-kernel tests own the channel then). */
void slm_boot(const struct bootinfo *bi, bool serve);

/* ---- the command channel protocol (slm/server.c) ------------------------
 * A client sends one struct slm_request (message type enum slm_msg) on
 * slm_command_channel(); the SLM thread fills *reply and ups reply->done. */
enum slm_msg {
	SLM_MSG_CLASSIFY = 1, /* reply: intent, confidence */
	SLM_MSG_ANSWER = 2,   /* reply: intent, confidence, text = the answer lines */
	SLM_MSG_GENERATE = 3, /* reply: status = tokens or -ENOTSUP, text = the continuation */
	SLM_MSG_STOP = 4,     /* no payload: slm_serve returns (tests) */
};

struct slm_reply {
	struct semaphore done; /* upped once the reply is filled */
	int status;            /* 0 (or the token count for GENERATE), or a negative kerrno */
	int intent;
	int confidence_milli;
	char text[SLM_REPLY_MAX];
};

struct slm_request {
	struct slm_reply *reply; /* the caller's; must live until done is upped */
	int32_t max_tokens;      /* GENERATE */
	char text[SLM_TEXT_MAX + 1];
};

struct channel;
/* Serves requests from chan until SLM_MSG_STOP (the resident SLM thread's
 * body; tests run it on their own channel). arg is the struct channel *. */
void slm_serve(void *chan);
/* Asks the SLM over chan and waits for the reply, however long it takes
 * (timeout_ms bounds only the send, as chan_send). Returns reply->status,
 * or the send's error. */
int slm_ask(struct channel *chan, enum slm_msg type, const char *text, int max_tokens,
	    struct slm_reply *reply, long timeout_ms);

/* ---- console (slm/console.c) -------------------------------------------- */
/* The `auton> ` console on serial: reads lines, answers through the SLM
 * command channel. Never returns (poweroff/exit leave QEMU). */
__attribute__((noreturn)) void slm_console_run(void);

#endif
