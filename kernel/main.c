/*
 * main.c - kmain: bring the machine up in dependency order, then run the
 * application (or the self-tests).  DESIGN.md "Boot" is the map.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "initcall.h"
#include "kernel.h"
#include "trap.h"


struct bootinfo bootinfo;
struct kopts kopts;

/* The build identity: tools/kcsum writes the checksum after the link and
 * the loader verifies it (bootinfo.h).  Read through volatile so the
 * compiler never folds the 0 it was compiled with. */
__attribute__((used, aligned(8)))
const volatile struct kernel_buildid kernel_buildid = { BUILDID_MAGIC, 0 };

uint64_t kernel_build_id(void)
{
	return kernel_buildid.checksum;
}

extern const struct initcall __initcall_start[], __initcall_end[];

void run_initcalls(int level)
{
	for (const struct initcall *c = __initcall_start; c < __initcall_end; c++)
		if (c->level == level)
			c->fn();
}

static void crash_pf(void)
{
	volatile uint64_t *null = (volatile uint64_t *)0;
	(void)*null;
}

static void crash_ud(void)
{
	__asm__ volatile("ud2");
}

static void crash_panic(void)
{
	panic("deliberate panic requested on the command line (crash=panic)");
}

/* Endless recursion, bounded only so that gcc accepts it. */
static volatile uint64_t recurse_limit = UINT64_MAX;

__attribute__((noinline)) static uint64_t crash_recurse(uint64_t depth)
{
	volatile char frame[512];
	frame[0] = (char)depth;
	if (depth == recurse_limit)
		return 0;
	return crash_recurse(depth + 1) + (uint64_t)frame[0];
}

static void crash_stack(void)
{
	crash_recurse(0);
}

/* The same recursion on the interrupt stack (kstack.c), from an
 * interrupt sent to this CPU. */
static void recurse_in_irq(struct trap_frame *f, void *ctx)
{
	(void)f;
	(void)ctx;
	crash_recurse(0);
}

static void crash_irqstack(void)
{
	lapic_self_ipi(irq_alloc_vector(recurse_in_irq, NULL));
	for (;;)
		cpu_idle();
}

/* And on the #PF stack: a page fault whose first hook recurses.  The
 * hook unhooks itself, so the fault in the #PF stack's guard page goes
 * to trap.c. */
static bool recurse_in_pf(struct trap_frame *f)
{
	(void)f;
	trap_pf_hook = NULL;
	crash_recurse(0);
	return false;
}

static void crash_pfstack(void)
{
	trap_pf_hook = recurse_in_pf;
	crash_pf();
}

/* A frame written past its buffer: the stack protector must catch it
 * when the function returns.  The index goes through a volatile so the
 * compiler cannot see the overflow. */
static volatile unsigned smash_len = 64;

__attribute__((noinline)) static void crash_smash_frame(void)
{
	char buf[16];
	for (unsigned i = 0; i < smash_len; i++)
		((volatile char *)buf)[i] = (char)0xa5;
	kprintf("crash: wrote %u bytes into a 16-byte buffer\n", smash_len);
}

static void crash_smash(void)
{
	crash_smash_frame();
}

static const struct {
	const char *name;
	void (*fn)(void);
	bool on_main;		/* on kmain's stack, before the application's */
} crashes[] = {
	{ "pf", crash_pf, false },
	{ "ud", crash_ud, false },
	{ "panic", crash_panic, false },
	{ "stack", crash_stack, false },
	{ "smash", crash_smash, false },
	{ "kstack", crash_stack, true },
	{ "irqstack", crash_irqstack, false },
	{ "pfstack", crash_pfstack, false },
	/* Taken by the layer it concerns: a resume whose pass 2 tries to
	 * write outside its plan (snapshot/restore.c). */
	{ "resume-plan", NULL, false },
};

/* The crash asked for, if it belongs on the stack we are on (on_main:
 * kmain's; else the application's, where an unknown name is reported). */
__attribute__((noinline)) static void deliberate_crash(const char *what, bool on_main)
{
	for (size_t i = 0; i < ARRAY_SIZE(crashes); i++) {
		if (strcmp(crashes[i].name, what) == 0) {
			if (crashes[i].on_main != on_main || !crashes[i].fn)
				return;
			kprintf("crash: triggering '%s' as asked\n", what);
			crashes[i].fn();
			return;
		}
	}
	if (!on_main)
		kprintf("crash: unknown crash=%s (pf, ud, panic, stack, smash, kstack, irqstack, "
			"pfstack, resume-plan); ignored\n", what);
}

