/* mdl_int.h: the built-in model descriptors (defined in their own files). */
#ifndef NMSIM_MODELS_MDL_INT_H
#define NMSIM_MODELS_MDL_INT_H

#include "nmsim/model.h"
#include "sim/base/sim_int.h"

extern const nmsim_neuron_type mdl_lif_type;
extern const nmsim_neuron_type mdl_poisson_type;
extern const nmsim_neuron_type mdl_spike_array_type;
extern const nmsim_neuron_type mdl_loihi_cuba_type;
extern const nmsim_neuron_type mdl_izhikevich_type;
extern const nmsim_neuron_type mdl_izhikevich_paper_type;
extern const nmsim_neuron_type mdl_adex_type;
extern const nmsim_neuron_type mdl_l5pc_type;
extern const nmsim_neuron_type mdl_two_point_type;
extern const nmsim_neuron_type mdl_egru_type; /* models/egru.c */
extern const nmsim_neuron_type mdl_nir_lif_type;
extern const nmsim_neuron_type mdl_nir_if_type;        /* models/nir_neurons.c */
extern const nmsim_neuron_type mdl_nir_i_type;
extern const nmsim_neuron_type mdl_nir_li_type;
extern const nmsim_neuron_type mdl_nir_cubalif_type;
extern const nmsim_neuron_type mdl_nir_cubali_type;
extern const nmsim_neuron_type mdl_nir_threshold_type;
extern const nmsim_neuron_type mdl_dvs_type; /* models/dvs_source.c */
extern const nmsim_neuron_type mdl_truenorth_type; /* models/truenorth.c */

/* Which updates a model runs (models/registry.c): *avx512 is true when the
 * processor has AVX-512F, unless the environment sets NMSIM_KERNELS=portable
 * (NMSIM_KERNELS=native or unset: the best the processor has). Every vector
 * update gives the bits of its portable one. Another NMSIM_KERNELS value:
 * NMSIM_EINPUT with a message in msg. */
nmsim_status mdl_kernels(bool *avx512, char *msg, size_t len);

#endif
