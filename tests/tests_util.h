/* tests_util.h: helpers shared by the test programs. */
#ifndef NMSIM_TESTS_UTIL_H
#define NMSIM_TESTS_UTIL_H

#include <stddef.h>

/* Run a shell command line; capture stdout and stderr (each may be NULL) into
 * malloc'd strings. Returns the exit status (or -1 if it did not exit). */
int tu_run(const char *cmdline, char **out, char **errout);
/* Path of a fresh file name under the test tmp dir: "<tmp>/<tag>-<pid>-<n><ext>".
 * Returns a static buffer per call slot (8 slots, round robin). */
const char *tu_tmp(const char *tag, const char *ext);

/* A scenario whose packets queue for tens of us: two Loihi chips, about 2600
 * packets crossing their one chip link each step (latencies from about 100
 * ns to tens of us). */
extern const char tu_congested[];
/* Write text to path; returns 0 on success. */
int tu_write(const char *path, const char *text);
/* Number of leaked bytes found by LeakSanitizer right now (0 when the build
 * has no AddressSanitizer). Criterion ignores leak reports of its worker
 * processes, so tests that must not leak assert on this. */
int tu_leaks(void);
/* Read a whole file into a malloc'd NUL-terminated buffer, or NULL. */
char *tu_read(const char *path, size_t *len);
/* Fail the test unless run files got and want hold the same datasets and
 * attributes (h5diff, exact), the root's (wall-clock times) aside. */
void tu_same_h5(const char *what, const char *got, const char *want);

#endif
