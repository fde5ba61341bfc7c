/*
 * hibernate.c - hibernation, from the trigger to power-off, and the way
 * back into the application after a resume (issue 10, "Hibernate";
 * DESIGN.md "Hibernate and resume").  The model is Linux's freeze,
 * snapshot, thaw, write, power-off:
 *
 *   1. check: ACPI S4, no frame lent to the host, a hibernation partition
 *      that holds the largest image the owned frames can make;
 *   2. the application's hooks; then every layer suspends (kernel/pm.h:
 *      drained, channels closed, VMBus unloaded, SynIC off, virtio reset);
 *   3. the instant, interrupts off: the identity and time go into the
 *      header, the CPU context into snap_cpu (context.S), and copy-on-
 *      write starts (cow.c): from here on the owned frames as they are now
 *      are what the image holds, whatever runs afterwards;
 *   4. thaw: the layers resume (restored = false) so the disk works, the
 *      image is written (image_write.c: body, flush, header, flush);
 *   5. the layers suspend again and the VM powers off through \_S4.
 *
 * A failure before the instant leaves the VM as it was; one after it
 * (a write error, too many pages changed) stops the copy and the VM runs
 * on from its present state, the devices already back.  Either way
 * dormant_hibernate() returns an error and says why in one line.
 *
 * The restored kernel comes back out of snap_save() (restore.c put the
 * pages back and jumped): it frees the writer's memory, continues the
 * clock from the instant, resumes the layers against the new host,
 * invalidates the image and tells the application how long it slept.
 */
#include <string.h>

#include "dormant.h"	/* first: kernel.h defines noreturn */
#include "../drivers/blk.h"
#include "../kernel/cpu.h"
#include "../kernel/initcall.h"
#include "../kernel/kernel.h"
#include "../kernel/pm.h"
#include "../kernel/trap.h"
#include "../vmbus/vmbus.h"
#include "bitmap.h"
#include "blkio.h"
#include "context.h"
#include "cow.h"
#include "hibernate.h"
#include "ident.h"
#include "restore.h"
#include "vframes.h"

#define HOOKS_MAX	8
#define OUT_BYTES	(1u << 20)	/* the writer's output: 1 MiB writes */
#define POOL_MAX	4096u		/* frames changed after the instant */
#define OWNED_SLACK	256u		/* owned frames the suspend may add */

/* The CPU context of the instant: in the image, like all of .bss. */
static struct snap_cpu snap_ctx;

struct snap_cpu *snap_context(void)
{
	return &snap_ctx;
}

static struct {
	void (*before[HOOKS_MAX])(void);
	void (*after[HOOKS_MAX])(const struct dormant_resume_info *);
	void (*poweroff[HOOKS_MAX])(void);
	unsigned nbefore, nafter, npoweroff;
} hooks;

static struct dormant_resume_info last_resume;
static volatile const char *requested;	/* an asynchronous trigger's source */

static const char *const errors[] = {
	[-DORMANT_HIB_EUNSUPPORTED] = "this VM cannot hibernate",
	[-DORMANT_HIB_ENOSPACE] = "the image would not fit the hibernation partition",
	[-DORMANT_HIB_EDEVICE] = "a device could not be suspended",
	[-DORMANT_HIB_ENOMEM] = "not enough free memory to write the image",
	[-DORMANT_HIB_EIO] = "writing the image failed",
	[-DORMANT_HIB_ECHANGED] = "too much memory changed while the image was written",
};

const char *dormant_hibernate_error(int status)
{
	if (status >= 0 || -status >= (int)ARRAY_SIZE(errors) || !errors[-status])
		return "unknown error";
	return errors[-status];
}

static int add_hook(void **table, unsigned *n, void *fn)
{
	if (!fn || *n == HOOKS_MAX)
		return -1;
	table[(*n)++] = fn;
	return 0;
}

int dormant_on_hibernate(void (*fn)(void))
{
	return add_hook((void **)hooks.before, &hooks.nbefore, (void *)fn);
}

int dormant_on_resume(void (*fn)(const struct dormant_resume_info *))
{
	return add_hook((void **)hooks.after, &hooks.nafter, (void *)fn);
}

