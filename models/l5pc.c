/* l5pc.c: spiking two-compartment layer-5 pyramidal cell (soma + apical dendrite
 * with a calcium nonlinearity, back-propagating action potential, adaptation):
 * Naud & Sprekeler, PNAS 115:E6329 (2018); Payeur et al., Nat Neurosci 24:1010
 * (2021), reduced from Naud, Bathellier & Gerstner, Front Comput Neurosci 8:90
 * (2014). Update order of Auryn's NaudGroup (fzenke/auryn src/auryn/NaudGroup.cpp)
 * as written in models-spec section 5b:
 *
 *   dVs/dt = -(Vs - E_L)/tau_s + (g_s f(Vd) + b_ws ws + I_s)/C_s
 *   dVd/dt = -(Vd - E_L)/tau_d + (g_d f(Vd) + a_wd wd + c_d K + I_d)/C_d
 *   dws/dt = -ws/tau_ws (+1 per somatic spike);  dwd/dt = ((Vd - E_L) - wd)/tau_wd
 *   f(Vd) = 1/(1 + exp(-(Vd - E_d)/D_d));  K: box of height 1, bap_len long,
 *   from the step after a somatic spike;  dtheta/dt = (theta0 - theta)/tau_thr
 *   spike if Vs > theta; then Vs = V_reset, theta += dtheta, ws += 1
 *
 * Per step (forward Euler): (1) f = f(Vd_old); (2) Vs, Vd from the old values,
 * plus dt c_d/C_d on Vd while the bAP countdown runs; (3) ws *= exp(-dt/tau_ws);
 * (4) wd from the new Vd; (5) theta relaxes; (6) threshold test and jumps.
 *
 * Input: site "basal" is somatic current (feed-forward drive), "apical" is
 * dendritic current (context), both in pA. Each site's current is
 *   I_x = i_x_bias + I_syn_x,  I_syn_x <- I_syn_x exp(-dt/tau_syn_x) + (step's input),
 * so with tau_syn_x = 0 (the default) a synaptic input of weight w is a current
 * pulse of w pA lasting one step, and with tau_syn_x > 0 an exponential current. */
#include <math.h>
#include <stdio.h>

#include "models/mdl_int.h"

enum { VS, VD, WS, WD, THETA, IS, ID, BAP, NVARS };

static const nmsim_var_desc l5_vars[NVARS] = {
    [VS] = {"vs", NMSIM_VAR_F64, "mV", 0},
    [VD] = {"vd", NMSIM_VAR_F64, "mV", 0},
    [WS] = {"ws", NMSIM_VAR_F64, "", 0},
    [WD] = {"wd", NMSIM_VAR_F64, "mV", 0},
    [THETA] = {"theta", NMSIM_VAR_F64, "mV", 0},
    [IS] = {"i_syn_basal", NMSIM_VAR_F64, "pA", 0},
    [ID] = {"i_syn_apical", NMSIM_VAR_F64, "pA", 0},
    [BAP] = {"bap", NMSIM_VAR_I32, "steps", 0},
};

enum {
  P_E_L, P_V_RESET, P_THETA0, P_DTHETA, P_TAU_THR, P_TAU_S, P_C_S, P_G_S, P_B_WS, P_TAU_WS,
  P_TAU_D, P_C_D, P_G_D, P_A_WD, P_TAU_WD, P_BAP_AMP, P_BAP_LEN, P_E_D, P_D_D, P_WD_INIT,
  P_I_S, P_I_D, P_TAU_SYN_S, P_TAU_SYN_D, NPARAMS
};

/* Values: models-spec 5b table (Naud & Sprekeler 2018; Payeur et al. 2021 code
 * apayeur/spikingburstprop), which l5pc_two_compartment.json also uses. */
