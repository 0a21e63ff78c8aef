/* nir.h: NIR graphs (Neuromorphic Intermediate Representation, the HDF5 files
 * SNN frameworks export) read with the HDF5 C API, and turned into the
 * populations and projections of a scenario (sim/nir/nir_net.c); docs/nir.md. */
#ifndef NMSIM_SIM_NIR_H
#define NMSIM_SIM_NIR_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/base/sim_int.h"

/* X-macro: every node kind nmsim reads and its type string in the file. */
#define NIR_KIND_MAP(X)                                                                  \
  X(INPUT, "Input")                                                                      \
  X(OUTPUT, "Output")                                                                    \
  X(AFFINE, "Affine")                                                                    \
  X(LINEAR, "Linear")                                                                    \
  X(SCALE, "Scale")                                                                      \
  X(CONV1D, "Conv1d")                                                                    \
  X(CONV2D, "Conv2d")                                                                    \
  X(FLATTEN, "Flatten")                                                                  \
  X(SUMPOOL2D, "SumPool2d")                                                              \
  X(AVGPOOL2D, "AvgPool2d")                                                              \
  X(THRESHOLD, "Threshold")                                                              \
  X(DELAY, "Delay")                                                                      \
  X(I, "I")                                                                              \
  X(IF, "IF")                                                                            \
  X(LI, "LI")                                                                            \
  X(LIF, "LIF")                                                                          \
  X(CUBALI, "CubaLI")                                                                    \
  X(CUBALIF, "CubaLIF")                                                                  \
  X(GRAPH, "NIRGraph")

typedef enum nir_kind {
#define NIR_X_ENUM(id, str) NIR_##id,
  NIR_KIND_MAP(NIR_X_ENUM)
#undef NIR_X_ENUM
  NIR_KIND_COUNT
} nir_kind;

#define NIR_MAX_DIMS 8

/* A shape without batch or time axes; nd 0 is a scalar (one element). */
typedef struct nir_shape {
  uint32_t nd;
  uint64_t d[NIR_MAX_DIMS];
} nir_shape;

/* One dataset of a node. Numbers (float32, float64 or integers) are converted
 * to double on read; a string dataset has str and no values. Datasets inside a
 * sub-group of the node (other than metadata) are named "group.name". */
typedef struct nir_param {
  char *name;
  nir_shape shape;
  size_t n;            /* elements */
  double *v;           /* n values, or NULL for a string */
  char *str;           /* string value (Conv2d padding "same"), or NULL */
  char dtype[8];       /* "f32", "f64", "i64", ..., "str" as stored */
  bool gzip;           /* stored deflate-compressed */
} nir_param;

typedef struct nir_node {
  char *name;          /* path from the top graph, '.'-joined for nested graphs ("lif1.lif1") */
  char *type;          /* the stored type string */
  nir_kind kind;
  int32_t parent;      /* index of the enclosing NIRGraph node, -1 at the top level */
  nir_param *params;
  size_t n_params;
  bool known;          /* in and out are inferred */
  nir_shape in, out;
} nir_node;

typedef struct nir_edge {
  uint32_t src, dst;   /* node indices */
} nir_edge;

typedef struct nir_graph {
  char *path;          /* the file */
  char *version;       /* the `version` dataset, or "" if the file has none */
  nir_node *nodes;     /* every node, a nested graph's nodes after it, in name order */
  size_t n_nodes;
  nir_edge *edges;     /* as stored (graph by graph, top level first), after repairs */
  int32_t *edge_graph; /* per edge: the NIRGraph node it belongs to, -1 for the top level */
  size_t n_edges;
  nir_edge *flat;      /* edges between non-graph nodes: an edge to (from) a nested graph
                          goes to its Input (from its Output) node */
  size_t n_flat;
  char **warnings;     /* repairs made while reading, each naming the file */
  size_t n_warnings;
} nir_graph;

/* Read a NIR file: every node of every (nested) graph with its datasets,
 * the edges (names resolved; a dangling edge name is repaired when exactly one
 * unnamed node of its graph starts with it, with a warning), and the shape of
 * every node's input and output, inferred from Input nodes and parameters and
 * checked along every edge (equal element counts with other shapes are taken
 * as a reshape, with a warning). On success *out owns the graph. Errors name
 * the file and the node, field or edge: NMSIM_EIO (unreadable), NMSIM_EFORMAT
 * (not HDF5, not a NIR graph, undecodable dataset), NMSIM_EINPUT (unsupported
 * node kind, missing field, shape mismatch), NMSIM_ENOMEM. HDF5's own error
 * printing is switched off for the process. */
nmsim_status nir_read(const char *path, nir_graph **out, nmsim_err *err);
/* Accepts NULL. */
void nir_graph_destroy(nir_graph *g);

/* "LIF" for NIR_LIF; "?" if out of range. */
const char *nir_kind_name(nir_kind k);
/* Dataset `name` of node n, or NULL. */
const nir_param *nir_node_param(const nir_node *n, const char *name);
/* Elements of a shape (1 for a scalar). */
uint64_t nir_shape_count(const nir_shape *s);
/* "[2, 34, 34]" into buf; returns buf. */
char *nir_shape_str(const nir_shape *s, char *buf, size_t len);
/* True for the kinds that become populations (neurons and Threshold). */
bool nir_kind_is_neuron(nir_kind k);

/* ---- a NIR graph as part of a scenario (sim/nir/nir_net.c) ------------------------ */

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
