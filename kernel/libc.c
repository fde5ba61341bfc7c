/*
 * libc.c - the system calls newlib needs, and the application API
 * (dormant.h).
 *
 * newlib is built with MISSING_SYSCALL_NAMES, so it calls write(), sbrk()
 * and friends and reads the global errno these set.  Console I/O is fd 0-2;
 * malloc's heap is one contiguous region (identity mapping needs physical
 * contiguity) whose frames are claimed as owned as the break grows; time
 * comes from the TSC clock plus the wall-clock time the loader read.
 * Everything else fails with ENOSYS.
 */
#include <errno.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>

#include "cpu.h"
#include "dormant.h"
#include "kernel.h"

#undef errno
extern int errno;

#define HEAP_MAX	(1024 * MiB)

static struct {
	uint64_t base;	/* start of the region */
	uint64_t limit;	/* end of the region */
	uint64_t brk;	/* current break */
	uint64_t top;	/* end of claimed frames, page aligned */
} heap;

void libc_init(void)
{
	uint64_t base, len;
	/* The longest free run; frame_alloc works top-down, so growing up
	 * from its bottom collides with other allocations last. */
	frame_largest_free(&frames, &base, &len);
	if (len > HEAP_MAX)
		len = HEAP_MAX;
	heap.base = heap.brk = heap.top = base;
	heap.limit = base + len;
}

/* Bytes between the heap base and the break: what malloc holds from the
 * kernel (newlib keeps freed memory below the break until it trims). */
size_t libc_heap_size(void)
{
	return heap.brk - heap.base;
}

void *sbrk(ptrdiff_t incr)
{
	uint64_t old = heap.brk, want = heap.brk + incr;

	if (want < heap.base || want > heap.limit) {
		errno = ENOMEM;
		return (void *)-1;
	}
	uint64_t top = ALIGN_UP(want, PAGE_SIZE);
	if (top > heap.top) {
		if (frame_claim(&frames, heap.top, (top - heap.top) / PAGE_SIZE, FRAME_OWNED) != 0) {
			errno = ENOMEM;
			return (void *)-1;
		}
	} else if (top < heap.top) {
		page_free(top, (heap.top - top) / PAGE_SIZE);
	}
	heap.top = top;
	heap.brk = want;
	return (void *)old;
}

/* Canonical input for stdin: echo, backspace, a line at a time. */
static int read_line(char *buf, size_t n)
{
	size_t len = 0;
	while (len < n) {
		int c = console_getc();
		if (c < 0) {
			dormant_idle();
			continue;
		}
		if (c == '\r')
			c = '\n';
		if (c == 0x7f || c == '\b') {
			if (len) {
				len--;
				console_write("\b \b", 3);
			}
			continue;
		}
		char ch = (char)c;
		console_write(&ch, 1);
		buf[len++] = ch;
		if (ch == '\n')
			break;
	}
	return (int)len;
}

int write(int fd, const void *buf, size_t n)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	console_write(buf, n);
	return (int)n;
}

int read(int fd, void *buf, size_t n)
{
	if (fd != 0) {
		errno = EBADF;
		return -1;
	}
	return read_line(buf, n);
}

int isatty(int fd)
{
	if (fd >= 0 && fd <= 2)
		return 1;
	errno = EBADF;
	return 0;
}

int fstat(int fd, struct stat *st)
{
	if (fd < 0 || fd > 2) {
		errno = EBADF;
		return -1;
	}
	st->st_mode = S_IFCHR;
	st->st_blksize = 0;
	return 0;
}

int gettimeofday(struct timeval *tv, void *tz)
{
	(void)tz;
	int64_t ns = time_wall_ns();
	tv->tv_sec = (time_t)(ns / 1000000000ll);
	tv->tv_usec = (suseconds_t)(ns / 1000 % 1000000);
	return 0;
}

clock_t times(struct tms *t)
{
	clock_t c = (clock_t)(time_ns() / (1000000000ull / CLOCKS_PER_SEC));
	t->tms_utime = c;
	t->tms_stime = 0;
	t->tms_cutime = 0;
	t->tms_cstime = 0;
	return c;
}

void _exit(int status)
{
	kernel_exit(status);
}

/* Not available in a single-address-space unikernel without a file system. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define ENOSYS_CALL(ret, name, ...) \
	ret name(__VA_ARGS__) { errno = ENOSYS; return (ret)-1; }
ENOSYS_CALL(int, close, int fd)
ENOSYS_CALL(int, lseek, int fd, int off, int whence)
ENOSYS_CALL(int, open, const char *path, int flags, ...)
ENOSYS_CALL(int, stat, const char *path, struct stat *st)
ENOSYS_CALL(int, unlink, const char *path)
ENOSYS_CALL(int, link, const char *a, const char *b)
ENOSYS_CALL(int, fork, void)
ENOSYS_CALL(int, execve, const char *p, char *const a[], char *const e[])
ENOSYS_CALL(int, wait, int *status)
ENOSYS_CALL(int, kill, int pid, int sig)
#pragma GCC diagnostic pop

int getpid(void)
{
	return 1;
}

/* dormant.h */

uint64_t dormant_uptime_ns(void)
{
	return time_ns();
}

int64_t dormant_wall_ns(void)
{
	return time_wall_ns();
}

int dormant_getc(void)
{
	kernel_poll();
	return console_getc();
}

void dormant_idle(void)
{
	kernel_poll();
	sti_hlt();
}

void dormant_mem_stats(struct dormant_mem *m)
{
	m->usable = mem_usable_bytes;
	m->owned = frames.count[FRAME_OWNED] * PAGE_SIZE;
	m->volatile_ = frames.count[FRAME_VOLATILE] * PAGE_SIZE;
	m->free = frames.count[FRAME_FREE] * PAGE_SIZE;
	m->app_heap = libc_heap_size();
}

void dormant_poweroff(void)
{
	kprintf("dormant: power off requested\n");
	power_off();
}

void dormant_reboot(void)
{
	kprintf("dormant: reboot requested\n");
	power_reset();
}