int dormant_on_poweroff(void (*fn)(void))
{
	return add_hook((void **)hooks.poweroff, &hooks.npoweroff, (void *)fn);
}

static void hibernate_run_poweroff_hooks(void)
{
	for (unsigned i = 0; i < hooks.npoweroff; i++)
		hooks.poweroff[i]();
}

int dormant_last_resume(struct dormant_resume_info *out)
{
	if (!last_resume.image_bytes)
		return -1;
	*out = last_resume;
	return 0;
}

bool hibernate_possible(const char **why)
{
	if (!acpi.s4) {
		*why = "ACPI S4 is not offered by this VM (on Hyper-V: Set-VMHost or the VM's "
		       "firmware must enable hibernation; under QEMU do not set disable_s4)";
		return false;
	}
	if (frames.count[FRAME_LENT]) {
		*why = "the balloon has memory lent to the host";
		return false;
	}
	if (!snap_partition()) {
		*why = "no hibernation partition on any disk";
		return false;
	}
	return true;
}

/* --- the writer ---------------------------------------------------------- */

struct writer {
	struct cow cow;
	struct img_write_mem mem;
	uint8_t *bounce;		/* one page */
	uint64_t cursor;		/* next frame to look at */
	uint64_t pages_total, next_report, started_ns;
	struct blk_dev *disk;
};

static void writer_free(struct writer *w)
{
	vfree(w->mem.work, w->mem.work_size);
	vfree(w->mem.out, w->mem.out_size);
	vfree(w->bounce, PAGE_SIZE);
	cow_release(&w->cow);
	w->mem.work = w->mem.out = w->bounce = NULL;
}

static int writer_alloc(struct writer *w)
{
	memset(w, 0, sizeof(*w));
	w->mem.work_size = img_write_work_size();
	w->mem.work = vframes(w->mem.work_size);
	w->mem.out_size = OUT_BYTES;
	w->mem.out = vframes(OUT_BYTES);
	w->bounce = vframes(PAGE_SIZE);
	/* Frames changed after the instant: the thaw and the writer touch a
	 * few hundred; a quarter of what is free, up to POOL_MAX. */
	uint32_t pool = (uint32_t)(frames.count[FRAME_FREE] / 4);
	if (pool > POOL_MAX)
		pool = POOL_MAX;
	if (!w->mem.work || !w->mem.out || !w->bounce || pool < 64 ||
	    cow_prepare(&w->cow, pool) != 0) {
		if (!w->mem.work)
			w->mem.work_size = 0;
		if (!w->mem.out)
			w->mem.out_size = 0;
		writer_free(w);
		return -1;
	}
	return 0;
}

/* The owned frames in address order, each as it was at the instant,
 * copied with interrupts off so no handler changes it halfway. */
static int next_page(void *ctx, uint64_t *pfn, const void **page)
{
	struct writer *w = ctx;
	const struct cow *c = &w->cow;
	uint64_t f = w->cursor;
	while (f < c->nframes) {
		if (!(f & 7) && c->owned[f >> 3] == 0) {
			f += 8;
			continue;
		}
		if (bm_test(c->owned, f))
			break;
		f++;
	}
	/* Past the last page: a frame written uncopied before it was read
	 * would tear the image, so the writer stops before its header. */
	if (f >= c->nframes)
		return cow_torn(c) ? -1 : 0;
	uint64_t s = irq_save();
	memcpy(w->bounce, cow_page(c, f), PAGE_SIZE);
	irq_restore(s);
	*pfn = f;
	*page = w->bounce;
	w->cursor = f + 1;
	return 1;
}

static void progress(void *ctx, uint64_t done, uint64_t total, uint64_t bytes)
{
	struct writer *w = ctx;
	if (done < w->next_report && done != total)
		return;
	kprintf("hibernate: %lu of %lu MiB (%lu %%), %lu MiB written\n", done >> 8, total >> 8,
		total ? done * 100 / total : 100, bytes >> 20);
	w->next_report = done + (total + 3) / 4;
	if (done == total)
		w->next_report = UINT64_MAX;
}

/* The VMBus devices bound now, for the header (a resume on a new VM
 * matches them by class when the instance changed). */
