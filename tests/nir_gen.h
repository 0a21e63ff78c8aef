/* nir_gen.h: writers of small NIR files with the HDF5 C API, in the layout of
 * ../shared/research/nir-format.md (h5py's: vlen UTF-8 strings, numeric
 * datasets as given, optionally chunked + gzip), for the tests. Header-only. */
#ifndef NMSIM_TESTS_NIR_GEN_H
#define NMSIM_TESTS_NIR_GEN_H

#include <hdf5.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Scalar vlen UTF-8 string dataset `name` in g. */
static inline void ng_str(hid_t g, const char *name, const char *value) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t d = H5Dcreate2(g, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value);
  H5Dclose(d);
  H5Sclose(sp);
  H5Tclose(t);
}

/* Numeric dataset `name` in g from doubles, stored as float32 (f64 false) or
 * float64, optionally chunked and gzip-compressed; nd 0 is a scalar. */
static inline void ng_num(hid_t g, const char *name, bool f64, bool gzip, int nd,
                          const hsize_t *dims, const double *vals) {
  hid_t sp = nd ? H5Screate_simple(nd, dims, NULL) : H5Screate(H5S_SCALAR);
  hid_t pl = H5Pcreate(H5P_DATASET_CREATE);
  if (gzip && nd) {
    H5Pset_chunk(pl, nd, dims);
    H5Pset_deflate(pl, 4);
  }
  hid_t d = H5Dcreate2(g, name, f64 ? H5T_IEEE_F64LE : H5T_IEEE_F32LE, sp, H5P_DEFAULT, pl,
                       H5P_DEFAULT);
  H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, vals);
  H5Dclose(d);
  H5Pclose(pl);
  H5Sclose(sp);
}

/* A 1-D numeric dataset of n values. */
static inline void ng_vec(hid_t g, const char *name, bool f64, bool gzip, hsize_t n,
                          const double *vals) {
  ng_num(g, name, f64, gzip, 1, &n, vals);
}

/* int64 dataset (nd 0: scalar). */
static inline void ng_i64(hid_t g, const char *name, int nd, const hsize_t *dims,
                          const int64_t *vals) {
  hid_t sp = nd ? H5Screate_simple(nd, dims, NULL) : H5Screate(H5S_SCALAR);
  hid_t d = H5Dcreate2(g, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, vals);
  H5Dclose(d);
  H5Sclose(sp);
}

static inline void ng_ivec(hid_t g, const char *name, hsize_t n, const int64_t *vals) {
  ng_i64(g, name, 1, &n, vals);
}

/* A NIRGraph group `name` under parent (type + `nodes`); returns the group. */
static inline hid_t ng_graph_in(hid_t parent, const char *name) {
  hid_t g = H5Gcreate2(parent, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ng_str(g, "type", "NIRGraph");
  hid_t n = H5Gcreate2(g, "nodes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Gclose(n);
  return g;
}

/* A new file with `version` (NULL: none) and the top-level graph; returns the
 * file id and *graph the graph group ("node"). */
static inline hid_t ng_create(const char *path, const char *version, hid_t *graph) {
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (version) ng_str(f, "version", version);
  *graph = ng_graph_in(f, "node");
  return f;
}

/* A node of graph g: group nodes/<name> with its type; returns the group. */
static inline hid_t ng_node(hid_t g, const char *name, const char *type) {
  hid_t nodes = H5Gopen2(g, "nodes", H5P_DEFAULT);
  hid_t n = H5Gcreate2(nodes, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Gclose(nodes);
  ng_str(n, "type", type);
  return n;
}

/* A nested graph node of g; returns its group. */
static inline hid_t ng_subgraph(hid_t g, const char *name) {
  hid_t nodes = H5Gopen2(g, "nodes", H5P_DEFAULT);
  hid_t s = ng_graph_in(nodes, name);
  H5Gclose(nodes);
  return s;
}

/* edges (n pairs of names, src then dst) of graph g. */
static inline void ng_edges(hid_t g, size_t n, const char *const *pairs) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  hsize_t dims[2] = {n, 2};
  hid_t sp = H5Screate_simple(2, dims, NULL);
  hid_t d = H5Dcreate2(g, "edges", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, pairs);
  H5Dclose(d);
  H5Sclose(sp);
  H5Tclose(t);
}

/* Input or Output node with a 1-D..3-D shape. */
static inline void ng_io(hid_t g, const char *name, const char *type, int nd,
                         const int64_t *shape) {
  hid_t n = ng_node(g, name, type);
  ng_ivec(n, "shape", (hsize_t)nd, shape);
  H5Gclose(n);
}

/* Fill v[0..n) with x. */
static inline double *ng_fill(double *v, size_t n, double x) {
  for (size_t i = 0; i < n; i++) v[i] = x;
  return v;
}

#endif
