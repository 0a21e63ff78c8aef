/* scn_projs.c: the projections section of a scenario file: endpoints,
 * connectors (conv2d, pool2d), weights (fixed-point checks), delays, sites
 * and plasticity. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/stdp.h"
#include "sim/base/units.h"
#include "sim/base/file.h"
#include "sim/load/scn_read.h"
#include "sim/load/values_file.h"

/* {conv2d: {...}} or {pool2d: {...}}: shapes, kernel, stride, padding and
 * (conv2d) the kernel weights; checks that the populations have the sizes
 * the shapes imply. */
static nmsim_status scn_read_conv(scn_ctx *x, struct fy_node *m, const char *field,
                                  scn_projection *pj, bool pool) {
  static const char *const conv_keys[] = {"in", "kernel", "out_channels", "stride", "padding",
                                          "weights", NULL};
  static const char *const pool_keys[] = {"in", "kernel", "stride", "padding", NULL};
  char f[320];
  nmsim_status rc;
  const nmsim_scenario *s = x->s;
  if ((rc = yml_check_keys(x->d, m, field, pool ? pool_keys : conv_keys, x->err))) return rc;
  scn_conv *cv = nm_calloc(1, sizeof *cv);
  if (!cv) return NMSIM_ENOMEM_ERR(x->err);
  pj->conv = cv;
  uint32_t in[3], k[2], st[2] = {1, 1}, pad[2] = {0, 0};
  struct fy_node *n;
  scn_fmt(f, sizeof f, "%s.in", field);
  if (!(n = scn_need(x, m, field, "in", "the pre shape [channels, height, width]")))
    return NMSIM_EINPUT;
  if ((rc = scn_read_uints(x, n, f, 3, 1, 1u << 20, in))) return rc;
  if ((uint64_t)in[0] * in[1] * in[2] != s->pops[pj->pre].size)
    return yml_error(x->d, n, f, x->err,
                     "shape %u x %u x %u has %llu neurons, population '%s' has %u", in[0], in[1],
                     in[2], (unsigned long long)in[0] * in[1] * in[2], s->pops[pj->pre].name,
                     s->pops[pj->pre].size);
  scn_fmt(f, sizeof f, "%s.kernel", field);
  if (!(n = scn_need(x, m, field, "kernel", "the kernel size [height, width]"))) return NMSIM_EINPUT;
  if ((rc = scn_read_uints(x, n, f, 2, 1, 4096, k))) return rc;
  scn_fmt(f, sizeof f, "%s.stride", field);
  if ((n = yml_get(m, "stride")) && (rc = scn_read_uints(x, n, f, 2, 1, 4096, st))) return rc;
  scn_fmt(f, sizeof f, "%s.padding", field);
  if ((n = yml_get(m, "padding")) && (rc = scn_read_uints(x, n, f, 2, 0, 4096, pad))) return rc;
  if (!pool) {
    st[0] = st[0] ? st[0] : 1;
  } else if (!yml_get(m, "stride")) {
    st[0] = k[0], st[1] = k[1]; /* pooling windows tile the input by default */
  }
  cv->in_c = in[0], cv->in_h = in[1], cv->in_w = in[2];
  cv->kh = k[0], cv->kw = k[1], cv->sh = st[0], cv->sw = st[1], cv->ph = pad[0], cv->pw = pad[1];
  if (in[1] + 2 * pad[0] < k[0] || in[2] + 2 * pad[1] < k[1])
    return yml_error(x->d, m, field, x->err,
                     "kernel %u x %u is larger than the padded input %u x %u", k[0], k[1],
                     in[1] + 2 * pad[0], in[2] + 2 * pad[1]);
  cv->out_h = (in[1] + 2 * pad[0] - k[0]) / st[0] + 1;
  cv->out_w = (in[2] + 2 * pad[1] - k[1]) / st[1] + 1;
  cv->out_c = in[0];
  if (!pool) {
    uint64_t oc;
    scn_fmt(f, sizeof f, "%s.out_channels", field);
    if (!(n = scn_need(x, m, field, "out_channels", "the number of output channels")))
      return NMSIM_EINPUT;
    if ((rc = yml_u64(x->d, n, f, 1, 1u << 20, &oc, x->err))) return rc;
    cv->out_c = (uint32_t)oc;
  }
  uint64_t out_n = (uint64_t)cv->out_c * cv->out_h * cv->out_w;
  if (out_n != s->pops[pj->post].size)
    return yml_error(x->d, m, field, x->err,
                     "the output shape %u x %u x %u has %llu neurons, population '%s' has %u",
                     cv->out_c, cv->out_h, cv->out_w, (unsigned long long)out_n,
                     s->pops[pj->post].name, s->pops[pj->post].size);
  pj->conn = pool ? SCN_POOL2D : SCN_CONV2D;
  if (!pool && (n = yml_get(m, "weights"))) {
    size_t want = (size_t)cv->out_c * cv->in_c * cv->kh * cv->kw;
    scn_fmt(f, sizeof f, "%s.weights", field);
    if (!fy_node_is_sequence(n) || (size_t)fy_node_sequence_item_count(n) != want) {
      char got[80];
      return yml_error(x->d, n, f, x->err,
                       "expected a flat list of %zu numbers (out_channels x in channels x kernel "
                       "height x kernel width, row-major), got %s",
                       want, scn_got(n, got, sizeof got));
    }
    if (!(cv->kernel = nm_malloc(sizeof(double) * want))) return NMSIM_ENOMEM_ERR(x->err);
    void *it = NULL;
    struct fy_node *e;
    size_t i = 0;
    while ((e = fy_node_sequence_iterate(n, &it))) {
      char fi[340];
      scn_fmt(fi, sizeof fi, "%s[%zu]", f, i);
      if ((rc = yml_quantity(x->d, e, fi, "", -INFINITY, INFINITY, &cv->kernel[i], x->err)))
        return rc;
      i++;
    }
  }
  return NMSIM_OK;
}

/* Add pair (pre, post, w) to a list being read (growing arrays). */
typedef struct list_acc {
  uint32_t *pre, *post, *d;
  double *w;
  size_t n, cap;
} list_acc;

static nmsim_status list_push(list_acc *a, uint32_t pre, uint32_t post, double w, uint32_t d) {
  if (a->n == a->cap) {
    size_t nc = a->cap ? a->cap * 2 : 64;
    uint32_t *np = nm_realloc(a->pre, nc * sizeof *np);
    if (!np) return NMSIM_ENOMEM;
    a->pre = np;
    uint32_t *nq = nm_realloc(a->post, nc * sizeof *nq);
    if (!nq) return NMSIM_ENOMEM;
    a->post = nq;
    double *nw = nm_realloc(a->w, nc * sizeof *nw);
    if (!nw) return NMSIM_ENOMEM;
    a->w = nw;
    uint32_t *nd = nm_realloc(a->d, nc * sizeof *nd);
    if (!nd) return NMSIM_ENOMEM;
    a->d = nd;
    a->cap = nc;
  }
  a->pre[a->n] = pre, a->post[a->n] = post, a->w[a->n] = w, a->d[a->n] = d;
  a->n++;
  return NMSIM_OK;
}

