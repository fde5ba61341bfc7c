/* Host tests for kernel/heap.c with a page source backed by the C library. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "heap.h"

static int grows, grow_limit;
static void *arenas[64];

static void *grow(size_t bytes, void *ctx)
{
	(void)ctx;
	assert_int_equal(bytes % 4096, 0);
	if (grows == grow_limit)
		return NULL;
	return arenas[grows++] = aligned_alloc(4096, bytes);
}

static int setup(void **state)
{
	static struct heap h;
	grows = 0;
	grow_limit = 64;
	heap_init(&h, grow, NULL);
	*state = &h;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < grows; i++)
		free(arenas[i]);
	return 0;
}

static void alloc_aligned_and_disjoint(void **state)
{
	struct heap *h = *state;
	char *p[200];
	for (int i = 0; i < 200; i++) {
		size_t n = 1 + (size_t)(i * 37) % 700;
		p[i] = heap_alloc(h, n);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % HEAP_ALIGN, 0);
		memset(p[i], i, n);	/* ASan: must stay inside the arena */
	}
	for (int i = 0; i < 200; i++)
		assert_int_equal((unsigned char)p[i][0], (unsigned char)i);
	for (int i = 0; i < 200; i++)
		assert_int_equal(heap_free(h, p[i]), 0);
	assert_int_equal(h->in_use, 0);
}

static void freed_space_is_reused(void **state)
{
	struct heap *h = *state;
	void *a = heap_alloc(h, 20000), *b = heap_alloc(h, 20000), *c = heap_alloc(h, 20000);
	assert_non_null(c);
	size_t arena = h->arena_bytes;
	/* Free out of order; neighbours merge so a block as big as all three
	 * fits without asking for more memory. */
	heap_free(h, b);
	heap_free(h, c);
	heap_free(h, a);
	void *big = heap_alloc(h, 60000);
	assert_non_null(big);
	assert_int_equal(h->arena_bytes, arena);
	assert_ptr_equal(big, a);
}

static void bad_frees_are_refused(void **state)
{
	struct heap *h = *state;
	char *a = heap_alloc(h, 64);
	int on_stack;
	assert_int_equal(heap_free(h, a + 16), -1);		/* inner pointer */
	assert_int_equal(heap_free(h, &on_stack), -1);		/* not ours */
	assert_int_equal(heap_free(h, a), 0);
	assert_int_equal(heap_free(h, a), -1);			/* double free */
	assert_int_equal(h->in_use, 0);
}

static void large_and_failing_allocations(void **state)
{
	struct heap *h = *state;
	void *big = heap_alloc(h, 1 << 20);	/* larger than an arena minimum */
	assert_non_null(big);
	assert_true(h->arena_bytes >= (1 << 20));
	assert_null(heap_alloc(h, 0));
	grow_limit = grows;			/* the page source runs dry */
	assert_null(heap_alloc(h, 2 << 20));
	assert_int_equal(heap_free(h, big), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(alloc_aligned_and_disjoint, setup, teardown),
		cmocka_unit_test_setup_teardown(freed_space_is_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_frees_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(large_and_failing_allocations, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
