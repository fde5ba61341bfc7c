/*
 * demo.c - dormant's demo application.
 *
 * A live status line (uptime, memory in use, a counter that ticks every
 * second, the size of a small event log) doubles as the prompt; commands
 * typed on the console change the state.  The state lives in ordinary
 * globals and the malloc heap: exactly what hibernation will have to keep.
 *
 *   dormant -- [--run-for SECONDS]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dormant.h"

#define LOG_MAX		8
#define LINE_MAX	120
#define NS		1000000000ull

static struct {
	unsigned long counter;
	char *log[LOG_MAX];	/* oldest first; malloc'd */
	int nlog;
	unsigned long logged;	/* entries ever written */
	char line[LINE_MAX];
	size_t len;
} st;

static void log_event(const char *fmt, const char *arg)
{
	char buf[LINE_MAX + 32];
	uint64_t ms = dormant_uptime_ns() / 1000000;
	int n = snprintf(buf, sizeof(buf), "[%6llu.%03llu] ", (unsigned long long)(ms / 1000),
			 (unsigned long long)(ms % 1000));
	snprintf(buf + n, sizeof(buf) - (size_t)n, fmt, arg);
	if (st.nlog == LOG_MAX) {
		free(st.log[0]);
		memmove(st.log, st.log + 1, sizeof(st.log[0]) * (LOG_MAX - 1));
		st.nlog--;
	}
	st.log[st.nlog++] = strdup(buf);
	st.logged++;
}

static void status(void)
{
	struct dormant_mem m;
	uint64_t ds = dormant_uptime_ns() / (NS / 10);
	dormant_mem_stats(&m);
	printf("\r[up %5llu.%llu s] mem %llu KiB (heap %llu KiB) | counter %lu | log %d > %.*s",
	       (unsigned long long)(ds / 10), (unsigned long long)(ds % 10),
	       (unsigned long long)(m.owned >> 10), (unsigned long long)(m.app_heap >> 10),
	       st.counter, st.nlog, (int)st.len, st.line);
	fflush(stdout);
}

static void cmd_help(const char *arg);

static void cmd_count(const char *arg)
{
	long n = *arg ? strtol(arg, NULL, 10) : 1;
	st.counter += (unsigned long)n;
	printf("counter is now %lu\n", st.counter);
	log_event("counter += %s", *arg ? arg : "1");
}

static void cmd_log(const char *arg)
{
	if (!*arg) {
		printf("usage: log TEXT\n");
		return;
	}
	log_event("note: %s", arg);
	printf("logged\n");
}

static void cmd_show(const char *arg)
{
	(void)arg;
	printf("counter %lu, %lu events logged, last %d:\n", st.counter, st.logged, st.nlog);
	for (int i = 0; i < st.nlog; i++)
		printf("  %s\n", st.log[i]);
}

static void cmd_mem(const char *arg)
{
	struct dormant_mem m;
	(void)arg;
	dormant_mem_stats(&m);
	printf("usable %llu MiB, owned %llu KiB, volatile %llu KiB, free %llu MiB, "
	       "malloc heap %llu KiB\n",
	       (unsigned long long)(m.usable >> 20), (unsigned long long)(m.owned >> 10),
	       (unsigned long long)(m.volatile_ >> 10), (unsigned long long)(m.free >> 20),
	       (unsigned long long)(m.app_heap >> 10));
}

static void cmd_poweroff(const char *arg)
{
	(void)arg;
	cmd_show("");
	dormant_poweroff();
}

static void cmd_reboot(const char *arg)
{
	(void)arg;
	dormant_reboot();
}

static void cmd_exit(const char *arg)
{
	exit(*arg ? atoi(arg) : 0);
}

static const struct {
	const char *name;
	void (*fn)(const char *arg);
	const char *help;
} cmds[] = {
	{ "help", cmd_help, "this list" },
	{ "count", cmd_count, "[N]   add N (default 1) to the counter" },
	{ "log", cmd_log, "TEXT    add a line to the event log" },
	{ "show", cmd_show, "       print the counter and the event log" },
	{ "mem", cmd_mem, "        memory use" },
	{ "poweroff", cmd_poweroff, "   power the machine off (ACPI S5)" },
	{ "reboot", cmd_reboot, "     reset the machine" },
	{ "exit", cmd_exit, "[CODE]  leave app_main with a status" },
};

static void cmd_help(const char *arg)
{
	(void)arg;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		printf("  %s %s\n", cmds[i].name, cmds[i].help);
}

static void run_line(char *line)
{
	char *arg = strchr(line, ' ');
	if (arg)
		*arg++ = 0;
	else
		arg = line + strlen(line);
	while (*arg == ' ')
		arg++;
	if (!*line)
		return;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmds[i].name, line) == 0) {
			cmds[i].fn(arg);
			return;
		}
	}
	printf("unknown command '%s'; try 'help'\n", line);
}

static void input(int c)
{
	if (c == '\r' || c == '\n') {
		printf("\n");
		st.line[st.len] = 0;
		run_line(st.line);
		st.len = 0;
	} else if ((c == 0x7f || c == '\b') && st.len) {
		st.len--;
		printf("\b \b");
	} else if (c >= ' ' && c < 0x7f && st.len < LINE_MAX - 1) {
		st.line[st.len++] = (char)c;
		putchar(c);
	}
	fflush(stdout);
}

int app_main(int argc, char **argv)
{
	int64_t run_for = -1;	/* nanoseconds; -1: until told to stop */

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--run-for") == 0 && i + 1 < argc) {
			run_for = (int64_t)(strtoull(argv[++i], NULL, 10) * NS);
		} else {
			printf("demo: unknown argument '%s'\nusage: dormant -- [--run-for SECONDS]\n",
			       argv[i]);
			return 2;
		}
	}
	printf("demo: dormant demo running; type 'help' and press Enter\n");
	log_event("demo started%s", run_for >= 0 ? " (timed run)" : "");

	uint64_t next = dormant_uptime_ns() + NS;
	uint64_t deadline = run_for >= 0 ? dormant_uptime_ns() + (uint64_t)run_for : UINT64_MAX;
	status();
	for (;;) {
		uint64_t now = dormant_uptime_ns();
		if (now >= deadline) {
			printf("\ndemo: ran for %llu s, counter %lu\n",
			       (unsigned long long)(run_for / NS), st.counter);
			cmd_show("");
			return 0;
		}
		if (now >= next) {
			st.counter++;
			next += NS;
			status();
		}
		int c = dormant_getc();
		if (c >= 0) {
			bool was_enter = c == '\r' || c == '\n';
			input(c);
			if (was_enter)
				status();
			continue;
		}
		dormant_idle();
	}
}