/* One pair's numbers (2 to 4 of them) checked against the populations. */
static bool list_pair_ok(const nmsim_scenario *s, const scn_projection *pj, const double *v,
                         int nv, char *msg, size_t len) {
  if (nv < 2 || nv > 4) {
    snprintf(msg, len, "expected [pre, post], [pre, post, weight] or [pre, post, weight, "
             "delay], got %d numbers", nv);
    return false;
  }
  if (nv == 4 && !(v[3] >= 1 && v[3] <= SCN_MAX_DELAY && v[3] == floor(v[3]))) {
    snprintf(msg, len, "delay %g: expected whole steps in [1, %d]", v[3], SCN_MAX_DELAY);
    return false;
  }
  for (int k = 0; k < 2; k++) {
    uint32_t size = s->pops[k ? pj->post : pj->pre].size;
    if (!(v[k] >= 0 && v[k] < size && v[k] == floor(v[k]))) {
      snprintf(msg, len, "%s neuron %g: expected a whole number in [0, %u] (population '%s')",
               k ? "post" : "pre", v[k], size - 1, s->pops[k ? pj->post : pj->pre].name);
      return false;
    }
  }
  return true;
}

/* The accumulated pairs, sorted by pre neuron (stable), into pj->list. */
static nmsim_status list_finish(scn_ctx *x, list_acc *a, scn_projection *pj, bool weights,
                                bool delays) {
  uint32_t npre = x->s->pops[pj->pre].size;
  scn_list *l = nm_calloc(1, sizeof *l);
  if (!l) return NMSIM_ENOMEM_ERR(x->err);
  pj->list = l;
  pj->conn = SCN_LIST;
  l->n = a->n;
  l->off = nm_calloc((size_t)npre + 1, sizeof *l->off);
  l->post = nm_malloc((a->n ? a->n : 1) * sizeof *l->post);
  if (weights) l->w = nm_malloc((a->n ? a->n : 1) * sizeof *l->w);
  if (delays) l->d = nm_malloc((a->n ? a->n : 1) * sizeof *l->d);
  if (!l->off || !l->post || (weights && !l->w) || (delays && !l->d))
    return NMSIM_ENOMEM_ERR(x->err);
  if (a->n > UINT32_MAX) return yml_error(x->d, NULL, "list", x->err, "too many pairs");
  for (size_t i = 0; i < a->n; i++) l->off[a->pre[i] + 1]++;
  for (uint32_t i = 0; i < npre; i++) l->off[i + 1] += l->off[i];
  uint32_t *at = nm_malloc(((size_t)npre + 1) * sizeof *at);
  if (!at) return NMSIM_ENOMEM_ERR(x->err);
  memcpy(at, l->off, ((size_t)npre + 1) * sizeof *at);
  for (size_t i = 0; i < a->n; i++) {
    uint32_t k = at[a->pre[i]]++;
    l->post[k] = a->post[i];
    if (weights) l->w[k] = a->w[i];
    if (delays) l->d[k] = a->d[i];
  }
  nm_free(at);
  return NMSIM_OK;
}

/* list: [[pre, post], [pre, post, weight], ...] inline, or {file: PATH}: a CSV
 * or text file of one pair per line (pre, post[, weight]; '#' comments).
 * Weights in the list are multiplied by the projection's `weight`. */
static nmsim_status scn_read_list(scn_ctx *x, struct fy_node *n, const char *field,
                                  scn_projection *pj) {
  list_acc a = {0};
  char f[400], got[80], msg[256];
  nmsim_status rc = NMSIM_OK;
  int width = 0; /* 2 or 3 numbers a pair, the same for every pair */
  if (fy_node_is_sequence(n)) {
    void *it = NULL;
    struct fy_node *e;
    for (int i = 0; (e = fy_node_sequence_iterate(n, &it)) && rc == NMSIM_OK; i++) {
      scn_fmt(f, sizeof f, "%s[%d]", field, i);
      double v[4];
      int nv = fy_node_is_sequence(e) ? fy_node_sequence_item_count(e) : -1;
      if (nv < 2 || nv > 4) {
        rc = yml_error(x->d, e, f, x->err,
                       "expected [pre, post], [pre, post, weight] or [pre, post, weight, delay], "
                       "got %s", scn_got(e, got, sizeof got));
        break;
      }
      for (int k = 0; k < nv && rc == NMSIM_OK; k++)
        rc = yml_quantity(x->d, fy_node_sequence_get_by_index(e, k), f, "", -INFINITY,
                          INFINITY, &v[k], x->err);
      if (rc) break;
      if (!width) width = nv;
      if (nv != width) {
        rc = yml_error(x->d, e, f, x->err, "every pair has %d numbers like the first, got %d",
                       width, nv);
        break;
      }
      if (!list_pair_ok(x->s, pj, v, nv, msg, sizeof msg)) {
        rc = yml_error(x->d, e, f, x->err, "%s", msg);
        break;
      }
      if (list_push(&a, (uint32_t)v[0], (uint32_t)v[1], nv >= 3 ? v[2] : 1.0,
                    nv == 4 ? (uint32_t)v[3] : 0)) {
        rc = NMSIM_ENOMEM_ERR(x->err);
        break;
      }
    }
  } else if (fy_node_is_mapping(n) && yml_get(n, "file")) {
    static const char *const fkeys[] = {"file", "dataset", NULL};
    const char *path, *ds = NULL;
    if ((rc = yml_check_keys(x->d, n, field, fkeys, x->err)) ||
        (rc = yml_str(x->d, yml_get(n, "file"), field, &path, x->err)) ||
        (yml_get(n, "dataset") && (rc = yml_str(x->d, yml_get(n, "dataset"), field, &ds, x->err))))
      return rc;
    char *full = scn_path(x, path), *text = NULL;
    nmsim_err e = {0};
    if (!full) return NMSIM_ENOMEM_ERR(x->err);
    size_t plen = strlen(full);
    bool binary = (plen > 4 && !strcmp(full + plen - 4, ".npy")) ||
                  (plen > 3 && !strcmp(full + plen - 3, ".h5")) ||
                  (plen > 5 && !strcmp(full + plen - 5, ".hdf5"));
    if (binary) { /* a table of one pair per row */
      double *tab = NULL;
      size_t rows = 0, cols = 0;
      rc = values_table_read(full, ds, &tab, &rows, &cols, msg, sizeof msg);
      if (rc == NMSIM_ENOMEM) rc = NMSIM_ENOMEM_ERR(x->err);
      else if (rc) yml_error(x->d, n, field, x->err, "%s", msg);
      else if (cols < 2 || cols > 4)
        rc = yml_error(x->d, n, field, x->err, "%s: a table of %zu columns; expected 2 to 4 "
                       "(pre, post, weight, delay)", full, cols);
      width = (int)cols;
      for (size_t r = 0; rc == NMSIM_OK && r < rows; r++) {
        const double *v = tab + r * cols;
        if (!list_pair_ok(x->s, pj, v, (int)cols, msg, sizeof msg))
          rc = yml_error(x->d, n, field, x->err, "%s: row %zu: %s", full, r, msg);
        else if (list_push(&a, (uint32_t)v[0], (uint32_t)v[1], cols >= 3 ? v[2] : 1.0,
                           cols == 4 ? (uint32_t)v[3] : 0))
          rc = NMSIM_ENOMEM_ERR(x->err);
      }
      free(tab);
      nm_free(full);
      goto finish;
    }
    if (ds) {
      nm_free(full);
      return yml_error(x->d, n, field, x->err, "dataset is for HDF5 files (.h5, .hdf5)");
    }
    rc = nm_read_text(full, NM_TEXT_MAX, &text, &e);
    size_t line = 0;
    for (char *p = text, *nl; rc == NMSIM_OK && p && *p; p = nl ? nl + 1 : NULL) {
      nl = strchr(p, '\n');
      line++;
      if (nl) *nl = 0;
      char *hash = strchr(p, '#');
      if (hash) *hash = 0;
      double v[5];
      int nv = 0;
      for (char *q = p; *q && nv < 5;) {
        if (strchr(",; \t\r", *q)) {
          q++;
          continue;
        }
        char *end;
        v[nv] = strtod(q, &end);
        if (end == q) {
          nv = -1;
          break;
        }
        nv++;
        q = end;
      }
      if (nv == 0) continue; /* blank or comment */
      if (nv > 0 && !width) width = nv;
      if (nv < 0 || nv != width || !list_pair_ok(x->s, pj, v, nv, msg, sizeof msg)) {
        if (nv < 0) snprintf(msg, sizeof msg, "expected numbers");
        else if (nv != width)
          snprintf(msg, sizeof msg, "every line has %d numbers like the first, got %d", width, nv);
        rc = yml_error(x->d, n, field, x->err, "%s:%zu: %s", full, line, msg);
        break;
      }
      if (list_push(&a, (uint32_t)v[0], (uint32_t)v[1], nv >= 3 ? v[2] : 1.0,
                    nv == 4 ? (uint32_t)v[3] : 0))
        rc = NMSIM_ENOMEM_ERR(x->err);
    }
    if (rc == NMSIM_EIO || (rc && !text)) {
      yml_error(x->d, n, field, x->err, "%s", e.msg);
      if (x->err) x->err->code = rc;
    }
    nm_free(text);
    nm_free(full);
  } else {
    rc = yml_error(x->d, n, field, x->err,
                   "expected a list of [pre, post] or [pre, post, weight], or {file: PATH}, got %s",
                   scn_got(n, got, sizeof got));
  }
finish:
  if (rc == NMSIM_OK) rc = list_finish(x, &a, pj, width >= 3, width == 4);
  nm_free(a.pre);
  nm_free(a.post);
  nm_free(a.w);
  nm_free(a.d);
  return rc;
}

