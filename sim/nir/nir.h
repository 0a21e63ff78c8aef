/* nir.h: NIR graphs (Neuromorphic Intermediate Representation, the HDF5 files
 * SNN frameworks export) read with the HDF5 C API, and turned into the
 * populations and projections of a scenario (sim/load/nir_import.c); docs/nir.md. */
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
/* The same read, in this process only; nir_read reads the file in a child
 * process first (sim/base/guard.h), so that a damaged file that makes
 * libhdf5 crash, hang or ask for gigabytes is reported, not suffered. */
nmsim_status nir_read_here(const char *path, nir_graph **out, nmsim_err *err);
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

#endif
