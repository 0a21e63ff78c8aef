/* test_nir.c: the NIR reader (sim/nir/nir.c) and importer (sim/load/nir_import.c) on files
 * the tests write with the HDF5 C API (tests/nir_gen.h): float32/float64, gzip,
 * nested graphs, missing optional fields, broken files, the folding of
 * operator chains into projections, the fixed-point target, and `nmsim nir
 * info` end to end. Needs no shared data. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nir_gen.h"
#include "scn_run.h"
#include "sim/nir/nir.h"
#include "sim/load/scenario_int.h"
#include "tests_util.h"

/* ---- generated files -------------------------------------------------------------- */

/* in [3] -> fc (Affine 2 x 3, bias) -> lif (LIF [2]) -> out [2]. */
static const char *write_lif(const char *tag, bool f64, bool gzip, const char *version) {
  const char *path = tu_tmp(tag, ".nir");
  ng_write_lif(path, f64, gzip, version);
  return path;
}

static nir_graph *read_ok(const char *path) {
  nir_graph *g = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nir_read(path, &g, &err);
  cr_assert_eq(rc, NMSIM_OK, "nir_read %s: %s (%s)", path, err.msg, nmsim_status_name(rc));
  return g;
}

static const nir_node *find(const nir_graph *g, const char *name) {
  for (size_t i = 0; i < g->n_nodes; i++)
    if (strcmp(g->nodes[i].name, name) == 0) return &g->nodes[i];
  cr_assert_fail("no node '%s' in %s", name, g->path);
  return NULL;
}

static void expect_shape(const nir_shape *s, const char *want, const char *what) {
  char buf[96];
  nir_shape_str(s, buf, sizeof buf);
  cr_assert_str_eq(buf, want, "%s: shape %s, expected %s", what, buf, want);
}

/* Read errors: the status and that the message names every fragment. */
static void expect_fail(const char *path, nmsim_status want, const char *const *frag) {
  nir_graph *g = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nir_read(path, &g, &err);
  cr_assert_eq(rc, want, "%s: status %s, expected %s (%s)", path, nmsim_status_name(rc),
               nmsim_status_name(want), err.msg);
  cr_assert_null(g);
  cr_assert(strstr(err.msg, path), "message does not name the file %s: %s", path, err.msg);
  for (size_t i = 0; frag && frag[i]; i++)
    cr_assert(strstr(err.msg, frag[i]), "message lacks '%s': %s", frag[i], err.msg);
}

/* ---- reading ------------------------------------------------------------------------- */

/* float32 and float64 files of the same graph read to the same nodes,
 * shapes, edges and (exactly representable) values; dtype records which. */
Test(nir_read, float32_and_float64) {
  for (int f64 = 0; f64 < 2; f64++) {
    nir_graph *g = read_ok(write_lif("lif", f64, false, "1.0.7"));
    cr_assert_str_eq(g->version, "1.0.7");
    cr_assert_eq(g->n_nodes, 4, "%zu nodes, expected 4", g->n_nodes);
    cr_assert_eq(g->n_edges, 3, "%zu edges, expected 3", g->n_edges);
    const nir_node *fc = find(g, "fc"), *lif = find(g, "lif");
    cr_assert_eq(fc->kind, NIR_AFFINE);
    cr_assert_eq(lif->kind, NIR_LIF);
    expect_shape(&fc->in, "[3]", "fc in");
    expect_shape(&fc->out, "[2]", "fc out");
    expect_shape(&lif->out, "[2]", "lif out");
    const nir_param *w = nir_node_param(fc, "weight");
    cr_assert_str_eq(w->dtype, f64 ? "f64" : "f32", "dtype %s", w->dtype);
    cr_assert(w->v[1] == -0.5 && w->v[5] == -1.5, "weight values %g %g", w->v[1], w->v[5]);
    const nir_param *tau = nir_node_param(lif, "tau");
    cr_assert(fabs(tau->v[0] - 0.02) <= (f64 ? 0 : 1e-9), "tau %.17g, expected 0.02", tau->v[0]);
    cr_assert_str_eq(g->nodes[g->edges[1].src].name, "fc");
    cr_assert_str_eq(g->nodes[g->edges[1].dst].name, "lif");
    nir_graph_destroy(g);
  }
}

/* gzip-compressed (chunked + deflate) datasets, as nir >= 1.0.8 writes by
 * default, read to the same values and are marked gzip. */
Test(nir_read, gzip_datasets) {
  nir_graph *g = read_ok(write_lif("gz", true, true, "1.0.8"));
  const nir_param *w = nir_node_param(find(g, "fc"), "weight");
  cr_assert(w->gzip, "weight not marked gzip");
  double want[6] = {0.25, -0.5, 1.0, 2.0, 0.125, -1.5};
  for (int i = 0; i < 6; i++) cr_assert_eq(w->v[i], want[i], "w[%d] = %g, expected %g", i, w->v[i], want[i]);
  cr_assert(nir_node_param(find(g, "lif"), "v_threshold")->gzip);
  nir_graph_destroy(g);
}

/* A nested NIRGraph: its nodes are named 'graph.node', the outer edges into
 * and out of it reach its Input and Output (flat edges), the recurrent inner
 * edge is kept, and the stored edges list the top level first. */
static const char *write_nested(const char *inner_target) {
  const char *path = tu_tmp("nested", ".nir");
  hid_t g, f = ng_create(path, "0.2.0", &g);
  int64_t s2[] = {2}, s3[] = {3};
  ng_io(g, "in", "Input", 1, s2);
  ng_io(g, "out", "Output", 1, s3);
  hid_t n = ng_node(g, "fc", "Linear");
  double w[6] = {1, 0, 0, 1, 1, 1};
  hsize_t wd[2] = {3, 2};
  ng_num(n, "weight", false, false, 2, wd, w);
  H5Gclose(n);
  hid_t sub = ng_subgraph(g, "sub");
  ng_io(sub, "input", "Input", 1, s3);
  ng_io(sub, "output", "Output", 1, s3);
  n = ng_node(sub, "cell", "CubaLIF");
  double v[3];
  ng_vec(n, "tau_syn", true, false, 3, ng_fill(v, 3, 0.005));
  ng_vec(n, "tau_mem", true, false, 3, ng_fill(v, 3, 0.02));
  ng_vec(n, "r", true, false, 3, ng_fill(v, 3, 1));
  ng_vec(n, "v_leak", true, false, 3, ng_fill(v, 3, 0));
  ng_vec(n, "v_threshold", true, false, 3, ng_fill(v, 3, 1));
  H5Gclose(n);
  n = ng_node(sub, "rec", "Linear");
  double rw[9] = {0, -1, 0, 0, 0, -1, -1, 0, 0};
  hsize_t rd[2] = {3, 3};
  ng_num(n, "weight", false, false, 2, rd, rw);
  H5Gclose(n);
  const char *ie[] = {"input", inner_target, inner_target, "rec", "rec", inner_target,
                      inner_target, "output"};
  ng_edges(sub, 4, ie);
  H5Gclose(sub);
  const char *e[] = {"in", "fc", "fc", "sub", "sub", "out"};
  ng_edges(g, 3, e);
  H5Gclose(g);
  H5Fclose(f);
  return path;
}

Test(nir_read, nested_subgraph) {
  nir_graph *g = read_ok(write_nested("cell"));
  cr_assert_eq(g->n_nodes, 8, "%zu nodes, expected 8 (5 top-level incl. the graph, 4 inner)",
               g->n_nodes);
  const nir_node *sub = find(g, "sub"), *cell = find(g, "sub.cell");
  cr_assert_eq(sub->kind, NIR_GRAPH);
  cr_assert_eq(cell->kind, NIR_CUBALIF);
  cr_assert_str_eq(g->nodes[cell->parent].name, "sub");
  expect_shape(&sub->in, "[3]", "sub in");
  cr_assert_eq(g->n_edges, 7, "%zu edges, expected 7", g->n_edges);
  cr_assert_eq(g->edge_graph[0], -1, "the top-level edges come first");
  cr_assert_str_eq(g->nodes[g->edges[1].dst].name, "sub", "stored edge fc -> sub");
  bool into = false, outof = false, rec = false;
  for (size_t e = 0; e < g->n_flat; e++) {
    const char *s = g->nodes[g->flat[e].src].name, *d = g->nodes[g->flat[e].dst].name;
    into |= !strcmp(s, "fc") && !strcmp(d, "sub.input");
    outof |= !strcmp(s, "sub.output") && !strcmp(d, "out");
    rec |= !strcmp(s, "sub.rec") && !strcmp(d, "sub.cell");
  }
  cr_assert(into && outof && rec, "flat edges: fc->sub.input %d, sub.output->out %d, "
            "sub.rec->sub.cell %d", into, outof, rec);
  cr_assert_eq(g->n_warnings, 0, "warnings: %s", g->n_warnings ? g->warnings[0] : "");
  nir_graph_destroy(g);
}

