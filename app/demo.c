/*
 * demo.c - dormant's demo application.
 *
 * A live status line (uptime, memory in use, a counter that ticks every
 * second, the size of a small event log) doubles as the prompt; commands
 * typed on the console change the state.  The state lives in ordinary
 * globals and the malloc heap: exactly what hibernation will have to keep.
 *
 *   dormant -- [--run-for SECONDS] [--columns N]
 *
 * Input is checked, not guessed at: a number must be all digits and in
 * range, a line longer than the buffer is refused whole; each refusal says
 * why and prints the usage line.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "dormant.h"
#include "fill.h"
#include "journal.h"

#define LOG_MAX		8
#define LINE_CAP	120
#define NS		1000000000ull
#define NUM_MAX		1000000000	/* for count N and --run-for SECONDS */
#define COLUMNS_MIN	20
#define COLUMNS_MAX	1000
#define INPUT_MIN	20	/* columns of typed input worth dropping fields for */
#define USAGE		"usage: dormant -- [--run-for SECONDS] [--columns N], " \
			"SECONDS from 0 to 1000000000, N from 20 to 1000"

static struct {
	unsigned long counter;
	char *log[LOG_MAX];	/* oldest first; malloc'd */
	int nlog;
	unsigned long logged;	/* entries ever written */
	char line[LINE_CAP];
	size_t len;
	size_t over;		/* characters typed past the buffer, dropped */
	long long columns;	/* terminal width */
	char drawn[COLUMNS_MAX + 1];	/* the status line on screen now */
	size_t ndrawn;
} st = { .columns = 80 };

/*
 * Parse all of s as a decimal number in [min, max]; NULL when it is one,
 * else why not.  strtoll alone would take "12abc" as 12, "" as 0 and
 * saturate on overflow.
 */
static const char *parse_num(const char *s, long long min, long long max, long long *out)
{
	char *end;

	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || *s == ' ')
		return "is not a number";
	if (errno == ERANGE || v < min || v > max)
		return "is out of range";
	*out = v;
	return NULL;
}

static void refuse(const char *what, const char *arg, const char *why, const char *usage)
{
	printf("%s: '%s' %s\nusage: %s\n", what, arg, why, usage);
}

