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

static void lif_update(const void *derived, const nmsim_block *b, uint32_t *spikes,
                         size_t *n_spikes) {
  const lif_derived *d = derived;
  double *v = b->state[V], *ie = b->state[IE], *ii = b->state[II];
  int32_t *ref = b->state[REF];
  const double *in_e = b->input[0], *in_i = b->input[1];
  size_t ns = *n_spikes;
  for (size_t i = 0; i < b->n; i++) {
    ie[i] += in_e[i];
    ii[i] += in_i[i];
    double u = v[i] - d->e_l;
    double unew = u * d->p22 + ie[i] * d->p21e + ii[i] * d->p21i + d->v_bias;
    ie[i] *= d->p11e;
    ii[i] *= d->p11i;
    if (ref[i] > 0) {
      ref[i]--;
      v[i] = d->v_reset;
    } else {
      v[i] = d->e_l + unew;
    }
    if (ref[i] == 0 && v[i] >= d->v_th) {
      v[i] = d->v_reset;
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
