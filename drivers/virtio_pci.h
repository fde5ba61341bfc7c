/*
 * virtio_pci.h - the virtio 1.x modern PCI transport (virtio_pci.c,
 * virtio 1.1 §4.1): the four capabilities, the status handshake (§3.1.1),
 * feature negotiation, one queue's setup and its notification.
 */
#ifndef DORMANT_VIRTIO_PCI_H
#define DORMANT_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "pci.h"
#include "virtio_wire.h"

struct virtio_pci {
	struct pci_dev *pci;
	volatile struct virtio_pci_common_cfg *common;
	volatile uint8_t *notify;	/* the notify capability's base */
	uint32_t notify_len;
	uint32_t notify_mult;
	volatile uint8_t *isr;
	volatile uint8_t *device;	/* device-specific configuration */
	uint32_t device_len;
	uint64_t features;		/* negotiated */
};

#define VIRTIO_BIT(b)	((uint64_t)1 << (b))

/* virtio_pci.c */
/* Find and map the capabilities, reset, ACKNOWLEDGE and DRIVER.  false
 * (logged with 'name') when a capability is missing or unusable. */
bool virtio_pci_init(struct virtio_pci *v, struct pci_dev *d, const char *name);
uint64_t virtio_pci_device_features(struct virtio_pci *v);
/* Write 'f', set FEATURES_OK and check the device kept it (§3.1.1 step 6). */
bool virtio_pci_set_features(struct virtio_pci *v, uint64_t f);
/* Queue 'idx': its maximum size (0: absent). */
uint16_t virtio_pci_queue_max(struct virtio_pci *v, uint16_t idx);
/* Set up and enable queue 'idx' (§4.1.5.1.3); msix_vector may be
 * VIRTIO_MSI_NO_VECTOR.  Returns the notify address, or NULL (logged)
 * when the device refuses the vector or the notify offset is outside
 * the capability. */
volatile uint16_t *virtio_pci_queue_setup(struct virtio_pci *v, uint16_t idx, uint16_t size,
					  uint64_t desc, uint64_t avail, uint64_t used,
					  uint16_t msix_vector, const char *name);
void virtio_pci_driver_ok(struct virtio_pci *v);
void virtio_pci_failed(struct virtio_pci *v);
/* Reset (§4.1.4.3.1): the device stops using the queues. */
/* false when the device never read back status 0: it may still DMA. */
bool virtio_pci_reset(struct virtio_pci *v);
uint8_t virtio_pci_status(struct virtio_pci *v);
/* Device configuration reads, 32-bit wide as §4.1.3.1 requires for
 * 32- and 64-bit fields; callers loop on the generation (§2.4.1). */
uint8_t virtio_pci_config_generation(struct virtio_pci *v);
uint32_t virtio_pci_cfg32(struct virtio_pci *v, uint32_t off);
uint64_t virtio_pci_cfg64(struct virtio_pci *v, uint32_t off);

#endif
