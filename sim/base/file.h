/* file.h: whole text files read into memory (scenario and chip files), and
 * whole buffers through a pipe or descriptor. */
#ifndef NMSIM_SIM_BASE_FILE_H
#define NMSIM_SIM_BASE_FILE_H

#include <stddef.h>

#include "sim/base/sim_int.h"

/* The largest scenario or chip file nmsim reads: far above any real one
 * (the bundled ones are a few KB; a network with per-neuron values written
 * out is a few MB), small enough that /dev/zero or a wrong path to a large
 * binary fails at once instead of filling memory. */
#define NM_TEXT_MAX ((size_t)64 << 20)

/* Read the file at path into a NUL-terminated nm_malloc'd string (*out).
 * NMSIM_EIO names the path and the system's reason; NMSIM_EINPUT when the
 * file holds more than max bytes, or a NUL byte (named by line and column);
 * NMSIM_ENOMEM. On error *out is unchanged. */
nmsim_status nm_read_text(const char *path, size_t max, char **out, nmsim_err *err);

/* The file name of path without its directory and extension ("a/b.yaml" ->
 * "b"), nm_malloc'd; NULL when out of memory. */
char *nm_path_stem(const char *path);

/* Write or read all n bytes at p through descriptor fd, going on after a
 * signal (EINTR): true when all went through, false on an error or (read)
 * the other end closed first. */
bool nm_fd_write_all(int fd, const void *p, size_t n);
bool nm_fd_read_all(int fd, void *p, size_t n);

#endif
