/* connect.c: projections expanded into synapses between global neuron ids,
 * connector by connector (all_to_all, one_to_one, fixed_probability and
 * fixed_out_degree from a random stream keyed by seed, projection and source
 * neuron, fixed_in_degree keyed by target neuron, conv2d, pool2d, matrix,
 * list), in a fixed order, with weights drawn per synapse from a stream keyed
 * by seed, projection and source neuron, so connectivity never depends on
 * placement.
 * The mapper (build.c) and network mode (netmode.c) consume them. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>

#include "sim/base/rng.h"
#include "sim/system/connect.h"

/* The synapses of pre neuron i = (c, y, x) of a conv2d or pool2d projection:
 * every output (k, oy, ox) whose kernel window covers (y, x), with the
 * kernel tap's weight (pool2d: same channel only, weight as given). */
static nmsim_status expand_conv(sys_syn_sink add, void *E, const sys *s,
                                const scn_projection *pr, int shift, uint32_t i) {
  const scn_conv *cv = pr->conv;
  uint32_t c = i / (cv->in_h * cv->in_w), y = (i / cv->in_w) % cv->in_h, x = i % cv->in_w;
  uint32_t src = s->pop_gid0[pr->pre] + i, post0 = s->pop_gid0[pr->post];
  bool pool = pr->conn == SCN_POOL2D;
  for (uint32_t ky = 0; ky < cv->kh; ky++) {
    int64_t ny = (int64_t)y + cv->ph - ky; /* = oy * sh */
    if (ny < 0 || ny % cv->sh || ny / cv->sh >= cv->out_h) continue;
    uint32_t oy = (uint32_t)(ny / cv->sh);
    for (uint32_t kx = 0; kx < cv->kw; kx++) {
      int64_t nx = (int64_t)x + cv->pw - kx;
      if (nx < 0 || nx % cv->sw || nx / cv->sw >= cv->out_w) continue;
      uint32_t ox = (uint32_t)(nx / cv->sw);
      for (uint32_t k = pool ? c : 0; k < (pool ? c + 1 : cv->out_c); k++) {
        double w = pr->weight;
        if (cv->kernel) w *= cv->kernel[((size_t)(k * cv->in_c + c) * cv->kh + ky) * cv->kw + kx];
        if (w == 0.0) continue;
        uint32_t dst = post0 + (k * cv->out_h + oy) * cv->out_w + ox;
        nmsim_status rc =
            add(E, s, src, dst, pr, (int32_t)llround(ldexp(w, shift + pr->weight_exp)), pr->delay);
        if (rc != NMSIM_OK) return rc;
      }
    }
  }
  return NMSIM_OK;
}

/* A weight of distribution d from r: redrawn outside [lo, hi] (1000 times,
 * then clipped: a normal's or lognormal's default bounds lie 8 SD out). */
static double draw_weight(gsl_rng *r, const scn_dist *d) {
  double w = 0;
  for (int t = 0; t < 1000; t++) {
    w = d->kind == SCN_DIST_UNIFORM  ? d->a + (d->b - d->a) * gsl_rng_uniform(r)
        : d->kind == SCN_DIST_NORMAL ? d->a + gsl_ran_gaussian_ziggurat(r, d->b)
                                     : 0;
    if (d->kind == SCN_DIST_LOGNORMAL) {
      double s2 = log1p(d->b * d->b / (d->a * d->a));
      w = gsl_ran_lognormal(r, log(d->a) - s2 / 2, sqrt(s2));
    }
    if (w >= d->lo && w <= d->hi) return w;
  }
  return w < d->lo ? d->lo : d->hi;
}

/* A delay of distribution d (in steps) from r, rounded to whole steps within
 * [d->lo, d->hi]: redrawn outside (1000 times, then clipped). */
static uint32_t draw_delay(gsl_rng *r, const scn_dist *d) {
  double v = 0;
  for (int t = 0; t < 1000; t++) {
    v = floor(draw_weight(r, &(scn_dist){d->kind, d->a, d->b, -INFINITY, INFINITY}) + 0.5);
    if (v >= d->lo && v <= d->hi) return (uint32_t)v;
  }
  return (uint32_t)(v < d->lo ? d->lo : d->hi);
}

