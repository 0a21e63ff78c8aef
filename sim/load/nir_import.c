/* nir_import.c: a NIR graph as part of a scenario (network: {nir: FILE, ...}).
 * Neuron nodes become populations "nir.<node>"; the chains of operators
 * between them (Affine, Linear, Scale, Conv, Pool, Flatten, Delay) are folded
 * into one projection per path (matrices, shared kernels), their biases into
 * the neurons' bias; optionally everything is quantised to loihi_cuba.
 * docs/nir.md describes every rule. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "models/mdl_int.h"
#include "sim/load/nir_import.h"
#include "sim/load/scenario_int.h"

/* ---- linear maps between populations --------------------------------------------- */

typedef enum lm_kind { LM_IDENT, LM_DIAG, LM_DENSE, LM_CONV } lm_kind;

/* What a chain of operators does to the spikes of a population: y = scale *
 * M x, delay steps late. */
typedef struct lmap {
  lm_kind kind;
  uint64_t n_in, n_out;
  double scale;
  uint32_t delay;
  const double *w;     /* DIAG: n_in values; DENSE: n_out * n_in (row-major) */
  double *own;         /* w, when this map owns it */
  scn_conv cv;         /* CONV: geometry; cv.kernel NULL: sum pooling per channel */
  double *own_k;       /* cv.kernel, when this map owns it */
} lmap;

static void lm_free(lmap *m) {
  nm_free(m->own);
  nm_free(m->own_k);
  m->own = m->own_k = NULL;
}

static lmap lm_ident(uint64_t n) {
  return (lmap){.kind = LM_IDENT, .n_in = n, .n_out = n, .scale = 1.0};
}

/* A deep copy (owned arrays). */
static bool lm_clone(const lmap *a, lmap *out) {
  *out = *a;
  out->own = out->own_k = NULL;
  if (a->kind == LM_DIAG || a->kind == LM_DENSE) {
    size_t n = (size_t)(a->kind == LM_DIAG ? a->n_in : a->n_in * a->n_out);
    if (!(out->own = nm_malloc(sizeof(double) * (n ? n : 1)))) return false;
    memcpy(out->own, a->w, sizeof(double) * n);
    out->w = out->own;
  }
  if (a->kind == LM_CONV && a->cv.kernel) {
    size_t n = (size_t)a->cv.out_c * a->cv.in_c * a->cv.kh * a->cv.kw;
    if (!(out->own_k = nm_malloc(sizeof(double) * n))) return false;
    memcpy(out->own_k, a->cv.kernel, sizeof(double) * n);
    out->cv.kernel = out->own_k;
  }
  return true;
}

/* Outputs (and weights) reached from input i of a convolution or pooling: at
 * most out_c * kh * kw entries. */
static size_t conv_fanout(const scn_conv *cv, uint64_t i, uint32_t *dst, double *w) {
  uint32_t c = (uint32_t)(i / ((uint64_t)cv->in_h * cv->in_w));
  uint32_t y = (uint32_t)((i / cv->in_w) % cv->in_h), x = (uint32_t)(i % cv->in_w);
  bool pool = cv->kernel == NULL;
  size_t n = 0;
  for (uint32_t ky = 0; ky < cv->kh; ky++) {
    int64_t ny = (int64_t)y + cv->ph - ky;
    if (ny < 0 || ny % cv->sh || ny / cv->sh >= cv->out_h) continue;
    uint32_t oy = (uint32_t)(ny / cv->sh);
    for (uint32_t kx = 0; kx < cv->kw; kx++) {
      int64_t nx = (int64_t)x + cv->pw - kx;
      if (nx < 0 || nx % cv->sw || nx / cv->sw >= cv->out_w) continue;
      uint32_t ox = (uint32_t)(nx / cv->sw);
      for (uint32_t k = pool ? c : 0; k < (pool ? c + 1 : cv->out_c); k++) {
        double v =
            pool ? 1.0 : cv->kernel[((size_t)(k * cv->in_c + c) * cv->kh + ky) * cv->kw + kx];
        if (v == 0.0) continue;
        dst[n] = (k * cv->out_h + oy) * cv->out_w + ox;
        w[n++] = v;
      }
    }
  }
  return n;
}

/* out = M in (out has m->n_out elements; scale included). */
static nmsim_status lm_apply(const lmap *m, const double *in, double *out) {
  for (uint64_t j = 0; j < m->n_out; j++) out[j] = 0.0;
  switch (m->kind) {
    case LM_IDENT:
      for (uint64_t i = 0; i < m->n_in; i++) out[i] = m->scale * in[i];
      return NMSIM_OK;
    case LM_DIAG:
      for (uint64_t i = 0; i < m->n_in; i++) out[i] = m->scale * m->w[i] * in[i];
      return NMSIM_OK;
    case LM_DENSE:
      for (uint64_t j = 0; j < m->n_out; j++) {
        double acc = 0.0;
        for (uint64_t i = 0; i < m->n_in; i++) acc += m->w[j * m->n_in + i] * in[i];
        out[j] = m->scale * acc;
      }
      return NMSIM_OK;
    case LM_CONV: {
      size_t cap = (size_t)m->cv.out_c * m->cv.kh * m->cv.kw;
      uint32_t *dst = nm_malloc(sizeof(uint32_t) * cap);
      double *w = nm_malloc(sizeof(double) * cap);
      if (!dst || !w) {
        nm_free(dst);
        nm_free(w);
        return NMSIM_ENOMEM;
      }
      for (uint64_t i = 0; i < m->n_in; i++) {
        if (in[i] == 0.0) continue;
        size_t n = conv_fanout(&m->cv, i, dst, w);
        for (size_t k = 0; k < n; k++) out[dst[k]] += m->scale * w[k] * in[i];
      }
      nm_free(dst);
      nm_free(w);
      return NMSIM_OK;
    }
  }
  return NMSIM_OK;
}

/* ---- the importer's state ------------------------------------------------------------ */

typedef struct plan {
  uint32_t src;        /* node: a population node or an Input port */
  uint32_t post;       /* population index */
  lmap m;
} plan;

typedef struct binding {
  long port;
  uint32_t pre;
  double weight;
  uint32_t delay;
} binding;

struct nir_net {
  nir_graph *g;
  nir_net_opts o;
  char *file;          /* o.file, owned */
  nmsim_err *err;
  long *pop_of;        /* per node: its population, or -1 */
  long *port_of;       /* per node: its port index, or -1 */
  uint32_t *ports;     /* port -> node */
  char **port_names;
  size_t n_ports;
  char **alias_names;
  long *alias_pop;
  size_t n_alias;
  uint32_t *pop_node;  /* per population of the net (from pop0): its node (the Output
                          node for a readout) */
  size_t pop0, n_pops;
  double **bias;       /* per population of the net: bias vector or NULL */
  plan *plans;
  size_t n_plans, cap_plans;
  binding *binds;
  size_t n_binds, cap_binds;
  char **warn;
  size_t n_warn, cap_warn;
  /* while folding: the operators on the current path (cycle detection) */
  uint8_t *on_path;
  double **bias_out;   /* per node: memoised output bias of an operator */
  uint8_t *bias_done;
};

static nmsim_status net_warn(nir_net *n, const char *fmt, ...) NMSIM_PRINTF(2, 3);
static nmsim_status net_warn(nir_net *n, const char *fmt, ...) {
  char msg[1024];
  int k = snprintf(msg, sizeof msg, "%s: ", n->o.file);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + k, sizeof msg - (size_t)k, fmt, ap);
  va_end(ap);
  if (nm_grow((void **)&n->warn, &n->cap_warn, n->n_warn + 1, sizeof(char *)) ||
      !(n->warn[n->n_warn] = nm_strdup(msg)))
    return NMSIM_ENOMEM_ERR(n->err);
  n->n_warn++;
  return NMSIM_OK;
}

static const nir_node *node(const nir_net *n, uint32_t i) { return &n->g->nodes[i]; }

static nmsim_status node_fail(nir_net *n, const nir_node *nd, const char *fmt, ...)
    NMSIM_PRINTF(3, 4);
static nmsim_status node_fail(nir_net *n, const nir_node *nd, const char *fmt, ...) {
  char msg[900];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return NMSIM_ERR(n->err, NMSIM_EINPUT, "%s: node '%s' (%s): %s", n->o.file, nd->name, nd->type,
                   msg);
}

/* What a node is to the importer. */
typedef enum role { R_POP, R_PORT, R_OUTPUT, R_OP, R_NONE } role;

static role role_of(const nir_node *nd) {
  if (nir_kind_is_neuron(nd->kind)) return R_POP;
  if (nd->kind == NIR_GRAPH) return R_NONE;
  if (nd->kind == NIR_INPUT && nd->parent < 0) return R_PORT;
  if (nd->kind == NIR_OUTPUT && nd->parent < 0) return R_OUTPUT;
  return R_OP;  /* operators, and the Input/Output ports of nested graphs */
}