/* The paper's *_subgraph defect: inner edges name 'cel' for the node 'cell';
 * the reader repairs it with a warning naming the repair. A name that
 * matches no unnamed node fails, naming the graph and the node. */
Test(nir_read, dangling_edges) {
  const char *path = write_nested("cel");
  nir_graph *g = read_ok(path);
  cr_assert_eq(g->n_warnings, 1, "%zu warnings, expected 1", g->n_warnings);
  cr_assert(strstr(g->warnings[0], "`cel` -> `cell`") && strstr(g->warnings[0], path),
            "warning: %s", g->warnings[0]);
  nir_graph_destroy(g);
  const char *frag[] = {"graph 'sub'", "'zzz'", "does not exist", NULL};
  expect_fail(write_nested("zzz"), NMSIM_EINPUT, frag);
}

/* Optional fields may be missing: no version dataset (nir < 0.2), Affine
 * without bias, CubaLIF without w_in and v_reset, IF without v_reset,
 * Output without shape; the importer then uses bias 0, w_in 1, v_reset 0. */
static const char *write_minimal(void) {
  const char *path = tu_tmp("min", ".nir");
  hid_t g, f = ng_create(path, NULL, &g);
  int64_t s2[] = {2};
  ng_io(g, "in", "Input", 1, s2);
  hid_t n = ng_node(g, "out", "Output");  /* no shape */
  H5Gclose(n);
  n = ng_node(g, "fc", "Affine");  /* no bias */
  double w[4] = {1, 0, 0, 1}, v[2];
  hsize_t wd[2] = {2, 2};
  ng_num(n, "weight", true, false, 2, wd, w);
  H5Gclose(n);
  n = ng_node(g, "cu", "CubaLIF");
  ng_vec(n, "tau_syn", true, false, 2, ng_fill(v, 2, 0.005));
  ng_vec(n, "tau_mem", true, false, 2, ng_fill(v, 2, 0.01));
  ng_vec(n, "r", true, false, 2, ng_fill(v, 2, 1));
  ng_vec(n, "v_leak", true, false, 2, ng_fill(v, 2, 0));
  ng_vec(n, "v_threshold", true, false, 2, ng_fill(v, 2, 1));
  H5Gclose(n);
  n = ng_node(g, "lin", "Linear");
  ng_num(n, "weight", true, false, 2, wd, w);
  H5Gclose(n);
  n = ng_node(g, "iff", "IF");
  ng_vec(n, "r", true, false, 2, ng_fill(v, 2, 1));
  ng_vec(n, "v_threshold", true, false, 2, ng_fill(v, 2, 1));
  H5Gclose(n);
  const char *e[] = {"in", "fc", "fc", "cu", "cu", "lin", "lin", "iff", "iff", "out"};
  ng_edges(g, 5, e);
  H5Gclose(g);
  H5Fclose(f);
  return path;
}

static nmsim_scenario *load_yaml(const char *yaml, nmsim_err *err, nmsim_status *rc) {
  nmsim_scenario *s = NULL;
  *rc = nmsim_scenario_load_string("nir-test.yaml", yaml, NULL, 0, &s, err);
  return s;
}

static const scn_population *pop(const nmsim_scenario *s, const char *name) {
  for (size_t i = 0; i < s->n_pops; i++)
    if (!strcmp(s->pops[i].name, name)) return &s->pops[i];
  cr_assert_fail("no population %s", name);
  return NULL;
}

static double pval(const scn_population *p, const char *param, uint32_t i) {
  int k = nmsim_model_param_index(p->model, param);
  cr_assert(k >= 0, "model %s has no parameter %s", p->model->name, param);
  return p->spikes.param && p->spikes.param[k] ? p->spikes.param[k][i] : p->values[k];
}

Test(nir_read, missing_optional_fields) {
  const char *path = write_minimal();
  nir_graph *g = read_ok(path);
  cr_assert_str_eq(g->version, "", "version '%s', expected none", g->version);
  expect_shape(&find(g, "out")->in, "[2]", "Output without shape (inferred)");
  nir_graph_destroy(g);
  char yaml[1024];
  snprintf(yaml, sizeof yaml, "chip: loihi\nsteps: 10\nnetwork: {nir: %s, dt: 1 ms}\n", path);
  nmsim_err err = {0};
  nmsim_status rc;
  nmsim_scenario *s = load_yaml(yaml, &err, &rc);
  cr_assert_eq(rc, NMSIM_OK, "load: %s", err.msg);
  const scn_population *cu = pop(s, "nir.cu"), *iff = pop(s, "nir.iff");
  cr_assert_eq(pval(cu, "w_in", 0), 1.0, "w_in %g, expected 1", pval(cu, "w_in", 0));
  cr_assert_eq(pval(cu, "v_reset", 1), 0.0, "v_reset %g, expected 0", pval(cu, "v_reset", 1));
  cr_assert_eq(pval(cu, "bias", 0), 0.0, "bias %g, expected 0", pval(cu, "bias", 0));
  cr_assert_eq(pval(iff, "v_reset", 0), 0.0);
  cr_assert_eq(pval(cu, "tau_syn", 0), 5.0, "tau_syn %g ms, expected 5 ms (0.005 s)",
               pval(cu, "tau_syn", 0));
  nmsim_scenario_destroy(s);
}

/* An unsupported node kind fails, naming the file, the node and its type. */
Test(nir_read, unsupported_kind) {
  const char *path = tu_tmp("lstm", ".nir");
  hid_t g, f = ng_create(path, "1.0.0", &g);
  int64_t s2[] = {2};
  ng_io(g, "in", "Input", 1, s2);
  hid_t n = ng_node(g, "cell", "LSTM");
  H5Gclose(n);
  const char *e[] = {"in", "cell"};
  ng_edges(g, 1, e);
  H5Gclose(g);
  H5Fclose(f);
  const char *frag[] = {"node 'cell'", "unsupported node type 'LSTM'", "CubaLIF", NULL};
  expect_fail(path, NMSIM_EINPUT, frag);
}

/* A vlen string dataset of n strings `name` in g. */
static void str_array(hid_t g, const char *name, size_t n, const char *const *v) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  hsize_t dims = n;
  hid_t sp = H5Screate_simple(1, &dims, NULL);
  hid_t d = H5Dcreate2(g, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
  H5Dclose(d);
  H5Sclose(sp);
  H5Tclose(t);
}

/* A node `type` or the file's `version` holding several strings is refused
 * with the count (the reader used to write them all into room for one: a
 * heap overflow). */
