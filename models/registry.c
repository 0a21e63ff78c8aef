/* registry.c: the table of neuron models, looked up by name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/mdl_int.h"

const nmsim_neuron_type *const nmsim_neuron_types[] = {
    &mdl_lif_type,
    &mdl_poisson_type,
    &mdl_spike_array_type,
    &mdl_loihi_cuba_type,
    &mdl_izhikevich_type,
    &mdl_izhikevich_paper_type,
    &mdl_adex_type,
    &mdl_l5pc_type,
    &mdl_two_point_type,
    &mdl_egru_type,
    &mdl_nir_lif_type,
    &mdl_nir_if_type,
    &mdl_nir_i_type,
    &mdl_nir_li_type,
    &mdl_nir_cubalif_type,
    &mdl_nir_cubali_type,
    &mdl_nir_threshold_type,
    &mdl_dvs_type,
    &mdl_truenorth_type,
    NULL,
};

nmsim_status mdl_kernels(bool *avx512, char *msg, size_t len) {
  const char *k = getenv("NMSIM_KERNELS");
  *avx512 = false;
  if (k && strcmp(k, "portable") == 0) return NMSIM_OK;
  if (k && *k && strcmp(k, "native") != 0) {
    snprintf(msg, len, "environment variable NMSIM_KERNELS='%s': expected portable or native", k);
    return NMSIM_EINPUT;
  }
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  *avx512 = __builtin_cpu_supports("avx512f");
#endif
  return NMSIM_OK;
}

const nmsim_neuron_type *nmsim_neuron_type_find(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; nmsim_neuron_types[i]; i++)
    if (strcmp(nmsim_neuron_types[i]->name, name) == 0) return nmsim_neuron_types[i];
  return NULL;
}

int nmsim_model_var_index(const nmsim_neuron_type *t, const char *name) {
  for (size_t i = 0; i < t->n_vars; i++)
    if (strcmp(t->vars[i].name, name) == 0) return (int)i;
  return -1;
}

int nmsim_model_param_index(const nmsim_neuron_type *t, const char *name) {
  for (size_t i = 0; i < t->n_params; i++)
    if (strcmp(t->params[i].name, name) == 0) return (int)i;
  return -1;
}

int nmsim_model_site_index(const nmsim_neuron_type *t, const char *name) {
  for (size_t i = 0; i < t->n_sites; i++)
    if (strcmp(t->sites[i], name) == 0) return (int)i;
  return -1;
}

const nmsim_preset *nmsim_model_preset(const nmsim_neuron_type *t, const char *name) {
  for (size_t i = 0; i < t->n_presets; i++)
    if (strcmp(t->presets[i].name, name) == 0) return &t->presets[i];
  return NULL;
}