static void log_event(const char *fmt, const char *arg)
{
	char buf[LINE_CAP + 32];
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

/*
 * The status line's fields, longest variant first: a narrow terminal or
 * a long typed line loses the memory fields before the input gets cut,
 * since the input is what the person is working on.
 */
static int status_fields(char *buf, size_t cap, int variant)
{
	struct dormant_mem m;
	uint64_t ds = dormant_uptime_ns() / (NS / 10);
	unsigned long long up = ds / 10, tenth = ds % 10;

	dormant_mem_stats(&m);
	switch (variant) {
	case 0:
		return snprintf(buf, cap, "[up %5llu.%llu s] mem %llu KiB (heap %llu KiB) | "
				"counter %lu | log %d > ", up, tenth,
				(unsigned long long)(m.owned >> 10),
				(unsigned long long)(m.app_heap >> 10), st.counter, st.nlog);
	case 1:
		return snprintf(buf, cap, "[up %5llu.%llu s] mem %llu KiB | counter %lu | log %d > ",
				up, tenth, (unsigned long long)(m.owned >> 10), st.counter, st.nlog);
	case 2:
		return snprintf(buf, cap, "[up %5llu.%llu s] | counter %lu | log %d > ",
				up, tenth, st.counter, st.nlog);
	default:
		return snprintf(buf, cap, "> ");
	}
}

#define STATUS_SHORTEST	2	/* the last with uptime, counter and log size */
#define STATUS_BARE	3	/* just "> " */

/*
 * The status line and as much of the typed input as fits in columns - 1
 * (writing the last column makes many terminals wrap).  Fields go one by
 * one while the whole input can still be shown; past that the input
 * scrolls, showing its end after a '<', behind the shortest status or, on
 * a terminal too narrow for that, behind a bare "> ".
 */
static size_t status_render(char *buf)
{
	size_t avail = (size_t)st.columns - 1, n = 0;
	int v;

	for (v = 0; v <= STATUS_SHORTEST; v++) {
		n = (size_t)status_fields(buf, avail + 1, v);
		if (n + st.len <= avail)
			break;
	}
	if (v > STATUS_SHORTEST) {
		v = n + INPUT_MIN <= avail ? STATUS_SHORTEST : STATUS_BARE;
		n = (size_t)status_fields(buf, avail + 1, v);
	}
	/* Here n <= avail; when the input is cut, room is INPUT_MIN or more
	 * behind the status, COLUMNS_MIN - 3 or more behind "> ". */
	size_t room = avail - n;
	if (st.len <= room) {
		memcpy(buf + n, st.line, st.len);
		return n + st.len;
	}
	buf[n] = '<';
	memcpy(buf + n + 1, st.line + st.len - (room - 1), room - 1);
	return avail;
}

/*
 * Bring the screen's status line up to date with as little output as
 * possible: a typed character only appends, a backspace only erases;
 * anything else redraws from the left margin and blanks what is left of
 * the old line.  No escape sequences: the framebuffer console has none.
 */
static void status(void)
{
	char now[COLUMNS_MAX + 1];
	size_t n = status_render(now), old = st.ndrawn;

	if (n >= old && memcmp(now, st.drawn, old) == 0) {
		fwrite(now + old, 1, n - old, stdout);
	} else if (n < old && memcmp(now, st.drawn, n) == 0) {
		for (size_t i = n; i < old; i++)
			fputs("\b \b", stdout);
	} else {
		putchar('\r');
		fwrite(now, 1, n, stdout);
		for (size_t i = n; i < old; i++)
			putchar(' ');
		for (size_t i = n; i < old; i++)
			putchar('\b');
	}
	memcpy(st.drawn, now, n);
	st.ndrawn = n;
	fflush(stdout);
}

/* The cursor left the status line (a newline was printed). */
static void status_leave(void)
{
	st.ndrawn = 0;
}

static void cmd_help(const char *arg);

static void cmd_count(const char *arg)
{
	const char *usage = "count [N], N from 0 to 1000000000";
	long long n = 1;
	const char *why = *arg ? parse_num(arg, 0, NUM_MAX, &n) : NULL;

	if (why) {
		refuse("count", arg, why, usage);
		return;
	}
	if (st.counter > ULONG_MAX - (unsigned long)n) {
		refuse("count", arg, "would overflow the counter", usage);
		return;
	}
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
	long long code = 0;
	const char *why = *arg ? parse_num(arg, 0, 255, &code) : NULL;

	if (why) {
		refuse("exit", arg, why, "exit [CODE], CODE from 0 to 255");
		return;
	}
	exit((int)code);
}

static void print_line(const char *text)
{
	printf("%s\n", text);
}

static void cmd_devices(const char *arg)
{
	(void)arg;
	dormant_devices(print_line);
}

/* The wall clock, which Hyper-V's time sync sets. */
static void cmd_date(const char *arg)
{
	struct timeval tv;
	struct tm tm;
	(void)arg;
	gettimeofday(&tv, NULL);
	time_t t = tv.tv_sec;
	gmtime_r(&t, &tm);
	printf("date: %04d-%02d-%02d %02d:%02d:%02d UTC (unix %lld)\n", tm.tm_year + 1900,
	       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)t);
}

static void disk_list(void)
{
	struct dormant_disk d;
	int n = dormant_disk_count();
	if (n == 0)
		printf("disk: no disks\n");
	for (int i = 0; dormant_disk_info(i, &d) == 0; i++)
		printf("  %-6s %8llu MiB  %s%s%s\n", d.name,
		       (unsigned long long)(d.sectors * d.sector_size >> 20), d.kind,
		       d.parent[0] ? " on " : "", d.parent);
}

/* Write, read back and verify a scratch area: the last 8 MiB of the
 * hibernation partition, in 1 MiB requests. */