Test(nir_read, string_arrays_refused) {
  const char *path = tu_tmp("types", ".nir");
  hid_t g, f = ng_create(path, "1.0.0", &g);
  int64_t s2[] = {2};
  ng_io(g, "in", "Input", 1, s2);
  hid_t nodes = H5Gopen2(g, "nodes", H5P_DEFAULT);
  hid_t n = H5Gcreate2(nodes, "lif", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const char *types[] = {"LIF", "IF", "LI", "CubaLIF"};
  str_array(n, "type", 4, types);
  H5Gclose(n);
  H5Gclose(nodes);
  H5Gclose(g);
  H5Fclose(f);
  const char *frag[] = {"node 'lif': dataset 'type': expected 1 string, got 4", NULL};
  expect_fail(path, NMSIM_EFORMAT, frag);

  path = tu_tmp("versions", ".nir");
  f = ng_create(path, NULL, &g);
  const char *versions[] = {"1.0.0", "0.5", "2"};
  str_array(f, "version", 3, versions);
  ng_io(g, "in", "Input", 1, s2);
  H5Gclose(g);
  H5Fclose(f);
  const char *frag2[] = {"dataset 'version': expected 1 string, got 3", NULL};
  expect_fail(path, NMSIM_EFORMAT, frag2);
}

/* A graph that links back to an enclosing graph, by a hard or a soft link,
 * is refused (the reader used to recurse forever); so is nesting beyond the
 * reader's depth limit. */
Test(nir_read, graph_cycles_and_depth, .timeout = 600) {
  for (int soft = 0; soft < 2; soft++) {
    const char *path = tu_tmp(soft ? "softcycle" : "hardcycle", ".nir");
    hid_t g, f = ng_create(path, "1.0.0", &g);
    int64_t s2[] = {2};
    ng_io(g, "in", "Input", 1, s2);
    hid_t sub = ng_subgraph(g, "inner");
    hid_t nodes = H5Gopen2(sub, "nodes", H5P_DEFAULT);
    if (soft) H5Lcreate_soft("/node", nodes, "back", H5P_DEFAULT, H5P_DEFAULT);
    else H5Lcreate_hard(f, "/node", nodes, "back", H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(nodes);
    H5Gclose(sub);
    H5Gclose(g);
    H5Fclose(f);
    const char *frag[] = {"graph 'inner.back' is nested in itself", NULL};
    expect_fail(path, NMSIM_EFORMAT, frag);
  }
  const char *path = tu_tmp("deep", ".nir");
  hid_t g, f = ng_create(path, "1.0.0", &g);
  hid_t cur = g;
  for (int k = 0; k < 40; k++) {
    char name[16];
    snprintf(name, sizeof name, "g%d", k);
    hid_t next = ng_subgraph(cur, name);
    H5Gclose(cur);
    cur = next;
  }
  H5Gclose(cur);
  H5Fclose(f);
  const char *frag[] = {"graphs nested more than 32 deep", NULL};
  expect_fail(path, NMSIM_EINPUT, frag);
}

/* A graph whose nodes no edge connects reads with a warning that says so
 * (its layers would run unconnected without a word); a scalar `edges`
 * dataset is refused (it was read as no edges). */
Test(nir_read, edges_missing_or_scalar) {
  const char *path = tu_tmp("noedges", ".nir");
  hid_t g, f = ng_create(path, "1.0.0", &g);
  int64_t s2[] = {2};
  ng_io(g, "in", "Input", 1, s2);
  ng_io(g, "out", "Output", 1, s2);
  H5Gclose(g);
  H5Fclose(f);
  nir_graph *gr = read_ok(path);
  bool said = false;
  for (size_t i = 0; i < gr->n_warnings; i++)
    said |= strstr(gr->warnings[i], "graph '(top level)': 2 nodes and no edges") != NULL;
  cr_assert(said, "no warning about a graph without edges (%zu warnings)", gr->n_warnings);
  nir_graph_destroy(gr);

  path = tu_tmp("scalaredges", ".nir");
  f = ng_create(path, "1.0.0", &g);
  ng_io(g, "in", "Input", 1, s2);
  ng_io(g, "out", "Output", 1, s2);
  ng_str(g, "edges", "in");
  H5Gclose(g);
  H5Fclose(f);
  const char *frag[] = {"dataset 'edges': expected shape (E, 2), got a scalar", NULL};
  expect_fail(path, NMSIM_EFORMAT, frag);
}

/* A shape size out of range is named exactly (U2: 2^40 printed as 1.09951e+12
 * with "expected sizes >= 1"). */
Test(nir_read, shape_size_out_of_range) {
  const char *path = tu_tmp("bigshape", ".nir");
  hid_t g, f = ng_create(path, "1.0.0", &g);
  int64_t big[] = {INT64_C(1) << 40};
  ng_io(g, "in", "Input", 1, big);
  H5Gclose(g);
  H5Fclose(f);
  nir_graph *gr = NULL;
  nmsim_err err = {0};
  cr_assert_neq(nir_read(path, &gr, &err), NMSIM_OK);
  cr_assert(strstr(err.msg, "expected whole sizes in [1, 2147483648], got 1099511627776"),
            "message: %s", err.msg);
  cr_assert_null(gr);
}

/* A shape mismatch along an edge fails, naming both nodes and both shapes. */
Test(nir_read, shape_mismatch) {
  const char *path = tu_tmp("mismatch", ".nir");
  hid_t g, f = ng_create(path, "1.0.0", &g);
  int64_t s4[] = {4};
  ng_io(g, "in", "Input", 1, s4);
  hid_t n = ng_node(g, "fc", "Linear");
  double w[6] = {0};
  hsize_t wd[2] = {3, 2};
  ng_num(n, "weight", false, false, 2, wd, w);
  H5Gclose(n);
  const char *e[] = {"in", "fc"};
  ng_edges(g, 1, e);
  H5Gclose(g);
  H5Fclose(f);
  const char *frag[] = {"edge 'in' -> 'fc'", "node 'in' (Input) outputs [4]",
                        "node 'fc' (Linear) takes [2]", NULL};
  expect_fail(path, NMSIM_EINPUT, frag);
}

/* Not HDF5, truncated, missing: each a clear error naming the file. */
Test(nir_read, not_hdf5_truncated_missing) {
  const char *txt = tu_tmp("text", ".nir");
  cr_assert_eq(tu_write(txt, "this is not a NIR file\n"), 0);
  const char *f1[] = {"not an HDF5 file", NULL};
  expect_fail(txt, NMSIM_EFORMAT, f1);
  const char *good = write_lif("trunc", true, false, "1.0.0");
  size_t len = 0;
  char *bytes = tu_read(good, &len);
  cr_assert(bytes && len > 1000, "read %s", good);
  const char *cut = tu_tmp("truncated", ".nir");
  FILE *f = fopen(cut, "wb");
  cr_assert(f);
  fwrite(bytes, 1, len / 2, f);
  fclose(f);
  free(bytes);
  nir_graph *g = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nir_read(cut, &g, &err);
  cr_assert(rc == NMSIM_EFORMAT || rc == NMSIM_EINPUT, "truncated: status %s (%s)",
            nmsim_status_name(rc), err.msg);
  cr_assert(strstr(err.msg, cut), "message does not name the file: %s", err.msg);
  const char *f3[] = {"No such file", NULL};
  expect_fail("/nonexistent/dir/x.nir", NMSIM_EIO, f3);
}

/* ---- importing: operator chains become projections --------------------------------- */

/* Reference NIR operators on (C, H, W) arrays (PyTorch semantics), written
 * independently of the importer. */
static void ref_conv(const double *x, int ci, int h, int w, const double *k, int co, int kh,
                     int kw, int s, int p, int d, int groups, double *y, int *ho, int *wo) {
  *ho = (h + 2 * p - d * (kh - 1) - 1) / s + 1;
  *wo = (w + 2 * p - d * (kw - 1) - 1) / s + 1;
  int cig = ci / groups, cog = co / groups;
  for (int o = 0; o < co; o++)
    for (int oy = 0; oy < *ho; oy++)
      for (int ox = 0; ox < *wo; ox++) {
        double acc = 0;
        for (int c = 0; c < cig; c++)
          for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++) {
              int iy = oy * s - p + ky * d, ix = ox * s - p + kx * d;
              if (iy < 0 || ix < 0 || iy >= h || ix >= w) continue;
              int cin = (o / cog) * cig + c;
              acc += k[((o * cig + c) * kh + ky) * kw + kx] * x[(cin * h + iy) * w + ix];
            }
        y[(o * *ho + oy) * *wo + ox] = acc;
      }
}

static void ref_pool(const double *x, int c, int h, int w, int k, double scale, double *y) {
  int ho = h / k, wo = w / k;
  for (int ch = 0; ch < c; ch++)
    for (int oy = 0; oy < ho; oy++)
      for (int ox = 0; ox < wo; ox++) {
        double acc = 0;
        for (int ky = 0; ky < k; ky++)
          for (int kx = 0; kx < k; kx++) acc += x[(ch * h + oy * k + ky) * w + ox * k + kx];
        y[(ch * ho + oy) * wo + ox] = scale * acc;
      }
}

/* y += projection(x): the connector's definition, out-centric. */
static void apply_proj(const scn_projection *pj, uint32_t npre, uint32_t npost, const double *x,
                       double *y) {
  switch (pj->conn) {
    case SCN_ONE_TO_ONE:
      for (uint32_t i = 0; i < npre; i++) y[i] += pj->weight * x[i];
      return;
    case SCN_MATRIX:
      for (uint32_t j = 0; j < npost; j++)
        for (uint32_t i = 0; i < npre; i++) {
          if (pj->matrix->diagonal && i != j) continue;
          double w = pj->matrix->diagonal ? pj->matrix->w[i] : pj->matrix->w[j * npre + i];
          y[j] += pj->weight * w * x[i];
        }
      return;
    case SCN_CONV2D:
    case SCN_POOL2D: {
      const scn_conv *c = pj->conv;
      for (uint32_t o = 0; o < c->out_c; o++)
        for (uint32_t oy = 0; oy < c->out_h; oy++)
          for (uint32_t ox = 0; ox < c->out_w; ox++)
            for (uint32_t ch = 0; ch < c->in_c; ch++) {
              if (pj->conn == SCN_POOL2D && ch != o) continue;
              for (uint32_t ky = 0; ky < c->kh; ky++)
                for (uint32_t kx = 0; kx < c->kw; kx++) {
                  long iy = (long)(oy * c->sh + ky) - c->ph, ix = (long)(ox * c->sw + kx) - c->pw;
                  if (iy < 0 || ix < 0 || iy >= (long)c->in_h || ix >= (long)c->in_w) continue;
                  double k = pj->conn == SCN_POOL2D
                                 ? 1.0
                                 : c->kernel[((o * c->in_c + ch) * c->kh + ky) * c->kw + kx];
                  y[(o * c->out_h + oy) * c->out_w + ox] +=
                      pj->weight * k * x[(ch * c->in_h + iy) * c->in_w + ix];
                }
            }
      return;
    }
    default:
      cr_assert_fail("unexpected connector %d", (int)pj->conn);
  }
}

/* Deterministic pseudo-random weights in [-1, 1]. */
static void fill_w(double *v, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    v[i] = ((seed >> 8) % 2001) / 1000.0 - 1.0;
  }
}

