/* guard.h: reading an untrusted file in a child process first. libhdf5 1.10
 * loops forever, overflows its buffers or asks for gigabytes on some damaged
 * files (their global heap and metadata; see docs/fuzzing.md), and nmsim
 * cannot check every byte it reads. So a reader of a run file or a NIR file
 * runs once in a forked child, with a time limit and a memory limit: if the
 * child crashes, hangs or runs out of memory, the file is reported damaged
 * and the process goes on unharmed; if the child reads the file, the caller
 * reads it for real (the same code on the same bytes). */
#ifndef NMSIM_SIM_BASE_GUARD_H
#define NMSIM_SIM_BASE_GUARD_H

#include "sim/base/sim_int.h"

/* A read: NMSIM_OK or an error in err. ctx is the reader's own. */
typedef nmsim_status (*nm_guard_fn)(void *ctx, nmsim_err *err);

/* Default time limit of a guarded read, in seconds (NMSIM_READ_TIMEOUT, a
 * positive number of seconds, overrides it). */
#define NM_GUARD_TIMEOUT_S 60
/* Memory a guarded read may add to the process (address space), in GiB;
 * not applied in builds with AddressSanitizer, which reserves terabytes of
 * address space up front. */
#define NM_GUARD_MEMORY_GIB 4

/* Run fn(ctx) in a child first (what names the read in messages: "the run
 * file", "the NIR graph"): the child's error is returned as the child saw
 * it; a crash, a hang past the time limit or any other end of the child is
 * NMSIM_EFORMAT "PATH: <what> ...: the file is damaged"; else fn runs here
 * and its status is returned. Without fork (or with the guard off), fn runs
 * here directly. */
nmsim_status nm_guarded_read(const char *path, const char *what, nm_guard_fn fn, void *ctx,
                             nmsim_err *err);

/* Turn the guard off (true) or on again: an MPI process must not fork. */
void nm_guard_off(bool off);

#endif
