/*
 * admin.h - the emulated host's administrator console on COM2 (admin.c).
 * Its state lives in the host's memory region (kglue.c).
 */
#ifndef HVSIM_ADMIN_H
#define HVSIM_ADMIN_H

#include <stdbool.h>

struct admin {
	bool present;
	char line[128];
	unsigned len;
};

void admin_init(struct admin *a);
void admin_poll(void);
void admin_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* admin_dev.c: Dynamic Memory, keyboard and KVP commands */
void admin_balloon(char *arg);
void admin_hotadd(char *arg);
void admin_pressure(char *arg);
void admin_key(char *arg);
void admin_kvp(char *arg);

#endif