/* fixed_in_degree: every post neuron j takes `degree` distinct pre neurons,
 * chosen from the stream keyed by (seed, projection, post neuron); the
 * synapses are handed on in pre-neuron order (the order the sinks want),
 * each pre neuron's in post order, weights drawn per pre neuron as for the
 * other connectors. */
static nmsim_status expand_in_degree(sys_syn_sink add, void *E, const sys *s, size_t k,
                                     const int *shift, gsl_rng *r, gsl_rng *rw, gsl_rng *rd) {
  const nmsim_scenario *scn = s->scn;
  const scn_projection *pr = &scn->projs[k];
  const uint32_t npre = scn->pops[pr->pre].size, npost = scn->pops[pr->post].size;
  const bool noself = pr->pre == pr->post && !pr->allow_self;
  const uint32_t K = pr->degree;
  uint64_t total = (uint64_t)K * npost;
  uint32_t *pre_of = nm_malloc((total ? total : 1) * sizeof *pre_of);
  uint32_t *cand = nm_malloc((size_t)(npre ? npre : 1) * sizeof *cand);
  uint32_t *cnt = nm_calloc((size_t)npre + 1, sizeof *cnt);
  uint32_t *post_of = nm_malloc((total ? total : 1) * sizeof *post_of);
  nmsim_status rc = pre_of && cand && cnt && post_of ? NMSIM_OK : NMSIM_ENOMEM;
  for (uint32_t j = 0; rc == NMSIM_OK && j < npost; j++) {
    uint32_t nc = 0;
    for (uint32_t i = 0; i < npre; i++)
      if (!(noself && i == j)) cand[nc++] = i;
    gsl_rng_set(r, rng_stream_seed(scn->seed, k, j, (uint64_t)RNG_PURPOSE_CONNECT << 32 | 1));
    gsl_ran_choose(r, pre_of + (size_t)j * K, K, cand, nc, sizeof *cand);
  }
  /* counting sort by pre neuron, stable in post order */
  for (uint64_t a = 0; rc == NMSIM_OK && a < total; a++) cnt[pre_of[a] + 1]++;
  for (uint32_t i = 0; rc == NMSIM_OK && i < npre; i++) cnt[i + 1] += cnt[i];
  for (uint64_t a = 0; rc == NMSIM_OK && a < total; a++)
    post_of[cnt[pre_of[a]]++] = (uint32_t)(a / K);
  for (uint32_t i = npre; rc == NMSIM_OK && i > 0; i--) cnt[i] = cnt[i - 1];
  if (rc == NMSIM_OK) cnt[0] = 0;
  int32_t wq = (int32_t)llround(ldexp(pr->weight, shift[pr->post] + pr->weight_exp));
  for (uint32_t i = 0; rc == NMSIM_OK && i < npre; i++) {
    if (pr->wdist.kind) gsl_rng_set(rw, rng_stream_seed(scn->seed, k, i, RNG_PURPOSE_WEIGHT));
    if (pr->delay_hi || pr->ddist.kind)
      gsl_rng_set(rd, rng_stream_seed(scn->seed, k, i, (uint64_t)RNG_PURPOSE_WEIGHT << 32 | 1));
#define D() (pr->delay_hi ? pr->delay_lo + (uint32_t)gsl_rng_uniform_int(rd, pr->delay_hi - pr->delay_lo + 1) \
             : pr->ddist.kind ? draw_delay(rd, &pr->ddist)                                          \
                              : pr->delay)
    for (uint32_t a = cnt[i]; rc == NMSIM_OK && a < cnt[i + 1]; a++) {
      int32_t w = pr->wdist.kind ? (int32_t)llround(ldexp(draw_weight(rw, &pr->wdist),
                                                          shift[pr->post] + pr->weight_exp))
                                 : wq;
      rc = add(E, s, s->pop_gid0[pr->pre] + i, s->pop_gid0[pr->post] + post_of[a], pr, w, D());
    }
#undef D
  }
  nm_free(pre_of);
  nm_free(cand);
  nm_free(cnt);
  nm_free(post_of);
  return rc;
}