/* Value i of a parameter broadcast over a population (absent: def). */
static double pval(const nir_param *p, uint64_t i, double def) {
  if (!p || !p->v || p->n == 0) return def;
  return p->v[p->n == 1 ? 0 : i];
}

/* ---- operators as maps -------------------------------------------------------------- */

static nmsim_status p_int2(nir_net *n, const nir_node *nd, const char *name, int want,
                           int64_t def, int64_t *out) {
  const nir_param *p = nir_node_param(nd, name);
  for (int i = 0; i < want; i++) out[i] = def;
  if (!p || !p->v) return NMSIM_OK;
  if (p->n != 1 && p->n != (size_t)want)
    return node_fail(n, nd, "%s: expected %d numbers, got %zu", name, want, p->n);
  for (int i = 0; i < want; i++) out[i] = (int64_t)p->v[p->n == 1 ? 0 : i];
  return NMSIM_OK;
}

/* The map of operator node nd (shapes are inferred by nir_read). */
static nmsim_status op_map(nir_net *n, const nir_node *nd, lmap *m) {
  uint64_t nin = nir_shape_count(&nd->in), nout = nir_shape_count(&nd->out);
  *m = lm_ident(nin);
  m->n_out = nout;
  switch (nd->kind) {
    case NIR_AFFINE:
    case NIR_LINEAR:
      m->kind = LM_DENSE;
      m->w = nir_node_param(nd, "weight")->v;
      return NMSIM_OK;
    case NIR_SCALE: {
      const nir_param *p = nir_node_param(nd, "scale");
      bool uniform = true;
      for (size_t i = 1; i < p->n; i++) uniform &= p->v[i] == p->v[0];
      if (uniform) {
        m->scale = p->n ? p->v[0] : 1.0;
        return NMSIM_OK;
      }
      m->kind = LM_DIAG;
      m->w = p->v;
      return NMSIM_OK;
    }
    case NIR_DELAY: {
      const nir_param *p = nir_node_param(nd, "delay");
      double steps = p->n ? p->v[0] / (n->o.dt_ms * 1e-3) : 0;
      for (size_t i = 1; i < p->n; i++)
        if (p->v[i] != p->v[0])
          return node_fail(n, nd, "delays differ between elements (%g s and %g s); nmsim "
                           "supports one delay per Delay node", p->v[0], p->v[i]);
      if (!(steps >= 0) || steps > 254)
        return node_fail(n, nd, "delay %g s is %g steps of %g ms; expected 0 to 254 steps",
                         p->n ? p->v[0] : 0.0, steps, n->o.dt_ms);
      m->delay = (uint32_t)llround(steps);
      if (fabs(steps - (double)m->delay) > 1e-6) {
        nmsim_status rc = net_warn(n, "node '%s' (Delay): %g s is %g steps of %g ms; rounded to "
                                   "%u steps", nd->name, p->v[0], steps, n->o.dt_ms, m->delay);
        if (rc) return rc;
      }
      return NMSIM_OK;
    }
    case NIR_CONV1D:
    case NIR_CONV2D: {
      bool two = nd->kind == NIR_CONV2D;
      int nsp = two ? 2 : 1;
      const nir_param *w = nir_node_param(nd, "weight");
      int64_t st[2] = {1, 1}, dil[2] = {1, 1}, pad[2] = {0, 0}, g = 1;
      nmsim_status rc;
      if ((rc = p_int2(n, nd, "stride", nsp, 1, st)) ||
          (rc = p_int2(n, nd, "dilation", nsp, 1, dil)) || (rc = p_int2(n, nd, "groups", 1, 1, &g)))
        return rc;
      const nir_param *pp = nir_node_param(nd, "padding");
      int64_t k[2] = {1, 1};
      for (int i = 0; i < nsp; i++) k[i] = (int64_t)w->shape.d[2 + i];
      if (pp && pp->str) {
        for (int i = 0; i < nsp; i++)
          pad[i] = strcmp(pp->str, "same") == 0 ? dil[i] * (k[i] - 1) / 2 : 0;
      } else if ((rc = p_int2(n, nd, "padding", nsp, 0, pad))) {
        return rc;
      }
      uint32_t cout = (uint32_t)w->shape.d[0], cing = (uint32_t)w->shape.d[1];
      uint32_t cin = cing * (uint32_t)g;
      /* conv1d is a conv2d of height 1 */
      int64_t kh = two ? k[0] : 1, kw = two ? k[1] : k[0];
      int64_t dh = two ? dil[0] : 1, dw = two ? dil[1] : dil[0];
      scn_conv *cv = &m->cv;
      cv->in_c = cin;
      cv->in_h = two ? (uint32_t)nd->in.d[1] : 1;
      cv->in_w = (uint32_t)nd->in.d[two ? 2 : 1];
      cv->out_c = cout;
      cv->out_h = two ? (uint32_t)nd->out.d[1] : 1;
      cv->out_w = (uint32_t)nd->out.d[two ? 2 : 1];
      cv->kh = (uint32_t)(dh * (kh - 1) + 1);
      cv->kw = (uint32_t)(dw * (kw - 1) + 1);
      cv->sh = two ? (uint32_t)st[0] : 1;
      cv->sw = (uint32_t)st[two ? 1 : 0];
      cv->ph = two ? (uint32_t)pad[0] : 0;
      cv->pw = (uint32_t)pad[two ? 1 : 0];
      m->kind = LM_CONV;
      if (g == 1 && dh == 1 && dw == 1) {
        cv->kernel = w->v;  /* (out, in, kh, kw) as stored; conv1d: (out, in, k) */
        return NMSIM_OK;
      }
      /* groups and dilation: a full kernel with zero taps (no synapses) */
      size_t nk = (size_t)cout * cin * cv->kh * cv->kw;
      if (!(m->own_k = nm_calloc(nk ? nk : 1, sizeof(double)))) return NMSIM_ENOMEM_ERR(n->err);
      uint32_t per = cout / (uint32_t)g;
      for (uint32_t o = 0; o < cout; o++)
        for (uint32_t ci = 0; ci < cing; ci++)
          for (int64_t y = 0; y < kh; y++)
            for (int64_t x = 0; x < kw; x++) {
              uint32_t c = (o / per) * cing + ci;
              m->own_k[((size_t)(o * cin + c) * cv->kh + (size_t)(y * dh)) * cv->kw +
                       (size_t)(x * dw)] = w->v[((size_t)(o * cing + ci) * kh + y) * kw + x];
            }
      cv->kernel = m->own_k;
      return NMSIM_OK;
    }
    case NIR_SUMPOOL2D:
    case NIR_AVGPOOL2D: {
      int64_t k[2], st[2], pad[2];
      nmsim_status rc;
      if ((rc = p_int2(n, nd, "kernel_size", 2, 1, k)) ||
          (rc = p_int2(n, nd, "padding", 2, 0, pad)))
        return rc;
      if (nir_node_param(nd, "stride")) {
        if ((rc = p_int2(n, nd, "stride", 2, 1, st))) return rc;
      } else {
        st[0] = k[0], st[1] = k[1];
      }
      scn_conv *cv = &m->cv;
      *cv = (scn_conv){.in_c = (uint32_t)nd->in.d[0], .in_h = (uint32_t)nd->in.d[1],
                       .in_w = (uint32_t)nd->in.d[2], .out_c = (uint32_t)nd->out.d[0],
                       .out_h = (uint32_t)nd->out.d[1], .out_w = (uint32_t)nd->out.d[2],
                       .kh = (uint32_t)k[0], .kw = (uint32_t)k[1], .sh = (uint32_t)st[0],
                       .sw = (uint32_t)st[1], .ph = (uint32_t)pad[0], .pw = (uint32_t)pad[1]};
      m->kind = LM_CONV;
      if (nd->kind == NIR_AVGPOOL2D) m->scale = 1.0 / (double)(k[0] * k[1]);
      return NMSIM_OK;
    }
    default:  /* Flatten and the ports of nested graphs: the identity */
      return NMSIM_OK;
  }
}

/* A pooling map with its kernel written out (identity across channels). */
static nmsim_status lm_materialise(nir_net *n, lmap *m) {
  if (m->kind != LM_CONV || m->cv.kernel) return NMSIM_OK;
  scn_conv *cv = &m->cv;
  size_t tap = (size_t)cv->kh * cv->kw, nk = (size_t)cv->out_c * cv->in_c * tap;
  double *k = nm_calloc(nk ? nk : 1, sizeof(double));
  if (!k) return NMSIM_ENOMEM_ERR(n->err);
  for (uint32_t c = 0; c < cv->in_c; c++)
    for (size_t t = 0; t < tap; t++) k[((size_t)c * cv->in_c + c) * tap + t] = 1.0;
  nm_free(m->own_k);
  m->own_k = k;
  cv->kernel = k;
  return NMSIM_OK;
}

