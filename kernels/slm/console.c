/*
 * The console on serial (kernel_spec/slm.md): prints `auton> `, reads a line
 * (echoed; backspace erases; CR, LF or CR LF ends it) and answers through the
 * SLM command channel, like any other kernel client of the SLM:
 *   help                      the commands
 *   intent <text>             `[SLM] intent <NAME> <confidence>`
 *   generate [-n N] <prompt>  the backend's greedy continuation on the next line
 *   poweroff | exit           leave QEMU (status EXIT_POWEROFF)
 *   anything else             a request in plain words, answered from the live system
 */
#include "kernel.h"
#include "hal/hal.h"
#include "ipc.h"
#include "kerrno.h"
#include "sched.h"
#include "slm.h"
#include "slm/backend.h"

#define PROMPT "auton> "

/* The reply buffer is large, and the console is the only user of this one. */
static struct slm_reply reply;

/* Reads one line into buf (NUL-terminated), echoing what it takes. */
static void read_line(char *buf, size_t size)
{
	static bool last_was_cr;
	size_t n = 0;
	for (;;) {
		int c = hal_console_getc();
		if (c < 0) {
			thread_sleep_ms(5);
			continue;
		}
		if (c == '\n' && last_was_cr) { /* the LF of a CR LF */
			last_was_cr = false;
			continue;
		}
		last_was_cr = c == '\r';
		if (c == '\r' || c == '\n') {
			printk("\n");
			buf[n] = '\0';
			return;
		}
		if (c == 0x7f || c == 0x08) {
			if (n > 0) {
				n--;
				printk("\b \b");
			}
			continue;
		}
		if (c == 0x03) { /* Ctrl-C drops the line */
			printk("^C\n" PROMPT);
			n = 0;
			continue;
		}
		if ((unsigned char)c < 0x20 || n + 1 >= size)
			continue;
		buf[n++] = (char)c;
		hal_console_putc((char)c);
	}
}

static const char *skip_spaces(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* The text after command word `word` when line starts with it, else NULL. */
static const char *command_arg(const char *line, const char *word)
{
	size_t n = strlen(word);
	if (strncmp(line, word, n) != 0 || (line[n] != '\0' && line[n] != ' ' && line[n] != '\t'))
		return NULL;
	return skip_spaces(line + n);
}

static void print_text(const char *text)
{
	size_t n = strlen(text);
	console_write(text, n);
	if (n == 0 || text[n - 1] != '\n')
		printk("\n");
}

static void help(void)
{
	printk("Ask in plain words, e.g. \"what network card do you have?\", \"which driver runs the disk?\",\n"
	       "\"how much memory is free?\". Commands:\n"
	       "  intent <text>             the intent of a request and its confidence\n"
	       "  generate [-n N] <prompt>  the model's greedy continuation (%d tokens by default)\n"
	       "  help                      this text\n"
	       "  poweroff | exit           stop the machine\n"
	       "SLM backend: %s\n",
	       SLM_GENERATE_DEFAULT, slm_backend_name());
}

static void cmd_intent(const char *text)
{
	if (!*text) {
		printk("usage: intent <text>\n");
		return;
	}
	int err = slm_ask(slm_command_channel(), SLM_MSG_CLASSIFY, text, 0, &reply, IPC_FOREVER);
	if (err < 0) {
		printk("[SLM] error %d asking the SLM\n", err);
		return;
	}
	printk("[SLM] intent %s " SLM_CONF_FMT "\n", slm_intent_name(reply.intent),
	       SLM_CONF_ARGS(reply.confidence_milli));
}

static void cmd_generate(const char *args)
{
	int n = SLM_GENERATE_DEFAULT;
	if (strncmp(args, "-n", 2) == 0 && (args[2] == ' ' || args[2] == '\t')) {
		const char *p = skip_spaces(args + 2);
		if (*p < '0' || *p > '9') {
			printk("usage: generate [-n N] <prompt> (N a number from 1 to %d)\n", SLM_GENERATE_MAX);
			return;
		}
		n = 0;
		while (*p >= '0' && *p <= '9' && n <= SLM_GENERATE_MAX)
			n = n * 10 + (*p++ - '0');
		if (n < 1 || n > SLM_GENERATE_MAX) {
			printk("generate: -n must be from 1 to %d\n", SLM_GENERATE_MAX);
			return;
		}
		args = skip_spaces(p);
	}
	if (!*args) {
		printk("usage: generate [-n N] <prompt>\n");
		return;
	}
	int got = slm_ask(slm_command_channel(), SLM_MSG_GENERATE, args, n, &reply, IPC_FOREVER);
	if (got == -ENOTSUP) {
		printk("generate needs the neural backend: boot with a model (-initrd)\n");
		return;
	}
	if (got < 0) {
		printk("generate failed (error %d)\n", got);
		return;
	}
	/* The continuation alone on its line, exactly as generated. */
	print_text(reply.text);
}

static void cmd_answer(const char *text)
{
	int err = slm_ask(slm_command_channel(), SLM_MSG_ANSWER, text, 0, &reply, IPC_FOREVER);
	if (err < 0) {
		printk("[SLM] error %d asking the SLM\n", err);
		return;
	}
	print_text(reply.text);
}

void slm_console_run(void)
{
	static char line[SLM_TEXT_MAX + 1];
	printk("[SLM] console on serial: type help\n");
	for (;;) {
		printk(PROMPT);
		read_line(line, sizeof(line));
		const char *l = skip_spaces(line);
		const char *arg;
		if (!*l)
			continue;
		if (strcmp(l, "help") == 0 || strcmp(l, "?") == 0)
			help();
		else if (strcmp(l, "poweroff") == 0 || strcmp(l, "exit") == 0) {
			printk("[SLM] powering off\n");
			hal_power_exit(EXIT_POWEROFF);
		} else if ((arg = command_arg(l, "intent")))
			cmd_intent(arg);
		else if ((arg = command_arg(l, "generate")))
			cmd_generate(arg);
		else
			cmd_answer(l);
	}
}
