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

/* Payloads round up to 16 bytes; in_use counts exactly that. */
static void sizes_are_exact(void **state)
{
	struct heap *h = *state;
	char *a = heap_alloc(h, 1), *b = heap_alloc(h, 16), *c = heap_alloc(h, 17);
	assert_int_equal(h->in_use, 16 + 16 + 32);
	/* Blocks are laid end to end: header (16) + payload. */
	assert_ptr_equal(b, a + 32);
	assert_ptr_equal(c, b + 32);
	assert_int_equal(h->arena_bytes, HEAP_ARENA_MIN);
	assert_int_equal(grows, 1);
	assert_null(heap_alloc(h, (size_t)1 << 41));	/* absurd sizes */
	assert_int_equal(grows, 1);
}

/* A freed block of exactly the size asked for is reused as it is. */
static void exact_fit_is_reused(void **state)
{
	struct heap *h = *state;
	char *a = heap_alloc(h, 100), *b = heap_alloc(h, 100);
	char *guard = heap_alloc(h, 16);		/* keeps a from merging forward */
	(void)guard;
	assert_int_equal(heap_free(h, a), 0);
	size_t used = h->in_use;
	char *again = heap_alloc(h, 112);		/* same rounded size as 100 */
	assert_ptr_equal(again, a);
	assert_int_equal(h->in_use, used + 112);
	/* A block 16 bytes too big is used whole: too small to split. */
	assert_int_equal(heap_free(h, b), 0);
	char *c = heap_alloc(h, 96);
	assert_ptr_equal(c, b);
	assert_int_equal(h->in_use, used + 112);	/* b's 112 again, not 96 */
	/* 32 bytes spare is enough for a block of its own. */
	assert_int_equal(heap_free(h, c), 0);
	char *d = heap_alloc(h, 80);
	assert_ptr_equal(d, b);
	char *e = heap_alloc(h, 1);
	assert_ptr_equal(e, b + 96);			/* header at b - 16 + 96 */
	assert_int_equal(grows, 1);
}

/* Freeing the middle of three free neighbours merges all of them, and a
 * block before them merges with the whole run. */
static void merges_more_than_one_neighbour(void **state)
{
	struct heap *h = *state;
	char *p[5];
	for (int i = 0; i < 5; i++)
		p[i] = heap_alloc(h, 1000);		/* 1008 + 16 each */
	char *tail = heap_alloc(h, 16);
	(void)tail;
	heap_free(h, p[2]);
	heap_free(h, p[4]);
	heap_free(h, p[3]);				/* 2, 3, 4 one block */
	assert_ptr_equal(heap_alloc(h, 3 * 1024 - 16), p[2]);
	heap_free(h, p[2]);
	heap_free(h, p[1]);				/* 1 swallows 2-4 */
	heap_free(h, p[0]);				/* 0 swallows 1-4 */
	assert_ptr_equal(heap_alloc(h, 5 * 1024 - 16), p[0]);
	assert_int_equal(h->in_use, 5 * 1024 - 16 + 16);
	assert_int_equal(grows, 1);
}

/* A full arena: the next allocation gets a new arena of its own size. */
static void new_arena_when_full(void **state)
{
	struct heap *h = *state;
	size_t whole = HEAP_ARENA_MIN - 16 - 16;	/* arena and block headers */
	char *a = heap_alloc(h, whole);
	assert_non_null(a);
	assert_int_equal(grows, 1);
	char *b = heap_alloc(h, 1);
	assert_int_equal(grows, 2);
	assert_int_equal(h->arena_bytes, 2 * HEAP_ARENA_MIN);
	char *big = heap_alloc(h, HEAP_ARENA_MIN);	/* needs more than the minimum */
	assert_int_equal(grows, 3);
	assert_int_equal(h->arena_bytes, 2 * HEAP_ARENA_MIN + HEAP_ARENA_MIN + 4096);
	assert_int_equal(heap_free(h, a), 0);
	assert_int_equal(heap_free(h, b), 0);
	assert_int_equal(heap_free(h, big), 0);
	assert_int_equal(h->in_use, 0);
	/* Pointers into no arena, or at an arena's very start or end. */
	assert_int_equal(heap_free(h, (char *)arenas[0]), -1);
	assert_int_equal(heap_free(h, (char *)arenas[0] + HEAP_ARENA_MIN), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(alloc_aligned_and_disjoint, setup, teardown),
		cmocka_unit_test_setup_teardown(freed_space_is_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_frees_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(large_and_failing_allocations, setup, teardown),
		cmocka_unit_test_setup_teardown(sizes_are_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(exact_fit_is_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(merges_more_than_one_neighbour, setup, teardown),
		cmocka_unit_test_setup_teardown(new_arena_when_full, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
