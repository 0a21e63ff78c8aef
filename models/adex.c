/* adex.c: adaptive exponential integrate-and-fire neuron, Brette & Gerstner,
 * J Neurophysiol 94:3637 (2005), eqs. (1)-(2), with the firing-pattern parameter
 * sets of Naud, Marcille, Clopath & Gerstner, Biol Cybern 99:335 (2008), Table 1.
 *
 *   C dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_T)/Delta_T) - w + I
 *   tau_w dw/dt = a (V - E_L) - w
 *   if V > V_peak: V = V_r, w = w + b
 *   I = i_e + i_syn_e + i_syn_i;  tau_syn_x di_syn_x/dt = -i_syn_x; an input of
 *   weight w pA on site x: i_syn_x += w (exponential current synapses)
 *
 * Integration (models-spec section 4): explicit Euler on (V, w) from the old
 * values, threshold test on the new V, then reset; the synaptic currents are
 * propagated exactly. Order: add the step's input to the currents, Euler step
 * with the currents at the start of the step, decay the currents, test.
 * V_peak defaults to 0 mV, as in the Brian2 example of Naud et al. 2008
 * (Brette & Gerstner used +20 mV). The exponential's argument is clamped at
 * (V_peak - V_T)/Delta_T, which is never active since V <= V_peak between steps. */
#include <math.h>
#include <stdio.h>

#include "models/mdl_int.h"

enum { V, W, IE, II, NVARS };

static const nmsim_var_desc adex_vars[NVARS] = {
    [V] = {"v", NMSIM_VAR_F64, "mV", 0},
    [W] = {"w", NMSIM_VAR_F64, "pA", 0},
    [IE] = {"i_syn_e", NMSIM_VAR_F64, "pA", 0},
    [II] = {"i_syn_i", NMSIM_VAR_F64, "pA", 0},
};

enum {
  P_C_M, P_G_L, P_E_L, P_V_T, P_DELTA_T, P_A, P_TAU_W, P_B, P_V_R, P_V_PEAK, P_I_E,
  P_TAU_E, P_TAU_I, NPARAMS
};

/* Defaults: the "tonic" set of Naud et al. 2008, Table 1, without its current. */
static const nmsim_param_desc adex_params[NPARAMS] = {
    [P_C_M] = {"c_m", "pF", 200.0, 1e-3, 1e6, "membrane capacitance C"},
    [P_G_L] = {"g_l", "nS", 10.0, 1e-6, 1e6, "leak conductance"},
    [P_E_L] = {"e_l", "mV", -70.0, -200.0, 100.0, "leak reversal potential (initial V)"},
    [P_V_T] = {"v_t", "mV", -50.0, -200.0, 100.0, "effective threshold V_T (exponential centre)"},
    [P_DELTA_T] = {"delta_t", "mV", 2.0, 1e-3, 100.0, "slope factor Delta_T"},
    [P_A] = {"a", "nS", 2.0, -1e4, 1e4, "subthreshold adaptation"},
    [P_TAU_W] = {"tau_w", "ms", 30.0, 1e-3, 1e6, "adaptation time constant"},
    [P_B] = {"b", "pA", 0.0, -1e6, 1e6, "spike-triggered adaptation increment"},
    [P_V_R] = {"v_r", "mV", -58.0, -200.0, 100.0, "reset potential"},
    [P_V_PEAK] = {"v_peak", "mV", 0.0, -200.0, 200.0, "spike cut-off (spike when V > v_peak)"},
    [P_I_E] = {"i_e", "pA", 0.0, -1e7, 1e7, "constant input current"},
    [P_TAU_E] = {"tau_syn_e", "ms", 5.0, 1e-3, 1e6, "excitatory synaptic time constant"},
    [P_TAU_I] = {"tau_syn_i", "ms", 5.0, 1e-3, 1e6, "inhibitory synaptic time constant"},
};

/* Naud et al. 2008, Table 1 (as in brian2 examples/frompapers/
 * Naud_et_al_2008_adex_firing_patterns.py). Each help string gives the step
 * current I (pA) of the table that produces the pattern; the preset does not set
 * i_e, so a population stays at rest until driven. */
#define ADEX_PRESET(nm, hlp, C, GL, EL, VT, DT, A, TW, B, VR)                            \
  {.name = nm, .help = hlp,                                                              \
   .values = (const nmsim_preset_value[]){{"c_m", C}, {"g_l", GL}, {"e_l", EL},         \
                                          {"v_t", VT}, {"delta_t", DT}, {"a", A},        \
                                          {"tau_w", TW}, {"b", B}, {"v_r", VR}},         \
   .n_values = 9}