/* An owned copy of a conv kernel (to scale it). */
static nmsim_status lm_own_kernel(nir_net *n, lmap *m) {
  nmsim_status rc = lm_materialise(n, m);
  if (rc || m->own_k) return rc;
  size_t nk = (size_t)m->cv.out_c * m->cv.in_c * m->cv.kh * m->cv.kw;
  if (!(m->own_k = nm_malloc(sizeof(double) * (nk ? nk : 1)))) return NMSIM_ENOMEM_ERR(n->err);
  memcpy(m->own_k, m->cv.kernel, sizeof(double) * nk);
  m->cv.kernel = m->own_k;
  return NMSIM_OK;
}

/* Whether diagonal d (over a (C, H*W) layout) is constant within each channel. */
static bool per_channel(const double *d, uint32_t c, uint64_t hw) {
  for (uint32_t k = 0; k < c; k++)
    for (uint64_t i = 1; i < hw; i++)
      if (d[k * hw + i] != d[k * hw]) return false;
  return true;
}

/* Whether folding convolution b after convolution a along one axis is exact:
 * positions b reads outside a's output (its padding) must see only input
 * positions outside the input, and the folded output size must match. */
static bool fold_ok(uint32_t n_in, uint32_t ka, uint32_t sa, uint32_t pa, uint32_t out_a,
                    uint32_t kb, uint32_t sb, uint32_t pb, uint32_t out_b) {
  if (pb > 0 && ka > sa + pa) return false;
  int64_t last = (int64_t)(out_b - 1) * sb - pb + kb - 1;
  if (last >= (int64_t)out_a && (int64_t)sa * out_a - pa < (int64_t)n_in) return false;
  int64_t K = ka + (int64_t)sa * (kb - 1), P = pa + (int64_t)sa * pb, S = (int64_t)sa * sb;
  if ((int64_t)n_in + 2 * P < K) return false;
  return ((int64_t)n_in + 2 * P - K) / S + 1 == out_b;
}

/* out = b after a (a applied first). Names for messages: the operators. */
static nmsim_status lm_compose(nir_net *n, const lmap *b, const lmap *a, const nir_node *bn,
                               const nir_node *an, lmap *out) {
  nmsim_status rc = NMSIM_OK;
  lmap r = {0};
  if (b->kind == LM_IDENT || a->kind == LM_IDENT) {
    const lmap *keep = b->kind == LM_IDENT ? a : b;
    if (!lm_clone(keep, &r)) return NMSIM_ENOMEM_ERR(n->err);
    r.n_in = a->n_in;
    r.n_out = b->n_out;
    goto fin;
  }
  r = (lmap){.n_in = a->n_in, .n_out = b->n_out};
  if (b->kind == LM_DIAG && a->kind == LM_DIAG) {
    r.kind = LM_DIAG;
    if (!(r.own = nm_malloc(sizeof(double) * (size_t)a->n_in))) goto nomem;
    for (uint64_t i = 0; i < a->n_in; i++) r.own[i] = b->w[i] * a->w[i];
  } else if (a->kind == LM_DENSE && (b->kind == LM_DIAG || b->kind == LM_DENSE)) {
    r.kind = LM_DENSE;
    uint64_t nm = a->n_out;
    if (!(r.own = nm_calloc((size_t)(b->n_out * a->n_in) + 1, sizeof(double)))) goto nomem;
    for (uint64_t j = 0; j < b->n_out; j++)
      for (uint64_t k = 0; k < (b->kind == LM_DIAG ? 1 : nm); k++) {
        uint64_t mid = b->kind == LM_DIAG ? j : k;
        double bw = b->kind == LM_DIAG ? b->w[j] : b->w[j * nm + k];
        if (bw == 0.0) continue;
        for (uint64_t i = 0; i < a->n_in; i++)
          r.own[j * a->n_in + i] += bw * a->w[mid * a->n_in + i];
      }
  } else if (b->kind == LM_DENSE && a->kind == LM_DIAG) {
    r.kind = LM_DENSE;
    if (!(r.own = nm_malloc(sizeof(double) * (size_t)(b->n_out * b->n_in) + 1))) goto nomem;
    for (uint64_t j = 0; j < b->n_out; j++)
      for (uint64_t i = 0; i < b->n_in; i++)
        r.own[j * b->n_in + i] = b->w[j * b->n_in + i] * a->w[i];
  } else if (b->kind == LM_DENSE && a->kind == LM_CONV) {
    /* a dense layer after a convolution or pooling (through Flatten): the
     * product, one dense matrix from the convolution's input */
    r.kind = LM_DENSE;
    size_t cap = (size_t)a->cv.out_c * a->cv.kh * a->cv.kw;
    uint32_t *dst = nm_malloc(sizeof(uint32_t) * (cap ? cap : 1));
    double *w = nm_malloc(sizeof(double) * (cap ? cap : 1));
    r.own = nm_calloc((size_t)(b->n_out * a->n_in) + 1, sizeof(double));
    if (!dst || !w || !r.own) {
      nm_free(dst);
      nm_free(w);
      goto nomem;
    }
    for (uint64_t i = 0; i < a->n_in; i++) {
      size_t k = conv_fanout(&a->cv, i, dst, w);
      for (size_t q = 0; q < k; q++)
        for (uint64_t j = 0; j < b->n_out; j++)
          r.own[j * a->n_in + i] += w[q] * b->w[j * b->n_in + dst[q]];
    }
    nm_free(dst);
    nm_free(w);
  } else if (a->kind == LM_CONV && b->kind == LM_DIAG) {
    uint64_t hw = (uint64_t)a->cv.out_h * a->cv.out_w;
    if (!per_channel(b->w, a->cv.out_c, hw)) {
      rc = node_fail(n, bn, "a Scale that varies within a channel cannot follow %s '%s' "
                     "(a shared kernel scales per output channel only)", an->type, an->name);
      goto fail;
    }
    if (!lm_clone(a, &r) || (rc = lm_own_kernel(n, &r))) goto nomem_rc;
    size_t per = (size_t)r.cv.in_c * r.cv.kh * r.cv.kw;
    for (uint32_t o = 0; o < r.cv.out_c; o++)
      for (size_t t = 0; t < per; t++) r.own_k[o * per + t] *= b->w[o * hw];
  } else if (b->kind == LM_CONV && a->kind == LM_DIAG) {
    uint64_t hw = (uint64_t)b->cv.in_h * b->cv.in_w;
    if (!per_channel(a->w, b->cv.in_c, hw)) {
      rc = node_fail(n, an, "a Scale that varies within a channel cannot precede %s '%s' "
                     "(a shared kernel scales per input channel only)", bn->type, bn->name);
      goto fail;
    }
    if (!lm_clone(b, &r) || (rc = lm_own_kernel(n, &r))) goto nomem_rc;
    size_t tap = (size_t)r.cv.kh * r.cv.kw;
    for (uint32_t o = 0; o < r.cv.out_c; o++)
      for (uint32_t c = 0; c < r.cv.in_c; c++)
        for (size_t t = 0; t < tap; t++)
          r.own_k[((size_t)o * r.cv.in_c + c) * tap + t] *= a->w[c * hw];
  } else if (b->kind == LM_CONV && a->kind == LM_CONV) {
    const scn_conv *A = &a->cv, *B = &b->cv;
    if (!fold_ok(A->in_h, A->kh, A->sh, A->ph, A->out_h, B->kh, B->sh, B->ph, B->out_h) ||
        !fold_ok(A->in_w, A->kw, A->sw, A->pw, A->out_w, B->kw, B->sw, B->pw, B->out_w)) {
      rc = node_fail(n, bn, "cannot fold it and %s '%s' before it into one shared kernel "
                     "exactly (the second one's padding would see input pixels); put a "
                     "neuron layer between them", an->type, an->name);
      goto fail;
    }
    lmap ak = {0}, bk = {0};
    if (!lm_clone(a, &ak) || !lm_clone(b, &bk) || (rc = lm_materialise(n, &ak)) ||
        (rc = lm_materialise(n, &bk))) {
      lm_free(&ak);
      lm_free(&bk);
      goto nomem_rc;
    }
    const scn_conv *KA = &ak.cv, *KB = &bk.cv;
    scn_conv c = {.in_c = A->in_c, .in_h = A->in_h, .in_w = A->in_w, .out_c = B->out_c,
                  .out_h = B->out_h, .out_w = B->out_w, .kh = A->kh + A->sh * (B->kh - 1),
                  .kw = A->kw + A->sw * (B->kw - 1), .sh = A->sh * B->sh, .sw = A->sw * B->sw,
                  .ph = A->ph + A->sh * B->ph, .pw = A->pw + A->sw * B->pw};
    size_t nk = (size_t)c.out_c * c.in_c * c.kh * c.kw;
    double *k = nm_calloc(nk ? nk : 1, sizeof(double));
    if (!k) {
      lm_free(&ak);
      lm_free(&bk);
      goto nomem;
    }
    for (uint32_t o = 0; o < B->out_c; o++)
      for (uint32_t mm = 0; mm < B->in_c; mm++)
        for (uint32_t by = 0; by < B->kh; by++)
          for (uint32_t bx = 0; bx < B->kw; bx++) {
            double bw = KB->kernel[(((size_t)o * B->in_c + mm) * B->kh + by) * B->kw + bx];
            if (bw == 0.0) continue;
            for (uint32_t i = 0; i < A->in_c; i++)
              for (uint32_t ay = 0; ay < A->kh; ay++)
                for (uint32_t ax = 0; ax < A->kw; ax++) {
                  double aw = KA->kernel[(((size_t)mm * A->in_c + i) * A->kh + ay) * A->kw + ax];
                  if (aw == 0.0) continue;
                  size_t y = (size_t)A->sh * by + ay, x = (size_t)A->sw * bx + ax;
                  k[(((size_t)o * c.in_c + i) * c.kh + y) * c.kw + x] += bw * aw;
                }
          }
    lm_free(&ak);
    lm_free(&bk);
    r.kind = LM_CONV;
    r.cv = c;
    r.cv.kernel = r.own_k = k;
  } else {
    rc = node_fail(n, bn, "cannot follow %s '%s' without a neuron layer between them: the "
                   "fold would expand a convolution into a dense matrix; nmsim keeps "
                   "convolutions as shared kernels", an->type, an->name);
    goto fail;
  }
  if (r.own) r.w = r.own;
fin:
  r.scale = a->scale * b->scale;
  r.delay = a->delay + b->delay;
  *out = r;
  return NMSIM_OK;
nomem_rc:
  if (rc) goto fail;
nomem:
  rc = NMSIM_ENOMEM_ERR(n->err);
fail:
  lm_free(&r);
  return rc;
}