/* matrix: [[w ...], ...], one row per pre neuron and one column per post
 * neuron, inline, or {file: PATH, dataset: NAME} (CSV, .npy or HDF5, pre x
 * post values row-major). A zero makes no synapse; weights are multiplied by
 * the projection's `weight`. */
static nmsim_status scn_read_matrix(scn_ctx *x, struct fy_node *n, const char *field,
                                    scn_projection *pj) {
  uint32_t npre = x->s->pops[pj->pre].size, npost = x->s->pops[pj->post].size;
  char f[400], got[80], msg[512];
  nmsim_status rc;
  size_t cnt = (size_t)npre * npost;
  if (cnt > ((size_t)1 << 28))
    return yml_error(x->d, n, field, x->err,
                     "a %u x %u matrix is too large (at most 2^28 entries): use a list", npre,
                     npost);
  double *flat = nm_malloc((cnt ? cnt : 1) * sizeof *flat);
  if (!flat) return NMSIM_ENOMEM_ERR(x->err);
  rc = NMSIM_OK;
  if (fy_node_is_sequence(n)) {
    if ((uint32_t)fy_node_sequence_item_count(n) != npre)
      rc = yml_error(x->d, n, field, x->err, "expected %u rows (one per neuron of '%s'), got %d",
                     npre, x->s->pops[pj->pre].name, fy_node_sequence_item_count(n));
    void *it = NULL;
    struct fy_node *row;
    for (uint32_t i = 0; rc == NMSIM_OK && (row = fy_node_sequence_iterate(n, &it)); i++) {
      scn_fmt(f, sizeof f, "%s[%u]", field, i);
      if (!fy_node_is_sequence(row) || (uint32_t)fy_node_sequence_item_count(row) != npost) {
        rc = yml_error(x->d, row, f, x->err,
                       "expected a row of %u weights (one per neuron of '%s'), got %s", npost,
                       x->s->pops[pj->post].name, scn_got(row, got, sizeof got));
        break;
      }
      void *jt = NULL;
      struct fy_node *e;
      for (uint32_t j = 0; rc == NMSIM_OK && (e = fy_node_sequence_iterate(row, &jt)); j++)
        rc = yml_quantity(x->d, e, f, "", -INFINITY, INFINITY, &flat[(size_t)i * npost + j],
                          x->err);
    }
  } else if (fy_node_is_mapping(n) && yml_get(n, "file")) {
    static const char *const keys[] = {"file", "dataset", NULL};
    const char *path, *ds = NULL;
    if ((rc = yml_check_keys(x->d, n, field, keys, x->err)) ||
        (rc = yml_str(x->d, yml_get(n, "file"), field, &path, x->err)) ||
        (yml_get(n, "dataset") && (rc = yml_str(x->d, yml_get(n, "dataset"), field, &ds, x->err)))) {
      nm_free(flat);
      return rc;
    }
    char *full = scn_path(x, path);
    if (!full) rc = NMSIM_ENOMEM_ERR(x->err);
    else if ((rc = values_file_read(full, ds, cnt, flat, msg, sizeof msg))) {
      yml_error(x->d, n, field, x->err, "%s (a %u x %u matrix: rows '%s', columns '%s')", msg,
                npre, npost, x->s->pops[pj->pre].name, x->s->pops[pj->post].name);
      if (x->err) x->err->code = rc;
    }
    nm_free(full);
  } else {
    rc = yml_error(x->d, n, field, x->err,
                   "expected a list of rows (one per pre neuron) or {file: PATH}, got %s",
                   scn_got(n, got, sizeof got));
  }
  if (rc == NMSIM_OK) {
    scn_matrix *m = nm_calloc(1, sizeof *m);
    if (!m) {
      nm_free(flat);
      return NMSIM_ENOMEM_ERR(x->err);
    }
    /* the internal layout is (out, in): post j from pre i at [j * n_in + i] */
    m->n_out = npost, m->n_in = npre;
    m->w = nm_malloc((cnt ? cnt : 1) * sizeof *m->w);
    if (!m->w) {
      nm_free(m);
      nm_free(flat);
      return NMSIM_ENOMEM_ERR(x->err);
    }
    for (uint32_t i = 0; i < npre; i++)
      for (uint32_t j = 0; j < npost; j++)
        m->w[(size_t)j * npre + i] = flat[(size_t)i * npost + j];
    pj->matrix = m;
    pj->conn = SCN_MATRIX;
  }
  nm_free(flat);
  return rc;
}

/* distance: {pre: [H, W], post: [H, W], p: P, sigma: S, periodic: BOOL}: the
 * grids default to square ones when the size is a square. */