#define SCRATCH_MIB	8
#define LAT_SAMPLES	64

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int disk_test(void)
{
	struct dormant_disk d;
	int i;
	for (i = 0; dormant_disk_info(i, &d) == 0 && !d.hibernation; i++)
		;
	if (!d.hibernation || dormant_disk_info(i, &d) != 0) {
		printf("disk test: refused: no hibernation partition on any disk\n");
		return -1;
	}
	uint32_t per = (1u << 20) / d.sector_size;
	if (d.sectors < (uint64_t)per * SCRATCH_MIB) {
		printf("disk test: refused: %s is smaller than %u MiB\n", d.name, SCRATCH_MIB);
		return -1;
	}
	int img = dormant_disk_image(d.name);
	if (img != 0) {
		if (img > 0)
			printf("disk test: refused: %s holds a hibernation image; resume it first, or "
			       "start from a new disk (make run FRESH=1)\n", d.name);
		else
			printf("disk test: refused: %s: reading its first sectors: %s\n", d.name,
			       dormant_disk_error(img));
		return -1;
	}
	uint64_t first = d.sectors - (uint64_t)per * SCRATCH_MIB;
	uint32_t *buf = malloc(1u << 20), *back = malloc(1u << 20);
	if (!buf || !back) {
		printf("disk test: refused: no memory for 2 MiB of buffers\n");
		free(buf);
		free(back);
		return -1;
	}
	int st = 0;
	int mismatch = 0;
	uint64_t t0 = dormant_uptime_ns();
	for (unsigned m = 0; m < SCRATCH_MIB && !st; m++) {
		for (unsigned w = 0; w < (1u << 18); w++)
			buf[w] = (m << 20) ^ (w * 2654435761u);
		st = dormant_disk_write(d.name, first + (uint64_t)m * per, per, buf);
	}
	if (!st)
		st = dormant_disk_flush(d.name);
	uint64_t t1 = dormant_uptime_ns();
	for (unsigned m = 0; m < SCRATCH_MIB && !st; m++) {
		st = dormant_disk_read(d.name, first + (uint64_t)m * per, per, back);
		for (unsigned w = 0; w < (1u << 18) && !st; w++)
			if (back[w] != ((m << 20) ^ (w * 2654435761u))) {
				printf("disk test: %s: mismatch at MiB %u word %u\n", d.name, m, w);
				mismatch = 1;
				st = -1;
			}
	}
	uint64_t t2 = dormant_uptime_ns();
	/* Latency: 4 KiB reads one at a time across the scratch area. */
	uint64_t lat[LAT_SAMPLES];
	uint32_t small = 4096 / d.sector_size ? 4096 / d.sector_size : 1;
	for (unsigned i = 0; i < LAT_SAMPLES && !st; i++) {
		uint64_t a = dormant_uptime_ns();
		st = dormant_disk_read(d.name, first + (uint64_t)i * per / 8 % (per * SCRATCH_MIB),
				       small, back);
		lat[i] = dormant_uptime_ns() - a;
	}
	free(buf);
	free(back);
	if (st) {
		if (!mismatch)	/* a mismatch said so already */
			printf("disk test: %s: %s\n", d.name, dormant_disk_error(st));
		return -1;
	}
	qsort(lat, LAT_SAMPLES, sizeof(lat[0]), cmp_u64);
	printf("disk test: %s: %u MiB verified; write %llu MB/s, read %llu MB/s; "
	       "4 KiB read latency %llu us (median of %u)\n", d.name, SCRATCH_MIB,
	       (unsigned long long)(SCRATCH_MIB * 1048576ull * 1000 / (t1 - t0 + 1)),
	       (unsigned long long)(SCRATCH_MIB * 1048576ull * 1000 / (t2 - t1 + 1)),
	       (unsigned long long)(lat[LAT_SAMPLES / 2] / 1000), LAT_SAMPLES);
	return 0;
}

static void cmd_disk(const char *arg)
{
	if (!*arg)
		disk_list();
	else if (strcmp(arg, "test") == 0)
		disk_test();
	else
		printf("usage: disk [test]\n");
}

#define FILL_MAX	65536	/* MiB */

static void cmd_fill(const char *arg)
{
	const char *usage = "fill N, N MiB from 0 to 65536";
	long long n;
	const char *why = parse_num(arg, 0, FILL_MAX, &n);
	if (why) {
		refuse("fill", arg, why, usage);
		return;
	}
	if (fill_build((unsigned long)n) != 0) {
		printf("fill: refused: no %lld MiB of free memory (see 'mem'); state kept\n", n);
		return;
	}
	log_event("filled %s MiB", arg);
	printf("fill: %lld MiB done\n", n);
}

/* The state a hibernation must keep: the fill data and the event log
 * (the counter ticks on its own, so it is shown, not hashed). */
static void cmd_check(const char *arg)
{
	(void)arg;
	uint64_t h = fill_hash(FNV_OFFSET);
	h = fnv1a(h, &st.logged, sizeof(st.logged));
	for (int i = 0; i < st.nlog; i++)
		h = fnv1a(h, st.log[i], strlen(st.log[i]) + 1);
	printf("check: %016llx\n", (unsigned long long)h);
	printf("check: %lu MiB filled, %lu events logged, counter %lu\n", fill_mib(), st.logged,
	       st.counter);
}

/* Compute for N seconds without calling into the kernel's poll path (an
 * asynchronous hibernation must still come within a tick or two). */
static void cmd_spin(const char *arg)
{
	long long n;
	const char *why = parse_num(arg, 0, 3600, &n);
	if (why) {
		refuse("spin", arg, why, "spin N, N seconds from 0 to 3600");
		return;
	}
	uint64_t end = dormant_uptime_ns() + (uint64_t)n * NS, x = 0x9e3779b97f4a7c15ull;
	unsigned long rounds = 0;
	while (dormant_uptime_ns() < end) {
		for (int i = 0; i < 100000; i++)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
		rounds++;
	}
	printf("spin: %lld s done, %lu rounds (%016llx)\n", n, rounds, (unsigned long long)x);
}