/* ---- folding the graph into projections ----------------------------------------------- */

#define NIR_MAX_PATHS 100000

static nmsim_status add_plan(nir_net *n, uint32_t src, uint32_t post, const lmap *m) {
  if (n->n_plans >= NIR_MAX_PATHS)
    return NMSIM_ERR(n->err, NMSIM_EINPUT, "%s: more than %d paths between neuron layers",
                     n->o.file, NIR_MAX_PATHS);
  if (nm_grow((void **)&n->plans, &n->cap_plans, n->n_plans + 1, sizeof(plan)))
    return NMSIM_ENOMEM_ERR(n->err);
  plan *p = &n->plans[n->n_plans];
  if (!lm_clone(m, &p->m)) {
    lm_free(&p->m);
    return NMSIM_ENOMEM_ERR(n->err);
  }
  p->src = src;
  p->post = post;
  n->n_plans++;
  return NMSIM_OK;
}

/* Every path into node r (whose output the map m, downstream of r, takes):
 * through operators back to populations or ports. */
static nmsim_status collect(nir_net *n, uint32_t r, const lmap *m, const nir_node *mnode,
                            uint32_t post) {
  const nir_node *rn = node(n, r);
  role ro = role_of(rn);
  if (ro == R_POP || ro == R_PORT) return add_plan(n, r, post, m);
  if (ro != R_OP)
    return node_fail(n, rn, "cannot feed '%s': an Output node is not an input", mnode->name);
  if (n->on_path[r])
    return node_fail(n, rn, "lies on a cycle of operators with no neuron layer in it "
                     "(through '%s')", mnode->name);
  lmap a, mm;
  nmsim_status rc = op_map(n, rn, &a);
  if (rc) return rc;
  rc = lm_compose(n, m, &a, mnode, rn, &mm);
  lm_free(&a);
  if (rc) return rc;
  n->on_path[r] = 1;
  for (size_t e = 0; e < n->g->n_flat && rc == NMSIM_OK; e++)
    if (n->g->flat[e].dst == r) rc = collect(n, n->g->flat[e].src, &mm, rn, post);
  n->on_path[r] = 0;
  lm_free(&mm);
  return rc;
}

/* The constant output of operator r from the biases upstream (NULL: zero). */
static nmsim_status bias_of(nir_net *n, uint32_t r, double **out) {
  const nir_node *rn = node(n, r);
  *out = NULL;
  if (role_of(rn) != R_OP) return NMSIM_OK;
  if (n->bias_done[r]) {
    *out = n->bias_out[r];
    return NMSIM_OK;
  }
  if (n->on_path[r]) return node_fail(n, rn, "lies on a cycle of operators with no neuron layer");
  n->on_path[r] = 1;
  uint64_t nin = nir_shape_count(&rn->in), nout = nir_shape_count(&rn->out);
  double *in = NULL, *res = NULL;
  nmsim_status rc = NMSIM_OK;
  for (size_t e = 0; e < n->g->n_flat && rc == NMSIM_OK; e++) {
    if (n->g->flat[e].dst != r) continue;
    double *b;
    if ((rc = bias_of(n, n->g->flat[e].src, &b)) || !b) continue;
    if (!in && !(in = nm_calloc((size_t)nin + 1, sizeof(double)))) rc = NMSIM_ENOMEM_ERR(n->err);
    for (uint64_t i = 0; in && i < nin; i++) in[i] += b[i];
  }
  const nir_param *bp = (rn->kind == NIR_AFFINE || rn->kind == NIR_CONV1D ||
                         rn->kind == NIR_CONV2D) ? nir_node_param(rn, "bias") : NULL;
  bool own_bias = false;
  for (size_t i = 0; bp && bp->v && i < bp->n; i++) own_bias |= bp->v[i] != 0.0;
  if (rc == NMSIM_OK && (in || own_bias)) {
    if (!(res = nm_calloc((size_t)nout + 1, sizeof(double)))) rc = NMSIM_ENOMEM_ERR(n->err);
    lmap a = {0};
    if (rc == NMSIM_OK && in && (rc = op_map(n, rn, &a)) == NMSIM_OK &&
        lm_apply(&a, in, res) != NMSIM_OK)
      rc = NMSIM_ENOMEM_ERR(n->err);
    lm_free(&a);
    if (rc == NMSIM_OK && own_bias) {
      /* Affine: per output; Conv: per output channel, over its positions */
      uint64_t per = rn->kind == NIR_AFFINE ? 1 : nout / (rn->out.d[0] ? rn->out.d[0] : 1);
      for (uint64_t j = 0; j < nout; j++) res[j] += pval(bp, j / per, 0.0);
    }
  }
  nm_free(in);
  n->on_path[r] = 0;
  if (rc) {
    nm_free(res);
    return rc;
  }
  n->bias_done[r] = 1;
  n->bias_out[r] = res;
  *out = res;
  return NMSIM_OK;
}

/* Paths and bias into node t (a population node, or an Output read out by
 * population post). */
static nmsim_status fold_into(nir_net *n, uint32_t t, uint32_t post, double **bias) {
  const nir_node *tn = node(n, t);
  uint64_t cnt = nir_shape_count(&tn->in);
  nmsim_status rc = NMSIM_OK;
  *bias = NULL;
  for (size_t e = 0; e < n->g->n_flat && rc == NMSIM_OK; e++) {
    if (n->g->flat[e].dst != t) continue;
    uint32_t src = n->g->flat[e].src;
    lmap id = lm_ident(cnt);
    id.n_in = nir_shape_count(&node(n, src)->out);
    rc = collect(n, src, &id, tn, post);
    double *b = NULL;
    if (rc == NMSIM_OK && (rc = bias_of(n, src, &b)) == NMSIM_OK && b) {
      if (!*bias && !(*bias = nm_calloc((size_t)cnt + 1, sizeof(double))))
        rc = NMSIM_ENOMEM_ERR(n->err);
      for (uint64_t i = 0; *bias && i < cnt; i++) (*bias)[i] += b[i];
    }
  }
  return rc;
}

/* ---- populations --------------------------------------------------------------------- */

/* The model of a neuron node, and how its parameters come from the file. */
typedef struct pmap {
  const char *model_param;  /* parameter of the nmsim model */
  const char *nir_param;    /* dataset of the node, or NULL */
  double def;               /* when the dataset is absent */
  double to_unit;           /* factor from the file's unit (s -> ms: 1000) */
} pmap;

static const nmsim_neuron_type *model_of(nir_kind k) {
  switch (k) {
    case NIR_LIF: return &mdl_nir_lif_type;
    case NIR_IF: return &mdl_nir_if_type;
    case NIR_I: return &mdl_nir_i_type;
    case NIR_LI: return &mdl_nir_li_type;
    case NIR_CUBALIF: return &mdl_nir_cubalif_type;
    case NIR_CUBALI: return &mdl_nir_cubali_type;
    case NIR_THRESHOLD: return &mdl_nir_threshold_type;
    default: return NULL;
  }
}

