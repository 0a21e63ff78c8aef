/* model.h: neuron model descriptors. A model is a static const table registered
 * by name (models/registry.c); the engine allocates its state as structure of
 * arrays and calls its hooks over contiguous blocks of neurons. */
#ifndef NMSIM_MODEL_H
#define NMSIM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nmsim/nmsim.h"

/* 2: nmsim_block.aux is a nmsim_pop_data (was the loader's spike list). */
#define NMSIM_MODEL_ABI 2

/* Element type of one state variable's array. */
typedef enum nmsim_var_type {
  NMSIM_VAR_F64,   /* double */
  NMSIM_VAR_I32,   /* int32_t */
  NMSIM_VAR_BYTES  /* opaque per-neuron bytes (e.g. a GSL generator state) */
} nmsim_var_type;

typedef struct nmsim_var_desc {
  const char *name;     /* e.g. "v" */
  nmsim_var_type type;
  const char *unit;     /* e.g. "mV"; "" if dimensionless */
  size_t bytes;         /* element size for NMSIM_VAR_BYTES; 0 otherwise */
} nmsim_var_desc;

typedef struct nmsim_param_desc {
  const char *name;     /* scenario key, e.g. "tau_m" */
  const char *unit;     /* canonical unit of the value, e.g. "ms"; "" if none */
  double def;           /* default, in unit */
  double min, max;      /* allowed closed range, in unit */
  const char *help;
} nmsim_param_desc;

/* Capability flags. */
enum {
  NMSIM_MODEL_SOURCE = 1u << 0,    /* spike source: no synaptic input, not charged neuron updates */
  NMSIM_MODEL_FIXED_POINT = 1u << 1, /* integer, bit-exact arithmetic */
  NMSIM_MODEL_NEEDS_RNG = 1u << 2, /* uses per-neuron random streams keyed by (seed, pop, neuron) */
  NMSIM_MODEL_GRADED = 1u << 3,    /* emits graded spikes: a value per spike (b->out_value) */
  NMSIM_MODEL_SETTLES = 1u << 4    /* the default initial state is not an exact equilibrium:
                                      with zero input the state relaxes to rest without
                                      spiking (Izhikevich, AdEx, L5PC: the paper's initial
                                      values are not the model's fixed point) */
};

/* A named parameter set of a model ("RS" for Izhikevich regular spiking).
 * A scenario selects it with `preset: NAME`; explicit params override it. */
typedef struct nmsim_preset_value {
  const char *name;   /* parameter name */
  double value;       /* in the parameter's unit */
} nmsim_preset_value;

typedef struct nmsim_preset {
  const char *name;
  const char *help;
  const nmsim_preset_value *values;
  size_t n_values;
} nmsim_preset;

/* What a population brings besides its parameters, prepared before the run
 * and shared by all its blocks (nmsim_block.aux; all zero when it has none):
 * - spike times of a source: neuron i fires at the sorted, unique steps
 *   steps[off[i]] .. steps[off[i+1]-1] (off has n + 1 entries);
 * - per-neuron parameter values: param[k], when not NULL, holds the n values
 *   of model parameter k (in its unit), replacing the population's value;
 * - a replayed recording: replay_step(replay, step) returns a bitmap (bit i
 *   of word i / 64: neuron i spikes in that step), or NULL when there is
 *   nothing to replay. */
typedef struct nmsim_pop_data {
  uint32_t n;
  uint32_t *off;
  uint32_t *steps;
  double **param;
  const uint64_t *(*replay_step)(void *replay, uint64_t step);
  void *replay;
} nmsim_pop_data;

/* A block of neurons of one population on one core, as handed to the hooks. */
typedef struct nmsim_block {
  size_t n;                  /* neurons in the block */
  void *const *state;        /* state[k]: array of n elements of var k */
  const double *const *input;/* input[site][i]: summed synaptic input this step; NULL
                                when the core has already added it to the state vars
                                named by the model's input_vars */
  uint64_t step;             /* model step being computed (0-based) */
  double dt_ms;              /* model time step */
  uint64_t seed;             /* run seed */
  uint32_t pop_id;           /* population index in the scenario */
  uint32_t first;            /* index in the population of the block's neuron 0 */
  const nmsim_pop_data *aux; /* the population's prepared data (never NULL) */
  double *out_value;         /* NMSIM_MODEL_GRADED: out_value[i] is the value of local
                                neuron i's spike this step (a synapse delivers w * value);
                                NULL for other models */
} nmsim_block;

typedef struct nmsim_neuron_type {
  const char *name;
  int abi_version;           /* NMSIM_MODEL_ABI */
  unsigned flags;
  const char *integration;   /* how the state is advanced, for reports */
  const nmsim_var_desc *vars;
  size_t n_vars;
  const nmsim_param_desc *params;
  size_t n_params;
  const char *const *sites;  /* input sites, e.g. {"exc","inh"}; sites[0] is the default */
  size_t n_sites;
  const char *input_unit;    /* unit of a synaptic weight onto this model ("nA"); NULL for sources */
  const nmsim_preset *presets; /* named parameter sets, or NULL */
  size_t n_presets;
  size_t derived_size;       /* bytes of the derived-parameter struct */
  /* Derive constants from the parameter values (one per params[], in their
   * units) and dt. On bad values return NMSIM_EINPUT with a message in msg. */
  nmsim_status (*prepare)(const double *values, double dt_ms, void *derived, char *msg,
                          size_t msglen);
  /* Set the initial state of a block. */
  void (*init)(const void *derived, const nmsim_block *b);
  /* Optional: input_vars[site] is the F64 state var that a site's input adds
   * to (x += input) at the start of the step, before anything else reads
   * it; the model must give the same bits either way. A core then adds the
   * input of the neurons that have some straight to the state and calls
   * update with b->input NULL, so the update reads no dense input arrays.
   * NULL: the input always comes in b->input. */
  const int *input_vars;
  /* Advance one step: read b->input (unless NULL, see input_vars), update
   * the state, append the local indices (0..n-1) of neurons that spike, in
   * increasing order, to spikes[(*n_spikes)++] (there is room for n more).
   * Whether a neuron counts as active (for energy) is decided by the core:
   * it had input or it spiked. */
  void (*update)(const void *derived, const nmsim_block *b, uint32_t *spikes,
                 size_t *n_spikes);
} nmsim_neuron_type;

/* Look a model up by name; NULL if unknown. */
NMSIM_API const nmsim_neuron_type *nmsim_neuron_type_find(const char *name);
/* NULL-terminated table of every registered model. */
NMSIM_API extern const nmsim_neuron_type *const nmsim_neuron_types[];
/* Index of var or param by name in a model, or -1. */
NMSIM_API int nmsim_model_var_index(const nmsim_neuron_type *t, const char *name);
NMSIM_API int nmsim_model_param_index(const nmsim_neuron_type *t, const char *name);
NMSIM_API int nmsim_model_site_index(const nmsim_neuron_type *t, const char *name);
/* Preset of a model by name, or NULL. */
NMSIM_API const nmsim_preset *nmsim_model_preset(const nmsim_neuron_type *t, const char *name);

#endif
