/*
 * kernel.h - cross-file interfaces of the kernel core, grouped by the file
 * that defines them (habit: xv6 defs.h).  Mechanisms with a header of their
 * own (frame.h, heap.h, trap.h, aml.h, cmdline.h, fmt.h) are not repeated.
 */
#ifndef DORMANT_KERNEL_H
#define DORMANT_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../boot/bootinfo.h"
#include "cmdline.h"
#include "fmt.h"
#include "frame.h"

#define PAGE_SIZE	((uint64_t)4096)
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MiB		((uint64_t)1 << 20)
#define noreturn	__attribute__((noreturn))

/* entry.S, linker.ld */
extern uint64_t kernel_entry_tsc;
extern char __kernel_start[], __text_end[], __rodata_end[], __kernel_end[];

/* main.c */
extern struct bootinfo bootinfo;	/* the kernel's copy */
extern struct kopts kopts;
#define DORMANT_VERSION_MAJOR	"0"
#define DORMANT_VERSION_MINOR	"1"
#define DORMANT_VERSION		DORMANT_VERSION_MAJOR "." DORMANT_VERSION_MINOR
uint64_t kernel_build_id(void);		/* the loader-verified checksum */
void stack_guard_init(void);		/* stackprot.c: kmain's first act */

/* cpu.c: the interrupt state, for the layers above (vmbus/, drivers/),
 * which host unit tests compile with stand-ins for these. */
uint64_t irq_save(void);		/* interrupts off; returns the old state */
void irq_restore(uint64_t state);
bool irqs_enabled(void);
void cpu_idle(void);			/* interrupts on, sleep until one comes */
void cpu_relax(void);			/* a spin-wait hint */
extern void (*cpu_pause_hook)(void);	/* tests/hvsim: PAUSE-loop exits (cpu.c) */

/* wait.c: until cond(arg) or time_ns() reaches the deadline; poll(arg),
 * if given, runs each round (what an interrupt would do, when they are
 * off).  Returns whether cond became true. */
bool wait_until(bool (*cond)(void *), void (*poll)(void *), void *arg, uint64_t deadline_ns);

/* poll.c: deferred work, run when the application calls into the kernel */
void poll_add(void (*fn)(void));
void kernel_poll(void);

/* appstack.c: the application's stack with a guard page below it */
void appstack_run(void (*fn)(void));	/* returns when fn returns */
bool appstack_guard_hit(uint64_t addr);
bool appstack_contains(uint64_t addr);
uint64_t appstack_size(void);

/* console.c: every line goes to every console. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_write(const char *s, size_t n);
int console_getc(void);			/* -1 when no input is waiting */
void console_enable_fb(void);

/* input.c: input from keyboards other than COM1 (interrupt-safe queue) */
void input_push(char c);
int input_pop(void);			/* -1 when empty */
uint64_t input_dropped(void);

/* serial.c: COM1 16550 */
void serial_init(void);
void serial_write(const char *s, size_t n);
int serial_getc(void);

/* fbcon.c: GOP framebuffer text console */
bool fbcon_init(const struct bootinfo_fb *fb);
void fbcon_write(const char *s, size_t n);

/* panic.c */
#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)
extern void (*panic_notify)(const char *msg);	/* set by hv/ */
void panic_at(const char *file, int line, const char *fmt, ...)
	noreturn __attribute__((format(printf, 3, 4)));
/* Stop for good: power off, reporting 'status' to a test harness. */
void kernel_exit(int status) noreturn;

/* power.c */
void power_off(void) noreturn;
void power_off_s4(void) noreturn;	/* after a hibernation image: S4, else S5 */
void power_reset(void) noreturn;
void power_test_exit(int status);	/* isa-debug-exit; returns if absent */
/* Run before power-off and reset (not after a panic), last added first. */
void power_add_hook(void (*fn)(void));

/* mem.c */
extern struct frame_map frames;
extern uint64_t mem_usable_bytes;
void mem_init(void);
void mem_release_loader(void);
/* Hot-add (Dynamic Memory): make the first pages of [base, base+n
 * pages) free memory, as long as each is held back for hot-add (memres.h)
 * and absent; returns how many were added, from the first on. */
uint64_t mem_hot_add(uint64_t base, uint64_t n);
uint64_t page_alloc(uint64_t n, enum frame_state st);	/* zeroed; panics on OOM */
void page_free(uint64_t addr, uint64_t n);
void *kmalloc(size_t n);
void kfree(void *p);
size_t kheap_in_use(void);