static const pmap *pmap_of(nir_kind k) {
  static const pmap lif[] = {{"tau", "tau", 0, 1000},         {"r", "r", 1, 1},
                             {"v_leak", "v_leak", 0, 1},      {"v_threshold", "v_threshold", 1, 1},
                             {"v_reset", "v_reset", 0, 1},    {NULL, NULL, 0, 0}};
  static const pmap iff[] = {{"r", "r", 1, 1}, {"v_threshold", "v_threshold", 1, 1},
                             {"v_reset", "v_reset", 0, 1}, {NULL, NULL, 0, 0}};
  static const pmap i[] = {{"r", "r", 1, 1}, {NULL, NULL, 0, 0}};
  static const pmap li[] = {{"tau", "tau", 0, 1000}, {"r", "r", 1, 1}, {"v_leak", "v_leak", 0, 1},
                            {NULL, NULL, 0, 0}};
  static const pmap cu[] = {{"tau_syn", "tau_syn", 0, 1000}, {"tau_mem", "tau_mem", 0, 1000},
                            {"r", "r", 1, 1},                {"v_leak", "v_leak", 0, 1},
                            {"w_in", "w_in", 1, 1},          {"v_threshold", "v_threshold", 1, 1},
                            {"v_reset", "v_reset", 0, 1},    {NULL, NULL, 0, 0}};
  static const pmap th[] = {{"threshold", "threshold", 0, 1}, {NULL, NULL, 0, 0}};
  switch (k) {
    case NIR_LIF: return lif;
    case NIR_IF: return iff;
    case NIR_I: return i;
    case NIR_LI: return li;
    case NIR_CUBALIF: case NIR_CUBALI: return cu;
    case NIR_THRESHOLD: return th;
    default: return NULL;
  }
}

/* Set model parameter `name` of population p: one value, or per neuron when
 * vals differ (vals: size values; NULL: the single value v). */
static nmsim_status set_param(nir_net *n, scn_population *p, const char *name, const double *vals,
                              double v) {
  int k = nmsim_model_param_index(p->model, name);
  if (k < 0) return NMSIM_OK;  /* CubaLI has no threshold */
  bool varies = false;
  for (uint32_t i = 1; vals && i < p->size; i++) varies |= vals[i] != vals[0];
  p->values[k] = vals ? vals[0] : v;
  if (!varies) return NMSIM_OK;
  if (!p->spikes.param && !(p->spikes.param = nm_calloc(p->model->n_params, sizeof(double *))))
    return NMSIM_ENOMEM_ERR(n->err);
  nm_free(p->spikes.param[k]);
  if (!(p->spikes.param[k] = nm_malloc(sizeof(double) * p->size))) return NMSIM_ENOMEM_ERR(n->err);
  memcpy(p->spikes.param[k], vals, sizeof(double) * p->size);
  return NMSIM_OK;
}

static nmsim_status new_pop(nir_net *n, nmsim_scenario *s, const char *node_name,
                            const nmsim_neuron_type *t, uint64_t size, scn_population **out) {
  if (size == 0 || size > (UINT64_C(1) << 31))
    return NMSIM_ERR(n->err, NMSIM_EINPUT, "%s: node '%s': %llu neurons; expected 1 to 2^31",
                     n->o.file, node_name, (unsigned long long)size);
  scn_population *np = nm_realloc(s->pops, sizeof *np * (s->n_pops + 1));
  if (!np) return NMSIM_ENOMEM_ERR(n->err);
  s->pops = np;
  scn_population *p = &s->pops[s->n_pops++];
  *p = (scn_population){.size = (uint32_t)size, .model = t, .place_core = UINT32_MAX,
                        .place_chip = UINT32_MAX, .line = n->o.line};
  p->spikes.n = p->size;
  size_t len = strlen(node_name) + 5;
  if (!(p->name = nm_malloc(len)) ||
      !(p->values = nm_calloc(t->n_params ? t->n_params : 1, sizeof(double))))
    return NMSIM_ENOMEM_ERR(n->err);
  snprintf(p->name, len, "nir.%s", node_name);
  for (size_t k = 0; k < t->n_params; k++) p->values[k] = t->params[k].def;
  *out = p;
  return NMSIM_OK;
}

/* The population of neuron node ni: model, per-neuron parameters from the
 * file (seconds -> ms), reset mode. */
static nmsim_status neuron_pop(nir_net *n, nmsim_scenario *s, uint32_t ni) {
  const nir_node *nd = node(n, ni);
  uint64_t size = nir_shape_count(&nd->out);
  scn_population *p;
  nmsim_status rc = new_pop(n, s, nd->name, model_of(nd->kind), size, &p);
  if (rc) return rc;
  double *vals = nm_malloc(sizeof(double) * (size_t)size);
  if (!vals) return NMSIM_ENOMEM_ERR(n->err);
  for (const pmap *m = pmap_of(nd->kind); m->model_param && rc == NMSIM_OK; m++) {
    const nir_param *np = nir_node_param(nd, m->nir_param);
    for (uint64_t i = 0; i < size; i++) vals[i] = pval(np, i, m->def) * m->to_unit;
    for (uint64_t i = 0; i < size && m->to_unit != 1; i++)
      if (!(vals[i] > 0)) {
        rc = node_fail(n, nd, "%s of neuron %llu is %g s; expected a time > 0", m->nir_param,
                       (unsigned long long)i, vals[i] / m->to_unit);
        break;
      }
    if (rc == NMSIM_OK) rc = set_param(n, p, m->model_param, vals, 0);
  }
  nm_free(vals);
  if (rc == NMSIM_OK && nmsim_model_param_index(p->model, "reset_mode") >= 0)
    rc = set_param(n, p, "reset_mode", NULL, n->o.subtract ? 1 : 0);
  return rc;
}

/* Graded outputs (I, LI, CubaLI) feed other layers as values. */
static bool graded(nir_kind k) { return k == NIR_I || k == NIR_LI || k == NIR_CUBALI; }

