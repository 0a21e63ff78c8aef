/* truenorth.c: the TrueNorth neuron (Cassidy et al., "Cognitive computing
 * building block", IJCNN 2013; Merolla et al., Science 345:668, 2014, S1, S3,
 * S8), its deterministic modes, in integers.
 *
 * State: V, a 20-bit signed integer (Merolla S3, S8), held in an int32 and
 * saturated to [-2^19, 2^19 - 1]. Per tick, in the published order
 * (Akopyan et al., IEEE TCAD 34:1537, 2015, Fig. 1 caption: integrate, then
 * leak, then threshold):
 *   1. synaptic integration  V = sat(V + I)
 *      I = sum over active axons i with w_ij = 1 of s_j^{G_i}: the step's
 *      summed input, one term per synaptic event (the core type checks that
 *      every weight is one of the neuron's four axon-type weights, 9-bit)
 *   2. leak                  V = sat(V + Omega * lambda),
 *                            Omega = 1 (epsilon = 0), sgn(V) (epsilon = 1)
 *   3. threshold, fire, reset: if V >= alpha: spike and
 *                            gamma 0: V = v_reset; 1: V = V - alpha; 2: V unchanged
 *   4. negative threshold    else if V < -beta:
 *                            kappa 1: V = -beta (saturate, whatever gamma);
 *                            kappa 0: gamma 0: V = -v_reset; 1: V = V + beta;
 *                                     2: V unchanged
 * (Cassidy's equations with eta = 0, c = 0 and b = 0, the deterministic
 * modes; a neuron fires at most once a tick. Merolla Table S2 writes the
 * leak as V - lambda; this model follows Cassidy's sign, V + lambda.)
 *
 * Not modelled: the stochastic modes (stochastic synapses b, stochastic leak
 * c, stochastic threshold TM with the core's PRNG); their parameters exist so
 * that a configuration that sets them is refused rather than run wrongly.
 * Where overflow behaviour and parameter widths are not published (notes in
 * docs/scenario-format.md): V saturates after the synaptic sum and after the
 * leak (the sum of one tick is added at once, so the order in which axons
 * arrive cannot matter); lambda takes 9 bits like a weight; alpha, beta and
 * v_reset take any value V can hold.
 *
 * Input: the site value is the tick's summed input, an integer (fixed-point
 * models get no input scaling); a dyadic fraction (weight_exp, which the
 * truenorth core refuses) is floored, as loihi_cuba does. */
#include <math.h>
#include <stdio.h>

#include "models/mdl_int.h"

#define TN_V_MAX ((1 << 19) - 1) /* V: 20-bit signed (Merolla S3, S8) */
#define TN_V_MIN (-(1 << 19))

enum { V, NVARS };

static const nmsim_var_desc tn_vars[NVARS] = {
    [V] = {"v", NMSIM_VAR_I32, "", 0},
};

enum {
  P_LAMBDA,
  P_EPSILON,
  P_ALPHA,
  P_BETA,
  P_V_RESET,
  P_GAMMA,
  P_KAPPA,
  P_STOCH_SYN,
  P_STOCH_LEAK,
  P_TM,
  NPARAMS
};

/* The first P_STOCH_SYN parameters are the deterministic model; the rest
 * must be 0. */
static const nmsim_param_desc tn_params[NPARAMS] = {
    [P_LAMBDA] = {"lambda", "", 0, -255, 255,
                  "leak added every tick (signed; width not published, 9 bits assumed)"},
    [P_EPSILON] = {"epsilon", "", 0, 0, 1,
                   "leak reversal: 0 adds lambda; 1 adds sgn(V) * lambda (lambda < 0: "
                   "toward 0)"},
    [P_ALPHA] = {"alpha", "", 1, 0, TN_V_MAX, "positive threshold: spike when V >= alpha"},
    [P_BETA] = {"beta", "", 0, 0, TN_V_MAX, "negative threshold: V < -beta triggers kappa"},
    [P_V_RESET] = {"v_reset", "", 0, -TN_V_MAX, TN_V_MAX,
                   "reset potential R (gamma 0: V = R after a spike, -R below -beta)"},
    [P_GAMMA] = {"gamma", "", 0, 0, 2,
                 "reset mode: 0 normal (V = R), 1 linear (V -= alpha), 2 none"},
    [P_KAPPA] = {"kappa", "", 0, 0, 1,
                 "below -beta: 0 reset by gamma (-R, V + beta, none), 1 saturate at -beta"},
    [P_STOCH_SYN] = {"stochastic_synapse", "", 0, 0, 15,
                     "stochastic synapse flags b per axon type (bit G): not modelled, must be 0"},
    [P_STOCH_LEAK] = {"stochastic_leak", "", 0, 0, 1,
                      "stochastic leak c: not modelled, must be 0"},
    [P_TM] = {"threshold_mask_bits", "", 0, 0, 19,
              "stochastic threshold mask width TM: not modelled, must be 0"},
};

