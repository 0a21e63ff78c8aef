/* connect.c: projections expanded into synapses between global neuron ids,
 * connector by connector (all_to_all, one_to_one, fixed_probability from a
 * random stream keyed by seed, projection and source neuron, conv2d, pool2d,
 * matrix), in a fixed order, so connectivity never depends on placement.
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
            add(E, s, src, dst, pr, (int32_t)llround(ldexp(w, shift + pr->weight_exp)));
        if (rc != NMSIM_OK) return rc;
      }
    }
  }
  return NMSIM_OK;
}

nmsim_status sys_expand_projections(sys *s, const int *shift, sys_syn_sink add, void *E,
                                    nmsim_err *err) {
  const nmsim_scenario *scn = s->scn;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
  if (!r) return NMSIM_ENOMEM_ERR(err);
  nmsim_status rc = NMSIM_OK;
  for (size_t k = 0; k < scn->n_projs && rc == NMSIM_OK; k++) {
    const scn_projection *pr = &scn->projs[k];
    const scn_population *pre = &scn->pops[pr->pre], *post = &scn->pops[pr->post];
    int32_t wq = (int32_t)llround(ldexp(pr->weight, shift[pr->post] + pr->weight_exp));
    bool self = pr->pre == pr->post;
    for (uint32_t i = 0; i < pre->size && rc == NMSIM_OK; i++) {
      uint32_t src = s->pop_gid0[pr->pre] + i;
      switch (pr->conn) {
        case SCN_ONE_TO_ONE:
          if (!self || pr->allow_self) rc = add(E, s, src, s->pop_gid0[pr->post] + i, pr, wq);
          break;
        case SCN_ALL_TO_ALL:
          for (uint32_t j = 0; j < post->size && rc == NMSIM_OK; j++)
            if (!self || pr->allow_self || i != j)
              rc = add(E, s, src, s->pop_gid0[pr->post] + j, pr, wq);
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
                            (int32_t)llround(ldexp(w, shift[pr->post] + pr->weight_exp)));
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
            rc = add(E, s, src, s->pop_gid0[pr->post] + (uint32_t)j, pr, wq);
          }
          break;
        }
      }
    }
  }
  gsl_rng_free(r);
  if (rc == NMSIM_ENOMEM) return NMSIM_ENOMEM_ERR(err);
  return rc; /* another failure of the sink has its message in err */
}