static const nmsim_param_desc l5_params[NPARAMS] = {
    [P_E_L] = {"e_l", "mV", -70.0, -200.0, 100.0, "resting potential (both compartments)"},
    [P_V_RESET] = {"v_reset", "mV", -70.0, -200.0, 100.0, "somatic reset"},
    [P_THETA0] = {"theta0", "mV", -50.0, -200.0, 100.0, "base threshold"},
    [P_DTHETA] = {"dtheta", "mV", 2.0, 0.0, 100.0, "threshold jump per spike"},
    [P_TAU_THR] = {"tau_thr", "ms", 27.0, 1e-3, 1e6, "threshold relaxation"},
    [P_TAU_S] = {"tau_s", "ms", 16.0, 1e-3, 1e6, "somatic time constant"},
    [P_C_S] = {"c_s", "pF", 370.0, 1e-3, 1e6, "somatic capacitance"},
    [P_G_S] = {"g_s", "pA", 1300.0, -1e6, 1e6, "dendrite-to-soma drive of the Ca plateau"},
    [P_B_WS] = {"b_ws", "pA", -200.0, -1e6, 1e6, "somatic adaptation current per spike"},
    [P_TAU_WS] = {"tau_ws", "ms", 100.0, 1e-3, 1e6, "somatic adaptation decay"},
    [P_TAU_D] = {"tau_d", "ms", 7.0, 1e-3, 1e6, "dendritic time constant"},
    [P_C_D] = {"c_d", "pF", 170.0, 1e-3, 1e6, "dendritic capacitance"},
    [P_G_D] = {"g_d", "pA", 1200.0, -1e6, 1e6, "dendritic regenerative (Ca) drive"},
    [P_A_WD] = {"a_wd", "nS", -13.0, -1e6, 1e6, "subthreshold dendritic adaptation"},
    [P_TAU_WD] = {"tau_wd", "ms", 30.0, 1e-3, 1e6, "dendritic adaptation time constant"},
    [P_BAP_AMP] = {"bap_amp", "pA", 2600.0, -1e6, 1e6, "back-propagating AP current c_d"},
    [P_BAP_LEN] = {"bap_len", "ms", 2.0, 0.0, 1e3, "bAP duration (rounded to whole steps)"},
    [P_E_D] = {"e_d", "mV", -38.0, -200.0, 100.0, "half-activation of the Ca nonlinearity"},
    [P_D_D] = {"d_d", "mV", 6.0, 1e-3, 100.0, "slope of the Ca nonlinearity"},
    [P_WD_INIT] = {"wd_init", "mV", 0.1, -1e3, 1e3, "initial dendritic adaptation"},
    [P_I_S] = {"i_basal_bias", "pA", 0.0, -1e7, 1e7, "constant somatic current"},
    [P_I_D] = {"i_apical_bias", "pA", 0.0, -1e7, 1e7, "constant dendritic current"},
    [P_TAU_SYN_S] = {"tau_syn_basal", "ms", 0.0, 0.0, 1e6,
                     "basal synaptic current decay (0: an input lasts one step)"},
    [P_TAU_SYN_D] = {"tau_syn_apical", "ms", 0.0, 0.0, 1e6,
                     "apical synaptic current decay (0: an input lasts one step)"},
};

static const char *const l5_sites[] = {"basal", "apical"};

typedef struct l5_derived {
  double e_l, v_reset, theta0, dtheta, g_s, b_ws, g_d, a_wd, e_d, d_d, wd_init, i_s, i_d;
  double dt, dt_tau_s, dt_c_s, dt_tau_d, dt_c_d, dt_tau_wd, dt_tau_thr, bap_dv;
  double ws_decay, ps, pd;
  int32_t bap_steps;
} l5_derived;

static nmsim_status l5_prepare(const double *p, double dt, void *out, char *msg, size_t len) {
  l5_derived *d = out;
  if (!(p[P_V_RESET] < p[P_THETA0])) {
    snprintf(msg, len, "v_reset (%g mV) must be below theta0 (%g mV)", p[P_V_RESET],
             p[P_THETA0]);
    return NMSIM_EINPUT;
  }
  d->e_l = p[P_E_L];
  d->v_reset = p[P_V_RESET];
  d->theta0 = p[P_THETA0];
  d->dtheta = p[P_DTHETA];
  d->g_s = p[P_G_S];
  d->b_ws = p[P_B_WS];
  d->g_d = p[P_G_D];
  d->a_wd = p[P_A_WD];
  d->e_d = p[P_E_D];
  d->d_d = p[P_D_D];
  d->wd_init = p[P_WD_INIT];
  d->i_s = p[P_I_S];
  d->i_d = p[P_I_D];
  d->dt = dt;
  d->dt_tau_s = dt / p[P_TAU_S];
  d->dt_c_s = dt / p[P_C_S];
  d->dt_tau_d = dt / p[P_TAU_D];
  d->dt_c_d = dt / p[P_C_D];
  d->dt_tau_wd = dt / p[P_TAU_WD];
  d->dt_tau_thr = dt / p[P_TAU_THR];
  d->bap_dv = dt * p[P_BAP_AMP] / p[P_C_D];
  d->ws_decay = exp(-dt / p[P_TAU_WS]);
  d->ps = p[P_TAU_SYN_S] > 0 ? exp(-dt / p[P_TAU_SYN_S]) : 0.0;
  d->pd = p[P_TAU_SYN_D] > 0 ? exp(-dt / p[P_TAU_SYN_D]) : 0.0;
  d->bap_steps = (int32_t)floor(p[P_BAP_LEN] / dt + 0.5);
  return NMSIM_OK;
}

