/* lif.c: current-based leaky integrate-and-fire neuron (float), with two
 * exponential synaptic currents (exc, inh), integrated exactly over each step
 * with the exact propagator of Rotter & Diesmann, Biol. Cybern. 81:381 (1999).
 *
 *   tau_m dv/dt = -(v - e_l) + r_m (i_syn_e + i_syn_i + i_e)
 *   tau_syn_x di_syn_x/dt = -i_syn_x;  an input of weight w: i_syn_x += w (nA)
 *   v >= v_th: spike, v = v_reset, held for t_ref (whole steps)
 *
 * Order within a step: add this step's input to the currents, propagate
 * (v with the old currents, exactly), then test the threshold and reset. */
#include <math.h>
#include <stdio.h>

#include "models/mdl_int.h"

enum { V, IE, II, REF, NVARS };

static const nmsim_var_desc lif_vars[NVARS] = {
    [V] = {"v", NMSIM_VAR_F64, "mV", 0},
    [IE] = {"i_syn_e", NMSIM_VAR_F64, "nA", 0},
    [II] = {"i_syn_i", NMSIM_VAR_F64, "nA", 0},
    [REF] = {"refractory", NMSIM_VAR_I32, "steps", 0},
};

enum { P_TAU_M, P_E_L, P_V_TH, P_V_RESET, P_R_M, P_TAU_E, P_TAU_I, P_T_REF, P_I_E, P_V_INIT, NPARAMS };

static const nmsim_param_desc lif_params[NPARAMS] = {
    [P_TAU_M] = {"tau_m", "ms", 20.0, 1e-3, 1e6, "membrane time constant"},
    [P_E_L] = {"e_l", "mV", -65.0, -1e3, 1e3, "resting potential"},
    [P_V_TH] = {"v_th", "mV", -50.0, -1e3, 1e3, "threshold (spike when v >= v_th)"},
    [P_V_RESET] = {"v_reset", "mV", -65.0, -1e3, 1e3, "reset potential"},
    [P_R_M] = {"r_m", "MOhm", 100.0, 1e-6, 1e6, "membrane resistance"},
    [P_TAU_E] = {"tau_syn_e", "ms", 5.0, 1e-3, 1e6, "excitatory synaptic time constant"},
    [P_TAU_I] = {"tau_syn_i", "ms", 5.0, 1e-3, 1e6, "inhibitory synaptic time constant"},
    [P_T_REF] = {"t_ref", "ms", 2.0, 0.0, 1e6, "refractory period (rounded to whole steps)"},
    [P_I_E] = {"i_e", "nA", 0.0, -1e6, 1e6, "constant bias current"},
    [P_V_INIT] = {"v_init", "mV", -65.0, -1e3, 1e3, "initial membrane potential"},
};

static const char *const lif_sites[] = {"exc", "inh"};

typedef struct lif_derived {
  double e_l, v_th, v_reset, v_init;
  double p22;        /* exp(-dt/tau_m) */
  double p11e, p11i; /* exp(-dt/tau_syn) */
  double p21e, p21i; /* current -> voltage */
  double v_bias;     /* r_m * i_e * (1 - p22) */
  int32_t ref_steps;
} lif_derived;

/* Voltage response after h of a unit current decaying with tau_s, for
 * tau_m dv/dt = -v + r i (exact). */
static double lif_p21(double r, double tau_m, double tau_s, double h) {
  if (fabs(tau_m - tau_s) < 1e-12 * tau_m) return r * h / tau_m * exp(-h / tau_m);
  return r * tau_s / (tau_s - tau_m) * (exp(-h / tau_s) - exp(-h / tau_m));
}