nmsim_status sys_expand_projections(sys *s, const int *shift, sys_syn_sink add, void *E,
                                    nmsim_err *err) {
  return sys_expand_some(s, shift, NULL, add, E, err);
}

nmsim_status sys_expand_some(sys *s, const int *shift, const uint8_t *only, sys_syn_sink add,
                             void *E, nmsim_err *err) {
  const nmsim_scenario *scn = s->scn;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2), *rw = gsl_rng_alloc(gsl_rng_taus2),
          *rd = gsl_rng_alloc(gsl_rng_taus2);
  uint32_t *pool = NULL, *pick = NULL;
  if (!r || !rw || !rd) {
    gsl_rng_free(r);
    gsl_rng_free(rw);
    gsl_rng_free(rd);
    return NMSIM_ENOMEM_ERR(err);
  }
  nmsim_status rc = NMSIM_OK;
  for (size_t k = 0; k < scn->n_projs && rc == NMSIM_OK; k++) {
    if (only && !only[k]) continue;
    const scn_projection *pr = &scn->projs[k];
    const scn_population *pre = &scn->pops[pr->pre], *post = &scn->pops[pr->post];
    int32_t wq = (int32_t)llround(ldexp(pr->weight, shift[pr->post] + pr->weight_exp));
    bool self = pr->pre == pr->post;
    const bool drawn = pr->wdist.kind != SCN_DIST_NONE;
    /* a synapse's weight: the projection's, or drawn from the pre neuron's stream */
#define W() (drawn ? (int32_t)llround(ldexp(draw_weight(rw, &pr->wdist),                  \
                                             shift[pr->post] + pr->weight_exp))          \
                   : wq)
    /* a synapse's delay: the projection's, or drawn from the pre neuron's stream */