static nmsim_status scn_read_distance(scn_ctx *x, struct fy_node *n, const char *field,
                                      scn_projection *pj) {
  static const char *const keys[] = {"pre", "post", "p", "sigma", "periodic", NULL};
  char f[400];
  nmsim_status rc;
  if ((rc = yml_check_keys(x->d, n, field, keys, x->err))) return rc;
  scn_distance *d = nm_calloc(1, sizeof *d);
  if (!d) return NMSIM_ENOMEM_ERR(x->err);
  pj->dist = d;
  pj->conn = SCN_DISTANCE;
  uint32_t *hw[2] = {&d->pre_h, &d->post_h};
  for (int k = 0; k < 2; k++) {
    const scn_population *pop = &x->s->pops[k ? pj->post : pj->pre];
    struct fy_node *g = yml_get(n, k ? "post" : "pre");
    scn_fmt(f, sizeof f, "%s.%s", field, k ? "post" : "pre");
    uint32_t v[2];
    if (g) {
      if ((rc = scn_read_uints(x, g, f, 2, 1, 1u << 20, v))) return rc;
    } else {
      uint32_t r = (uint32_t)llround(sqrt((double)pop->size));
      if ((uint64_t)r * r != pop->size)
        return yml_error(x->d, n, field, x->err,
                         "'%s' has %u neurons, not a square: give %s: [HEIGHT, WIDTH]",
                         pop->name, pop->size, k ? "post" : "pre");
      v[0] = v[1] = r;
    }
    if ((uint64_t)v[0] * v[1] != pop->size)
      return yml_error(x->d, g, f, x->err, "a %u x %u grid has %llu neurons, '%s' has %u", v[0],
                       v[1], (unsigned long long)v[0] * v[1], pop->name, pop->size);
    hw[k][0] = v[0], hw[k][1] = v[1];
  }
  struct fy_node *q;
  scn_fmt(f, sizeof f, "%s.p", field);
  d->p = 1;
  if ((q = yml_get(n, "p")) && (rc = yml_quantity(x->d, q, f, "", 0, 1, &d->p, x->err))) return rc;
  scn_fmt(f, sizeof f, "%s.sigma", field);
  if (!(q = scn_need(x, n, field, "sigma", "the width of the fall-off, a fraction of the grid")))
    return NMSIM_EINPUT;
  if ((rc = yml_quantity(x->d, q, f, "", 1e-9, 1e9, &d->sigma, x->err))) return rc;
  scn_fmt(f, sizeof f, "%s.periodic", field);
  if ((q = yml_get(n, "periodic")) && (rc = yml_bool(x->d, q, f, &d->periodic, x->err))) return rc;
  return NMSIM_OK;
}

static nmsim_status scn_read_connector(scn_ctx *x, struct fy_node *n, const char *field,
                                       scn_projection *pj) {
  static const char *const keys[] = {"fixed_probability", "conv2d", "pool2d",
                                     "fixed_in_degree", "fixed_out_degree", "list", "matrix",
                                     "distance", NULL};
  static const char *const what =
      "all_to_all, one_to_one, {fixed_probability: P}, {fixed_in_degree: K}, "
      "{fixed_out_degree: K}, {list: ...}, {matrix: ...}, {distance: {...}}, {conv2d: {...}} "
      "or {pool2d: {...}}";
  char got[80], f[320];
  const nmsim_scenario *s = x->s;
  nmsim_status rc;
  const char *str = scn_scalar(n);
  if (str && strcmp(str, "all_to_all") == 0) {
    pj->conn = SCN_ALL_TO_ALL;
  } else if (str && strcmp(str, "one_to_one") == 0) {
    pj->conn = SCN_ONE_TO_ONE;
    if (s->pops[pj->pre].size != s->pops[pj->post].size)
      return yml_error(x->d, n, field, x->err,
                       "one_to_one needs populations of equal size, got %s (%u) and %s (%u)",
                       s->pops[pj->pre].name, s->pops[pj->pre].size, s->pops[pj->post].name,
                       s->pops[pj->post].size);
  } else if (n && fy_node_is_mapping(n) && fy_node_mapping_item_count(n) == 1 &&
             (yml_get(n, "conv2d") || yml_get(n, "pool2d"))) {
    bool pool = yml_get(n, "pool2d") != NULL;
    scn_fmt(f, sizeof f, "%s.%s", field, pool ? "pool2d" : "conv2d");
    struct fy_node *c = yml_get(n, pool ? "pool2d" : "conv2d");
    if (!fy_node_is_mapping(c))
      return yml_error(x->d, c, f, x->err, "expected a mapping, got %s",
                       scn_got(c, got, sizeof got));
    return scn_read_conv(x, c, f, pj, pool);
  } else if (n && fy_node_is_mapping(n) && fy_node_mapping_item_count(n) == 1 &&
             (yml_get(n, "fixed_in_degree") || yml_get(n, "fixed_out_degree"))) {
    bool in = yml_get(n, "fixed_in_degree") != NULL;
    const scn_population *from = &s->pops[in ? pj->pre : pj->post];
    uint64_t k;
    scn_fmt(f, sizeof f, "%s.%s", field, in ? "fixed_in_degree" : "fixed_out_degree");
    /* with pre == post and no self connections, one candidate fewer (checked
     * when allow_self is known, in scn_read_proj) */
    if ((rc = yml_u64(x->d, yml_get(n, in ? "fixed_in_degree" : "fixed_out_degree"), f, 0,
                      from->size, &k, x->err)))
      return rc;
    pj->degree = (uint32_t)k;
    pj->conn = in ? SCN_FIXED_IN_DEGREE : SCN_FIXED_OUT_DEGREE;
  } else if (n && fy_node_is_mapping(n) && fy_node_mapping_item_count(n) == 1 &&
             yml_get(n, "list")) {
    scn_fmt(f, sizeof f, "%s.list", field);
    return scn_read_list(x, yml_get(n, "list"), f, pj);
  } else if (n && fy_node_is_mapping(n) && fy_node_mapping_item_count(n) == 1 &&
             yml_get(n, "distance")) {
    scn_fmt(f, sizeof f, "%s.distance", field);
    return scn_read_distance(x, yml_get(n, "distance"), f, pj);
  } else if (n && fy_node_is_mapping(n) && fy_node_mapping_item_count(n) == 1 &&
             yml_get(n, "matrix")) {
    scn_fmt(f, sizeof f, "%s.matrix", field);
    return scn_read_matrix(x, yml_get(n, "matrix"), f, pj);
  } else if (n && fy_node_is_mapping(n)) {
    if ((rc = yml_check_keys(x->d, n, field, keys, x->err))) return rc;
    struct fy_node *p = scn_need(x, n, field, "fixed_probability", "a probability in [0, 1]");
    if (!p) return NMSIM_EINPUT;
    scn_fmt(f, sizeof f, "%s.fixed_probability", field);
    if ((rc = yml_quantity(x->d, p, f, "", 0.0, 1.0, &pj->p, x->err))) return rc;
    pj->conn = SCN_FIXED_PROBABILITY;
  } else {
    return yml_error(x->d, n, field, x->err, "expected %s, got %s", what,
                     scn_got(n, got, sizeof got));
  }
  return NMSIM_OK;
}


/* Synaptic weights onto a fixed-point (Loihi) model: 8-bit integers as Lava's
 * Dense stores them for num_weight_bits = 8 (lava/utils/weightutils.py:
 * clip_weights, truncate_weights). The sign mode comes from the projection's
 * weights: all >= 0 (excitatory) allows 0..255, all <= 0 (inhibitory)
 * -255..0, both signs (mixed, e.g. a conv2d kernel) -256..254 in steps of 2,
 * because the sign takes one of the 8 bits and the weight is scaled by 2.
 * weight_exp: nengo-loihi's limit for the synapse weight exponent
 * (nengo_loihi/builder/validate.py: -7 <= weight_exp <= 7). */
#define SCN_WEIGHT_EXP_MIN (-7)
#define SCN_WEIGHT_EXP_MAX 7

/* The factors a projection's weight is multiplied by, per synapse: a conv2d
 * kernel, a list's weights or a matrix; NULL (*n 1) when there are none. */
