/*
 * pci.c - PCI enumeration on q35 (pci.h).
 *
 * Configuration mechanism #1 (PCI Local Bus 3.0 §3.2.2.3.2): write the
 * function's address to 0xCF8, read or write the dword at 0xCFC.  The scan
 * starts at bus 0 and follows bridges to their secondary buses.  OVMF has
 * assigned the BARs; we only measure them (write ones with decoding off,
 * §6.2.5.1) and map the memory ones a driver asks for.  On a machine
 * without the ports (Hyper-V Generation 2) every read gives all ones and
 * the scan finds nothing.
 */
#include <string.h>

#include "../kernel/cpu.h"
#include "../kernel/initcall.h"
#include "../kernel/kernel.h"
#include "pci.h"

#define PCI_CONFIG_ADDR		0xcf8
#define PCI_CONFIG_DATA		0xcfc
#define PCI_CONFIG_ENABLE	0x80000000u
#define PCI_MAX_DEVS		64
#define PCI_NO_DEVICE		0xffff

static struct pci_dev devs[PCI_MAX_DEVS];
static unsigned ndevs;
static uint8_t buses_seen[256 / 8];

/* The names of the devices worth a boot line. */
static const struct {
	uint16_t vendor, device;
	const char *name;
} known[] = {
	{ 0x1af4, 0x1001, "virtio-blk (transitional)" },
	{ 0x1af4, 0x1042, "virtio-blk" },
};

static uint32_t cfg_addr(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	return PCI_CONFIG_ENABLE | (uint32_t)bus << 16 | (uint32_t)dev << 11 |
	       (uint32_t)fn << 8 | (off & 0xfc);
}

static uint32_t raw_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	outl(PCI_CONFIG_ADDR, cfg_addr(bus, dev, fn, off));
	return inl(PCI_CONFIG_DATA);
}

uint32_t pci_read32(const struct pci_dev *d, uint16_t off)
{
	return raw_read32(d->bus, d->dev, d->fn, off);
}

uint16_t pci_read16(const struct pci_dev *d, uint16_t off)
{
	return (uint16_t)(pci_read32(d, off) >> ((off & 2) * 8));
}

uint8_t pci_read8(const struct pci_dev *d, uint16_t off)
{
	return (uint8_t)(pci_read32(d, off) >> ((off & 3) * 8));
}

void pci_write32(const struct pci_dev *d, uint16_t off, uint32_t v)
{
	outl(PCI_CONFIG_ADDR, cfg_addr(d->bus, d->dev, d->fn, off));
	outl(PCI_CONFIG_DATA, v);
}

void pci_write16(const struct pci_dev *d, uint16_t off, uint16_t v)
{
	outl(PCI_CONFIG_ADDR, cfg_addr(d->bus, d->dev, d->fn, off));
	outw(PCI_CONFIG_DATA + (off & 2), v);
}

const char *pci_name(const struct pci_dev *d, char buf[16])
{
	ksnprintf(buf, 16, "%02x:%02x.%u", d->bus, d->dev, d->fn);
	return buf;
}

unsigned pci_count(void)
{
	return ndevs;
}

struct pci_dev *pci_get(unsigned i)
{
	return i < ndevs ? &devs[i] : NULL;
}

uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id, uint8_t from)
{
	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	uint8_t p = from ? pci_read8(d, from + 1) : pci_read8(d, PCI_CAP_PTR);
	/* At most 48 capabilities fit in 192 bytes: a loop is a broken list. */
	for (int n = 0; n < 48 && p >= 0x40; n++) {
		p &= 0xfc;
		if (pci_read8(d, p) == id)
			return p;
		p = pci_read8(d, p + 1);
	}
	return 0;
}

