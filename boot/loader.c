/*
 * loader.c - dormant's UEFI loader (GNU-EFI).
 *
 * Reads \dormant\kernel.elf and \dormant\cmdline.txt from the ESP it was
 * started from, stages the kernel in firmware-allocated memory, gathers the
 * boot info (memory map, RSDP, GOP framebuffer, time), exits boot services
 * and hands off through dormant_handoff().
 *
 * Why stage: the kernel is linked at a fixed physical address (resume needs
 * the same layout every boot), and firmware boot-services memory may sit
 * there (it did on Hyper-V Gen2 for FreeBSD's loader).  That memory is ours
 * only after ExitBootServices, so the copy into place happens then.  Memory
 * that stays in use (runtime services, ACPI, reserved, MMIO) is refused.
 */
#include <efi.h>
#include <efilib.h>

#include "bootinfo.h"
#include "elfimage.h"

#define KERNEL_PATH	L"\\dormant\\kernel.elf"
#define CMDLINE_PATH	L"\\dormant\\cmdline.txt"
#define HANDOFF_STACK	(16 * 1024)
#define PAGE		4096ull
#define GiB		(1ull << 30)
#define PTE_P		1ull
#define PTE_W		2ull
#define PTE_PS		0x80ull
#define BOOT_MIN_MEM	"52"	/* measured: q35 + OVMF boot at 52 MiB, not 48 */

void dormant_handoff(uint64_t cr3, uint64_t stack_top, const void *src,
		     uint64_t dst, uint64_t len, uint64_t entry,
		     struct bootinfo *bi) __attribute__((noreturn));

static EFI_GUID acpi20_guid = ACPI_20_TABLE_GUID;
static EFI_GUID acpi10_guid = ACPI_TABLE_GUID;

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static EFI_STATUS fail(EFI_STATUS st, const CHAR16 *what, const char *why)
{
	Print(L"dormant loader: error: %s: %a\r\n", what, why);
	Print(L"dormant loader: returning to firmware (%r)\r\n", st);
	return st;
}

/* Allocate pages that do not overlap [lo, hi).  Overlapping allocations
 * are kept so the firmware cannot hand them out again. */
static void *alloc_outside(UINTN pages, uint64_t lo, uint64_t hi)
{
	for (int tries = 0; tries < 16; tries++) {
		EFI_PHYSICAL_ADDRESS a = 0;
		if (uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages,
				      EfiLoaderData, pages, &a) != EFI_SUCCESS)
			return NULL;
		if (a + pages * PAGE <= lo || a >= hi)
			return (void *)(UINTN)a;
	}
	return NULL;
}