static void write_if(hid_t g, const char *name, int nd, const hsize_t *dims) {
  hid_t n = ng_node(g, name, "IF");
  size_t cnt = 1;
  for (int i = 0; i < nd; i++) cnt *= dims[i];
  double *v = malloc(sizeof(double) * cnt);
  ng_num(n, "r", true, false, nd, dims, ng_fill(v, cnt, 1));
  ng_num(n, "v_threshold", true, false, nd, dims, ng_fill(v, cnt, 1));
  free(v);
  H5Gclose(n);
}

static void write_conv(hid_t g, const char *name, int co, int cig, int k, int s, int p, int d,
                       int groups, const double *w, const double *bias) {
  hid_t n = ng_node(g, name, "Conv2d");
  hsize_t wd[4] = {(hsize_t)co, (hsize_t)cig, (hsize_t)k, (hsize_t)k};
  ng_num(n, "weight", true, false, 4, wd, w);
  double zero[16] = {0};
  ng_vec(n, "bias", true, false, (hsize_t)co, bias ? bias : zero);
  int64_t st[2] = {s, s}, pd[2] = {p, p}, dl[2] = {d, d}, gr = groups;
  ng_ivec(n, "stride", 2, st);
  ng_ivec(n, "padding", 2, pd);
  ng_ivec(n, "dilation", 2, dl);
  ng_i64(n, "groups", 0, NULL, &gr);
  H5Gclose(n);
}

static void write_pool(hid_t g, const char *name, const char *type, int k) {
  hid_t n = ng_node(g, name, type);
  int64_t kk[2] = {k, k}, zero[2] = {0, 0};
  ng_ivec(n, "kernel_size", 2, kk);
  ng_ivec(n, "stride", 2, kk);
  ng_ivec(n, "padding", 2, zero);
  H5Gclose(n);
}

/* The CNN test graph: in (2, 6, 6)
 *   -> c1 Conv2d(2->3, k3, p1, bias b1) -> n1 IF (3, 6, 6)
 *   -> c2 Conv2d(3->2, k3, p1, bias b2) -> p2 SumPool2d(2) -> n2 IF (2, 3, 3)
 *   -> f Flatten -> a Affine(4 x 18, bias b3) -> s Scale(4) -> n3 LI (4) -> out
 *   in -> g Conv2d(2->4, groups 2, dilation 2, p2) -> n0 IF (4, 6, 6)
 *   n0 -> ap AvgPool2d(2) -> f2 Flatten -> l Linear(2 x 36) -> n4 IF (2) */
typedef struct cnn_w {
  double c1[54], b1[3], c2[54], b2[2], a[72], b3[4], s[4], g[36], l[72];
} cnn_w;

static const char *write_cnn(cnn_w *W) {
  fill_w(W->c1, 54, 1), fill_w(W->b1, 3, 2), fill_w(W->c2, 54, 3), fill_w(W->b2, 2, 4);
  fill_w(W->a, 72, 5), fill_w(W->b3, 4, 6), fill_w(W->s, 4, 7), fill_w(W->g, 36, 8);
  fill_w(W->l, 72, 9);
  const char *path = tu_tmp("cnn", ".nir");
  hid_t g, f = ng_create(path, "1.0.8", &g);
  int64_t sin[3] = {2, 6, 6}, s4[1] = {4};
  ng_io(g, "in", "Input", 3, sin);
  ng_io(g, "out", "Output", 1, s4);
  write_conv(g, "c1", 3, 2, 3, 1, 1, 1, 1, W->c1, W->b1);
  hsize_t d1[3] = {3, 6, 6}, d2[3] = {2, 3, 3}, d0[3] = {4, 6, 6}, d4[1] = {2};
  write_if(g, "n1", 3, d1);
  write_conv(g, "c2", 2, 3, 3, 1, 1, 1, 1, W->c2, W->b2);
  write_pool(g, "p2", "SumPool2d", 2);
  write_if(g, "n2", 3, d2);
  hid_t n = ng_node(g, "f", "Flatten");
  int64_t it[3] = {2, 3, 3}, zero = 0, last = -1;
  ng_ivec(n, "input_type", 3, it);
  ng_i64(n, "start_dim", 0, NULL, &zero);
  ng_i64(n, "end_dim", 0, NULL, &last);
  H5Gclose(n);
  n = ng_node(g, "a", "Affine");
  hsize_t ad[2] = {4, 18};
  ng_num(n, "weight", true, false, 2, ad, W->a);
  ng_vec(n, "bias", true, false, 4, W->b3);
  H5Gclose(n);
  n = ng_node(g, "s", "Scale");
  ng_vec(n, "scale", true, false, 4, W->s);
  H5Gclose(n);
  n = ng_node(g, "n3", "LI");
  double v[4];
  ng_vec(n, "tau", true, false, 4, ng_fill(v, 4, 0.01));
  ng_vec(n, "r", true, false, 4, ng_fill(v, 4, 1));
  ng_vec(n, "v_leak", true, false, 4, ng_fill(v, 4, 0));
  H5Gclose(n);
  write_conv(g, "g", 4, 1, 3, 1, 2, 2, 2, W->g, NULL);
  write_if(g, "n0", 3, d0);
  write_pool(g, "ap", "AvgPool2d", 2);
  n = ng_node(g, "f2", "Flatten");
  ng_i64(n, "start_dim", 0, NULL, &zero);
  H5Gclose(n);
  n = ng_node(g, "l", "Linear");
  hsize_t ld[2] = {2, 36};
  ng_num(n, "weight", true, false, 2, ld, W->l);
  H5Gclose(n);
  write_if(g, "n4", 1, d4);
  const char *e[] = {"c2", "p2", "in", "c1", "c1", "n1", "n1", "c2", "p2", "n2", "n2", "f",
                     "f", "a", "a", "s", "s", "n3", "n3", "out", "in", "g", "g", "n0",
                     "n0", "ap", "ap", "f2", "f2", "l", "l", "n4"};
  ng_edges(g, 16, e);
  H5Gclose(g);
  H5Fclose(f);
  return path;
}

/* The projection from population `from` to `to` (exactly one). */
static const scn_projection *proj(const nmsim_scenario *s, const char *from, const char *to) {
  const scn_projection *found = NULL;
  for (size_t k = 0; k < s->n_projs; k++)
    if (!strcmp(s->pops[s->projs[k].pre].name, from) && !strcmp(s->pops[s->projs[k].post].name, to)) {
      cr_assert_null(found, "two projections %s -> %s", from, to);
      found = &s->projs[k];
    }
  cr_assert_not_null(found, "no projection %s -> %s", from, to);
  return found;
}

