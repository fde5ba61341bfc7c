/*
 * pci.h - a small PCI enumerator for the q35 machine (pci.c): type-1
 * configuration access through ports 0xCF8/0xCFC (PCI Local Bus 3.0
 * §3.2.2.3.2), buses reached from bus 0 through bridges, BARs, the
 * capability list, and MSI-X (§6.8.2).  Runs at INIT_BUS; drivers look
 * their devices up at INIT_DRIVERS.
 */
#ifndef DORMANT_PCI_H
#define DORMANT_PCI_H

#include <stdbool.h>
#include <stdint.h>

/* Configuration header (type 0), PCI 3.0 §6.1 */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_CLASS_REV		0x08	/* class, subclass, prog-if, revision */
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR0		0x10
#define PCI_SECONDARY_BUS	0x19	/* type 1 (bridge) */
#define PCI_CAP_PTR		0x34
#define PCI_INTERRUPT_LINE	0x3c

#define PCI_COMMAND_IO		(1u << 0)
#define PCI_COMMAND_MEMORY	(1u << 1)
#define PCI_COMMAND_MASTER	(1u << 2)
#define PCI_COMMAND_INTX_OFF	(1u << 10)
#define PCI_STATUS_CAP_LIST	(1u << 4)
#define PCI_HEADER_MULTI	0x80
#define PCI_HEADER_TYPE_MASK	0x7f
#define PCI_HEADER_BRIDGE	1

#define PCI_BAR_IO		(1u << 0)
#define PCI_BAR_MEM_TYPE_MASK	(3u << 1)
#define PCI_BAR_MEM_64		(2u << 1)
#define PCI_BAR_PREFETCH	(1u << 3)
#define PCI_BAR_MEM_MASK	(~0xfu)
#define PCI_BAR_IO_MASK		(~0x3u)

#define PCI_CAP_ID_MSIX		0x11
#define PCI_CAP_ID_VNDR		0x09

/* MSI-X capability (PCI 3.0 §6.8.2.1-3) */
#define PCI_MSIX_CTRL		2	/* offset in the capability */
#define PCI_MSIX_TABLE		4
#define PCI_MSIX_CTRL_SIZE_MASK	0x7ffu	/* table size - 1 */
#define PCI_MSIX_CTRL_MASKALL	(1u << 14)
#define PCI_MSIX_CTRL_ENABLE	(1u << 15)
#define PCI_MSIX_BIR_MASK	0x7u
#define PCI_MSIX_ENTRY_SIZE	16
#define PCI_MSIX_ENTRY_ADDR_LO	0
#define PCI_MSIX_ENTRY_ADDR_HI	4
#define PCI_MSIX_ENTRY_DATA	8
#define PCI_MSIX_ENTRY_CTRL	12
#define PCI_MSIX_ENTRY_MASKED	1u
/* The message address for a fixed interrupt to one local APIC (Intel
 * SDM vol. 3A, 10.11.1). */
#define MSI_ADDR_BASE		0xfee00000u
#define MSI_ADDR_DEST_SHIFT	12

#define PCI_BARS		6

struct pci_bar {
	uint64_t base;		/* 0: absent or unassigned */
	uint64_t size;
	bool io, is64, prefetch;
	bool mapped;
};

struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class, subclass, progif;
	uint8_t header_type;
	struct pci_bar bar[PCI_BARS];
	/* Who drives it when not the kernel's drivers: the emulated host
	 * claims its disks (tests/hvsim/hostdisk.c), as a Hyper-V host owns
	 * the physical disks behind a Gen2 VM's synthetic SCSI. */
	const char *owner;
};

/* pci.c */
/* Runs once the bus is enumerated, before the drivers look at it. */
extern void (*pci_enumerated_hook)(void);
unsigned pci_count(void);
struct pci_dev *pci_get(unsigned i);
uint32_t pci_read32(const struct pci_dev *d, uint16_t off);
uint16_t pci_read16(const struct pci_dev *d, uint16_t off);
uint8_t pci_read8(const struct pci_dev *d, uint16_t off);
void pci_write32(const struct pci_dev *d, uint16_t off, uint32_t v);
void pci_write16(const struct pci_dev *d, uint16_t off, uint16_t v);
/* The offset of the next capability with this id after 'from' (0: from
 * the start); 0 when there is none. */
uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id, uint8_t from);
/* Memory space and bus mastering on. */
void pci_enable(struct pci_dev *d);
/* A memory BAR mapped uncached; NULL when it is absent, I/O, or unassigned. */
volatile void *pci_map_bar(struct pci_dev *d, unsigned bar);
/* Route MSI-X table entry 'entry' to 'vector' on this CPU and enable
 * MSI-X (INTx off).  false when the device has no MSI-X or no such entry. */
bool pci_msix_enable(struct pci_dev *d, unsigned entry, uint8_t vector);
/* "00:03.0" */
const char *pci_name(const struct pci_dev *d, char buf[16]);

#endif