nmsim_status nir_net_add(nmsim_scenario *s, const nir_net_opts *o, nir_net **out,
                         nmsim_err *err) {
  *out = NULL;
  nir_net *n = nm_calloc(1, sizeof *n);
  if (!n) return NMSIM_ENOMEM_ERR(err);
  n->o = *o;
  n->err = err;
  n->pop0 = s->n_pops;
  if (!(n->file = nm_strdup(o->file))) {
    nm_free(n);
    return NMSIM_ENOMEM_ERR(err);
  }
  n->o.file = n->file;  /* the caller's string may not outlive the load */
  nmsim_status rc = nir_read(o->file, &n->g, err);
  if (rc) goto fail;
  nir_graph *g = n->g;
  size_t nn = g->n_nodes;
  for (size_t i = 0; i < g->n_warnings; i++)
    if ((rc = net_warn(n, "%s", g->warnings[i] + strlen(o->file) + 2))) goto fail;
  n->pop_of = nm_malloc(sizeof(long) * (nn + 1));
  n->port_of = nm_malloc(sizeof(long) * (nn + 1));
  n->ports = nm_malloc(sizeof(uint32_t) * (nn + 1));
  n->port_names = nm_calloc(nn + 1, sizeof(char *));
  n->alias_names = nm_calloc(nn + 1, sizeof(char *));
  n->alias_pop = nm_calloc(nn + 1, sizeof(long));
  n->pop_node = nm_malloc(sizeof(uint32_t) * (nn + 1));
  n->on_path = nm_calloc(nn + 1, 1);
  n->bias_done = nm_calloc(nn + 1, 1);
  n->bias_out = nm_calloc(nn + 1, sizeof(double *));
  uint32_t *queue = nm_malloc(sizeof(uint32_t) * (nn + 1));
  uint8_t *seen = nm_calloc(nn + 1, 1);
  if (!n->pop_of || !n->port_of || !n->ports || !n->port_names || !n->alias_names ||
      !n->alias_pop || !n->pop_node || !n->on_path || !n->bias_done || !n->bias_out || !queue ||
      !seen) {
    nm_free(queue);
    nm_free(seen);
    rc = NMSIM_ENOMEM_ERR(err);
    goto fail;
  }
  for (size_t i = 0; i < nn; i++) n->pop_of[i] = n->port_of[i] = -1;
  /* ports: the top-level Input nodes; populations in breadth-first order
   * from them, then the neuron nodes no Input reaches, in name order */
  size_t qh = 0, qt = 0;
  for (size_t i = 0; i < nn; i++)
    if (role_of(&g->nodes[i]) == R_PORT) {
      n->port_of[i] = (long)n->n_ports;
      n->ports[n->n_ports] = (uint32_t)i;
      if (!(n->port_names[n->n_ports++] = nm_malloc(strlen(g->nodes[i].name) + 5))) {
        rc = NMSIM_ENOMEM_ERR(err);
        break;
      }
      sprintf(n->port_names[n->n_ports - 1], "nir.%s", g->nodes[i].name);
      queue[qt++] = (uint32_t)i, seen[i] = 1;
    }
  for (size_t pass = 0; pass < 2 && rc == NMSIM_OK; pass++) {
    if (pass == 1)
      for (size_t i = 0; i < nn; i++)
        if (!seen[i] && role_of(&g->nodes[i]) == R_POP) queue[qt++] = (uint32_t)i, seen[i] = 1;
    for (; qh < qt && rc == NMSIM_OK; qh++) {
      uint32_t v = queue[qh];
      if (role_of(&g->nodes[v]) == R_POP) {
        n->pop_of[v] = (long)s->n_pops;
        n->pop_node[s->n_pops - n->pop0] = v;
        rc = neuron_pop(n, s, v);
      }
      for (size_t e = 0; e < g->n_flat && rc == NMSIM_OK; e++)
        if (g->flat[e].src == v && !seen[g->flat[e].dst])
          seen[g->flat[e].dst] = 1, queue[qt++] = g->flat[e].dst;
    }
  }
  nm_free(queue);
  nm_free(seen);
  if (rc) goto fail;
  /* Outputs: fed by one population directly, the name is an alias of it;
   * otherwise a readout population (nir_li with tau = dt: v = its input) */
  for (size_t i = 0; i < nn && rc == NMSIM_OK; i++) {
    if (role_of(&g->nodes[i]) != R_OUTPUT) continue;
    long only = -1;
    int feeds = 0;
    for (size_t e = 0; e < g->n_flat; e++)
      if (g->flat[e].dst == i) feeds++, only = n->pop_of[g->flat[e].src];
    if (feeds == 0) continue;
    if (feeds == 1 && only >= 0) {
      if (!(n->alias_names[n->n_alias] = nm_malloc(strlen(g->nodes[i].name) + 5))) {
        rc = NMSIM_ENOMEM_ERR(err);
        break;
      }
      sprintf(n->alias_names[n->n_alias], "nir.%s", g->nodes[i].name);
      n->alias_pop[n->n_alias++] = only;
      continue;
    }
    scn_population *p;
    if ((rc = new_pop(n, s, g->nodes[i].name, &mdl_nir_li_type, nir_shape_count(&g->nodes[i].in),
                      &p)))
      break;
    p->values[nmsim_model_param_index(p->model, "tau")] = o->dt_ms;
    n->pop_of[i] = (long)(s->n_pops - 1);
    n->pop_node[s->n_pops - 1 - n->pop0] = (uint32_t)i;
    if ((rc = net_warn(n, "Output '%s' is fed through operators: read out by population "
                       "'nir.%s' (model nir_li with tau = dt, so v is its input each step)",
                       g->nodes[i].name, g->nodes[i].name)))
      break;
  }
  if (rc) goto fail;
  n->n_pops = s->n_pops - n->pop0;
  if (!(n->bias = nm_calloc(n->n_pops + 1, sizeof(double *)))) {
    rc = NMSIM_ENOMEM_ERR(err);
    goto fail;
  }
  /* paths and biases into every population */
  for (size_t q = 0; q < n->n_pops && rc == NMSIM_OK; q++) {
    uint32_t t = n->pop_node[q];
    rc = fold_into(n, t, (uint32_t)(n->pop0 + q), &n->bias[q]);
    if (rc == NMSIM_OK && n->bias[q])
      rc = set_param(n, &s->pops[n->pop0 + q], "bias", n->bias[q], 0);
  }
  if (rc) goto fail;
  /* graded outputs feeding spiking layers: allowed in float (the value is
   * delivered), noted */
  for (size_t k = 0; k < n->n_plans && rc == NMSIM_OK; k++) {
    const nir_node *sn = node(n, n->plans[k].src);
    if (graded(sn->kind) && n->o.target == NIR_TARGET_LOIHI_CUBA)
      rc = node_fail(n, sn, "emits its potential, not spikes, and feeds population '%s'; "
                     "loihi_cuba compartments emit spikes only (use target: float)",
                     s->pops[n->plans[k].post].name);
  }
  if (rc) goto fail;
  /* check the float parameters with each model */
  for (size_t q = 0; q < n->n_pops; q++) {
    scn_population *p = &s->pops[n->pop0 + q];
    void *derived = nm_calloc(1, p->model->derived_size ? p->model->derived_size : 1);
    char msg[512] = "";
    if (!derived) {
      rc = NMSIM_ENOMEM_ERR(err);
      goto fail;
    }
    rc = p->model->prepare(p->values, o->dt_ms, derived, msg, sizeof msg);
    nm_free(derived);
    if (rc) {
      rc = NMSIM_ERR(err, NMSIM_EINPUT, "%s: population '%s': %s", o->file, p->name, msg);
      goto fail;
    }
  }
  *out = n;
  return NMSIM_OK;
fail:
  nir_net_destroy(n);
  return rc;
}

void nir_net_destroy(nir_net *n) {
  if (!n) return;
  for (size_t i = 0; i < n->n_plans; i++) lm_free(&n->plans[i].m);
  nm_free(n->plans);
  for (size_t i = 0; n->port_names && i < n->n_ports; i++) nm_free(n->port_names[i]);
  for (size_t i = 0; n->alias_names && i < n->n_alias; i++) nm_free(n->alias_names[i]);
  for (size_t i = 0; n->bias && i < n->n_pops; i++) nm_free(n->bias[i]);
  for (size_t i = 0; n->bias_out && n->g && i < n->g->n_nodes; i++) nm_free(n->bias_out[i]);
  for (size_t i = 0; i < n->n_warn; i++) nm_free(n->warn[i]);
  nm_free(n->warn);
  nm_free(n->bias);
  nm_free(n->bias_out);
  nm_free(n->bias_done);
  nm_free(n->on_path);
  nm_free(n->port_names);
  nm_free(n->alias_names);
  nm_free(n->alias_pop);
  nm_free(n->pop_node);
  nm_free(n->pop_of);
  nm_free(n->port_of);
  nm_free(n->ports);
  nm_free(n->binds);
  nir_graph_destroy(n->g);
  nm_free(n->file);
  nm_free(n);
}

const char *const *nir_net_warnings(const nir_net *n, size_t *count) {
  *count = n ? n->n_warn : 0;
  return n ? (const char *const *)n->warn : NULL;
}

long nir_net_port(const nir_net *n, const char *name) {
  for (size_t i = 0; n && i < n->n_ports; i++)
    if (strcmp(n->port_names[i], name) == 0) return (long)i;
  return -1;
}

uint64_t nir_net_port_size(const nir_net *n, long p) {
  return nir_shape_count(&n->g->nodes[n->ports[p]].out);
}

long nir_net_alias(const nir_net *n, const char *name) {
  for (size_t i = 0; n && i < n->n_alias; i++)
    if (strcmp(n->alias_names[i], name) == 0) return n->alias_pop[i];
  return -1;
}

nmsim_status nir_net_bind(nir_net *n, long p, uint32_t pre, double weight, uint32_t delay,
                          nmsim_err *err) {
  if (nm_grow((void **)&n->binds, &n->cap_binds, n->n_binds + 1, sizeof(binding)))
    return NMSIM_ENOMEM_ERR(err);
  n->binds[n->n_binds++] = (binding){.port = p, .pre = pre, .weight = weight, .delay = delay};
  return NMSIM_OK;
}

/* ---- projections and fixed point ----------------------------------------------------- */

/* The projection of map m from pre to post. */
static nmsim_status add_proj(nir_net *n, nmsim_scenario *s, uint32_t pre, uint32_t post,
                             const lmap *m, double weight, uint32_t delay) {
  if (delay < 1 || delay > 255)
    return NMSIM_ERR(n->err, NMSIM_EINPUT, "%s: the path from '%s' to '%s' has a delay of %u "
                     "steps; expected 1 to 255", n->o.file, s->pops[pre].name,
                     s->pops[post].name, delay);
  scn_projection *np = nm_realloc(s->projs, sizeof *np * (s->n_projs + 1));
  if (!np) return NMSIM_ENOMEM_ERR(n->err);
  s->projs = np;
  scn_projection *pj = &s->projs[s->n_projs];
  *pj = (scn_projection){.pre = pre, .post = post, .weight = weight * m->scale, .delay = delay,
                         .allow_self = true, .line = n->o.line};
  double wmax = 1.0;
  switch (m->kind) {
    case LM_IDENT:
      pj->conn = SCN_ONE_TO_ONE;
      break;
    case LM_DIAG:
    case LM_DENSE: {
      size_t cnt = (size_t)(m->kind == LM_DIAG ? m->n_in : m->n_in * m->n_out);
      scn_matrix *mx = nm_calloc(1, sizeof *mx);
      if (!mx || !(mx->w = nm_malloc(sizeof(double) * (cnt ? cnt : 1)))) {
        nm_free(mx);
        return NMSIM_ENOMEM_ERR(n->err);
      }
      memcpy(mx->w, m->w, sizeof(double) * cnt);
      mx->n_in = (uint32_t)m->n_in;
      mx->n_out = (uint32_t)m->n_out;
      mx->diagonal = m->kind == LM_DIAG;
      pj->conn = SCN_MATRIX;
      pj->matrix = mx;
      wmax = 0;
      for (size_t i = 0; i < cnt; i++) wmax = fmax(wmax, fabs(mx->w[i]));
      break;
    }
    case LM_CONV: {
      scn_conv *cv = nm_malloc(sizeof *cv);
      if (!cv) return NMSIM_ENOMEM_ERR(n->err);
      *cv = m->cv;
      cv->kernel = NULL;
      pj->conv = cv;
      pj->conn = m->cv.kernel ? SCN_CONV2D : SCN_POOL2D;
      if (m->cv.kernel) {
        size_t nk = (size_t)cv->out_c * cv->in_c * cv->kh * cv->kw;
        if (!(cv->kernel = nm_malloc(sizeof(double) * (nk ? nk : 1)))) {
          nm_free(cv);
          pj->conv = NULL;
          return NMSIM_ENOMEM_ERR(n->err);
        }
        memcpy(cv->kernel, m->cv.kernel, sizeof(double) * nk);
        wmax = 0;
        for (size_t i = 0; i < nk; i++) wmax = fmax(wmax, fabs(cv->kernel[i]));
      }
      break;
    }
  }
  pj->weight_max = fabs(pj->weight) * wmax;
  s->n_projs++;
  return NMSIM_OK;
}