/* Check a projection against a reference map on every unit input. */
typedef void (*ref_fn)(const cnn_w *W, const double *x, double *y);

static void check_map(const nmsim_scenario *s, const char *from, const char *to, ref_fn ref,
                      const cnn_w *W, double in_scale) {
  const scn_projection *pj = proj(s, from, to);
  uint32_t npre = s->pops[pj->pre].size, npost = s->pops[pj->post].size;
  double *x = calloc(npre, sizeof(double)), *ya = malloc(sizeof(double) * npost),
         *yr = malloc(sizeof(double) * npost);
  double worst = 0;
  for (uint32_t i = 0; i < npre; i++) {
    x[i] = 1;
    for (uint32_t j = 0; j < npost; j++) ya[j] = 0;
    apply_proj(pj, npre, npost, x, ya);
    ref(W, x, yr);
    for (uint32_t j = 0; j < npost; j++) {
      double want = in_scale * yr[j];
      cr_assert(fabs(ya[j] - want) <= 1e-12 * fmax(1, fabs(want)),
                "%s -> %s: input %u output %u: %.17g, reference %.17g", from, to, i, j, ya[j],
                want);
      worst = fmax(worst, fabs(ya[j] - want));
    }
    x[i] = 0;
  }
  cr_log_info("%s -> %s (%s): %u x %u checked, max error %.3g", from, to,
              pj->conn == SCN_CONV2D ? "conv2d" : pj->conn == SCN_POOL2D ? "pool2d"
              : pj->conn == SCN_MATRIX ? "matrix" : "one_to_one", npre, npost, worst);
  free(x);
  free(ya);
  free(yr);
}

static void r_c1(const cnn_w *W, const double *x, double *y) {
  int ho, wo;
  ref_conv(x, 2, 6, 6, W->c1, 3, 3, 3, 1, 1, 1, 1, y, &ho, &wo);
}
static void r_c2p2(const cnn_w *W, const double *x, double *y) {
  double t[72];
  int ho, wo;
  ref_conv(x, 3, 6, 6, W->c2, 2, 3, 3, 1, 1, 1, 1, t, &ho, &wo);
  ref_pool(t, 2, 6, 6, 2, 1.0, y);
}
static void r_as(const cnn_w *W, const double *x, double *y) {
  for (int j = 0; j < 4; j++) {
    double acc = 0;
    for (int i = 0; i < 18; i++) acc += W->a[j * 18 + i] * x[i];
    y[j] = W->s[j] * acc;
  }
}
static void r_g(const cnn_w *W, const double *x, double *y) {
  int ho, wo;
  ref_conv(x, 2, 6, 6, W->g, 4, 3, 3, 1, 2, 2, 2, y, &ho, &wo);
}
static void r_apl(const cnn_w *W, const double *x, double *y) {
  double t[36];
  ref_pool(x, 4, 6, 6, 2, 0.25, t);
  for (int j = 0; j < 2; j++) {
    double acc = 0;
    for (int i = 0; i < 36; i++) acc += W->l[j * 36 + i] * t[i];
    y[j] = acc;
  }
}

/* Every operator chain between neuron layers becomes one projection whose
 * map equals the chain's (checked on every unit input against reference
 * PyTorch-semantics operators): conv (shared kernel, groups and dilation
 * as zero taps), conv then sum pooling (folded kernel), flatten + affine +
 * scale (matrix), avg pooling + flatten + linear (matrix); the Input port's
 * projection carries the binding's weight; biases become neuron biases (a
 * conv bias summed by the pooling, an affine bias scaled by the Scale). */
Test(nir_net, operator_chains_fold_exactly) {
  cnn_w W;
  const char *path = write_cnn(&W);
  char yaml[1024];
  snprintf(yaml, sizeof yaml,
           "chip: loihi\nsteps: 5\nnetwork: {nir: %s, dt: 1 ms}\n"
           "populations:\n  src: {size: 72, model: poisson, params: {rate: 10 Hz}}\n"
           "projections:\n  - {from: src, to: nir.in, connector: one_to_one, weight: 2}\n",
           path);
  nmsim_err err = {0};
  nmsim_status rc;
  nmsim_scenario *s = load_yaml(yaml, &err, &rc);
  cr_assert_eq(rc, NMSIM_OK, "load: %s", err.msg);
  check_map(s, "src", "nir.n1", r_c1, &W, 2.0);
  check_map(s, "nir.n1", "nir.n2", r_c2p2, &W, 1.0);
  check_map(s, "nir.n2", "nir.n3", r_as, &W, 1.0);
  check_map(s, "src", "nir.n0", r_g, &W, 2.0);
  check_map(s, "nir.n0", "nir.n4", r_apl, &W, 1.0);
  cr_assert_eq(proj(s, "nir.n1", "nir.n2")->conn, SCN_CONV2D, "conv + pool stays a kernel");
  cr_assert_eq(proj(s, "nir.n2", "nir.n3")->conn, SCN_MATRIX);
  const scn_population *n1 = pop(s, "nir.n1"), *n2 = pop(s, "nir.n2"), *n3 = pop(s, "nir.n3");
  for (uint32_t i = 0; i < n1->size; i++)
    cr_assert_eq(pval(n1, "bias", i), W.b1[i / 36], "n1 bias[%u] %g, expected %g", i,
                 pval(n1, "bias", i), W.b1[i / 36]);
  for (uint32_t i = 0; i < n2->size; i++)
    cr_assert(fabs(pval(n2, "bias", i) - 4 * W.b2[i / 9]) < 1e-12, "n2 bias[%u] %g, expected %g",
              i, pval(n2, "bias", i), 4 * W.b2[i / 9]);
  for (uint32_t i = 0; i < 4; i++)
    cr_assert(fabs(pval(n3, "bias", i) - W.s[i] * W.b3[i]) < 1e-12, "n3 bias[%u] %g, expected %g",
              i, pval(n3, "bias", i), W.s[i] * W.b3[i]);
  cr_assert_str_eq(n3->model->name, "nir_li");
  nmsim_scenario_destroy(s);
}

/* Recurrence, Delay and the Output alias: a CubaLIF with a recurrent Linear
 * gets a projection onto itself; a Delay of 2 ms at dt 1 ms adds 2 steps to
 * the projection's delay of 1; `nir.out` names the population feeding the
 * Output and can be recorded. */