/* Size the BARs (§6.2.5.1), with decoding off while they hold all ones. */
static void read_bars(struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (unsigned i = 0; i < PCI_BARS; i++) {
		uint16_t off = PCI_BAR0 + 4 * i;
		uint32_t lo = pci_read32(d, off);
		struct pci_bar *b = &d->bar[i];
		pci_write32(d, off, 0xffffffff);
		uint32_t szlo = pci_read32(d, off);
		pci_write32(d, off, lo);
		if (szlo == 0 || szlo == 0xffffffff)
			continue;
		if (lo & PCI_BAR_IO) {
			b->io = true;
			b->base = lo & PCI_BAR_IO_MASK;
			b->size = (uint32_t)(~(szlo & PCI_BAR_IO_MASK) + 1) & 0xffff;
			continue;
		}
		b->prefetch = lo & PCI_BAR_PREFETCH;
		uint64_t base = lo & PCI_BAR_MEM_MASK, mask = szlo & PCI_BAR_MEM_MASK;
		if ((lo & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_64 && i + 1 < PCI_BARS) {
			uint32_t hi = pci_read32(d, off + 4);
			pci_write32(d, off + 4, 0xffffffff);
			uint32_t szhi = pci_read32(d, off + 4);
			pci_write32(d, off + 4, hi);
			base |= (uint64_t)hi << 32;
			mask |= (uint64_t)szhi << 32;
			b->is64 = true;
			i++;		/* the next BAR is the upper half */
		} else {
			mask |= 0xffffffff00000000ull;
		}
		b->base = base;
		b->size = ~mask + 1;
	}
	pci_write16(d, PCI_COMMAND, cmd);
}

static void scan_bus(uint8_t bus, int depth);

static void scan_fn(uint8_t bus, uint8_t dev, uint8_t fn, int depth)
{
	uint32_t id = raw_read32(bus, dev, fn, PCI_VENDOR_ID);
	if ((id & 0xffff) == PCI_NO_DEVICE)
		return;
	struct pci_dev t = { .bus = bus, .dev = dev, .fn = fn };
	t.vendor = (uint16_t)id;
	t.device = (uint16_t)(id >> 16);
	uint32_t cr = pci_read32(&t, PCI_CLASS_REV);
	t.class = cr >> 24;
	t.subclass = cr >> 16;
	t.progif = cr >> 8;
	t.header_type = pci_read8(&t, PCI_HEADER_TYPE);
	if ((t.header_type & PCI_HEADER_TYPE_MASK) == PCI_HEADER_BRIDGE) {
		uint8_t sec = pci_read8(&t, PCI_SECONDARY_BUS);
		if (sec > bus)
			scan_bus(sec, depth + 1);
		return;
	}
	if ((t.header_type & PCI_HEADER_TYPE_MASK) != 0)
		return;
	if (ndevs == PCI_MAX_DEVS) {
		kprintf("pci: more than %u functions; %02x:%02x.%u and later ignored\n",
			PCI_MAX_DEVS, bus, dev, fn);
		return;
	}
	read_bars(&t);
	devs[ndevs++] = t;
}

static void scan_bus(uint8_t bus, int depth)
{
	if (depth > 8 || (buses_seen[bus / 8] & (1u << (bus % 8))))
		return;
	buses_seen[bus / 8] |= 1u << (bus % 8);
	for (uint8_t dev = 0; dev < 32; dev++) {
		if ((raw_read32(bus, dev, 0, PCI_VENDOR_ID) & 0xffff) == PCI_NO_DEVICE)
			continue;
		uint8_t ht = (uint8_t)(raw_read32(bus, dev, 0, PCI_HEADER_TYPE & ~3) >> 16);
		int nfn = (ht & PCI_HEADER_MULTI) ? 8 : 1;
		for (uint8_t fn = 0; fn < nfn; fn++)
			scan_fn(bus, dev, fn, depth);
	}
}

void pci_enable(struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

volatile void *pci_map_bar(struct pci_dev *d, unsigned i)
{
	if (i >= PCI_BARS)
		return NULL;
	struct pci_bar *b = &d->bar[i];
	if (b->io || !b->base || !b->size)
		return NULL;
	if (!b->mapped) {
		paging_map_mmio(b->base, b->size);
		b->mapped = true;
	}
	return (volatile void *)b->base;
}

bool pci_msix_enable(struct pci_dev *d, unsigned entry, uint8_t vector)
{
	uint8_t cap = pci_find_cap(d, PCI_CAP_ID_MSIX, 0);
	if (!cap)
		return false;
	uint16_t ctrl = pci_read16(d, cap + PCI_MSIX_CTRL);
	uint32_t table = pci_read32(d, cap + PCI_MSIX_TABLE);
	if (entry > (ctrl & PCI_MSIX_CTRL_SIZE_MASK))
		return false;
	volatile uint8_t *bar = pci_map_bar(d, table & PCI_MSIX_BIR_MASK);
	uint64_t off = (table & ~PCI_MSIX_BIR_MASK) + (uint64_t)entry * PCI_MSIX_ENTRY_SIZE;
	if (!bar || off + PCI_MSIX_ENTRY_SIZE > d->bar[table & PCI_MSIX_BIR_MASK].size)
		return false;
	volatile uint32_t *e = (volatile uint32_t *)(bar + off);
	/* §6.8.2: enable with the function masked, fill the entry, unmask. */
	pci_write16(d, cap + PCI_MSIX_CTRL, ctrl | PCI_MSIX_CTRL_ENABLE | PCI_MSIX_CTRL_MASKALL);
	e[PCI_MSIX_ENTRY_ADDR_LO / 4] = MSI_ADDR_BASE | lapic_id() << MSI_ADDR_DEST_SHIFT;
	e[PCI_MSIX_ENTRY_ADDR_HI / 4] = 0;
	e[PCI_MSIX_ENTRY_DATA / 4] = vector;	/* fixed delivery, edge */
	e[PCI_MSIX_ENTRY_CTRL / 4] &= ~PCI_MSIX_ENTRY_MASKED;
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) | PCI_COMMAND_INTX_OFF);
	pci_write16(d, cap + PCI_MSIX_CTRL, (ctrl | PCI_MSIX_CTRL_ENABLE) & ~PCI_MSIX_CTRL_MASKALL);
	return true;
}

void (*pci_enumerated_hook)(void);

static void pci_init(void)
{
	scan_bus(0, 0);
	if (pci_enumerated_hook)
		pci_enumerated_hook();
	unsigned buses = 0;
	for (unsigned i = 0; i < sizeof(buses_seen); i++)
		buses += (unsigned)__builtin_popcount(buses_seen[i]);
	if (!ndevs)
		return;
	kprintf("pci: %u functions on %u bus%s\n", ndevs, buses, buses == 1 ? "" : "es");
	char name[16];
	for (unsigned i = 0; i < ndevs; i++) {
		struct pci_dev *d = &devs[i];
		for (size_t k = 0; k < ARRAY_SIZE(known); k++)
			if (known[k].vendor == d->vendor && known[k].device == d->device)
				kprintf("pci: %s %04x:%04x %s%s%s\n", pci_name(d, name), d->vendor,
					d->device, known[k].name, d->owner ? ", owned by " : "",
					d->owner ? d->owner : "");
	}
}
INITCALL(pci_init, INIT_BUS);