/* The synaptic values of projection pj (weight x entries), one by one. */
static size_t proj_values(const scn_projection *pj, double **arr) {
  if (pj->matrix) {
    *arr = pj->matrix->w;
    return pj->matrix->diagonal ? pj->matrix->n_in : (size_t)pj->matrix->n_in * pj->matrix->n_out;
  }
  if (pj->conv && pj->conv->kernel) {
    *arr = pj->conv->kernel;
    return (size_t)pj->conv->out_c * pj->conv->in_c * pj->conv->kh * pj->conv->kw;
  }
  *arr = NULL;
  return 1;
}

#define CUBA_VTH_MAX 131071.0       /* uint17 (models/loihi_cuba.c) */
#define CUBA_BIAS_MANT_MAX 4095.0   /* int13 */
#define CUBA_TARGET_VTH 2048.0      /* aim: threshold mantissa near 2^11 (docs/nir.md) */

/* Loihi parameters of one neuron from its float parameters. */
typedef struct qneuron {
  double gain;    /* dv (float) per unit of input, in the scale S/gain */
  double th;      /* threshold in input units: v_threshold / gain */
  double bias;    /* constant drive in input units per step */
  double du, dv;
} qneuron;

static nmsim_status q_neuron(nir_net *n, const nir_node *nd, const scn_population *p, uint32_t i,
                             qneuron *q) {
  const nmsim_neuron_type *t = p->model;
  double dt = n->o.dt_ms;
#define PV(name) \
  (p->spikes.param && p->spikes.param[nmsim_model_param_index(t, name)] \
       ? p->spikes.param[nmsim_model_param_index(t, name)][i] \
       : p->values[nmsim_model_param_index(t, name)])
  double b = PV("bias"), r = 1, leak = 0, th = 0;
  *q = (qneuron){.du = 4095};
  switch (nd->kind) {
    case NIR_LIF:
    case NIR_LI:
    case NIR_OUTPUT: { /* a readout is an LI with tau = dt */
      double a = dt / PV("tau");
      r = PV("r"), leak = PV("v_leak");
      q->gain = a * r;
      q->dv = round(4096 * a);
      q->bias = b + leak / r;
      th = nd->kind == NIR_LIF ? PV("v_threshold") : 0;
      break;
    }
    case NIR_IF:
    case NIR_I:
      r = PV("r");
      q->gain = r;
      q->bias = b;
      th = nd->kind == NIR_IF ? PV("v_threshold") : 0;
      break;
    case NIR_THRESHOLD:
      q->gain = 1;
      q->dv = 4095;
      q->bias = b;
      th = PV("threshold");
      break;
    case NIR_CUBALIF:
    case NIR_CUBALI: {
      double as = dt / PV("tau_syn"), am = dt / PV("tau_mem"), w_in = PV("w_in");
      r = PV("r"), leak = PV("v_leak");
      q->gain = as * w_in * am * r;
      q->du = round(4096 * as) - 1;
      q->dv = round(4096 * am);
      q->bias = b / as + leak / (as * w_in * r);
      th = nd->kind == NIR_CUBALIF ? PV("v_threshold") : 0;
      break;
    }
    default:
      break;
  }
  q->du = fmin(fmax(q->du, 0), 4095);
  q->dv = fmin(fmax(q->dv, 0), 4095);
  if (!(q->gain > 0))
    return node_fail(n, nd, "neuron %u: its input gain (r and the time constants) is %g; "
                     "loihi_cuba needs a positive gain", i, q->gain);
  q->th = th / q->gain;
  if ((nd->kind == NIR_LIF || nd->kind == NIR_IF || nd->kind == NIR_CUBALIF ||
       nd->kind == NIR_THRESHOLD) && !(th > 0))
    return node_fail(n, nd, "neuron %u: v_threshold %g; loihi_cuba needs a threshold > 0", i, th);
  if (!n->o.subtract && nd->kind != NIR_THRESHOLD && nd->kind != NIR_OUTPUT) {
    int k = nmsim_model_param_index(t, "v_reset");
    if (k >= 0 && PV("v_reset") != 0)
      return node_fail(n, nd, "neuron %u: v_reset %g; loihi_cuba resets to 0", i, PV("v_reset"));
  }
#undef PV
  return NMSIM_OK;
}

/* quantise: lava, the NIR paper's Lava converter (neuromorphs/NIR,
 * paper/nir_to_lava.py) for a LIF node at step dt: du = int(1 x 4095) (no
 * current memory), dv = int(dt / tau x 4095), vth = int(v_threshold x 131071)
 * >> 9, no bias; the node's input passes through its own Dense of weight
 * int(dt / tau x 256), which Lava feeds binary spikes, so every presynaptic
 * spike of a positive weight adds that weight (weight_exp 0, Lava's activation
 * shift of 6 in the compartment), whatever the weight's size. What that
 * converter cannot express is refused, naming the node. */
static nmsim_status quantise_lava(nir_net *n, nmsim_scenario *s, size_t q) {
  uint32_t pi = (uint32_t)(n->pop0 + q);
  scn_population *p = &s->pops[pi];
  const nir_node *nd = node(n, n->pop_node[q]);
  const nmsim_neuron_type *t = p->model;
  if (nd->kind != NIR_LIF)
    return node_fail(n, nd, "quantise: lava follows the NIR paper's Lava converter, which "
                     "takes LIF nodes only");
#define PV(name, i) \
  (p->spikes.param && p->spikes.param[nmsim_model_param_index(t, name)] \
       ? p->spikes.param[nmsim_model_param_index(t, name)][i] \
       : p->values[nmsim_model_param_index(t, name)])
  double tau = PV("tau", 0), th = PV("v_threshold", 0);
  for (uint32_t i = 0; i < p->size; i++) {
    if (PV("tau", i) != tau || PV("v_threshold", i) != th)
      return node_fail(n, nd, "quantise: lava takes one tau and one v_threshold per node (Lava's "
                       "converter has one weight for the node's input); neuron %u differs", i);
    if (PV("bias", i) != 0 || PV("v_leak", i) != 0 || PV("r", i) != 1)
      return node_fail(n, nd, "quantise: lava: neuron %u has bias %g, v_leak %g, r %g; Lava's "
                       "converter takes none (0, 0, 1)", i, PV("bias", i), PV("v_leak", i),
                       PV("r", i));
  }
#undef PV
  if (!(tau > 0) || !(th > 0))
    return node_fail(n, nd, "quantise: lava needs tau > 0 and v_threshold > 0");
  double a = n->o.dt_ms / tau, wl = floor(a * 256);
  double vals[7] = {4095, floor(a * 4095), 0, 0, (double)((int64_t)floor(th * 131071) >> 9),
                    n->o.subtract ? 1 : 0, 0};
  if (wl < 1 || wl > 255 || vals[1] > 4095)
    return node_fail(n, nd, "quantise: lava: dt / tau = %g gives an input weight of %g; "
                     "Lava's 8-bit weights need 1 to 255", a, wl);
  for (size_t k = 0; k < s->n_projs; k++) {
    scn_projection *pj = &s->projs[k];
    if (pj->post != pi) continue;
    double *arr;
    size_t cnt = proj_values(pj, &arr);
    for (size_t i = 0; i < cnt || (!arr && i == 0); i++) {
      double w = pj->weight * (arr ? arr[i] : 1.0);
      if (w < 0)
        return node_fail(n, nd, "quantise: lava: a negative weight (%g) into it; Lava's "
                         "converter passes spikes between its two Dense layers as binary, so "
                         "it would excite", w);
      double x = floor(w * 256) != 0 ? wl : 0;
      if (arr) arr[i] = x;
      else pj->weight = x;
    }
    if (arr) pj->weight = 1;
    pj->weight_exp = 0;
    pj->weight_max = wl;
  }
  if (p->spikes.param) {
    for (size_t k = 0; k < p->model->n_params; k++) nm_free(p->spikes.param[k]);
    nm_free(p->spikes.param);
    p->spikes.param = NULL;
  }
  double *nv = nm_calloc(mdl_loihi_cuba_type.n_params, sizeof(double));
  if (!nv) return NMSIM_ENOMEM_ERR(n->err);
  nm_free(p->values);
  p->values = nv;
  p->model = &mdl_loihi_cuba_type;
  for (size_t k = 0; k < p->model->n_params; k++) p->values[k] = p->model->params[k].def;
  static const char *const names[7] = {"du", "dv", "bias_mant", "bias_exp", "vth", "reset_mode",
                                       "refractory_period"};
  nmsim_status rc = NMSIM_OK;
  for (int k = 0; k < 7 && rc == NMSIM_OK; k++) rc = set_param(n, p, names[k], NULL, vals[k]);
  return rc;
}