static nmsim_status lif_prepare(const double *p, double dt, void *out, char *msg, size_t len) {
  lif_derived *d = out;
  if (p[P_V_RESET] >= p[P_V_TH]) {
    snprintf(msg, len, "v_reset (%g mV) must be below v_th (%g mV)", p[P_V_RESET], p[P_V_TH]);
    return NMSIM_EINPUT;
  }
  d->e_l = p[P_E_L];
  d->v_th = p[P_V_TH];
  d->v_reset = p[P_V_RESET];
  d->v_init = p[P_V_INIT];
  d->p22 = exp(-dt / p[P_TAU_M]);
  d->p11e = exp(-dt / p[P_TAU_E]);
  d->p11i = exp(-dt / p[P_TAU_I]);
  d->p21e = lif_p21(p[P_R_M], p[P_TAU_M], p[P_TAU_E], dt);
  d->p21i = lif_p21(p[P_R_M], p[P_TAU_M], p[P_TAU_I], dt);
  d->v_bias = p[P_R_M] * p[P_I_E] * (1.0 - d->p22);
  d->ref_steps = (int32_t)floor(p[P_T_REF] / dt + 0.5);
  return NMSIM_OK;
}

static void lif_init(const void *derived, const nmsim_block *b) {
  const lif_derived *d = derived;
  double *v = b->state[V], *ie = b->state[IE], *ii = b->state[II];
  int32_t *ref = b->state[REF];
  for (size_t i = 0; i < b->n; i++) {
    v[i] = d->v_init;
    ie[i] = ii[i] = 0.0;
    ref[i] = 0;
  }
}

/* One step of n neurons, branch-free so the compiler vectorises it; a neuron
 * that fires is marked with refractory = -1. An AVX2 and a baseline version
 * are built and picked at load time; no FMA is enabled (-ffp-contract=off), so
 * both give bit-identical results. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#endif
static void lif_kernel(size_t n, double *restrict v, double *restrict ie, double *restrict ii,
                       int32_t *restrict ref, const double *restrict in_e,
                       const double *restrict in_i, const lif_derived *restrict d) {
  const double e_l = d->e_l, v_th = d->v_th, v_reset = d->v_reset, v_bias = d->v_bias;
  const double p22 = d->p22, p11e = d->p11e, p11i = d->p11i, p21e = d->p21e, p21i = d->p21i;
  for (size_t i = 0; i < n; i++) {
    double je = ie[i] + in_e[i], ji = ii[i] + in_i[i];
    double unew = (v[i] - e_l) * p22 + je * p21e + ji * p21i + v_bias;
    ie[i] = je * p11e;
    ii[i] = ji * p11i;
    int64_t r = ref[i];
    double vn = r > 0 ? v_reset : e_l + unew;
    r = r > 0 ? r - 1 : 0;
    int64_t fire = (r == 0) & (vn >= v_th);
    v[i] = fire ? v_reset : vn;
    ref[i] = (int32_t)(fire ? -1 : r);
  }
}

/* The kernel, then a scan that collects the neurons that fired (in
 * increasing order) and starts their refractory period. */
static void lif_update(const void *derived, const nmsim_block *b, uint32_t *spikes,
                       size_t *n_spikes) {
  const lif_derived *d = derived;
  int32_t *ref = b->state[REF];
  lif_kernel(b->n, b->state[V], b->state[IE], b->state[II], ref, b->input[0], b->input[1], d);
  size_t ns = *n_spikes, n = b->n, i = 0;
  for (; i < n; i++) {
    /* skip eight at a time while no sign bit is set */
    while (i + 8 <= n && (ref[i] | ref[i + 1] | ref[i + 2] | ref[i + 3] | ref[i + 4] |
                          ref[i + 5] | ref[i + 6] | ref[i + 7]) >= 0)
      i += 8;
    if (i >= n) break;
    if (NMSIM_UNLIKELY(ref[i] < 0)) {
      ref[i] = d->ref_steps;
      spikes[ns++] = (uint32_t)i;
    }
  }
  *n_spikes = ns;
}

const nmsim_neuron_type mdl_lif_type = {
    .name = "lif",
    .abi_version = NMSIM_MODEL_ABI,
    .flags = 0,
    .integration = "exact exponential propagation (Rotter & Diesmann 1999)",
    .vars = lif_vars,
    .n_vars = NVARS,
    .params = lif_params,
    .n_params = NPARAMS,
    .sites = lif_sites,
    .n_sites = 2,
    .input_unit = "nA",
    .derived_size = sizeof(lif_derived),
    .prepare = lif_prepare,
    .init = lif_init,
    .update = lif_update,
};