Test(nir_net, recurrence_delay_alias) {
  const char *path = tu_tmp("rec", ".nir");
  hid_t g, f = ng_create(path, "1.0.7", &g);
  int64_t s2[] = {2}, s1[] = {1};
  ng_io(g, "in", "Input", 1, s2);
  ng_io(g, "out", "Output", 1, s1);
  double v[4];
  hid_t n = ng_node(g, "fc", "Linear");
  hsize_t d32[2] = {3, 2}, d33[2] = {3, 3}, d13[2] = {1, 3};
  double w6[6] = {1, 0, 0, 1, 1, 1}, w9[9] = {0, -1, 0, 0, 0, -1, -1, 0, 0}, w3[3] = {1, 1, 1};
  ng_num(n, "weight", true, false, 2, d32, w6);
  H5Gclose(n);
  n = ng_node(g, "cell", "CubaLIF");
  ng_vec(n, "tau_syn", true, false, 3, ng_fill(v, 3, 0.005));
  ng_vec(n, "tau_mem", true, false, 3, ng_fill(v, 3, 0.02));
  ng_vec(n, "r", true, false, 3, ng_fill(v, 3, 1));
  ng_vec(n, "v_leak", true, false, 3, ng_fill(v, 3, 0));
  ng_vec(n, "v_threshold", true, false, 3, ng_fill(v, 3, 1));
  H5Gclose(n);
  n = ng_node(g, "rec", "Linear");
  ng_num(n, "weight", true, false, 2, d33, w9);
  H5Gclose(n);
  n = ng_node(g, "dl", "Delay");
  ng_vec(n, "delay", true, false, 3, ng_fill(v, 3, 0.002));
  H5Gclose(n);
  n = ng_node(g, "ro", "Linear");
  ng_num(n, "weight", true, false, 2, d13, w3);
  H5Gclose(n);
  n = ng_node(g, "lif", "LIF");
  ng_vec(n, "tau", true, false, 1, ng_fill(v, 1, 0.01));
  ng_vec(n, "r", true, false, 1, ng_fill(v, 1, 1));
  ng_vec(n, "v_leak", true, false, 1, ng_fill(v, 1, 0));
  ng_vec(n, "v_threshold", true, false, 1, ng_fill(v, 1, 1));
  H5Gclose(n);
  const char *e[] = {"in", "fc", "fc", "cell", "cell", "rec", "rec", "cell",
                     "cell", "dl", "dl", "ro", "ro", "lif", "lif", "out"};
  ng_edges(g, 8, e);
  H5Gclose(g);
  H5Fclose(f);
  char yaml[1024];
  snprintf(yaml, sizeof yaml,
           "chip: loihi\nsteps: 5\nnetwork: {nir: %s, dt: 1 ms}\n"
           "record: {spikes: [nir.out], state: {nir.out: {vars: [v]}}}\n", path);
  nmsim_err err = {0};
  nmsim_status rc;
  nmsim_scenario *s = load_yaml(yaml, &err, &rc);
  cr_assert_eq(rc, NMSIM_OK, "load: %s", err.msg);
  const scn_projection *r = proj(s, "nir.cell", "nir.cell");
  cr_assert_eq(r->conn, SCN_MATRIX);
  cr_assert(r->allow_self, "recurrent projection allows self");
  cr_assert_eq(r->delay, 1, "recurrent delay %u, expected 1", r->delay);
  const scn_projection *d = proj(s, "nir.cell", "nir.lif");
  cr_assert_eq(d->delay, 3, "delay %u steps, expected 1 + 2 (Delay 2 ms at dt 1 ms)", d->delay);
  long lif = pop(s, "nir.lif") - s->pops;
  cr_assert(s->rec_spikes[lif], "nir.out records nir.lif");
  cr_assert_eq(s->n_rec_state, 1);
  cr_assert_eq(s->rec_state[0].pop, (uint32_t)lif);
  nmsim_scenario_destroy(s);
}

/* The float models step as documented: I integrates r x and emits v as a
 * graded value; Threshold spikes only in steps whose input exceeds it.
 * spike_array -> nir.in -> Linear(diag 1, 2) -> {I (r 0.5), Threshold 1.5}. */
Test(nir_net, i_and_threshold_models_run) {
  const char *path = tu_tmp("ithr", ".nir");
  hid_t g, f = ng_create(path, "1.0.7", &g);
  int64_t s2[] = {2};
  ng_io(g, "in", "Input", 1, s2);
  hid_t n = ng_node(g, "fc", "Linear");
  hsize_t d22[2] = {2, 2};
  double w[4] = {1, 0, 0, 2}, v[2];
  ng_num(n, "weight", false, false, 2, d22, w);
  H5Gclose(n);
  n = ng_node(g, "integ", "I");
  ng_vec(n, "r", false, false, 2, ng_fill(v, 2, 0.5));
  H5Gclose(n);
  n = ng_node(g, "thr", "Threshold");
  ng_vec(n, "threshold", false, false, 2, ng_fill(v, 2, 1.5));
  H5Gclose(n);
  const char *e[] = {"in", "fc", "fc", "integ", "fc", "thr"};
  ng_edges(g, 3, e);
  H5Gclose(g);
  H5Fclose(f);
  char yaml[1024];
  snprintf(yaml, sizeof yaml,
           "chip: loihi\nsteps: 8\nnetwork: {nir: %s, dt: 1 ms}\n"
           "populations:\n  src: {size: 2, model: spike_array, spikes: [[1, 3], [3]]}\n"
           "projections:\n  - {from: src, to: nir.in, connector: one_to_one}\n"
           "record: {spikes: [nir.thr], state: {nir.integ: {vars: [v]}}}\n", path);
  const char *yp = tu_tmp("ithr", ".yaml");
  cr_assert_eq(tu_write(yp, yaml), 0);
  nmsim_scenario *s;
  const char *h5 = sr_run(yp, "ithr", &s);
  size_t nv, ns;
  double *vv = sr_read(h5, "/state/nir.integ/v", H5T_NATIVE_DOUBLE, &nv);
  /* neuron 0 gets 1 at steps 2 and 4, neuron 1 gets 2 at step 4 */
  double want0[8] = {0, 0, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0}, want1[8] = {0, 0, 0, 0, 1, 1, 1, 1};
  cr_assert_eq(nv, 16, "%zu values", nv);
  for (int t = 0; t < 8; t++)
    cr_assert(vv[2 * t] == want0[t] && vv[2 * t + 1] == want1[t],
              "step %d: v = (%g, %g), expected (%g, %g)", t, vv[2 * t], vv[2 * t + 1], want0[t],
              want1[t]);
  uint64_t *st = sr_read(h5, "/populations/nir.thr/spikes/step", H5T_NATIVE_UINT64, &ns);
  uint64_t *nn = sr_read(h5, "/populations/nir.thr/spikes/neuron", H5T_NATIVE_UINT64, &ns);
  cr_assert(ns == 1 && st[0] == 4 && nn[0] == 1, "threshold spikes: %zu (step %llu neuron %llu), "
            "expected one at step 4 from neuron 1", ns, ns ? (unsigned long long)st[0] : 0ULL,
            ns ? (unsigned long long)nn[0] : 0ULL);
  free(vv);
  free(st);
  free(nn);
  nmsim_scenario_destroy(s);
}

/* target: loihi_cuba quantises a LIF (tau 2.5 ms, r 1, threshold 0.1 at dt
 * 0.1 ms, weight 1) as docs/nir.md states: du 4095 (no current memory), dv =
 * round(4096 dt/tau) = 164, the weight at the full mantissa 255 with
 * weight_exp 1, vth = 1275 (exactly 2.5 weights); v_reset != 0 is an error
 * naming the node, and reset: subtract sets reset_mode 1. */
Test(nir_net, loihi_target_quantises) {
  const char *path = tu_tmp("q", ".nir");
  hid_t g, f = ng_create(path, "0.1.1", &g);
  int64_t s1[] = {1};
  ng_io(g, "input", "Input", 1, s1);
  ng_io(g, "output", "Output", 1, s1);
  hid_t n = ng_node(g, "0", "Linear");
  hsize_t d11[2] = {1, 1};
  double one = 1, v;
  ng_num(n, "weight", true, false, 2, d11, &one);
  H5Gclose(n);
  n = ng_node(g, "1", "LIF");
  ng_vec(n, "tau", true, false, 1, ng_fill(&v, 1, 0.0025));
  ng_vec(n, "r", true, false, 1, ng_fill(&v, 1, 1));
  ng_vec(n, "v_leak", true, false, 1, ng_fill(&v, 1, 0));
  ng_vec(n, "v_threshold", true, false, 1, ng_fill(&v, 1, 0.1));
  H5Gclose(n);
  const char *e[] = {"input", "0", "0", "1", "1", "output"};
  ng_edges(g, 3, e);
  H5Gclose(g);
  H5Fclose(f);
  char yaml[1024];
  for (int sub = 0; sub < 2; sub++) {
    snprintf(yaml, sizeof yaml,
             "chip: loihi\nsteps: 5\nnetwork: {nir: %s, dt: 0.1 ms, target: loihi_cuba, reset: %s}\n"
             "populations:\n  src: {size: 1, model: spike_array, spikes: [[1]]}\n"
             "projections:\n  - {from: src, to: nir.input, connector: one_to_one}\n",
             path, sub ? "subtract" : "zero");
    nmsim_err err = {0};
    nmsim_status rc;
    nmsim_scenario *s = load_yaml(yaml, &err, &rc);
    cr_assert_eq(rc, NMSIM_OK, "load: %s", err.msg);
    const scn_population *p = pop(s, "nir.1");
    cr_assert_str_eq(p->model->name, "loihi_cuba");
    struct {
      const char *name;
      double want;
    } kv[] = {{"du", 4095}, {"dv", 164}, {"vth", 1275}, {"bias_mant", 0}, {"reset_mode", sub}};
    for (size_t k = 0; k < sizeof kv / sizeof kv[0]; k++)
      cr_assert_eq(pval(p, kv[k].name, 0), kv[k].want, "%s = %g, expected %g", kv[k].name,
                   pval(p, kv[k].name, 0), kv[k].want);
    const scn_projection *pj = proj(s, "src", "nir.1");
    cr_assert(pj->weight * pj->matrix->w[0] == 255 && pj->weight_exp == 1,
              "weight %g x %g, exp %d; expected 255, exp 1", pj->weight, pj->matrix->w[0],
              pj->weight_exp);
    nmsim_scenario_destroy(s);
  }
  /* v_reset 0.05 cannot be expressed (Loihi resets to 0) */
  const char *p2 = tu_tmp("q2", ".nir");
  f = ng_create(p2, "1.0.7", &g);
  ng_io(g, "input", "Input", 1, s1);
  n = ng_node(g, "1", "LIF");
  ng_vec(n, "tau", true, false, 1, ng_fill(&v, 1, 0.0025));
  ng_vec(n, "r", true, false, 1, ng_fill(&v, 1, 1));
  ng_vec(n, "v_leak", true, false, 1, ng_fill(&v, 1, 0));
  ng_vec(n, "v_threshold", true, false, 1, ng_fill(&v, 1, 0.1));
  ng_vec(n, "v_reset", true, false, 1, ng_fill(&v, 1, 0.05));
  H5Gclose(n);
  const char *e2[] = {"input", "1"};
  ng_edges(g, 1, e2);
  H5Gclose(g);
  H5Fclose(f);
  snprintf(yaml, sizeof yaml,
           "chip: loihi\nsteps: 5\nnetwork: {nir: %s, dt: 0.1 ms, target: loihi_cuba}\n", p2);
  nmsim_err err = {0};
  nmsim_status rc;
  nmsim_scenario *s = load_yaml(yaml, &err, &rc);
  cr_assert_eq(rc, NMSIM_EINPUT, "status %s: %s", nmsim_status_name(rc), err.msg);
  cr_assert(strstr(err.msg, "node '1' (LIF)") && strstr(err.msg, "v_reset") &&
                strstr(err.msg, p2) && strstr(err.msg, "network.nir"),
            "message: %s", err.msg);
  cr_assert_null(s);
}

