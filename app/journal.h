/*
 * journal.h - the demo's acknowledged disk writes (journal.c): numbered
 * 4 KiB records written and flushed one by one to a reserved area of the
 * hibernation partition, so that a test can check after a fault that
 * every write the demo was told had succeeded is still there.
 */
#ifndef DORMANT_APP_JOURNAL_H
#define DORMANT_APP_JOURNAL_H

/* `journal add N`, `journal verify`, `journal` (how many acknowledged). */
void journal_cmd(const char *arg);

#endif
