/* nir_import.h: a NIR graph (read by sim/nir/nir.c) as part of a scenario:
 * its neuron nodes become populations and the operator chains between them
 * projections (sim/load/nir_import.c); docs/nir.md. */
#ifndef NMSIM_SIM_LOAD_NIR_IMPORT_H
#define NMSIM_SIM_LOAD_NIR_IMPORT_H

#include "sim/nir/nir.h"


struct nmsim_scenario;
typedef struct nir_net nir_net;

typedef enum nir_target {
  NIR_TARGET_FLOAT,      /* the nir_* models, in double precision */
  NIR_TARGET_LOIHI_CUBA  /* quantised to Loihi's fixed-point CUBA compartment */
} nir_target;

typedef struct nir_net_opts {
  const char *file;      /* the NIR file (as the process sees it) */
  double dt_ms;          /* the step that discretises the NIR equations */
  bool subtract;         /* reset by subtracting v_threshold (else to v_reset) */
  nir_target target;
  bool lava;             /* loihi_cuba with the NIR paper's Lava converter's quantisation */
  int line;              /* line of `network` in the scenario, for the populations */
} nir_net_opts;

/* Read o->file and append one population per neuron node (and one readout per
 * Output fed through operators) to s->pops, named "nir.<node>", with per-neuron
 * parameters; keeps the projections to add later. Errors name the file and the
 * node. On failure s may hold some of the new populations (destroy s). */
nmsim_status nir_net_add(struct nmsim_scenario *s, const nir_net_opts *o, nir_net **out,
                         nmsim_err *err);
/* Accepts NULL. */
void nir_net_destroy(nir_net *n);
/* Warnings of the read (repairs) and of the conversion; valid until destroy. */
const char *const *nir_net_warnings(const nir_net *n, size_t *count);
/* Index of the Input port named `name` ("nir.input"), or -1. */
long nir_net_port(const nir_net *n, const char *name);
/* Size of port p (elements of its Input shape). */
uint64_t nir_net_port_size(const nir_net *n, long p);
/* Population that the name stands for when it is an alias ("nir.output": the
 * population that feeds the Output node), or -1. */
long nir_net_alias(const nir_net *n, const char *name);
/* Feed port p from population pre: its spikes enter the graph's Input, each
 * multiplied by weight, delay steps later (the delay replaces the 1 step that
 * projections from the Input node take). Errors: ENOMEM only. */
nmsim_status nir_net_bind(nir_net *n, long p, uint32_t pre, double weight, uint32_t delay,
                          nmsim_err *err);
/* Append the graph's projections to s->projs (those from an Input port once
 * per binding of that port) and, for NIR_TARGET_LOIHI_CUBA, quantise weights
 * and neuron parameters (docs/nir.md). NMSIM_EINPUT naming the file and node
 * when a node cannot be expressed on the target; NMSIM_ENOMEM. */
nmsim_status nir_net_finish(nir_net *n, struct nmsim_scenario *s, nmsim_err *err);

#endif