/* Scenario errors of a network: a binding whose source has the wrong size
 * names the sizes; a connector other than one_to_one into the port, an
 * unknown target and a bad NIR file are reported at their field. */
Test(nir_net, scenario_errors) {
  const char *path = write_lif("err", true, false, "1.0.7");
  struct {
    const char *body, *frag;
  } cases[] = {
      {"populations:\n  src: {size: 2, model: poisson}\n"
       "projections:\n  - {from: src, to: nir.in, connector: one_to_one}\n",
       "takes 3"},
      {"populations:\n  src: {size: 3, model: poisson}\n"
       "projections:\n  - {from: src, to: nir.in, connector: all_to_all}\n",
       "must be one_to_one"},
  };
  char yaml[1024];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    snprintf(yaml, sizeof yaml, "chip: loihi\nsteps: 5\nnetwork: {nir: %s}\n%s", path,
             cases[i].body);
    nmsim_err err = {0};
    nmsim_status rc;
    nmsim_scenario *s = load_yaml(yaml, &err, &rc);
    cr_assert_eq(rc, NMSIM_EINPUT, "case %zu: %s", i, err.msg);
    cr_assert(strstr(err.msg, cases[i].frag) && strstr(err.msg, "nir-test.yaml:"),
              "case %zu: message lacks '%s': %s", i, cases[i].frag, err.msg);
    nmsim_scenario_destroy(s);
  }
  snprintf(yaml, sizeof yaml, "chip: loihi\nsteps: 5\nnetwork: {nir: %s, target: tpu}\n", path);
  nmsim_err err = {0};
  nmsim_status rc;
  nmsim_scenario *s = load_yaml(yaml, &err, &rc);
  cr_assert(rc == NMSIM_EINPUT && strstr(err.msg, "network.target"), "target: %s", err.msg);
  nmsim_scenario_destroy(s);
  snprintf(yaml, sizeof yaml, "chip: loihi\nsteps: 5\nnetwork: {nir: /nonexistent.nir}\n");
  s = load_yaml(yaml, &err, &rc);
  cr_assert(rc == NMSIM_EIO && strstr(err.msg, "network.nir") && strstr(err.msg, "/nonexistent.nir"),
            "missing file: %s %s", nmsim_status_name(rc), err.msg);
  nmsim_scenario_destroy(s);
}

/* Conv1d is a shared-kernel projection of height 1 (checked on every unit
 * input against a reference 1-D cross-correlation), and an Output fed through
 * an operator is read out by a population 'nir.<output>' (nir_li with tau =
 * dt; in fixed point a never-spiking loihi_cuba), with a warning. */
static double c1d_w[18];
static void r_c1d(const cnn_w *W, const double *x, double *y) {
  (void)W;
  for (int o = 0; o < 3; o++)
    for (int ox = 0; ox < 4; ox++) {
      double acc = 0;
      for (int c = 0; c < 2; c++)
        for (int k = 0; k < 3; k++) {
          int ix = ox * 2 - 1 + k;
          if (ix >= 0 && ix < 8) acc += c1d_w[(o * 2 + c) * 3 + k] * x[c * 8 + ix];
        }
      y[o * 4 + ox] = acc;
    }
}

Test(nir_net, conv1d_and_output_readout) {
  fill_w(c1d_w, 18, 11);
  const char *path = tu_tmp("c1d", ".nir");
  hid_t g, f = ng_create(path, "1.0.7", &g);
  int64_t sin[2] = {2, 8}, s2[1] = {2};
  ng_io(g, "in", "Input", 2, sin);
  ng_io(g, "out", "Output", 1, s2);
  hid_t n = ng_node(g, "c", "Conv1d");
  hsize_t wd[3] = {3, 2, 3};
  ng_num(n, "weight", true, false, 3, wd, c1d_w);
  int64_t st = 2, pd = 1, one = 1;
  ng_i64(n, "stride", 0, NULL, &st);
  ng_i64(n, "padding", 0, NULL, &pd);
  ng_i64(n, "dilation", 0, NULL, &one);
  ng_i64(n, "groups", 0, NULL, &one);
  H5Gclose(n);
  n = ng_node(g, "lif", "LIF");
  hsize_t ld[2] = {3, 4};
  double v[12];
  ng_num(n, "tau", true, false, 2, ld, ng_fill(v, 12, 0.01));
  ng_num(n, "r", true, false, 2, ld, ng_fill(v, 12, 1));
  ng_num(n, "v_leak", true, false, 2, ld, ng_fill(v, 12, 0));
  ng_num(n, "v_threshold", true, false, 2, ld, ng_fill(v, 12, 1));
  H5Gclose(n);
  n = ng_node(g, "ro", "Linear");
  double rw[24];
  fill_w(rw, 24, 12);
  hsize_t rd[2] = {2, 12};
  ng_num(n, "weight", true, false, 2, rd, rw);
  H5Gclose(n);
  const char *e[] = {"in", "c", "c", "lif", "lif", "ro", "ro", "out"};
  ng_edges(g, 4, e);
  H5Gclose(g);
  H5Fclose(f);
  for (int q = 0; q < 2; q++) {
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "chip: loihi\nsteps: 5\nnetwork: {nir: %s, dt: 0.5 ms, target: %s}\n"
             "populations:\n  src: {size: 16, model: poisson}\n"
             "projections:\n  - {from: src, to: nir.in, connector: one_to_one}\n"
             "record: {state: {nir.out: {vars: [v]}}}\n",
             path, q ? "loihi_cuba" : "float");
    nmsim_err err = {0};
    nmsim_status rc;
    nmsim_scenario *s = load_yaml(yaml, &err, &rc);
    cr_assert_eq(rc, NMSIM_OK, "load (%s): %s", q ? "loihi_cuba" : "float", err.msg);
    const scn_population *ro = pop(s, "nir.out");
    cr_assert_str_eq(ro->model->name, q ? "loihi_cuba" : "nir_li");
    bool warned = false;  /* (also: LIF [3, 4] into Linear [12] is a reshape) */
    for (size_t w = 0; w < s->n_warnings; w++)
      warned |= strstr(s->warnings[w], "read out by population 'nir.out'") != NULL;
    cr_assert(warned, "no readout warning among %zu", s->n_warnings);
    if (!q) {
      cr_assert_eq(pval(ro, "tau", 0), 0.5, "readout tau %g ms, expected dt", pval(ro, "tau", 0));
      check_map(s, "src", "nir.lif", r_c1d, NULL, 1.0);
      cr_assert_eq(proj(s, "src", "nir.lif")->conn, SCN_CONV2D);
      cr_assert_eq(proj(s, "nir.lif", "nir.out")->conn, SCN_MATRIX);
    }
    nmsim_scenario_destroy(s);
  }
}