static const nmsim_preset adex_presets[] = {
    ADEX_PRESET("tonic", "tonic spiking (I = 500 pA)", 200, 10, -70, -50, 2, 2, 30, 0, -58),
    ADEX_PRESET("adapting", "adaptation (I = 500 pA)", 200, 12, -70, -50, 2, 2, 300, 60, -58),
    ADEX_PRESET("initial_burst", "initial burst (I = 400 pA)", 130, 18, -58, -50, 2, 4, 150,
                120, -50),
    ADEX_PRESET("regular_bursting", "regular bursting (I = 210 pA)", 200, 10, -58, -50, 2, 2,
                120, 100, -46),
    ADEX_PRESET("delayed_accelerating", "delayed accelerating (I = 300 pA)", 200, 12, -70, -50,
                2, -10, 300, 0, -58),
    ADEX_PRESET("delayed_regular_bursting", "delayed regular bursting (I = 110 pA)", 100, 10,
                -65, -50, 2, -10, 90, 30, -47),
    ADEX_PRESET("transient", "transient spiking (I = 180 pA)", 100, 10, -65, -50, 2, 10, 90,
                100, -47),
    ADEX_PRESET("irregular", "irregular spiking (I = 160 pA)", 100, 12, -60, -50, 2, -11, 130,
                30, -48),
};
#undef ADEX_PRESET

static const char *const adex_sites[] = {"exc", "inh"};

typedef struct adex_derived {
  double c_m, g_l, e_l, v_t, delta_t, a, tau_w, b, v_r, v_peak, i_e;
  double dt;
  double arg_max;      /* (v_peak - v_t) / delta_t */
  double pe, pi;       /* exp(-dt/tau_syn) */
} adex_derived;

static nmsim_status adex_prepare(const double *p, double dt, void *out, char *msg, size_t len) {
  adex_derived *d = out;
  if (!(p[P_V_R] < p[P_V_PEAK])) {
    snprintf(msg, len, "v_r (%g mV) must be below v_peak (%g mV)", p[P_V_R], p[P_V_PEAK]);
    return NMSIM_EINPUT;
  }
  d->c_m = p[P_C_M];
  d->g_l = p[P_G_L];
  d->e_l = p[P_E_L];
  d->v_t = p[P_V_T];
  d->delta_t = p[P_DELTA_T];
  d->a = p[P_A];
  d->tau_w = p[P_TAU_W];
  d->b = p[P_B];
  d->v_r = p[P_V_R];
  d->v_peak = p[P_V_PEAK];
  d->i_e = p[P_I_E];
  d->dt = dt;
  d->arg_max = (p[P_V_PEAK] - p[P_V_T]) / p[P_DELTA_T];
  d->pe = exp(-dt / p[P_TAU_E]);
  d->pi = exp(-dt / p[P_TAU_I]);
  return NMSIM_OK;
}

static void adex_init(const void *derived, const nmsim_block *b) {
  const adex_derived *d = derived;
  double *v = b->state[V], *w = b->state[W], *ie = b->state[IE], *ii = b->state[II];
  for (size_t i = 0; i < b->n; i++) {
    v[i] = d->e_l;
    w[i] = ie[i] = ii[i] = 0.0;
  }
}

static void adex_update(const void *derived, const nmsim_block *b, uint32_t *spikes,
                        size_t *n_spikes) {
  const adex_derived *d = derived;
  double *v = b->state[V], *w = b->state[W], *ie = b->state[IE], *ii = b->state[II];
  const double *in_e = b->input[0], *in_i = b->input[1];
  size_t ns = *n_spikes;
  for (size_t i = 0; i < b->n; i++) {
    ie[i] += in_e[i];
    ii[i] += in_i[i];
    double I = d->i_e + ie[i] + ii[i];
    double v0 = v[i], w0 = w[i];
    double arg = (v0 - d->v_t) / d->delta_t;
    if (arg > d->arg_max) arg = d->arg_max;
    double dv = (-d->g_l * (v0 - d->e_l) + d->g_l * d->delta_t * exp(arg) - w0 + I) / d->c_m;
    double dw = (d->a * (v0 - d->e_l) - w0) / d->tau_w;
    v[i] = v0 + d->dt * dv;
    w[i] = w0 + d->dt * dw;
    ie[i] *= d->pe;
    ii[i] *= d->pi;
    if (v[i] > d->v_peak) {
      v[i] = d->v_r;
      w[i] += d->b;
      spikes[ns++] = (uint32_t)i;
    }
  }
  *n_spikes = ns;
}

const nmsim_neuron_type mdl_adex_type = {
    .name = "adex",
    .abi_version = NMSIM_MODEL_ABI,
    .flags = NMSIM_MODEL_SETTLES,
    .integration = "explicit Euler on (V, w); exact exponential synaptic currents",
    .vars = adex_vars,
    .n_vars = NVARS,
    .params = adex_params,
    .n_params = NPARAMS,
    .sites = adex_sites,
    .n_sites = 2,
    .input_unit = "pA",
    .presets = adex_presets,
    .n_presets = sizeof adex_presets / sizeof adex_presets[0],
    .derived_size = sizeof(adex_derived),
    .prepare = adex_prepare,
    .init = adex_init,
    .update = adex_update,
};