static const double *weight_factors(const scn_projection *pj, size_t *n) {
  *n = 1;
  if (pj->conv && pj->conv->kernel) {
    *n = (size_t)pj->conv->out_c * pj->conv->in_c * pj->conv->kh * pj->conv->kw;
    return pj->conv->kernel;
  }
  if (pj->list && pj->list->w) {
    *n = pj->list->n;
    return pj->list->w;
  }
  if (pj->matrix) {
    *n = (size_t)pj->matrix->n_out * pj->matrix->n_in;
    return pj->matrix->w;
  }
  return NULL;
}

static nmsim_status scn_check_fixed_weights(scn_ctx *x, struct fy_node *wn, const char *field,
                                            scn_projection *pj) {
  size_t nk;
  const double *kernel = weight_factors(pj, &nk);
  double lo = 0, hi = 0;
  bool whole = true, odd = false;
  for (size_t i = 0; i < nk; i++) {
    double w = kernel ? pj->weight * kernel[i] : pj->weight;
    lo = fmin(lo, w), hi = fmax(hi, w);
    whole &= w == floor(w) && w >= -255 && w <= 255;
    odd |= w == floor(w) && fmod(w, 2.0) != 0;
  }
  bool mixed = lo < 0 && hi > 0;
  /* odd weights of both signs: two projections of one sign each (Lava: two
   * Dense processes), exact; not with a negative weight_exp, which floors one
   * sum per site */
  if (mixed && whole && odd && pj->weight_exp >= 0) {
    pj->split = true;
    return NMSIM_OK;
  }
  double min = mixed ? -256 : lo < 0 ? -255 : 0, max = mixed ? 254 : lo < 0 ? 0 : 255;
  for (size_t i = 0; i < nk; i++) {
    double w = kernel ? pj->weight * kernel[i] : pj->weight;
    if (w != floor(w) || w < min || w > max || (mixed && fmod(w, 2.0) != 0))
      return yml_error(x->d, wn, field, x->err,
                       "model %s is fixed-point: %s must be an 8-bit integer (Lava Dense, "
                       "num_weight_bits 8): %s, got %.17g%s",
                       x->s->pops[pj->post].model->name,
                       kernel ? "every weight x kernel, list or matrix entry" : "the weight",
                       mixed ? "even and in [-256, 254] when the signs are mixed"
                             : "in [-255, 255], one sign per projection",
                       w,
                       mixed && w == floor(w) && w >= -255 && w <= 255
                           ? "; odd weights of both signs are split into two projections of "
                             "one sign each, but not with a negative weight_exp: give "
                             "weight_exp >= 0, or two projections yourself"
                           : "");
  }
  return NMSIM_OK;
}

/* plasticity: {rule: stdp | loihi_trace, a_plus, a_minus, tau_plus, tau_minus,
 * w_min, w_max, dependence: additive | multiplicative, pairing: all_to_all |
 * nearest}; weights and bounds in the target's input unit. */
static nmsim_status scn_read_plasticity(scn_ctx *x, scn_projection *pj, struct fy_node *m,
                                        const char *field, const char *unit) {
  static const char *const keys[] = {"rule",   "a_plus", "a_minus",    "tau_plus", "tau_minus",
                                     "w_min",  "w_max",  "dependence", "pairing",  NULL};
  char f[360], got[80], msg[256];
  nmsim_status rc;
  struct fy_node *n;
  if ((rc = yml_check_keys(x->d, m, field, keys, x->err))) return rc;
  if (x->s->pops[pj->post].model->flags & NMSIM_MODEL_FIXED_POINT)
    return yml_error(x->d, m, field, x->err,
                     "plasticity needs a floating-point target model, got %s (fixed point)",
                     x->s->pops[pj->post].model->name);
  scn_plasticity *pl = nm_calloc(1, sizeof *pl);
  if (!pl) return NMSIM_ENOMEM_ERR(x->err);
  pj->plast = pl;
  stdp_params *p = &pl->p;
  *p = (stdp_params){.a_plus = 0.005, .a_minus = 0.00525, .tau_plus = 20, .tau_minus = 20,
                     .w_min = 0, .w_max = 1, .dep = STDP_ADDITIVE, .pairing = STDP_ALL_TO_ALL};
  pl->rule = stdp_rules[0];
  scn_fmt(f, sizeof f, "%s.rule", field);
  if ((n = yml_get(m, "rule"))) {
    const char *r;
    if ((rc = yml_str(x->d, n, f, &r, x->err))) return rc;
    if (!(pl->rule = stdp_rule_find(r))) {
      char names[128];
      size_t at = 0;
      for (size_t i = 0; stdp_rules[i] && at < sizeof names; i++)
        at += (size_t)snprintf(names + at, sizeof names - at, "%s%s",
                               i == 0 ? "" : stdp_rules[i + 1] ? ", " : " or ", stdp_rules[i]->name);
      return yml_error(x->d, n, f, x->err, "expected %s, got '%s'", names, r);
    }
  }
  struct { const char *key, *unit; double *out; double lo; } q[] = {
      {"a_plus", "", &p->a_plus, 0},       {"a_minus", "", &p->a_minus, 0},
      {"tau_plus", "ms", &p->tau_plus, 0}, {"tau_minus", "ms", &p->tau_minus, 0},
      {"w_min", unit, &p->w_min, -INFINITY}, {"w_max", unit, &p->w_max, -INFINITY}};
  for (size_t i = 0; i < NM_ARRAY_LEN(q); i++) {
    scn_fmt(f, sizeof f, "%s.%s", field, q[i].key);
    if ((n = yml_get(m, q[i].key)) &&
        (rc = yml_quantity(x->d, n, f, q[i].unit, q[i].lo, INFINITY, q[i].out, x->err)))
      return rc;
  }
  scn_fmt(f, sizeof f, "%s.dependence", field);
  if ((n = yml_get(m, "dependence"))) {
    const char *d;
    if ((rc = yml_str(x->d, n, f, &d, x->err))) return rc;
    if (strcmp(d, "additive") == 0) p->dep = STDP_ADDITIVE;
    else if (strcmp(d, "multiplicative") == 0) p->dep = STDP_MULTIPLICATIVE;
    else return yml_error(x->d, n, f, x->err, "expected additive or multiplicative, got '%s'", d);
  }
  scn_fmt(f, sizeof f, "%s.pairing", field);
  if ((n = yml_get(m, "pairing"))) {
    const char *d;
    if ((rc = yml_str(x->d, n, f, &d, x->err))) return rc;
    if (strcmp(d, "all_to_all") == 0) p->pairing = STDP_ALL_TO_ALL;
    else if (strcmp(d, "nearest") == 0) p->pairing = STDP_NEAREST;
    else return yml_error(x->d, n, f, x->err, "expected all_to_all or nearest, got '%s'", d);
  }
  if (stdp_check(p, msg, sizeof msg) != NMSIM_OK)
    return yml_error(x->d, m, field, x->err, "%s", msg);
  if (pj->weight < p->w_min || pj->weight > p->w_max)
    return yml_error(x->d, m, field, x->err,
                     "the initial weight %g lies outside [w_min, w_max] = [%g, %g]", pj->weight,
                     p->w_min, p->w_max);
  if (pj->conv)
    return yml_error(x->d, m, field, x->err,
                     "plasticity on shared-kernel projections (conv2d, pool2d) is not supported; "
                     "got %s", scn_got(m, got, sizeof got));
  pj->weight_max = fmax(pj->weight_max, fmax(fabs(p->w_min), fabs(p->w_max)));
  return NMSIM_OK;
}