static void bound_devices(struct img_header *h)
{
	h->vmbus_count = 0;
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS && h->vmbus_count < IMG_VMBUS_MAX; i++) {
		const struct vmbus_channel *ch = &vmbus.chan[i];
		if (ch->state == VMBUS_CH_FREE || !ch->drv)
			continue;
		struct img_vmbus_dev *d = &h->vmbus[h->vmbus_count++];
		memcpy(d->class_guid, &ch->class_id, sizeof(d->class_guid));
		memcpy(d->instance_guid, &ch->instance, sizeof(d->instance_guid));
	}
}

/* After the instant, with the copy kept by cow.c. */
static int write_image(struct writer *w, const struct img_header *id)
{
	struct img_sink sink;
	snap_blk_sink(w->disk, &sink);
	struct img_source src = { next_page, w };
	struct img_progress prog = { progress, w, w->cow.owned_pages };
	struct img_write_stats st;
	w->pages_total = w->cow.owned_pages;
	w->started_ns = time_ns();
	kprintf("hibernate: writing %lu MiB of state to %s\n", w->pages_total >> 8, w->disk->name);
	int r = img_write(id, &src, &sink, &w->mem, &prog, &st);
	if (r == IMG_W_ESOURCE && cow_torn(&w->cow)) {
		kprintf("hibernate: failed: more than %u pages changed after the snapshot; no "
			"header was written\n", w->cow.pool_cap);
		return DORMANT_HIB_ECHANGED;
	}
	if (r != 0) {
		kprintf("hibernate: failed: %s writing the image to %s (error %d); no header "
			"was written\n", r == IMG_W_ENOSPC ? "no space" : "an error", w->disk->name, r);
		return r == IMG_W_ENOSPC ? DORMANT_HIB_ENOSPACE : DORMANT_HIB_EIO;
	}
	uint64_t ms = (time_ns() - w->started_ns) / 1000000;
	kprintf("hibernate: image written: %lu KiB for %lu pages (%lu zero, %lu blocks) in %lu "
		"ms, %lu pages changed meanwhile\n", st.total_bytes >> 10,
		st.data_pages + st.zero_pages, st.zero_pages, st.blocks, ms,
		(uint64_t)w->cow.lv->pool_used);
	return 0;
}

/* Back in the restored kernel: everything here runs before the
 * application sees anything. */
static void resumed(struct writer *w, const struct img_header *id, uint64_t handoff_addr)
{
	struct snap_handoff ho;
	memcpy(&ho, (const void *)(uintptr_t)handoff_addr, sizeof(ho));	/* before any allocation */
	writer_free(w);		/* its frames are volatile in the image */
	time_resume(id->mono_ns, ho.wall_ns);
	sti();
	pm_resume(true);
	struct blk_dev *d = snap_partition();
	if (!d || snap_invalidate(d) != 0)
		kprintf("resume: could not invalidate the image; it will be offered again\n");
	else
		kprintf("resume: %s: image invalidated\n", d->name);
	int64_t slept = ho.wall_ns - id->wall_ns;
	last_resume = (struct dormant_resume_info){
		.slept_ns = slept > 0 ? (uint64_t)slept : 0,
		.wall_jump_ns = slept,
		.image_bytes = ho.image_bytes,
		.resume_ns = tsc_to_ns(rdtsc() - ho.tsc_loader_entry),
		.read_ns = ho.read_ns,
	};
	kprintf("resume: resumed: image of %lu KiB read in %lu ms; %lu ms after loader entry; "
		"slept %ld.%03ld s\n", ho.image_bytes >> 10, ho.read_ns / 1000000,
		last_resume.resume_ns / 1000000, slept / 1000000000, (slept / 1000000) % 1000);
	for (unsigned i = 0; i < hooks.nafter; i++)
		hooks.after[i](&last_resume);
}

static struct writer writer;	/* its pointers survive in the image */
static struct img_header snap_id;

