/* spike_file.h: the spikes of a spike_array population read from a file
 * (scenario field `spikes_file`): a CSV text of `neuron,step` lines or an HDF5
 * file with 1-D integer datasets `neuron` and `step`. docs/scenario-format.md. */
#ifndef NMSIM_SIM_SPIKE_FILE_H
#define NMSIM_SIM_SPIKE_FILE_H

#include "sim/load/scenario_int.h"

/* Read the spikes of a population of n neurons over `steps` steps from path
 * into sl->n, sl->off and sl->steps (nm_malloc'd; sorted and unique per
 * neuron, as the inline `spikes` list is stored); spikes at a step >= steps
 * are left out and counted in *beyond (when not NULL). The format is HDF5 when the
 * name ends in .h5 or .hdf5 or the file starts with the HDF5 signature, else
 * CSV. On failure sl is unchanged and:
 *   NMSIM_EIO     the file cannot be read ("PATH: reason");
 *   NMSIM_EINPUT  "PATH:LINE: ..." (CSV) or "PATH: dataset 'NAME': ..." (HDF5),
 *                 saying what was expected and what was found;
 *   NMSIM_ENOMEM  out of memory. */
nmsim_status spike_file_read(const char *path, uint32_t n, uint64_t steps, nmsim_pop_data *sl,
                             uint64_t *beyond, nmsim_err *err);

#endif