/* weight: {uniform: [LO, HI]} | {normal: [MEAN, SD]} | {lognormal: [MEAN, SD]},
 * with bounds: [LO, HI] (redrawn outside); a normal or lognormal draw without
 * bounds is clipped at MEAN +- 8 SD, which keeps the input's fixed-point
 * scale (docs/scenario-format.md). */
static nmsim_status scn_read_weight_dist(scn_ctx *x, struct fy_node *n, const char *field,
                                         const char *unit, scn_projection *pj) {
  static const char *const keys[] = {"uniform", "normal", "lognormal", "bounds", NULL};
  static const char *const kinds[3] = {"uniform", "normal", "lognormal"};
  char f[400], got[80];
  nmsim_status rc;
  if ((rc = yml_check_keys(x->d, n, field, keys, x->err))) return rc;
  int kind = -1;
  for (int k = 0; k < 3; k++)
    if (yml_get(n, kinds[k])) kind = kind < 0 ? k : 3;
  if (kind < 0 || kind == 3)
    return yml_error(x->d, n, field, x->err,
                     "expected one of {uniform: [LO, HI]}, {normal: [MEAN, SD]} or {lognormal: "
                     "[MEAN, SD]}");
  scn_dist *d = &pj->wdist;
  struct fy_node *l = yml_get(n, kinds[kind]);
  scn_fmt(f, sizeof f, "%s.%s", field, kinds[kind]);
  if (!fy_node_is_sequence(l) || fy_node_sequence_item_count(l) != 2)
    return yml_error(x->d, l, f, x->err, "expected a list of two values, got %s",
                     scn_got(l, got, sizeof got));
  if ((rc = yml_quantity(x->d, fy_node_sequence_get_by_index(l, 0), f, unit, -INFINITY,
                         INFINITY, &d->a, x->err)) ||
      (rc = yml_quantity(x->d, fy_node_sequence_get_by_index(l, 1), f, unit, -INFINITY,
                         INFINITY, &d->b, x->err)))
    return rc;
  if (kind == 0 ? d->b < d->a : d->b < 0 || (kind == 2 && !(d->a > 0)))
    return yml_error(x->d, l, f, x->err, "expected %s",
                     kind == 0   ? "low <= high"
                     : kind == 1 ? "a standard deviation >= 0"
                                 : "a mean > 0 and a standard deviation >= 0");
  d->kind = kind == 0 ? SCN_DIST_UNIFORM : kind == 1 ? SCN_DIST_NORMAL : SCN_DIST_LOGNORMAL;
  d->lo = kind == 0 ? d->a : kind == 2 ? 0 : d->a - 8 * d->b;
  d->hi = kind == 0 ? d->b : d->a + 8 * d->b;
  struct fy_node *bn = yml_get(n, "bounds");
  if (bn) {
    scn_fmt(f, sizeof f, "%s.bounds", field);
    if (!fy_node_is_sequence(bn) || fy_node_sequence_item_count(bn) != 2)
      return yml_error(x->d, bn, f, x->err, "expected [LOW, HIGH]");
    if ((rc = yml_quantity(x->d, fy_node_sequence_get_by_index(bn, 0), f, unit, -INFINITY,
                           INFINITY, &d->lo, x->err)) ||
        (rc = yml_quantity(x->d, fy_node_sequence_get_by_index(bn, 1), f, unit, -INFINITY,
                           INFINITY, &d->hi, x->err)))
      return rc;
    if (!(d->lo <= d->hi)) return yml_error(x->d, bn, f, x->err, "expected LOW <= HIGH");
  }
  pj->weight = kind == 0 ? (d->a + d->b) / 2 : d->a; /* the mean, for reports and checks */
  return NMSIM_OK;
}

