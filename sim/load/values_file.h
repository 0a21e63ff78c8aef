/* values_file.h: a 1-D array of numbers from a CSV or text file, a NumPy .npy
 * file or an HDF5 dataset (per-neuron values of a scenario). */
#ifndef NMSIM_SIM_LOAD_VALUES_FILE_H
#define NMSIM_SIM_LOAD_VALUES_FILE_H

#include <stddef.h>

#include "sim/base/sim_int.h"

/* Read exactly `want` numbers from path into out. The format follows the
 * extension: .npy, .h5/.hdf5 (dataset required), anything else text (numbers
 * separated by commas, semicolons, blanks or newlines; '#' comments). On
 * error msg says what and where (path, line or value), without the
 * scenario's location: NMSIM_EINPUT for bad content or a wrong count,
 * NMSIM_EIO for an unreadable file. */
nmsim_status values_file_read(const char *path, const char *dataset, size_t want, double *out,
                              char *msg, size_t msglen);

/* A table of numbers from a .npy file (1-D or 2-D) or an HDF5 dataset: a new
 * malloc'd array (free) of *rows x *cols values, row-major. Text files are
 * read by their callers (their lines are the rows). */
nmsim_status values_table_read(const char *path, const char *dataset, double **out,
                               size_t *rows, size_t *cols, char *msg, size_t msglen);

#endif