/* Quantise population p (of the net: index q) and the projections into it. */
static nmsim_status quantise(nir_net *n, nmsim_scenario *s, size_t q, size_t proj0) {
  uint32_t pi = (uint32_t)(n->pop0 + q);
  scn_population *p = &s->pops[pi];
  uint32_t ni = n->pop_node[q];
  const nir_node *nd = node(n, ni);
  bool readout = nd->kind == NIR_OUTPUT;
  bool spiking = !readout && !graded(nd->kind);
  nmsim_status rc = NMSIM_OK;
  qneuron *qs = nm_malloc(sizeof(qneuron) * p->size);
  double *vals[7] = {0};
  for (int k = 0; k < 7; k++) vals[k] = nm_malloc(sizeof(double) * p->size);
  bool nomem = !qs;
  for (int k = 0; k < 7; k++) nomem |= !vals[k];
  if (nomem) {
    rc = NMSIM_ENOMEM_ERR(n->err);
    goto done;
  }
  double thmax = 0;
  for (uint32_t i = 0; i < p->size && rc == NMSIM_OK; i++) {
    rc = q_neuron(n, nd, p, i, &qs[i]);
    thmax = fmax(thmax, qs[i].th);
  }
  if (rc) goto done;
  /* the scale: the largest incoming weight gets the full 8-bit mantissa M
   * with exponent e0, chosen so that the threshold mantissa is near 2^11 */
  double W = 0, M = 255;
  (void)proj0; /* every projection into the population, the scenario's own too */
  for (size_t k = 0; k < s->n_projs; k++) {
    scn_projection *pj = &s->projs[k];
    if (pj->post != pi || pj->weight_max <= W) continue;
    W = pj->weight_max;
    double *arr;
    size_t cnt = proj_values(pj, &arr);
    bool neg = false, pos = false;
    for (size_t i = 0; i < cnt; i++) {
      double w = pj->weight * (arr ? arr[i] : 1.0);
      neg |= w < 0, pos |= w > 0;
    }
    M = neg && pos ? 254 : 255;
  }
  double S;
  int e0 = 0;
  if (W > 0) {
    if (spiking && thmax > 0) {
      e0 = (int)floor(log2(CUBA_TARGET_VTH * W / (M * thmax)));
      e0 = e0 < 0 ? 0 : e0 > 7 ? 7 : e0;
    }
    S = 64.0 * M * ldexp(1.0, e0) / W;
    if (spiking && S * thmax / 64 > CUBA_VTH_MAX) S = CUBA_VTH_MAX * 64 / thmax;
  } else {
    S = spiking && thmax > 0 ? CUBA_TARGET_VTH * 64 / thmax : 64;
  }
  /* and every bias must fit bias_mant << bias_exp (at the cost of resolution) */
  double bmax = 0;
  for (uint32_t i = 0; i < p->size; i++) bmax = fmax(bmax, fabs(qs[i].bias));
  if (bmax > 0 && S * bmax > CUBA_BIAS_MANT_MAX * 128) S = CUBA_BIAS_MANT_MAX * 128 / bmax;
  /* weights: per projection the smallest exponent that fits its mantissas */
  for (size_t k = 0; k < s->n_projs && rc == NMSIM_OK; k++) {
    scn_projection *pj = &s->projs[k];
    if (pj->post != pi) continue;
    double *arr;
    size_t cnt = proj_values(pj, &arr);
    bool neg = false, pos = false;
    for (size_t i = 0; i < cnt; i++) {
      double w = pj->weight * (arr ? arr[i] : 1.0);
      neg |= w < 0, pos |= w > 0;
    }
    bool mixed = neg && pos;
    double mk = mixed ? 254 : 255;
    int e = 0;
    while (e < 7 && S * pj->weight_max / (64 * ldexp(1.0, e)) > mk + 0.5) e++;
    double unit = 64 * ldexp(1.0, e) / S, wmax = 0;
    if (arr) {
      for (size_t i = 0; i < cnt; i++) {
        double x = pj->weight * arr[i] / unit;
        x = mixed ? 2 * round(x / 2) : round(x);
        arr[i] = fmin(fmax(x, mixed ? -256 : -255), mixed ? 254 : 255);
        wmax = fmax(wmax, fabs(arr[i]));
      }
      pj->weight = 1;
    } else {
      double x = round(pj->weight / unit);
      pj->weight = fmin(fmax(x, -255), 255);
      wmax = fabs(pj->weight);
    }
    pj->weight_exp = e;
    pj->weight_max = wmax;
  }
  /* neuron constants */
  enum { Q_DU, Q_DV, Q_BM, Q_BE, Q_VTH, Q_RM, Q_REF };
  double vth_min = INFINITY;
  uint32_t clamped = 0;
  for (uint32_t i = 0; i < p->size; i++) {
    const qneuron *x = &qs[i];
    double vth = spiking ? round(S * x->th / 64) : CUBA_VTH_MAX;
    if (spiking && vth < 1) vth = 1;
    vth = fmin(vth, CUBA_VTH_MAX);
    double bias = round(S * x->bias), be = 0;
    while (be < 7 && fabs(bias) / ldexp(1.0, (int)be) > CUBA_BIAS_MANT_MAX) be++;
    double bm = round(bias / ldexp(1.0, (int)be));
    clamped += bm < -4096 || bm > CUBA_BIAS_MANT_MAX;
    bm = fmin(fmax(bm, -4096), CUBA_BIAS_MANT_MAX);
    if (spiking) vth_min = fmin(vth_min, vth);
    vals[Q_DU][i] = x->du;
    vals[Q_DV][i] = x->dv;
    vals[Q_BM][i] = bm;
    vals[Q_BE][i] = be;
    vals[Q_VTH][i] = vth;
    vals[Q_RM][i] = n->o.subtract && spiking ? 1 : 0;
    vals[Q_REF][i] = 0;
  }
  if (spiking && vth_min < 64 &&
      (rc = net_warn(n, "population '%s': its weights are large against its threshold; the "
                     "threshold quantises to vth %g (coarse)", p->name, vth_min)))
    goto done;
  if (clamped && (rc = net_warn(n, "population '%s': %u neurons' bias exceeds loihi_cuba's "
                                "range (bias_mant 4095 << 7) and is clamped", p->name, clamped)))
    goto done;
  /* the population becomes a loihi_cuba one */
  if (p->spikes.param) {
    for (size_t k = 0; k < p->model->n_params; k++) nm_free(p->spikes.param[k]);
    nm_free(p->spikes.param);
    p->spikes.param = NULL;
  }
  double *nv = nm_calloc(mdl_loihi_cuba_type.n_params, sizeof(double));
  if (!nv) {
    rc = NMSIM_ENOMEM_ERR(n->err);
    goto done;
  }
  nm_free(p->values);
  p->values = nv;
  p->model = &mdl_loihi_cuba_type;
  for (size_t k = 0; k < p->model->n_params; k++) p->values[k] = p->model->params[k].def;
  static const char *const names[7] = {"du", "dv", "bias_mant", "bias_exp", "vth", "reset_mode",
                                       "refractory_period"};
  for (int k = 0; k < 7 && rc == NMSIM_OK; k++) rc = set_param(n, p, names[k], vals[k], 0);
done:
  nm_free(qs);
  for (int k = 0; k < 7; k++) nm_free(vals[k]);
  return rc;
}

nmsim_status nir_net_finish(nir_net *n, nmsim_scenario *s, nmsim_err *err) {
  n->err = err;
  size_t proj0 = s->n_projs;
  nmsim_status rc = NMSIM_OK;
  for (size_t k = 0; k < n->n_plans && rc == NMSIM_OK; k++) {
    const plan *pl = &n->plans[k];
    long port = n->port_of[pl->src];
    if (port < 0) {
      rc = add_proj(n, s, (uint32_t)n->pop_of[pl->src], pl->post, &pl->m, 1.0, 1 + pl->m.delay);
      continue;
    }
    for (size_t b = 0; b < n->n_binds && rc == NMSIM_OK; b++)
      if (n->binds[b].port == port)
        rc = add_proj(n, s, n->binds[b].pre, pl->post, &pl->m, n->binds[b].weight,
                      n->binds[b].delay + pl->m.delay);
  }
  if (rc || n->o.target != NIR_TARGET_LOIHI_CUBA) return rc;
  for (size_t q = 0; q < n->n_pops && rc == NMSIM_OK; q++)
    rc = n->o.lava ? quantise_lava(n, s, q) : quantise(n, s, q, proj0);
  return rc;
}