static nmsim_status scn_read_proj(scn_ctx *x, struct fy_node *m, const char *field,
                                  scn_projection *pj) {
  static const char *const keys[] = {"from", "to", "connector", "weight", "weight_exp",
                                     "delay", "site", "allow_self", "plasticity", NULL};
  char f[320], list[256];
  nmsim_status rc;
  struct fy_node *n, *wn, *en = NULL;
  long idx;
  int col;
  yml_pos(m, &pj->line, &col);
  if ((rc = yml_check_keys(x->d, m, field, keys, x->err))) return rc;

  scn_fmt(f, sizeof f, "%s.from", field);
  if (!(n = scn_need(x, m, field, "from", "the name of a population"))) return NMSIM_EINPUT;
  if ((idx = scn_pop_ref(x, n, f)) < 0) return NMSIM_EINPUT;
  pj->pre = (uint32_t)idx;

  scn_fmt(f, sizeof f, "%s.to", field);
  if (!(n = scn_need(x, m, field, "to", "the name of a population"))) return NMSIM_EINPUT;
  if ((idx = scn_pop_ref(x, n, f)) < 0) return NMSIM_EINPUT;
  pj->post = (uint32_t)idx;
  const scn_population *post = &x->s->pops[pj->post];
  const nmsim_neuron_type *t = post->model;
  if (t->n_sites == 0)
    return yml_error(x->d, n, f, x->err,
                     "expected a population that takes synaptic input, got '%s' (model %s is a "
                     "spike source)",
                     post->name, t->name);

  scn_fmt(f, sizeof f, "%s.connector", field);
  if (!(n = scn_need(x, m, field, "connector",
                     "all_to_all, one_to_one, {fixed_probability: P}, {conv2d: ...} or "
                     "{pool2d: ...}")))
    return NMSIM_EINPUT;
  if ((rc = scn_read_connector(x, n, f, pj))) return rc;

  scn_fmt(f, sizeof f, "%s.weight", field);
  const char *unit = t->input_unit ? t->input_unit : "";
  bool explicit = pj->conn == SCN_LIST || pj->conn == SCN_MATRIX;
  n = yml_get(m, "weight");
  if (!n && !explicit &&
      !(n = scn_need(x, m, field, "weight", unit[0] ? "a number or a quantity" : "a number")))
    return NMSIM_EINPUT;
  pj->weight = 1; /* a list's or matrix's weights as given */
  if (n && fy_node_is_mapping(n)) {
    if ((rc = scn_read_weight_dist(x, n, f, unit, pj))) return rc;
  } else if (n &&
             (rc = yml_quantity(x->d, n, f, unit, -INFINITY, INFINITY, &pj->weight, x->err))) {
    return rc;
  }
  pj->weight_max = fabs(pj->weight);
  size_t nk;
  const double *fac = weight_factors(pj, &nk);
  if (fac) {
    double km = 0;
    for (size_t i = 0; i < nk; i++) km = fmax(km, fabs(fac[i]));
    pj->weight_max = fabs(pj->weight) * km;
  }
  if (pj->wdist.kind) pj->weight_max = fmax(fabs(pj->wdist.lo), fabs(pj->wdist.hi));
  wn = n ? n : m;
  if (pj->wdist.kind && (pj->conv || pj->list || pj->matrix))
    return yml_error(x->d, wn, f, x->err,
                     "weights drawn per synapse are for all_to_all, one_to_one, "
                     "fixed_probability and the fixed degrees; a kernel, list or matrix gives "
                     "its own weights");

  pj->weight_exp = 0;
  scn_fmt(f, sizeof f, "%s.weight_exp", field);
  if ((en = yml_get(m, "weight_exp"))) {
    double e;
    char got[80];
    if (!(t->flags & NMSIM_MODEL_FIXED_POINT))
      return yml_error(x->d, en, f, x->err,
                       "weight_exp is only for fixed-point targets; population '%s' (model %s) "
                       "takes weights in %s",
                       post->name, t->name, unit[0] ? unit : "plain numbers");
    if ((rc = yml_quantity(x->d, en, f, "", SCN_WEIGHT_EXP_MIN, SCN_WEIGHT_EXP_MAX, &e, x->err)))
      return rc;
    if (e != floor(e))
      return yml_error(x->d, en, f, x->err, "expected an integer in [%d, %d], got %s",
                       SCN_WEIGHT_EXP_MIN, SCN_WEIGHT_EXP_MAX, scn_got(en, got, sizeof got));
    pj->weight_exp = (int)e;
  }
  scn_fmt(f, sizeof f, "%s.weight", field);
  if ((t->flags & NMSIM_MODEL_FIXED_POINT) && pj->wdist.kind)
    return yml_error(x->d, wn, f, x->err,
                     "weights drawn per synapse need a floating-point target; '%s' (model %s) "
                     "takes 8-bit integer weights: give a list or a matrix of them",
                     post->name, t->name);
  if ((t->flags & NMSIM_MODEL_FIXED_POINT) && (rc = scn_check_fixed_weights(x, wn, f, pj)))
    return rc;

  pj->delay = 1;
  scn_fmt(f, sizeof f, "%s.delay", field);
  if ((n = yml_get(m, "delay")) && fy_node_is_mapping(n)) {
    /* {uniform: [LO, HI]}: whole steps drawn per synapse, each end a delay;
     * {normal | lognormal: [MEAN, SD], bounds: [LO, HI]}: drawn and rounded to
     * whole steps within the bounds (default [1, 255] steps) */
    static const char *const dkeys[] = {"uniform", "normal", "lognormal", "bounds", NULL};
    char fd[340], got[80];
    if ((rc = yml_check_keys(x->d, n, f, dkeys, x->err))) return rc;
    struct fy_node *l = yml_get(n, "uniform");
    if (!l) {
      bool logn = yml_get(n, "lognormal") != NULL;
      l = yml_get(n, logn ? "lognormal" : "normal");
      scn_fmt(fd, sizeof fd, "%s.%s", f, logn ? "lognormal" : "normal");
      double v[4] = {0, 0, 1, SCN_MAX_DELAY};
      if (!l || !fy_node_is_sequence(l) || fy_node_sequence_item_count(l) != 2)
        return yml_error(x->d, l ? l : n, fd, x->err,
                         "expected {uniform: [LO, HI]}, {normal: [MEAN, SD]} or {lognormal: "
                         "[MEAN, SD]} (steps, or times: multiples of dt), got %s",
                         scn_got(l ? l : n, got, sizeof got));
      struct fy_node *bn = yml_get(n, "bounds");
      bool bseq = bn && fy_node_is_sequence(bn);
      struct fy_node *ends[4] = {fy_node_sequence_get_by_index(l, 0),
                                 fy_node_sequence_get_by_index(l, 1),
                                 bseq ? fy_node_sequence_get_by_index(bn, 0) : NULL,
                                 bseq ? fy_node_sequence_get_by_index(bn, 1) : NULL};
      for (int k = 0; k < 4; k++) {
        const char *str = ends[k] ? scn_scalar(ends[k]) : NULL;
        char msg[200];
        if (!ends[k]) continue;
        if (!str || (units_parse(str, "", &v[k], msg, sizeof msg) != NMSIM_OK &&
                     (units_parse(str, "ms", &v[k], msg, sizeof msg) != NMSIM_OK ||
                      !((v[k] /= x->s->dt_ms) >= 0))))
          return yml_error(x->d, ends[k], fd, x->err, "expected steps or a time, got %s",
                           scn_got(ends[k], got, sizeof got));
      }
      if (!(v[1] >= 0) || (logn && !(v[0] > 0)) ||
          !(v[2] >= 1 && v[3] <= SCN_MAX_DELAY && v[2] <= v[3]))
        return yml_error(x->d, n, f, x->err,
                         "expected a standard deviation >= 0%s and bounds within [1, %d] steps",
                         logn ? ", a mean > 0" : "", SCN_MAX_DELAY);
      if (pj->conv || pj->list || pj->matrix)
        return yml_error(x->d, n, f, x->err,
                         "delays drawn per synapse are for all_to_all, one_to_one, "
                         "fixed_probability, distance and the fixed degrees");
      pj->ddist = (scn_dist){.kind = logn ? SCN_DIST_LOGNORMAL : SCN_DIST_NORMAL, .a = v[0],
                             .b = v[1], .lo = ceil(v[2] - 0.5), .hi = floor(v[3] + 0.5)};
      pj->delay = (uint32_t)pj->ddist.lo;
      goto delay_done;
    }
    scn_fmt(fd, sizeof fd, "%s.uniform", f);
    if (!fy_node_is_sequence(l) || fy_node_sequence_item_count(l) != 2)
      return yml_error(x->d, l, fd, x->err, "expected [LO, HI] (steps or times), got %s",
                       scn_got(l, got, sizeof got));
    if ((rc = scn_read_delay(x, fy_node_sequence_get_by_index(l, 0), fd, &pj->delay_lo)) ||
        (rc = scn_read_delay(x, fy_node_sequence_get_by_index(l, 1), fd, &pj->delay_hi)))
      return rc;
    if (pj->delay_hi < pj->delay_lo) return yml_error(x->d, l, fd, x->err, "expected LO <= HI");
    if (pj->conv || pj->list || pj->matrix)
      return yml_error(x->d, n, f, x->err,
                       "delays drawn per synapse are for all_to_all, one_to_one, "
                       "fixed_probability and the fixed degrees (a list gives its own)");
    pj->delay = pj->delay_lo;
    if (pj->delay_hi == pj->delay_lo) pj->delay_hi = 0; /* one delay after all */
  } else if (n && (rc = scn_read_delay(x, n, f, &pj->delay))) {
    return rc;
  }
delay_done:

  pj->site = 0;
  scn_fmt(f, sizeof f, "%s.site", field);
  if ((n = yml_get(m, "site"))) {
    const char *site;
    if ((rc = yml_str(x->d, n, f, &site, x->err))) return rc;
    int si = nmsim_model_site_index(t, site);
    if (si < 0) {
      scn_join(list, sizeof list, (const char *const *)t->sites, sizeof t->sites[0], t->n_sites);
      return yml_error(x->d, n, f, x->err,
                       "expected an input site of model %s (%s), got '%s'", t->name, list, site);
    }
    pj->site = (uint32_t)si;
  }

  /* A negative weight_exp floors the projection's own sum; the engine hands
   * the model one sum per site, so at most one such projection per site keeps
   * it exact (docs/scenario-format.md, "Fixed-point targets"). */
  for (size_t k = 0; pj->weight_exp < 0 && &x->s->projs[k] != pj; k++) {
    const scn_projection *q = &x->s->projs[k];
    scn_fmt(f, sizeof f, "%s.weight_exp", field);
    if (q->post == pj->post && q->site == pj->site && q->weight_exp < 0)
      return yml_error(x->d, en, f, x->err,
                       "at most one projection with a negative weight_exp may target a site "
                       "of a population; the projection at line %d already targets site %s "
                       "of '%s' with weight_exp %d",
                       q->line, t->sites[pj->site], post->name, q->weight_exp);
  }

  pj->allow_self = false;
  scn_fmt(f, sizeof f, "%s.allow_self", field);
  if ((n = yml_get(m, "allow_self")) && (rc = yml_bool(x->d, n, f, &pj->allow_self, x->err)))
    return rc;
  if ((pj->conn == SCN_FIXED_IN_DEGREE || pj->conn == SCN_FIXED_OUT_DEGREE) &&
      pj->pre == pj->post && !pj->allow_self && pj->degree >= post->size) {
    scn_fmt(f, sizeof f, "%s.connector", field);
    return yml_error(x->d, yml_get(m, "connector"), f, x->err,
                     "a degree of %u needs %u candidates, and '%s' without self connections "
                     "has %u: lower it or set allow_self: true",
                     pj->degree, pj->degree, post->name, post->size - 1);
  }
  /* a weight whose sign disagrees with an excitatory or inhibitory site */
  const char *site = t->sites[pj->site];
  double mean = pj->wdist.kind ? pj->wdist.a : pj->weight;
  if ((!strcmp(site, "inh") && mean > 0) || (!strcmp(site, "exc") && mean < 0)) {
    char w[512];
    scn_fmt(w, sizeof w,
            "%s:%d: %s: a %s weight (%g %s) onto site '%s' of '%s' %s it; if that is not "
            "meant, flip the sign",
            x->s->path, pj->line, field, mean > 0 ? "positive" : "negative", mean, unit, site,
            post->name, mean > 0 ? "excites through" : "inhibits through");
    if ((rc = scn_warn(x, w))) return rc;
  }
  scn_fmt(f, sizeof f, "%s.plasticity", field);
  if ((n = yml_get(m, "plasticity")) && (rc = scn_read_plasticity(x, pj, n, f, unit))) return rc;
  return NMSIM_OK;
}