static void say_resumed(const struct dormant_resume_info *ri)
{
	printf("demo: resumed after sleeping %llu.%03llu s (image %llu KiB, back %llu ms after "
	       "loader entry)\n", (unsigned long long)(ri->slept_ns / NS),
	       (unsigned long long)(ri->slept_ns / 1000000 % 1000),
	       (unsigned long long)(ri->image_bytes >> 10),
	       (unsigned long long)(ri->resume_ns / 1000000));
}

static void cmd_hibernate(const char *arg)
{
	(void)arg;
	/* Nothing logged around it: 'check' after the resume must show the
	 * state as it was when the image was taken. */
	int r = dormant_hibernate();
	if (r != 0)
		printf("hibernate: failed: %s; still running\n", dormant_hibernate_error(r));
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
	{ "devices", cmd_devices, "    VMBus devices (on Hyper-V)" },
	{ "date", cmd_date, "       the wall clock (UTC)" },
	{ "disk", cmd_disk, "[test] disks and partitions; test: write-read-verify 8 MiB of scratch" },
	{ "journal", journal_cmd, "[add N|verify] acknowledged 4 KiB writes, read back" },
	{ "fill", cmd_fill, "N      build N MiB of state (half random, half text)" },
	{ "check", cmd_check, "      checksum of the state (fill data and event log)" },
	{ "spin", cmd_spin, "N       compute for N seconds without calling the kernel" },
	{ "hibernate", cmd_hibernate, "  save the VM to the hibernation partition and power off" },
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

/* Leading and trailing spaces are no part of a command. */
static char *trim(char *s)
{
	while (*s == ' ')
		s++;
	size_t n = strlen(s);
	while (n && s[n - 1] == ' ')
		s[--n] = 0;
	return s;
}

static void run_line(char *line)
{
	line = trim(line);
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

/* Enter: run the line, unless part of it was lost; a cut command could
 * do something else than what was typed (count 12345 cut to count 12). */
static void enter(void)
{
	printf("\n");
	status_leave();
	st.line[st.len] = 0;
	if (st.over)
		printf("line too long (%zu characters, at most %d): ignored\n",
		       st.len + st.over, LINE_CAP - 1);
	else
		run_line(st.line);
	st.len = 0;
	st.over = 0;
}

static void input(int c)
{
	if (c == '\r' || c == '\n') {
		enter();
	} else if ((c == 0x7f || c == '\b') && st.over) {
		st.over--;
	} else if ((c == 0x7f || c == '\b') && st.len) {
		st.len--;
	} else if (c >= ' ' && c < 0x7f) {
		if (st.len < LINE_CAP - 1)
			st.line[st.len++] = (char)c;
		else
			st.over++;
	}
	status();
}

/* Demo arguments: each takes a number within its range. */
static const struct {
	const char *name;
	long long min, max;
} opts[] = {
	{ "--run-for", 0, NUM_MAX },
	{ "--columns", COLUMNS_MIN, COLUMNS_MAX },
};

/* Returns 0, or 2 (the usage status) after saying what is wrong. */
static int parse_args(int argc, char **argv, long long *val)
{
	for (int i = 1; i < argc; i++) {
		size_t k = 0;
		while (k < sizeof(opts) / sizeof(opts[0]) && strcmp(argv[i], opts[k].name) != 0)
			k++;
		if (k == sizeof(opts) / sizeof(opts[0])) {
			printf("demo: unknown argument '%s'\n%s\n", argv[i], USAGE);
			return 2;
		}
		if (i + 1 == argc) {
			printf("demo: %s needs a value\n%s\n", argv[i], USAGE);
			return 2;
		}
		const char *why = parse_num(argv[i + 1], opts[k].min, opts[k].max, &val[k]);
		if (why) {
			printf("demo: %s '%s' %s\n%s\n", argv[i], argv[i + 1], why, USAGE);
			return 2;
		}
		i++;
	}
	return 0;
}

int app_main(int argc, char **argv)
{
	long long val[] = { -1, 80 };	/* as opts[]; run-for -1: until told to stop */
	int bad = parse_args(argc, argv, val);
	if (bad)
		return bad;
	int64_t run_for = val[0] >= 0 ? val[0] * (int64_t)NS : -1;	/* nanoseconds */
	st.columns = val[1];

	printf("demo: dormant demo running; type 'help' and press Enter\n");
	dormant_on_resume(say_resumed);
	log_event("demo started%s", run_for >= 0 ? " (timed run)" : "");

	uint64_t next = dormant_uptime_ns() + NS;
	uint64_t deadline = run_for >= 0 ? dormant_uptime_ns() + (uint64_t)run_for : UINT64_MAX;
	status();
	for (;;) {
		uint64_t now = dormant_uptime_ns();
		if (now >= deadline) {
			status_leave();
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
			input(c);
			continue;
		}
		dormant_idle();
	}
}
