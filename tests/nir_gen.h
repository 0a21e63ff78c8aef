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

/* The small graph in [3] -> fc (Affine 2 x 3, bias) -> lif (LIF [2]) -> out
 * [2] at path, its datasets float64 (f64) or float32, chunked and gzipped
 * (gzip) or not; version NULL: none. */
static inline void ng_write_lif(const char *path, bool f64, bool gzip, const char *version) {
  hid_t g, f = ng_create(path, version, &g);
  int64_t s3[] = {3}, s2[] = {2};
  ng_io(g, "in", "Input", 1, s3);
  ng_io(g, "out", "Output", 1, s2);
  hid_t n = ng_node(g, "fc", "Affine");
  double w[6] = {0.25, -0.5, 1.0, 2.0, 0.125, -1.5}, b[2] = {0.5, -0.25};
  hsize_t wd[2] = {2, 3};
  ng_num(n, "weight", f64, gzip, 2, wd, w);
  ng_vec(n, "bias", f64, gzip, 2, b);
  H5Gclose(n);
  n = ng_node(g, "lif", "LIF");
  double tau[2] = {0.02, 0.01}, r[2] = {1, 2}, leak[2] = {0, 0.5}, th[2] = {1, 0.75};
  ng_vec(n, "tau", f64, gzip, 2, tau);
  ng_vec(n, "r", f64, gzip, 2, r);
  ng_vec(n, "v_leak", f64, gzip, 2, leak);
  ng_vec(n, "v_threshold", f64, gzip, 2, th);
  H5Gclose(n);
  const char *e[] = {"in", "fc", "fc", "lif", "lif", "out"};
  ng_edges(g, 3, e);
  H5Gclose(g);
  H5Fclose(f);
}

/* Fill v[0..n) with x. */
static inline double *ng_fill(double *v, size_t n, double x) {
  for (size_t i = 0; i < n; i++) v[i] = x;
  return v;
}

#endif