/* What the command-line parser rejected, one line each. */
static void cmdline_report(const struct kopts *o)
{
	int kept = (int)ARRAY_SIZE(o->warn);
	for (int i = 0; i < o->nwarn && i < kept; i++) {
		if (strcmp(o->why[i], "unknown option") == 0)
			kprintf("cmdline: unknown option '%s' ignored (application arguments "
				"go after --)\n", o->warn[i]);
		else
			kprintf("cmdline: option '%s' ignored: %s\n", o->warn[i], o->why[i]);
	}
	if (o->nwarn > kept)
		kprintf("cmdline: %d more options ignored\n", o->nwarn - kept);
	if (o->dropped_args)
		kprintf("cmdline: %d application arguments past the first %d ignored\n",
			o->dropped_args, CMDLINE_MAX_ARGS);
}

/* The rest of the boot, on the application's stack (appstack.c). */
static void app_start(void)
{
	if (kopts.crash[0])
		deliberate_crash(kopts.crash, false);
	if (kopts.selftest)
		selftest_run();
	exit(app_main(kopts.argc, kopts.argv));
}

static bool bootinfo_valid(const struct bootinfo *bi)
{
	if (bi->magic != BOOTINFO_MAGIC) {
		kprintf("dormant: boot info has a bad magic; not started by dormant's loader?\n");
		return false;
	}
	if (bi->version != BOOTINFO_VERSION || bi->size != sizeof(*bi)) {
		kprintf("dormant: boot info version %u size %u, kernel expects %u/%zu: "
			"loader and kernel are from different builds\n",
			bi->version, bi->size, BOOTINFO_VERSION, sizeof(*bi));
		return false;
	}
	if (bi->memmap_count > BOOTINFO_MEMMAP_MAX) {
		kprintf("dormant: boot info memory map has %u entries\n", bi->memmap_count);
		return false;
	}
	return true;
}

void kmain(struct bootinfo *bi);
void kmain(struct bootinfo *bi)
{
	stack_guard_init();	/* first: no protected frame may return across it */
	serial_init();
	gdt_init();
	idt_init();
	if (!bootinfo_valid(bi))
		for (;;)
			hlt();
	memcpy(&bootinfo, bi, sizeof(bootinfo));
	bootinfo.cmdline[BOOTINFO_CMDLINE_MAX - 1] = 0;
	cmdline_parse(bootinfo.cmdline, &kopts);

	kprintf("dormant %s build %016lx: kernel at 0x%lx-0x%lx\n", DORMANT_VERSION,
		kernel_build_id(), (uint64_t)__kernel_start, (uint64_t)__kernel_end);
	/* The line can be longer than one kprintf: write it whole. */
	kprintf("command line: \"");
	console_write(bootinfo.cmdline, strlen(bootinfo.cmdline));
	kprintf("\"\n");
	if (bootinfo.cmdline_len > BOOTINFO_CMDLINE_MAX - 1)
		kprintf("cmdline: the command line has %u characters; only the first %u were "
			"read, the rest is ignored\n", bootinfo.cmdline_len,
			BOOTINFO_CMDLINE_MAX - 1);
	cmdline_report(&kopts);

	cpu_init();
	mem_init();
	paging_init();
	kstack_guard_init();
	mem_release_loader();
	kprintf("mem: %lu MiB usable, kernel %lu KiB, %lu MiB free\n",
		mem_usable_bytes / MiB,
		((uint64_t)__kernel_end - (uint64_t)__kernel_start) >> 10,
		frames.count[FRAME_FREE] * PAGE_SIZE / MiB);

	if (!kopts.nofb && bootinfo.fb.format != BOOTINFO_FB_NONE) {
		paging_map_mmio(bootinfo.fb.base, bootinfo.fb.size);
		if (fbcon_init(&bootinfo.fb)) {
			console_enable_fb();
			kprintf("fb: %ux%u framebuffer console\n", bootinfo.fb.width,
				bootinfo.fb.height);
		}
	}

	acpi_init(bootinfo.rsdp);
	lapic_init();
	run_initcalls(INIT_EMULATION);
	run_initcalls(INIT_PLATFORM);
	time_init();
	sti();
	libc_init();
	run_initcalls(INIT_BUS);
	run_initcalls(INIT_DRIVERS);
	kernel_poll();		/* bind the devices offered so far */
	run_initcalls(INIT_LATE);
	if (kopts.acpidump)
		acpi_dump_dsdt();

	uint64_t loader_ns = tsc_to_ns(bootinfo.tsc_loader_exit - bootinfo.tsc_loader_entry);
	uint64_t kernel_ns = time_ns();
	kprintf("boot: ready in %lu ms after kernel entry (loader ran %lu ms; %lu ms after "
		"loader entry; firmware time before the loader not counted)\n",
		kernel_ns / 1000000, loader_ns / 1000000,
		tsc_to_ns(rdtsc() - bootinfo.tsc_loader_entry) / 1000000);

	if (kopts.crash[0])
		deliberate_crash(kopts.crash, true);
	appstack_run(app_start);
	panic("app_start returned");
}
