/* Host tests of the guest's VMBus client (vmbus/) and util IC drivers
 * (drivers/) against the emulated host's VMBus server (tests/hvsim),
 * each side written from the references on its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmbus_env.h"

static int down(void **state)
{
	(void)state;
	env_down();
	return 0;
}

static __attribute__((unused)) struct vmbus_channel *guest_chan(const char *name)
{
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++)
		if (vmbus.chan[i].state != VMBUS_CH_FREE && strcmp(vmbus.chan[i].name, name) == 0)
			return &vmbus.chan[i];
	return NULL;
}

/* ---- connection and offers ---- */

static void boots_on_current_host(void **state)
{
	(void)state;
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	assert_true(vmbus.connected);
	assert_int_equal(vmbus.version, VMBUS_VERSION_WIN10_V5_3);
	assert_true(log_has("vmbus: connected, version 5.3"));
	assert_true(log_has("vmbus: all offers bound, 4 channels open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(boots_on_current_host, down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
