/*
 * virtq.c - split virtqueue index arithmetic (virtio 1.1 §2.6); see virtq.h.
 *
 * Ordering (§2.6.13): the descriptors and the avail ring entry are
 * written before avail->idx (release), and a used element is read only
 * after used->idx (acquire).  x86 keeps stores in order, so the fences
 * cost nothing there but keep the compiler from reordering.
 */
#include "virtq.h"

void virtq_init(struct virtq *q, uint16_t size, void *desc, void *avail, void *used)
{
	q->size = size;
	q->desc = desc;
	q->avail = avail;
	q->used = used;
	q->avail_idx = 0;
	q->last_used = 0;
}

void virtq_publish(struct virtq *q, uint16_t head)
{
	q->avail->ring[q->avail_idx & (q->size - 1)] = head;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->avail_idx++;
	q->avail->idx = q->avail_idx;
}

bool virtq_needs_notify(const struct virtq *q)
{
	/* The idx store must be visible before we read the device's flag. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(q->used->flags & VIRTQ_USED_F_NO_NOTIFY);
}

enum virtq_pop_result virtq_pop(struct virtq *q, uint32_t *id, uint32_t *len, uint16_t *pending)
{
	uint16_t n = (uint16_t)(q->used->idx - q->last_used);
	if (pending)
		*pending = n;
	if (n == 0)
		return VIRTQ_EMPTY;
	if (n > q->size)
		return VIRTQ_BAD_INDEX;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	volatile struct virtq_used_elem *e = &q->used->ring[q->last_used & (q->size - 1)];
	*id = e->id;
	*len = e->len;
	q->last_used++;
	return VIRTQ_GOT;
}