/* ---- the CLI --------------------------------------------------------------------------- */

static int nmsim(const char *args, char **out, char **err) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "%s %s", NMSIM_BINARY, args);
  return tu_run(cmd, out, err);
}

/* `nmsim nir info --json` prints version, nodes [{name, type, shapes}] and
 * edges [[src, dst]] of a generated (gzip) file; the text form lists the
 * same; a non-NIR file exits 2 naming the file; --help exits 0. */
Test(nir_cli, info_json_end_to_end) {
  const char *path = write_lif("cli", false, true, "1.0.8");
  char args[1024], *out = NULL, *err = NULL;
  snprintf(args, sizeof args, "nir info %s --json", path);
  int rc = nmsim(args, &out, &err);
  cr_assert_eq(rc, 0, "exit %d: %s", rc, err);
  const char *want[] = {"\"version\": \"1.0.8\"",
                        "\"nodes\": [",
                        "{\"name\": \"fc\", \"type\": \"Affine\"",
                        "\"shapes\": {\"input\": [3], \"output\": [2]}",
                        "{\"name\": \"lif\", \"type\": \"LIF\"",
                        "\"weight\": {\"dtype\": \"f32\", \"shape\": [2, 3], \"gzip\": true}",
                        "\"edges\": [[\"in\", \"fc\"], [\"fc\", \"lif\"], [\"lif\", \"out\"]]",
                        NULL};
  for (size_t i = 0; want[i]; i++)
    cr_assert(strstr(out, want[i]), "JSON lacks %s:\n%s", want[i], out);
  free(out), free(err);
  snprintf(args, sizeof args, "nir info %s", path);
  rc = nmsim(args, &out, &err);
  cr_assert(rc == 0 && strstr(out, "NIR version 1.0.8, 4 nodes, 3 edges") && strstr(out, "fc -> lif"),
            "text (exit %d):\n%s", rc, out);
  free(out), free(err);
  const char *txt = tu_tmp("notnir", ".nir");
  tu_write(txt, "hello\n");
  snprintf(args, sizeof args, "nir info %s --json", txt);
  rc = nmsim(args, &out, &err);
  cr_assert(rc == 2 && strstr(err, txt), "bad file: exit %d, stderr %s", rc, err);
  free(out), free(err);
  rc = nmsim("nir --help", &out, &err);
  cr_assert(rc == 0 && strstr(out, "usage: nmsim nir info FILE"), "help: exit %d %s", rc, out);
  free(out), free(err);
  rc = nmsim("nir frobnicate x", &out, &err);
  cr_assert_eq(rc, 2, "unknown subcommand: exit %d", rc);
  free(out), free(err);
}

/* ---- out of memory ------------------------------------------------------------------- */

static long budget;  /* allocations left before failing; < 0: never fail */
static void *fail_malloc(size_t n) { return budget-- == 0 ? NULL : malloc(n); }
static void *fail_calloc(size_t a, size_t b) { return budget-- == 0 ? NULL : calloc(a, b); }
static void *fail_realloc(void *p, size_t n) { return budget-- == 0 ? NULL : realloc(p, n); }
static const nm_allocator failing = {fail_malloc, fail_realloc, fail_calloc, free};

/* Fail the Nth allocation for N = 0, 1, 2, ... of loading a scenario with the
 * CNN test graph (float and loihi_cuba) and of `nir_read` of a nested graph,
 * until they succeed: every failure is NMSIM_ENOMEM and nothing leaks. */
Test(nir_net, oom_every_failure_point, .timeout = 600) {
  cnn_w W;
  const char *path = write_cnn(&W), *nested = write_nested("cel");
  for (int t = 0; t < 3; t++) {
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "chip: loihi\nsteps: 5\nnetwork: {nir: %s, dt: 1 ms, target: %s}\n"
             "populations:\n  src: {size: 72, model: poisson}\n"
             "projections:\n  - {from: src, to: nir.in, connector: one_to_one, weight: 2}\n"
             "record: {spikes: [nir.out]}\n",
             path, t ? "loihi_cuba" : "float");
    bool ok = false;
    long n;
    for (n = 0; n < 200000 && !ok; n++) {
      nmsim_set_allocator(&failing);
      budget = n;
      nmsim_err err = {0};
      nmsim_status rc;
      if (t < 2) {
        nmsim_scenario *s = NULL;
        rc = nmsim_scenario_load_string("oom.yaml", yaml, NULL, 0, &s, &err);
        nmsim_scenario_destroy(s);
      } else {
        nir_graph *g = NULL;
        rc = nir_read(nested, &g, &err);
        nir_graph_destroy(g);
      }
      nmsim_set_allocator(NULL);
      ok = rc == NMSIM_OK;
      if (!ok)
        cr_assert_eq(rc, NMSIM_ENOMEM, "case %d, failing allocation %ld: status %s (%s)", t, n,
                     nmsim_status_name(rc), err.msg);
    }
    cr_assert(ok, "case %d never succeeded", t);
    cr_assert_gt(n, 20, "case %d: expected many allocation points, saw %ld", t, n);
  }
  cr_assert_eq(tu_leaks(), 0, "LeakSanitizer found leaks (see stderr)");
}

/* A parameter dataset that declares far more values than the file stores
 * (here 2^27 float64 values never written: 0 bytes stored, as in a damaged
 * file whose dimensions were changed) is refused before nmsim sets aside
 * memory for it (1 GiB of doubles; the fuzzer found 4 GiB asked for). */
Test(nir, declared_values_beyond_the_file) {
  const char *path = tu_tmp("nirbig", ".nir");
  hid_t g, f = ng_create(path, "0.5.0", &g);
  int64_t s2[] = {2};
  ng_io(g, "in", "Input", 1, s2);
  ng_io(g, "out", "Output", 1, s2);
  hid_t n = ng_node(g, "s", "Scale");
  hsize_t dim = (hsize_t)1 << 27;
  hid_t sp = H5Screate_simple(1, &dim, NULL);
  hid_t d = H5Dcreate2(n, "scale", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dclose(d);
  H5Sclose(sp);
  H5Gclose(n);
  const char *e[] = {"in", "s", "s", "out"};
  ng_edges(g, 2, e);
  H5Gclose(g);
  H5Fclose(f);
  nir_graph *gr = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nir_read_here(path, &gr, &err);
  cr_assert(rc == NMSIM_EFORMAT && strstr(err.msg, "node 's': dataset 'scale': declares "
                                                   "134217728 values (1073741824 bytes) but "
                                                   "the file stores 0 bytes of it"),
            "%s: %s", nmsim_status_name(rc), err.msg);
  nir_graph_destroy(gr);
  remove(path);
}

/* The same for the edge list: an `edges` dataset of 2^26 pairs of strings
 * never written (the fuzzer found one that asked for 80 TB) is refused
 * before its strings are read. */
Test(nir, declared_edges_beyond_the_file) {
  const char *path = tu_tmp("niredges", ".nir");
  hid_t g, f = ng_create(path, "0.5.0", &g);
  int64_t s2[] = {2};
  ng_io(g, "in", "Input", 1, s2);
  ng_io(g, "out", "Output", 1, s2);
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  hsize_t dims[2] = {(hsize_t)1 << 26, 2};
  hid_t sp = H5Screate_simple(2, dims, NULL);
  hid_t d = H5Dcreate2(g, "edges", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dclose(d);
  H5Sclose(sp);
  H5Tclose(t);
  H5Gclose(g);
  H5Fclose(f);
  nir_graph *gr = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nir_read_here(path, &gr, &err);
  cr_assert(rc == NMSIM_EFORMAT && strstr(err.msg, "declares 134217728 values") &&
                strstr(err.msg, "but the file stores 0 bytes of it"),
            "%s: %s", nmsim_status_name(rc), err.msg);
  nir_graph_destroy(gr);
  remove(path);
}