static const char *const tn_sites[] = {"in"};

typedef struct tn_derived {
  int32_t lambda, alpha, beta, v_reset;
  int epsilon, gamma, kappa;
} tn_derived;

static nmsim_status tn_prepare(const double *p, double dt, void *out, char *msg, size_t len) {
  (void)dt;
  tn_derived *d = out;
  for (int k = 0; k < NPARAMS; k++)
    if (p[k] != floor(p[k])) {
      snprintf(msg, len, "%s must be an integer in [%g, %g], got %.17g", tn_params[k].name,
               tn_params[k].min, tn_params[k].max, p[k]);
      return NMSIM_EINPUT;
    }
  for (int k = P_STOCH_SYN; k < NPARAMS; k++)
    if (p[k] != 0) {
      snprintf(msg, len,
               "%s is %g: TrueNorth's stochastic modes are not modelled (model truenorth is "
               "the deterministic neuron); set it to 0",
               tn_params[k].name, p[k]);
      return NMSIM_EINPUT;
    }
  d->lambda = (int32_t)p[P_LAMBDA];
  d->epsilon = (int)p[P_EPSILON];
  d->alpha = (int32_t)p[P_ALPHA];
  d->beta = (int32_t)p[P_BETA];
  d->v_reset = (int32_t)p[P_V_RESET];
  d->gamma = (int)p[P_GAMMA];
  d->kappa = (int)p[P_KAPPA];
  return NMSIM_OK;
}

static void tn_init(const void *derived, const nmsim_block *b) {
  (void)derived;
  int32_t *v = b->state[V];
  for (size_t i = 0; i < b->n; i++) v[i] = 0;
}

/* x saturated to the 20 bits of V. */
static inline int64_t tn_sat(int64_t x) {
  return x > TN_V_MAX ? TN_V_MAX : x < TN_V_MIN ? TN_V_MIN : x;
}

static void tn_update(const void *derived, const nmsim_block *b, uint32_t *spikes,
                      size_t *n_spikes) {
  const tn_derived *d = derived;
  int32_t *v = b->state[V];
  const double *in = b->input[0];
  size_t ns = *n_spikes;
  for (size_t i = 0; i < b->n; i++) {
    /* 1. the tick's synaptic input (clamped first: beyond +-2^40 the
     * saturated result is the same, and the conversion stays defined) */
    double a = floor(in[i]);
    a = a < -0x1p40 ? -0x1p40 : a > 0x1p40 ? 0x1p40 : a;
    int64_t x = tn_sat((int64_t)v[i] + (int64_t)a);
    /* 2. leak, its sign reversed below 0 when epsilon = 1 (none at V = 0) */
    int64_t omega = d->epsilon ? (x > 0) - (x < 0) : 1;
    x = tn_sat(x + omega * d->lambda);
    /* 3-4. thresholds */
    if (x >= d->alpha) {
      spikes[ns++] = (uint32_t)i;
      if (d->gamma == 0) x = d->v_reset;
      else if (d->gamma == 1) x -= d->alpha;
    } else if (x < -(int64_t)d->beta) {
      if (d->kappa) x = -(int64_t)d->beta;
      else if (d->gamma == 0) x = -(int64_t)d->v_reset;
      else if (d->gamma == 1) x += d->beta;
    }
    v[i] = (int32_t)x;
  }
  *n_spikes = ns;
}

const nmsim_neuron_type mdl_truenorth_type = {
    .name = "truenorth",
    .abi_version = NMSIM_MODEL_ABI,
    .flags = NMSIM_MODEL_FIXED_POINT,
    .integration = "bit-exact TrueNorth neuron, deterministic modes (Cassidy et al. 2013): "
                   "integrate, leak, threshold and reset, negative threshold; stochastic modes "
                   "not modelled",
    .vars = tn_vars,
    .n_vars = NVARS,
    .params = tn_params,
    .n_params = NPARAMS,
    .sites = tn_sites,
    .n_sites = 1,
    .input_unit = "",
    .derived_size = sizeof(tn_derived),
    .prepare = tn_prepare,
    .init = tn_init,
    .update = tn_update,
};
