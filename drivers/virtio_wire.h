/*
 * virtio_wire.h - what the virtio 1.1 specification lays down: the PCI
 * capabilities and common configuration (§4.1.4), the split virtqueue
 * (§2.6) and the block device's configuration and requests (§5.2).
 * Only constants and layouts; driver state lives in the .c files.
 * All fields are little-endian, as is x86.
 */
#ifndef DORMANT_VIRTIO_WIRE_H
#define DORMANT_VIRTIO_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define VIRTIO_PCI_VENDOR		0x1af4
/* §4.1.2: modern ids are 0x1040 + device type; transitional ones below. */
#define VIRTIO_PCI_DEVICE_MODERN(t)	(0x1040 + (t))
#define VIRTIO_PCI_DEVICE_BLK_TRANS	0x1001
#define VIRTIO_ID_BLOCK			2

/* §2.1 Device Status Field */
#define VIRTIO_STATUS_ACKNOWLEDGE	0x01
#define VIRTIO_STATUS_DRIVER		0x02
#define VIRTIO_STATUS_DRIVER_OK		0x04
#define VIRTIO_STATUS_FEATURES_OK	0x08
#define VIRTIO_STATUS_NEEDS_RESET	0x40
#define VIRTIO_STATUS_FAILED		0x80

/* §6 Reserved Feature Bits */
#define VIRTIO_F_INDIRECT_DESC		28
#define VIRTIO_F_EVENT_IDX		29
#define VIRTIO_F_VERSION_1		32
#define VIRTIO_F_ACCESS_PLATFORM	33
#define VIRTIO_F_RING_PACKED		34

/* §4.1.4 Virtio Structure PCI Capabilities */
#define VIRTIO_PCI_CAP_COMMON_CFG	1
#define VIRTIO_PCI_CAP_NOTIFY_CFG	2
#define VIRTIO_PCI_CAP_ISR_CFG		3
#define VIRTIO_PCI_CAP_DEVICE_CFG	4
#define VIRTIO_PCI_CAP_PCI_CFG		5

struct virtio_pci_cap {
	uint8_t cap_vndr;		/* PCI_CAP_ID_VNDR */
	uint8_t cap_next;
	uint8_t cap_len;
	uint8_t cfg_type;		/* VIRTIO_PCI_CAP_* */
	uint8_t bar;
	uint8_t padding[3];
	uint32_t offset;		/* within the BAR */
	uint32_t length;
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_pci_cap) == 16, "virtio 1.1 §4.1.4");
_Static_assert(offsetof(struct virtio_pci_cap, offset) == 8, "virtio 1.1 §4.1.4");

/* §4.1.4.4: the notify capability adds the multiplier after the cap. */
#define VIRTIO_PCI_NOTIFY_MULT_OFF	16

/* §4.1.4.3 Common configuration structure layout */
struct virtio_pci_common_cfg {
	uint32_t device_feature_select;
	uint32_t device_feature;
	uint32_t driver_feature_select;
	uint32_t driver_feature;
	uint16_t msix_config;
	uint16_t num_queues;
	uint8_t device_status;
	uint8_t config_generation;
	uint16_t queue_select;
	uint16_t queue_size;
	uint16_t queue_msix_vector;
	uint16_t queue_enable;
	uint16_t queue_notify_off;
	uint64_t queue_desc;
	uint64_t queue_driver;		/* the available ring */
	uint64_t queue_device;		/* the used ring */
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_pci_common_cfg) == 56, "virtio 1.1 §4.1.4.3");
_Static_assert(offsetof(struct virtio_pci_common_cfg, msix_config) == 16, "§4.1.4.3");
_Static_assert(offsetof(struct virtio_pci_common_cfg, device_status) == 20, "§4.1.4.3");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_select) == 22, "§4.1.4.3");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_notify_off) == 30, "§4.1.4.3");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_desc) == 32, "§4.1.4.3");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_device) == 48, "§4.1.4.3");

#define VIRTIO_MSI_NO_VECTOR		0xffff	/* §4.1.5.1.2 */

/* §2.6.5 The Virtqueue Descriptor Table */
#define VIRTQ_DESC_F_NEXT		1
#define VIRTQ_DESC_F_WRITE		2	/* device writes (else reads) */
#define VIRTQ_DESC_F_INDIRECT		4

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
} __attribute__((packed));
_Static_assert(sizeof(struct virtq_desc) == 16, "virtio 1.1 §2.6.5");

/* §2.6.6 The Virtqueue Available Ring */
#define VIRTQ_AVAIL_F_NO_INTERRUPT	1
struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];		/* queue size entries, then used_event */
} __attribute__((packed));
_Static_assert(sizeof(struct virtq_avail) == 4, "virtio 1.1 §2.6.6");

/* §2.6.8 The Virtqueue Used Ring */
#define VIRTQ_USED_F_NO_NOTIFY		1
struct virtq_used_elem {
	uint32_t id;			/* head of the descriptor chain */
	uint32_t len;			/* bytes the device wrote */
} __attribute__((packed));
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtio 1.1 §2.6.8");

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];	/* queue size entries, then avail_event */
} __attribute__((packed));
_Static_assert(sizeof(struct virtq_used) == 4, "virtio 1.1 §2.6.8");

/* §2.6: sizes of the three parts for a queue of n entries, and their
 * alignment (16, 2, 4). */
#define VIRTQ_DESC_BYTES(n)	((size_t)(n) * sizeof(struct virtq_desc))
#define VIRTQ_AVAIL_BYTES(n)	(sizeof(struct virtq_avail) + 2 * (size_t)(n) + 2)
#define VIRTQ_USED_BYTES(n)	(sizeof(struct virtq_used) + \
				 sizeof(struct virtq_used_elem) * (size_t)(n) + 2)

/* §5.2.3 Block device feature bits */
#define VIRTIO_BLK_F_SIZE_MAX		1
#define VIRTIO_BLK_F_SEG_MAX		2
#define VIRTIO_BLK_F_RO			5
#define VIRTIO_BLK_F_BLK_SIZE		6
#define VIRTIO_BLK_F_FLUSH		9

/* §5.2.4 Device configuration layout */
struct virtio_blk_config {
	uint64_t capacity;		/* in 512-byte sectors */
	uint32_t size_max;		/* largest segment, with SIZE_MAX */
	uint32_t seg_max;		/* most segments, with SEG_MAX */
	uint16_t cylinders;
	uint8_t heads;
	uint8_t sectors;
	uint32_t blk_size;		/* with BLK_SIZE */
} __attribute__((packed));
_Static_assert(offsetof(struct virtio_blk_config, size_max) == 8, "virtio 1.1 §5.2.4");
_Static_assert(offsetof(struct virtio_blk_config, seg_max) == 12, "virtio 1.1 §5.2.4");
_Static_assert(offsetof(struct virtio_blk_config, blk_size) == 20, "virtio 1.1 §5.2.4");

/* §5.2.6 Device Operation: header, data, then one status byte. */
#define VIRTIO_BLK_T_IN			0
#define VIRTIO_BLK_T_OUT		1
#define VIRTIO_BLK_T_FLUSH		4
#define VIRTIO_BLK_SECTOR		512	/* the unit of 'sector', always */

struct virtio_blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_blk_req_hdr) == 16, "virtio 1.1 §5.2.6");

#define VIRTIO_BLK_S_OK			0
#define VIRTIO_BLK_S_IOERR		1
#define VIRTIO_BLK_S_UNSUPP		2

#endif
