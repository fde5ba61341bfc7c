/*
 * virtio_pci.c - the virtio 1.x modern PCI transport (virtio_pci.h).
 *
 * The device describes its register blocks in vendor-specific PCI
 * capabilities (virtio 1.1 §4.1.4); each names a BAR, an offset and a
 * length.  We take the first of each type (§4.1.4.1: the driver SHOULD
 * use the first it can) and check it lies inside its BAR.  A transitional
 * device (0x1001) has the same capabilities next to its legacy I/O BAR,
 * which we never use.
 */
#include "../kernel/kernel.h"
#include "virtio_pci.h"

/* The fields the driver needs of each capability type. */
struct cap_found {
	volatile uint8_t *base;
	uint32_t len;
	uint8_t pos;		/* the capability's offset in config space */
};

static const struct {
	uint8_t type;
	uint32_t min_len;
	const char *name;
} caps_needed[] = {
	{ VIRTIO_PCI_CAP_COMMON_CFG, sizeof(struct virtio_pci_common_cfg), "common" },
	{ VIRTIO_PCI_CAP_NOTIFY_CFG, 2, "notify" },
	{ VIRTIO_PCI_CAP_ISR_CFG, 1, "ISR" },
	{ VIRTIO_PCI_CAP_DEVICE_CFG, 0, "device" },
};

/* A 64-bit common-configuration field as two 32-bit writes (§4.1.3.1). */
static void w64(struct virtio_pci *v, size_t off, uint64_t val)
{
	volatile uint32_t *h = (volatile uint32_t *)((volatile uint8_t *)v->common + off);
	h[0] = (uint32_t)val;
	h[1] = (uint32_t)(val >> 32);
}

bool virtio_pci_init(struct virtio_pci *v, struct pci_dev *d, const char *name)
{
	struct cap_found found[ARRAY_SIZE(caps_needed)] = { 0 };
	v->pci = d;
	pci_enable(d);
	for (uint8_t p = pci_find_cap(d, PCI_CAP_ID_VNDR, 0); p;
	     p = pci_find_cap(d, PCI_CAP_ID_VNDR, p)) {
		uint8_t type = pci_read8(d, p + 3), bar = pci_read8(d, p + 4);
		uint32_t off = pci_read32(d, p + 8), len = pci_read32(d, p + 12);
		for (size_t i = 0; i < ARRAY_SIZE(caps_needed); i++) {
			if (caps_needed[i].type != type || found[i].base)
				continue;
			if (bar >= PCI_BARS || d->bar[bar].io || len < caps_needed[i].min_len ||
			    (uint64_t)off + len > d->bar[bar].size)
				continue;	/* unusable: look for another (§4.1.4.1) */
			volatile uint8_t *b = pci_map_bar(d, bar);
			if (!b)
				continue;
			found[i].base = b + off;
			found[i].len = len;
			found[i].pos = p;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(caps_needed); i++) {
		if (!found[i].base) {
			kprintf("virtio: %s: no usable %s configuration capability\n", name,
				caps_needed[i].name);
			return false;
		}
	}
	v->common = (volatile struct virtio_pci_common_cfg *)found[0].base;
	v->notify = found[1].base;
	v->notify_len = found[1].len;
	v->notify_mult = pci_read32(d, found[1].pos + VIRTIO_PCI_NOTIFY_MULT_OFF);
	v->isr = found[2].base;
	v->device = found[3].base;
	v->device_len = found[3].len;
	/* §3.1.1 steps 1-3 */
	virtio_pci_reset(v);
	v->common->device_status = VIRTIO_STATUS_ACKNOWLEDGE;
	v->common->device_status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
	return true;
}

bool virtio_pci_reset(struct virtio_pci *v)
{
	v->common->device_status = 0;
	/* §4.1.4.3.2: the reset is done when the status reads back 0. */
	for (int i = 0; i < 1000000 && v->common->device_status != 0; i++)
		cpu_relax();
	return v->common->device_status == 0;
}

uint64_t virtio_pci_device_features(struct virtio_pci *v)
{
	v->common->device_feature_select = 0;
	uint64_t lo = v->common->device_feature;
	v->common->device_feature_select = 1;
	uint64_t hi = v->common->device_feature;
	return hi << 32 | lo;
}

bool virtio_pci_set_features(struct virtio_pci *v, uint64_t f)
{
	v->common->driver_feature_select = 0;
	v->common->driver_feature = (uint32_t)f;
	v->common->driver_feature_select = 1;
	v->common->driver_feature = (uint32_t)(f >> 32);
	v->common->device_status |= VIRTIO_STATUS_FEATURES_OK;
	if (!(v->common->device_status & VIRTIO_STATUS_FEATURES_OK))
		return false;
	v->features = f;
	return true;
}

uint16_t virtio_pci_queue_max(struct virtio_pci *v, uint16_t idx)
{
	if (idx >= v->common->num_queues)
		return 0;
	v->common->queue_select = idx;
	return v->common->queue_size;
}

volatile uint16_t *virtio_pci_queue_setup(struct virtio_pci *v, uint16_t idx, uint16_t size,
					  uint64_t desc, uint64_t avail, uint64_t used,
					  uint16_t msix_vector, const char *name)
{
	volatile struct virtio_pci_common_cfg *c = v->common;
	c->queue_select = idx;
	c->queue_size = size;
	w64(v, offsetof(struct virtio_pci_common_cfg, queue_desc), desc);
	w64(v, offsetof(struct virtio_pci_common_cfg, queue_driver), avail);
	w64(v, offsetof(struct virtio_pci_common_cfg, queue_device), used);
	if (msix_vector != VIRTIO_MSI_NO_VECTOR) {
		c->msix_config = VIRTIO_MSI_NO_VECTOR;
		c->queue_msix_vector = msix_vector;
		/* §4.1.5.1.2: a refused vector reads back as NO_VECTOR. */
		if (c->queue_msix_vector != msix_vector) {
			kprintf("virtio: %s: the device refused MSI-X vector %u for queue %u\n",
				name, msix_vector, idx);
			return NULL;
		}
	}
	uint64_t off = (uint64_t)c->queue_notify_off * v->notify_mult;
	if (off + 2 > v->notify_len) {
		kprintf("virtio: %s: queue %u notify offset %lu is outside the notify area "
			"(%u bytes)\n", name, idx, off, v->notify_len);
		return NULL;
	}
	c->queue_enable = 1;
	return (volatile uint16_t *)(v->notify + off);
}

void virtio_pci_driver_ok(struct virtio_pci *v)
{
	v->common->device_status |= VIRTIO_STATUS_DRIVER_OK;
}

void virtio_pci_failed(struct virtio_pci *v)
{
	v->common->device_status |= VIRTIO_STATUS_FAILED;
}

uint8_t virtio_pci_status(struct virtio_pci *v)
{
	return v->common->device_status;
}

uint8_t virtio_pci_config_generation(struct virtio_pci *v)
{
	return v->common->config_generation;
}

uint32_t virtio_pci_cfg32(struct virtio_pci *v, uint32_t off)
{
	if (off + 4 > v->device_len)
		return 0;
	return *(volatile uint32_t *)(v->device + off);
}

uint64_t virtio_pci_cfg64(struct virtio_pci *v, uint32_t off)
{
	return virtio_pci_cfg32(v, off) | (uint64_t)virtio_pci_cfg32(v, off + 4) << 32;
}