static EFI_STATUS read_file(EFI_FILE_HANDLE root, CHAR16 *path,
			    void **buf, UINTN *size)
{
	EFI_FILE_HANDLE fh;
	EFI_STATUS st = uefi_call_wrapper(root->Open, 5, root, &fh, path,
					  EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		return st;
	EFI_FILE_INFO *info = LibFileInfo(fh);
	if (!info) {
		uefi_call_wrapper(fh->Close, 1, fh);
		return EFI_DEVICE_ERROR;
	}
	*size = info->FileSize;
	FreePool(info);
	*buf = AllocatePool(*size + 1);
	if (!*buf) {
		uefi_call_wrapper(fh->Close, 1, fh);
		return EFI_OUT_OF_RESOURCES;
	}
	UINTN got = *size;
	st = uefi_call_wrapper(fh->Read, 3, fh, &got, *buf);
	uefi_call_wrapper(fh->Close, 1, fh);
	if (!EFI_ERROR(st) && got != *size)
		st = EFI_END_OF_FILE;
	return st;
}

/* Command-line file: printable ASCII, whitespace folded to single spaces.
 * Returns how many characters the folded line has, which is more than fit
 * when it was cut (the kernel reports that). */
static uint32_t load_cmdline(EFI_FILE_HANDLE root, char *out)
{
	void *buf;
	UINTN size;
	uint32_t n = 0, len = 0;
	char last = ' ';

	out[0] = 0;
	if (EFI_ERROR(read_file(root, CMDLINE_PATH, &buf, &size))) {
		Print(L"dormant loader: no %s, empty command line\r\n", CMDLINE_PATH);
		return 0;
	}
	const unsigned char *s = buf;
	uint32_t trailing = 0;
	for (UINTN i = 0; i < size; i++) {
		unsigned char c = s[i];
		if (c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		if (c < ' ' || c > '~')
			continue;
		if (c == ' ' && last == ' ')
			continue;
		last = (char)c;
		len++;
		trailing = c == ' ' ? trailing + 1 : 0;
		if (n < BOOTINFO_CMDLINE_MAX - 1)
			out[n++] = (char)c;
	}
	len -= trailing;
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = 0;
	FreePool(buf);
	return len;
}

/* Why a file could not be read, in words a user can act on. */
static const char *read_error(EFI_STATUS st)
{
	if (st == EFI_NOT_FOUND)
		return "kernel file not found on the boot volume";
	if (st == EFI_OUT_OF_RESOURCES)
		return "not enough memory to read the kernel file; give the VM more "
		       "memory (dormant needs at least " BOOT_MIN_MEM " MiB)";
	return "cannot read the kernel file (device or file system error)";
}

static uint64_t find_rsdp(void)
{
	void *p = NULL;
	if (LibGetSystemConfigurationTable(&acpi20_guid, &p) == EFI_SUCCESS && p)
		return (uint64_t)(UINTN)p;
	if (LibGetSystemConfigurationTable(&acpi10_guid, &p) == EFI_SUCCESS && p)
		return (uint64_t)(UINTN)p;
	return 0;
}

static void find_fb(struct bootinfo_fb *fb)
{
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;
	EFI_GUID guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;

	fb->format = BOOTINFO_FB_NONE;
	if (LibLocateProtocol(&guid, (void **)&gop) != EFI_SUCCESS || !gop)
		return;
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *mi = gop->Mode->Info;
	switch (mi->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor:
		fb->format = BOOTINFO_FB_RGBX;
		break;
	case PixelBlueGreenRedReserved8BitPerColor:
		fb->format = BOOTINFO_FB_BGRX;
		break;
	case PixelBitMask:
		if (mi->PixelInformation.RedMask == 0x00ff0000 &&
		    mi->PixelInformation.BlueMask == 0x000000ff)
			fb->format = BOOTINFO_FB_BGRX;
		break;
	default:
		break;		/* blt-only: no linear framebuffer */
	}
	if (fb->format == BOOTINFO_FB_NONE)
		return;
	fb->base = gop->Mode->FrameBufferBase;
	fb->size = gop->Mode->FrameBufferSize;
	fb->width = mi->HorizontalResolution;
	fb->height = mi->VerticalResolution;
	fb->stride = mi->PixelsPerScanLine;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int64_t wallclock(void)
{
	EFI_TIME t;
	if (uefi_call_wrapper(RT->GetTime, 2, &t, NULL) != EFI_SUCCESS)
		return 0;
	if (t.Year < 1970 || t.Month < 1 || t.Month > 12 || t.Day < 1 || t.Day > 31)
		return 0;
	int64_t s = days_from_civil(t.Year, t.Month, t.Day) * 86400 +
		    t.Hour * 3600 + t.Minute * 60 + t.Second;
	/* UEFI 2.x 8.3: Localtime = UTC - TimeZone (minutes). */
	if (t.TimeZone != EFI_UNSPECIFIED_TIMEZONE)
		s += (int64_t)t.TimeZone * 60;
	return s;
}

/* Identity map [0, top) with 2 MiB pages for the handoff; the kernel
 * replaces these tables first thing. */
static uint64_t build_page_tables(uint64_t top, uint64_t lo, uint64_t hi)
{
	uint64_t npd = (top + GiB - 1) / GiB;
	uint64_t npdpt = (npd + 511) / 512;
	uint64_t pages = 1 + npdpt + npd;
	uint64_t *t = alloc_outside(pages, lo, hi);
	if (!t)
		return 0;
	SetMem(t, pages * PAGE, 0);
	uint64_t *pml4 = t, *pdpt = t + 512, *pd = t + 512 * (1 + npdpt);
	for (uint64_t i = 0; i < npdpt; i++)
		pml4[i] = (uint64_t)(UINTN)(pdpt + 512 * i) | PTE_P | PTE_W;
	for (uint64_t i = 0; i < npd; i++)
		pdpt[i] = (uint64_t)(UINTN)(pd + 512 * i) | PTE_P | PTE_W;
	for (uint64_t i = 0; i < npd * 512; i++)
		pd[i] = (i << 21) | PTE_P | PTE_W | PTE_PS;
	return (uint64_t)(UINTN)pml4;
}

static uint64_t map_top(void)
{
	UINTN size = 0, key, dsize;
	UINT32 ver;
	EFI_MEMORY_DESCRIPTOR *map = LibMemoryMap(&size, &key, &dsize, &ver);
	uint64_t top = 4 * GiB;
	if (!map)
		return top;
	for (UINTN off = 0; off + dsize <= size * dsize; off += dsize) {
		EFI_MEMORY_DESCRIPTOR *d = (void *)((UINT8 *)map + off);
		uint64_t end = d->PhysicalStart + d->NumberOfPages * PAGE;
		if (end > top)
			top = end;
	}
	FreePool(map);
	return top;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	uint64_t tsc0 = rdtsc();
	EFI_LOADED_IMAGE *li;
	EFI_STATUS st;
	struct elfimage img;
	void *kfile;
	UINTN ksize;

	InitializeLib(image, systab);
	Print(L"dormant loader: starting\r\n");

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image,
			       &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st))
		return fail(st, L"loaded image protocol", "not available");
	EFI_FILE_HANDLE root = LibOpenRoot(li->DeviceHandle);
	if (!root)
		return fail(EFI_NOT_FOUND, L"boot volume", "cannot open its file system");

	st = read_file(root, KERNEL_PATH, &kfile, &ksize);
	if (EFI_ERROR(st))
		return fail(st, KERNEL_PATH, read_error(st));
	const char *why = elfimage_check(kfile, ksize, &img);
	if (why)
		return fail(EFI_LOAD_ERROR, KERNEL_PATH, why);
	struct elfimage_sum sum;
	why = elfimage_checksum(kfile, ksize, &sum);
	if (why)
		return fail(EFI_LOAD_ERROR, KERNEL_PATH, why);
	if (sum.stored != sum.computed) {
		Print(L"dormant loader: kernel checksum mismatch: XXH64 of the loaded contents "
		      L"is %016lx, the kernel records %016lx\r\n", sum.computed, sum.stored);
		return fail(EFI_CRC_ERROR, KERNEL_PATH,
			    "kernel checksum mismatch: the file is corrupt; copy the kernel again");
	}

	uint64_t li_lo = (uint64_t)(UINTN)li->ImageBase;
	uint64_t li_hi = li_lo + li->ImageSize;
	if (li_lo < img.hi && li_hi > img.lo)
		return fail(EFI_LOAD_ERROR, L"loader image",
			    "the firmware loaded the loader inside the kernel's range");

	UINTN kpages = (img.hi - img.lo) / PAGE;
	void *staging = alloc_outside(kpages, img.lo, img.hi);
	struct bootinfo *bi = alloc_outside((sizeof(*bi) + PAGE - 1) / PAGE, img.lo, img.hi);
	void *stack = alloc_outside(HANDOFF_STACK / PAGE, img.lo, img.hi);
	uint64_t cr3 = build_page_tables(map_top(), img.lo, img.hi);
	if (!staging || !bi || !stack || !cr3)
		return fail(EFI_OUT_OF_RESOURCES, L"memory",
			    "not enough memory to stage the kernel; give the VM more memory "
			    "(dormant needs at least " BOOT_MIN_MEM " MiB)");
	elfimage_stage(kfile, &img, staging);

	SetMem(bi, sizeof(*bi), 0);
	bi->magic = BOOTINFO_MAGIC;
	bi->version = BOOTINFO_VERSION;
	bi->size = sizeof(*bi);
	bi->tsc_loader_entry = tsc0;
	bi->kernel_base = img.lo;
	bi->kernel_end = img.hi;
	bi->kernel_checksum = sum.computed;
	bi->rsdp = find_rsdp();
	bi->wallclock = wallclock();
	find_fb(&bi->fb);
	bi->cmdline_len = load_cmdline(root, bi->cmdline);
	Print(L"dormant loader: kernel 0x%lx-0x%lx entry 0x%lx build %016lx\r\n",
	      img.lo, img.hi, img.entry, sum.computed);
	if (bi->cmdline_len > BOOTINFO_CMDLINE_MAX - 1)
		Print(L"dormant loader: command line has %u characters; only the first %u are used\r\n",
		      bi->cmdline_len, BOOTINFO_CMDLINE_MAX - 1);

	/* The final map: nothing may allocate between GetMemoryMap and
	 * ExitBootServices, so the buffer gets slack up front. */
	UINTN msize = 0, key = 0, dsize = 0;
	UINT32 dver;
	uefi_call_wrapper(BS->GetMemoryMap, 5, &msize, NULL, &key, &dsize, &dver);
	msize += 16 * dsize;
	UINTN mcap = msize;
	void *mbuf = AllocatePool(mcap);
	if (!mbuf)
		return fail(EFI_OUT_OF_RESOURCES, L"memory map", "cannot allocate");

	for (int tries = 0;; tries++) {
		msize = mcap;
		st = uefi_call_wrapper(BS->GetMemoryMap, 5, &msize, mbuf, &key, &dsize, &dver);
		if (EFI_ERROR(st))
			return fail(st, L"memory map", "GetMemoryMap failed");
		int n = bootmem_from_efi(mbuf, msize, dsize, bi->memmap, BOOTINFO_MEMMAP_MAX);
		if (n < 0)
			return fail(EFI_BUFFER_TOO_SMALL, L"memory map", "too many entries");
		bi->memmap_count = (uint32_t)n;
		struct bootmem_range bad;
		if (bootmem_check_free(bi->memmap, bi->memmap_count, img.lo, img.hi, &bad)) {
			Print(L"dormant loader: kernel range 0x%lx-0x%lx overlaps %a memory "
			      L"0x%lx-0x%lx that stays in use\r\n", img.lo, img.hi,
			      bad.type ? bootmem_type_name(bad.type) : "undescribed",
			      bad.base, bad.base + bad.len);
			return fail(EFI_LOAD_ERROR, L"kernel placement", "refusing to overwrite it");
		}
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (st == EFI_SUCCESS)
			break;
		/* EFI_INVALID_PARAMETER: the map changed (an event allocated);
		 * fetch it again.  UEFI 2.x 7.4, ExitBootServices. */
		if (st != EFI_INVALID_PARAMETER || tries == 8)
			return fail(st, L"ExitBootServices", "failed");
	}

	bi->tsc_loader_exit = rdtsc();
	dormant_handoff(cr3, (uint64_t)(UINTN)stack + HANDOFF_STACK, staging,
			img.lo, img.hi - img.lo, img.entry, bi);
}