static void l5_init(const void *derived, const nmsim_block *b) {
  const l5_derived *d = derived;
  double *vs = b->state[VS], *vd = b->state[VD], *ws = b->state[WS], *wd = b->state[WD];
  double *th = b->state[THETA], *is = b->state[IS], *id = b->state[ID];
  int32_t *bap = b->state[BAP];
  for (size_t i = 0; i < b->n; i++) {
    vs[i] = vd[i] = d->e_l;
    ws[i] = 0.0;
    wd[i] = d->wd_init;
    th[i] = d->theta0;
    is[i] = id[i] = 0.0;
    bap[i] = 0;
  }
}

static void l5_update(const void *derived, const nmsim_block *b, uint32_t *spikes,
                      size_t *n_spikes) {
  const l5_derived *d = derived;
  double *vs = b->state[VS], *vd = b->state[VD], *ws = b->state[WS], *wd = b->state[WD];
  double *th = b->state[THETA], *is = b->state[IS], *id = b->state[ID];
  int32_t *bap = b->state[BAP];
  const double *in_s = b->input[0], *in_d = b->input[1];
  size_t ns = *n_spikes;
  for (size_t i = 0; i < b->n; i++) {
    is[i] = is[i] * d->ps + in_s[i];
    id[i] = id[i] * d->pd + in_d[i];
    double I_s = d->i_s + is[i], I_d = d->i_d + id[i];
    /* (1) Ca nonlinearity of the old dendritic potential */
    double f = 1.0 / (1.0 + exp(-(vd[i] - d->e_d) / d->d_d));
    /* (2) both compartments from the old values */
    double vs0 = vs[i], vd0 = vd[i];
    vs[i] = vs0 + (-(vs0 - d->e_l) * d->dt_tau_s +
                   (d->g_s * f + d->b_ws * ws[i] + I_s) * d->dt_c_s);
    vd[i] = vd0 + (-(vd0 - d->e_l) * d->dt_tau_d +
                   (d->g_d * f + d->a_wd * wd[i] + I_d) * d->dt_c_d);
    if (bap[i] > 0) {
      vd[i] += d->bap_dv;
      bap[i]--;
    }
    /* (3)-(5) adaptation and threshold relaxation; wd uses the new vd */
    ws[i] *= d->ws_decay;
    wd[i] += d->dt_tau_wd * ((vd[i] - d->e_l) - wd[i]);
    th[i] += d->dt_tau_thr * (d->theta0 - th[i]);
    /* (6) somatic spike: reset, threshold jump, adaptation, bAP from next step */
    if (vs[i] > th[i]) {
      vs[i] = d->v_reset;
      th[i] += d->dtheta;
      ws[i] += 1.0;
      bap[i] = d->bap_steps;
      spikes[ns++] = (uint32_t)i;
    }
  }
  *n_spikes = ns;
}

const nmsim_neuron_type mdl_l5pc_type = {
    .name = "l5pc",
    .abi_version = NMSIM_MODEL_ABI,
    .flags = NMSIM_MODEL_SETTLES,
    .integration = "forward Euler, update order of Auryn NaudGroup (tested at dt = 0.1 ms)",
    .vars = l5_vars,
    .n_vars = NVARS,
    .params = l5_params,
    .n_params = NPARAMS,
    .sites = l5_sites,
    .n_sites = 2,
    .input_unit = "pA",
    .derived_size = sizeof(l5_derived),
    .prepare = l5_prepare,
    .init = l5_init,
    .update = l5_update,
};