#define D() (pr->delay_hi ? pr->delay_lo + (uint32_t)gsl_rng_uniform_int(rd, pr->delay_hi - pr->delay_lo + 1) \
             : pr->ddist.kind ? draw_delay(rd, &pr->ddist)                                          \
                              : pr->delay)
    if (pr->conn == SCN_FIXED_IN_DEGREE) {
      rc = expand_in_degree(add, E, s, k, shift, r, rw, rd);
      continue;
    }
    if (pr->conn == SCN_FIXED_OUT_DEGREE) {
      nm_free(pool), nm_free(pick);
      pool = nm_malloc(((size_t)post->size + 1) * sizeof *pool);
      pick = nm_malloc(((size_t)pr->degree + 1) * sizeof *pick);
      if (!pool || !pick) {
        rc = NMSIM_ENOMEM;
        break;
      }
    }
    for (uint32_t i = 0; i < pre->size && rc == NMSIM_OK; i++) {
      uint32_t src = s->pop_gid0[pr->pre] + i;
      if (drawn) gsl_rng_set(rw, rng_stream_seed(scn->seed, k, i, RNG_PURPOSE_WEIGHT));
      if (pr->delay_hi || pr->ddist.kind)
        gsl_rng_set(rd, rng_stream_seed(scn->seed, k, i, (uint64_t)RNG_PURPOSE_WEIGHT << 32 | 1));
      switch (pr->conn) {
        case SCN_FIXED_IN_DEGREE: /* above */
          break;
        case SCN_FIXED_OUT_DEGREE: {
          /* `degree` distinct post neurons from the stream keyed by (seed,
           * projection, pre neuron), in post order */
          uint32_t nc = 0;
          for (uint32_t j = 0; j < post->size; j++)
            if (!(self && !pr->allow_self && j == i)) pool[nc++] = j;
          gsl_rng_set(r, rng_stream_seed(scn->seed, k, i, RNG_PURPOSE_CONNECT));
          gsl_ran_choose(r, pick, pr->degree, pool, nc, sizeof *pool);
          for (uint32_t a = 0; a < pr->degree && rc == NMSIM_OK; a++)
            rc = add(E, s, src, s->pop_gid0[pr->post] + pick[a], pr, W(), D());
          break;
        }
        case SCN_DISTANCE: {
          /* one Bernoulli draw per candidate target, in target order */
          const scn_distance *g = pr->dist;
          double xi = (i % g->pre_w + 0.5) / g->pre_w, yi = (i / g->pre_w + 0.5) / g->pre_h;
          double inv = 1.0 / (2.0 * g->sigma * g->sigma);
          gsl_rng_set(r, rng_stream_seed(scn->seed, k, i, RNG_PURPOSE_CONNECT));
          for (uint32_t j = 0; j < post->size && rc == NMSIM_OK; j++) {
            if (self && !pr->allow_self && j == i) continue;
            double dx = fabs((j % g->post_w + 0.5) / g->post_w - xi);
            double dy = fabs((j / g->post_w + 0.5) / g->post_h - yi);
            if (g->periodic) dx = fmin(dx, 1 - dx), dy = fmin(dy, 1 - dy);
            if (gsl_rng_uniform(r) < g->p * exp(-(dx * dx + dy * dy) * inv))
              rc = add(E, s, src, s->pop_gid0[pr->post] + j, pr, W(), D());
          }
          break;
        }
        case SCN_LIST: {
          const scn_list *l = pr->list;
          for (uint32_t a = l->off[i]; a < l->off[i + 1] && rc == NMSIM_OK; a++) {
            double w = pr->weight * (l->w ? l->w[a] : 1.0);
            if (w != 0.0)
              rc = add(E, s, src, s->pop_gid0[pr->post] + l->post[a], pr,
                       (int32_t)llround(ldexp(w, shift[pr->post] + pr->weight_exp)),
                       l->d ? l->d[a] : pr->delay);
          }
          break;
        }
        case SCN_ONE_TO_ONE:
          if (!self || pr->allow_self)
            rc = add(E, s, src, s->pop_gid0[pr->post] + i, pr, W(), D());
          break;
        case SCN_ALL_TO_ALL:
          for (uint32_t j = 0; j < post->size && rc == NMSIM_OK; j++)
            if (!self || pr->allow_self || i != j)
              rc = add(E, s, src, s->pop_gid0[pr->post] + j, pr, W(), D());
          break;
        case SCN_CONV2D:
        case SCN_POOL2D:
          rc = expand_conv(add, E, s, pr, shift[pr->post], i);
          break;
        case SCN_MATRIX: { /* explicit weights (NIR imports): one synapse per nonzero */
          const scn_matrix *m = pr->matrix;
          for (uint32_t j = m->diagonal ? i : 0; j < (m->diagonal ? i + 1 : post->size) &&
                                                 rc == NMSIM_OK; j++) {
            double w = pr->weight * m->w[m->diagonal ? i : (size_t)j * m->n_in + i];
            if (w != 0.0)
              rc = add(E, s, src, s->pop_gid0[pr->post] + j, pr,
                       (int32_t)llround(ldexp(w, shift[pr->post] + pr->weight_exp)), pr->delay);
          }
          break;
        }
        case SCN_FIXED_PROBABILITY: {
          /* Bernoulli(p) over the candidate targets by geometric skipping:
           * from the stream keyed by (seed, projection, pre neuron), each draw
           * gives the gap to the next target (gsl_ran_geometric, one uniform
           * per draw), so the draws are the synapses made plus one. i itself
           * is no candidate unless allow_self. */
          if (pr->p <= 0) break;
          gsl_rng_set(r, rng_stream_seed(scn->seed, k, i, RNG_PURPOSE_CONNECT));
          uint64_t cand = (uint64_t)post->size - (self && !pr->allow_self);
          for (uint64_t c = 0; rc == NMSIM_OK;) {
            c += pr->p >= 1 ? 1 : gsl_ran_geometric(r, pr->p);
            if (c > cand) break;
            uint64_t j = c - 1;
            if (self && !pr->allow_self && j >= i) j++;
            rc = add(E, s, src, s->pop_gid0[pr->post] + (uint32_t)j, pr, W(), D());
          }
          break;
        }
      }
    }
#undef W
#undef D
  }
  nm_free(pool);
  nm_free(pick);
  gsl_rng_free(r);
  gsl_rng_free(rw);
  gsl_rng_free(rd);
  if (rc == NMSIM_ENOMEM) return NMSIM_ENOMEM_ERR(err);
  return rc; /* another failure of the sink has its message in err */
}