static int hibernate_now(const char *source)
{
	const char *why;
	if (!hibernate_possible(&why)) {
		kprintf("hibernate: refused: %s\n", why);
		return DORMANT_HIB_EUNSUPPORTED;
	}
	struct blk_dev *d = snap_partition();
	uint64_t cap = d->sectors * d->sector_size;
	uint64_t need = img_write_bound(frames.count[FRAME_OWNED] + OWNED_SLACK);
	if (need > cap) {
		kprintf("hibernate: refused: the image could take %lu MiB and %s holds %lu MiB "
			"(make the hibernation partition larger or the state smaller)\n",
			need >> 20, d->name, cap >> 20);
		return DORMANT_HIB_ENOSPACE;
	}
	uint64_t up_ms = time_ns() / 1000000;
	kprintf("hibernate: %s asked at %lu.%03lu s; %lu MiB owned, to %s\n", source,
		up_ms / 1000, up_ms % 1000, frames.count[FRAME_OWNED] >> 8, d->name);
	for (unsigned i = 0; i < hooks.nbefore; i++)
		hooks.before[i]();
	struct writer *w = &writer;
	if (writer_alloc(w) != 0) {
		kprintf("hibernate: refused: not enough free memory for the writer\n");
		return DORMANT_HIB_ENOMEM;
	}
	w->disk = d;
	if (pm_suspend() != 0) {
		kprintf("hibernate: refused: %s could not be suspended; the VM keeps running\n",
			pm_failed_layer());
		writer_free(w);
		return DORMANT_HIB_EDEVICE;
	}

	/* The instant. */
	uint64_t irq = irq_save();
	snap_identity(&snap_id);
	bound_devices(&snap_id);
	snap_id.mono_ns = time_ns();
	snap_id.wall_ns = time_wall_ns();
	snap_id.resume_context = (uint64_t)(uintptr_t)&snap_ctx;
	uint64_t handoff = snap_save(&snap_ctx);
	if (handoff) {
		resumed(w, &snap_id, handoff);
		irq_restore(irq);
		return 0;
	}
	cow_start(&w->cow);
	irq_restore(irq);

	/* Thaw, write, power off. */
	pm_resume(false);
	int r = write_image(w, &snap_id);
	if (r == 0) {
		pm_suspend();
		kprintf("hibernate: powering off (ACPI S4)\n");
		power_off_s4();
	}
	cow_stop(&w->cow);
	writer_free(w);
	kprintf("hibernate: the VM keeps running\n");
	return r;
}

int dormant_hibernate(void)
{
	return hibernate_now("the application");
}

/* --- asynchronous triggers ---------------------------------------------- */

void hibernate_request(const char *source)
{
	requested = source;
}

/* Taken when the application calls into the kernel (kernel/poll.c). */
static void hibernate_poll(void)
{
	const char *src = (const char *)requested;
	if (!src)
		return;
	requested = NULL;
	hibernate_now(src);
}

/*
 * The application computing without calling the kernel: at the end of an
 * interrupt (the tick) that came while it ran its own code (rip in
 * app/'s text, interrupts on, on its stack), the interrupted context is
 * made to call snap_async_entry (context.S) as it resumes.  Never inside
 * the kernel or the C library: those calls end, and the next one into
 * the kernel takes the request.
 */
extern char __app_text_start[], __app_text_end[];
void snap_async_entry(void);
void hibernate_async(void);
static volatile bool redirected;

void hibernate_async(void)
{
	redirected = false;
	hibernate_poll();
}

static void on_irq_exit(struct trap_frame *f)
{
	powerbutton_tick();
	if (!requested || redirected || !(f->rflags & RFLAGS_IF) ||
	    f->rip < (uint64_t)(uintptr_t)__app_text_start ||
	    f->rip >= (uint64_t)(uintptr_t)__app_text_end || !appstack_contains(f->rsp - 8))
		return;
	redirected = true;
	f->rsp -= 8;
	*(uint64_t *)(uintptr_t)f->rsp = f->rip;
	f->rip = (uint64_t)(uintptr_t)snap_async_entry;
}

static void hibernate_init(void)
{
	poll_add(hibernate_poll);
	trap_irq_exit_hook = on_irq_exit;
	power_add_hook(hibernate_run_poweroff_hooks);	/* runs first: added last */
}
INITCALL(hibernate_init, INIT_LATE);