/* Projection pos (fixed point, odd weights of both signs) keeps its positive
 * weights; neg, a copy, gets the negative ones: every factor (kernel, list or
 * matrix entry) of the other sign zeroed, which makes no synapse. */
static nmsim_status split_signs(scn_ctx *x, scn_projection *pos, scn_projection *neg) {
  *neg = *pos;
  neg->split = pos->split = false;
  /* neg owns nothing of pos's: what it gets below is its own (freed with it) */
  neg->conv = NULL, neg->list = NULL, neg->matrix = NULL, neg->dist = NULL, neg->plast = NULL;
  double **fp = NULL, **fn = NULL;
  size_t nk = 0;
  if (pos->conv) {
    nk = (size_t)pos->conv->out_c * pos->conv->in_c * pos->conv->kh * pos->conv->kw;
    if (!(neg->conv = nm_malloc(sizeof *neg->conv))) return NMSIM_ENOMEM_ERR(x->err);
    *neg->conv = *pos->conv;
    neg->conv->kernel = NULL;
    fp = &pos->conv->kernel, fn = &neg->conv->kernel;
  } else if (pos->list) {
    const scn_list *l = pos->list;
    uint32_t npre = x->s->pops[pos->pre].size;
    scn_list *c = nm_calloc(1, sizeof *c);
    if (!(neg->list = c)) return NMSIM_ENOMEM_ERR(x->err);
    c->n = l->n;
    c->off = nm_malloc(((size_t)npre + 1) * sizeof *c->off);
    c->post = nm_malloc((l->n ? l->n : 1) * sizeof *c->post);
    if (l->d) c->d = nm_malloc((l->n ? l->n : 1) * sizeof *c->d);
    if (!c->off || !c->post || (l->d && !c->d)) return NMSIM_ENOMEM_ERR(x->err);
    memcpy(c->off, l->off, ((size_t)npre + 1) * sizeof *c->off);
    memcpy(c->post, l->post, l->n * sizeof *c->post);
    if (l->d) memcpy(c->d, l->d, l->n * sizeof *c->d);
    nk = l->n;
    fp = &pos->list->w, fn = &c->w;
  } else if (pos->matrix) {
    if (!(neg->matrix = nm_malloc(sizeof *neg->matrix))) return NMSIM_ENOMEM_ERR(x->err);
    *neg->matrix = *pos->matrix;
    neg->matrix->w = NULL;
    nk = (size_t)pos->matrix->n_out * pos->matrix->n_in;
    fp = &pos->matrix->w, fn = &neg->matrix->w;
  }
  if (!fp || !*fp) return NMSIM_OK; /* no factors: one weight, one sign */
  if (!(*fn = nm_malloc((nk ? nk : 1) * sizeof **fn))) return NMSIM_ENOMEM_ERR(x->err);
  double pm = 0, nm = 0;
  for (size_t i = 0; i < nk; i++) {
    double w = pos->weight * (*fp)[i];
    (*fn)[i] = w < 0 ? (*fp)[i] : 0.0;
    if (w < 0) (*fp)[i] = 0.0;
    pm = fmax(pm, fabs(pos->weight * (*fp)[i])), nm = fmax(nm, fabs(pos->weight * (*fn)[i]));
  }
  pos->weight_max = pm, neg->weight_max = nm;
  return NMSIM_OK;
}

nmsim_status scn_read_projs(scn_ctx *x, struct fy_node *root) {
  char got[80], field[64];
  nmsim_status rc;
  struct fy_node *seq = yml_get(root, "projections");
  if (!seq) return NMSIM_OK;
  if (!fy_node_is_sequence(seq))
    return yml_error(x->d, seq, "projections", x->err, "expected a list of projections, got %s",
                     scn_got(seq, got, sizeof got));
  int n = fy_node_sequence_item_count(seq);
  if (n == 0) return NMSIM_OK;
  if (!(x->s->projs = nm_calloc((size_t)n, sizeof *x->s->projs))) return NMSIM_ENOMEM_ERR(x->err);
  void *it = NULL;
  struct fy_node *m;
  for (int i = 0; (m = fy_node_sequence_iterate(seq, &it)); i++) {
    scn_fmt(field, sizeof field, "projections[%d]", i);
    long port = x->nir && fy_node_is_mapping(m) && scn_scalar(yml_get(m, "to"))
                    ? nir_net_port(x->nir, scn_scalar(yml_get(m, "to")))
                    : -1;
    if (port >= 0) { /* into a NIR graph's Input (docs/nir.md) */
      if ((rc = scn_read_nir_binding(x, m, field, port))) return rc;
      continue;
    }
    scn_projection *pj = &x->s->projs[x->s->n_projs++];
    if ((rc = scn_read_proj(x, m, field, pj))) return rc;
  }
  /* odd fixed-point weights of both signs: the negative ones become a
   * projection of their own, right after the file's (docs/scenario-format.md) */
  size_t nsplit = 0, n0 = x->s->n_projs;
  for (size_t k = 0; k < n0; k++) nsplit += x->s->projs[k].split;
  if (!nsplit) return NMSIM_OK;
  scn_projection *np = nm_realloc(x->s->projs, (n0 + nsplit) * sizeof *np);
  if (!np) return NMSIM_ENOMEM_ERR(x->err);
  x->s->projs = np;
  for (size_t k = 0; k < n0; k++)
    if (np[k].split && (rc = split_signs(x, &np[k], &np[x->s->n_projs++]))) return rc;
  return NMSIM_OK;
}