/* paging.c */
void paging_init(void);
void paging_map_mmio(uint64_t base, uint64_t len);
/* Make one page executable (and keep it writable): overlay pages such as
 * Hyper-V's hypercall page, which the hypervisor fills. */
void paging_set_exec(uint64_t page, bool exec);
/* Unmap one page (a guard page): any access faults. */
void paging_unmap_page(uint64_t page);
bool paging_is_mapped(uint64_t addr);

/* cpu.c */
struct cpu_info {
	char vendor[13];
	char brand[49];
	uint32_t family, model, stepping;
	bool x2apic, nx, tsc_invariant, hypervisor;
};
extern struct cpu_info cpu;
void cpu_init(void);

/* lapic.c */
void lapic_init(void);
void lapic_eoi(void);
uint32_t lapic_id(void);
void lapic_timer_periodic(uint32_t count, uint8_t vector);
void lapic_timer_stop(void);
void lapic_timer_oneshot_raw(uint32_t count);
void lapic_timer_oneshot(uint32_t count, uint8_t vector);
uint32_t lapic_timer_current(void);
void lapic_self_ipi(uint8_t vector);
bool lapic_is_x2apic(void);

/* reftimer.c: HPET or ACPI PM timer, for calibration */
const char *reftimer_init(void);
uint64_t reftimer_read_ns(void);

/* time.c
 * A platform layer (hv/) may supply what bare hardware must measure: TSC
 * and APIC timer frequencies, a reference clock, and a tick source. */
struct time_platform {
	const char *name;
	uint64_t tsc_hz;		/* 0: calibrate */
	uint64_t lapic_hz;		/* 0: calibrate (only if the LAPIC ticks) */
	uint64_t (*clock_ns)(void);	/* reference clock; NULL: use the TSC */
	const char *clock_name;
	/* Start a periodic tick calling fn; false: use the LAPIC timer. */
	bool (*tick_start)(uint32_t hz, void (*fn)(void));
	const char *tick_name;
};
void time_register_platform(const struct time_platform *p);
void time_tick(void);			/* for a platform tick source */
void time_calibrate(uint64_t (*ref_ns)(void), uint64_t *tsc_hz, uint64_t *lapic_hz);
extern uint64_t tsc_hz;
extern volatile uint64_t ticks;
extern uint32_t tick_hz;
void time_init(void);
uint64_t time_ns(void);			/* since kernel entry */
/* Wall clock, Unix time in ns: the firmware's at boot, moved by a time
 * source (Hyper-V time sync) with time_set_wall_ns. */
int64_t time_wall_ns(void);
void time_set_wall_ns(int64_t unix_ns);
/* In a kernel restored from an image: the clock continues from mono_ns
 * (its value at the snapshot instant, so neither back nor forward), the
 * wall clock reads wall_ns now, and the LAPIC tick runs again (a
 * platform tick is the platform's to restart). */
void time_resume(uint64_t mono_ns, int64_t wall_ns);uint64_t tsc_to_ns(uint64_t delta);
void delay_us(uint64_t us);

/* acpi.c */
struct acpi_info {
	uint8_t rsdp_revision;
	uint32_t ntables;
	uint64_t dsdt;
	uint32_t dsdt_len;
	uint32_t ncpus;
	uint64_t lapic_base;
	uint64_t hpet_base;
	uint32_t pm_tmr_port;
	bool pm_tmr_32bit;
	bool hw_reduced;
	uint32_t pm1a_cnt, pm1b_cnt;	/* I/O ports, 0 if none */
	uint32_t pm1a_evt;		/* PM1a status; enable at + pm1_evt_len / 2 */
	uint8_t pm1_evt_len;
	uint64_t sleep_ctl;		/* HW-reduced sleep control (GAS I/O port) */
	uint8_t sleep_ctl_space;
	bool reset_supported;
	uint8_t reset_space;		/* GAS address space id */
	uint64_t reset_addr;
	uint8_t reset_value;
	bool s4, s5;
	uint8_t s4_typ_a, s4_typ_b, s5_typ_a, s5_typ_b;
};
extern struct acpi_info acpi;
void acpi_init(uint64_t rsdp);
void acpi_dump_dsdt(void);

/* libc.c: newlib system calls */
void libc_init(void);
size_t libc_heap_size(void);

/* selftest.c */
void selftest_run(void) noreturn;

/* app/: the application */
int app_main(int argc, char **argv);

#endif
