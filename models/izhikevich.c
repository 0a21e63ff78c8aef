/* izhikevich.c: the simple spiking model of Izhikevich, IEEE Trans. Neural
 * Netw. 14(6):1569-1572 (2003), eqs. (1)-(3), with the Fig. 2 parameter sets as
 * presets, under two registered names that differ only in the integrator:
 *
 *   dv/dt = 0.04 v^2 + 5 v + 140 - u + I,   du/dt = a (b v - u)
 *   if v >= v_peak (30 mV): v = c, u = u + d
 *
 *   "izhikevich":       forward Euler at the scenario's dt, v and u from the old
 *                       values; threshold test on the new v (models-spec 3 (b)).
 *   "izhikevich_paper": the MATLAB code of the paper: v advanced by two half
 *                       steps of dt/2, then u with the new v (models-spec 3 (a);
 *                       the paper uses dt = 1 ms, which this name is meant for).
 *                       The paper tests v >= 30 at the start of the next step;
 *                       testing at the end of this one is the same sequence of
 *                       operations, and the spike is reported at the same time.
 *
 * Input: I is dimensionless (v in mV, t in ms), the sum of i_bias and this
 * step's synaptic input on both sites (weights carry their sign). As in the
 * paper's network code, a synaptic input is a current pulse lasting one step.
 * Initial state: v = v_init, u = b v_init (the paper's). */
#include <math.h>
#include <stdio.h>

#include "models/mdl_int.h"

enum { V, U, NVARS };

static const nmsim_var_desc izh_vars[NVARS] = {
    [V] = {"v", NMSIM_VAR_F64, "mV", 0},
    [U] = {"u", NMSIM_VAR_F64, "", 0},
};

enum { P_A, P_B, P_C, P_D, P_V_PEAK, P_I_BIAS, P_V_INIT, NPARAMS };

/* Defaults: regular spiking (RS), Izhikevich 2003 Fig. 2. */
static const nmsim_param_desc izh_params[NPARAMS] = {
    [P_A] = {"a", "", 0.02, 0.0, 10.0, "recovery rate (1/ms)"},
    [P_B] = {"b", "", 0.2, -10.0, 10.0, "sensitivity of u to v"},
    [P_C] = {"c", "mV", -65.0, -200.0, 100.0, "after-spike reset of v"},
    [P_D] = {"d", "", 8.0, -1000.0, 1000.0, "after-spike increment of u"},
    [P_V_PEAK] = {"v_peak", "mV", 30.0, -100.0, 200.0, "spike cut-off (spike when v >= v_peak)"},
    [P_I_BIAS] = {"i_bias", "", 0.0, -1e6, 1e6, "constant input current (dimensionless)"},
    [P_V_INIT] = {"v_init", "mV", -65.0, -200.0, 200.0, "initial v (u starts at b v_init)"},
};

/* Izhikevich 2003, Fig. 2 (parameters a, b, c, d of each cortical/thalamic type). */
#define IZH_PRESET(nm, hlp, A, B, C, D)                                                  \
  {.name = nm, .help = hlp,                                                              \
   .values = (const nmsim_preset_value[]){{"a", A}, {"b", B}, {"c", C}, {"d", D}},     \
   .n_values = 4}
static const nmsim_preset izh_presets[] = {
    IZH_PRESET("RS", "regular spiking (excitatory)", 0.02, 0.2, -65, 8),
    IZH_PRESET("IB", "intrinsically bursting", 0.02, 0.2, -55, 4),
    IZH_PRESET("CH", "chattering", 0.02, 0.2, -50, 2),
    IZH_PRESET("FS", "fast spiking (inhibitory)", 0.1, 0.2, -65, 2),
    IZH_PRESET("LTS", "low-threshold spiking (inhibitory)", 0.02, 0.25, -65, 2),
    IZH_PRESET("TC", "thalamo-cortical", 0.02, 0.25, -65, 0.05),
    IZH_PRESET("RZ", "resonator", 0.1, 0.26, -65, 2),
};
#undef IZH_PRESET

static const char *const izh_sites[] = {"exc", "inh"};

typedef struct izh_derived {
  double a, b, c, d, v_peak, i_bias, v_init;
  double dt, half;
} izh_derived;

static nmsim_status izh_prepare(const double *p, double dt, void *out, char *msg, size_t len) {
  izh_derived *d = out;
  if (!(p[P_C] < p[P_V_PEAK])) {
    snprintf(msg, len, "c (%g mV) must be below v_peak (%g mV)", p[P_C], p[P_V_PEAK]);
    return NMSIM_EINPUT;
  }
  d->a = p[P_A];
  d->b = p[P_B];
  d->c = p[P_C];
  d->d = p[P_D];
  d->v_peak = p[P_V_PEAK];
  d->i_bias = p[P_I_BIAS];
  d->v_init = p[P_V_INIT];
  d->dt = dt;
  d->half = 0.5 * dt;
  return NMSIM_OK;
}

static void izh_init(const void *derived, const nmsim_block *b) {
  const izh_derived *d = derived;
  double *v = b->state[V], *u = b->state[U];
  for (size_t i = 0; i < b->n; i++) {
    v[i] = d->v_init;
    u[i] = d->b * d->v_init;
  }
}

/* Right-hand side of eq. (1). */
static double izh_f(double v, double u, double I) { return 0.04 * v * v + 5.0 * v + 140.0 - u + I; }

static void izh_update_euler(const void *derived, const nmsim_block *b, uint32_t *spikes,
                             size_t *n_spikes) {
  const izh_derived *d = derived;
  double *v = b->state[V], *u = b->state[U];
  const double *ie = b->input[0], *ii = b->input[1];
  size_t ns = *n_spikes;
  for (size_t i = 0; i < b->n; i++) {
    double I = d->i_bias + ie[i] + ii[i];
    double v0 = v[i], u0 = u[i];
    v[i] = v0 + d->dt * izh_f(v0, u0, I);
    u[i] = u0 + d->dt * (d->a * (d->b * v0 - u0));
    if (v[i] >= d->v_peak) {
      v[i] = d->c;
      u[i] += d->d;
      spikes[ns++] = (uint32_t)i;
    }
  }
  *n_spikes = ns;
}

static void izh_update_paper(const void *derived, const nmsim_block *b, uint32_t *spikes,
                             size_t *n_spikes) {
  const izh_derived *d = derived;
  double *v = b->state[V], *u = b->state[U];
  const double *ie = b->input[0], *ii = b->input[1];
  size_t ns = *n_spikes;
  for (size_t i = 0; i < b->n; i++) {
    double I = d->i_bias + ie[i] + ii[i];
    double vv = v[i], uu = u[i];
    vv += d->half * izh_f(vv, uu, I); /* "for numerical stability" (paper) */
    vv += d->half * izh_f(vv, uu, I);
    uu += d->dt * (d->a * (d->b * vv - uu));
    if (vv >= d->v_peak) {
      vv = d->c;
      uu += d->d;
      spikes[ns++] = (uint32_t)i;
    }
    v[i] = vv;
    u[i] = uu;
  }
  *n_spikes = ns;
}

const nmsim_neuron_type mdl_izhikevich_type = {
    .name = "izhikevich",
    .abi_version = NMSIM_MODEL_ABI,
    .flags = NMSIM_MODEL_SETTLES,
    .integration = "forward Euler at dt (Izhikevich 2003 eqs. 1-3)",
    .vars = izh_vars,
    .n_vars = NVARS,
    .params = izh_params,
    .n_params = NPARAMS,
    .sites = izh_sites,
    .n_sites = 2,
    .input_unit = "",
    .presets = izh_presets,
    .n_presets = sizeof izh_presets / sizeof izh_presets[0],
    .derived_size = sizeof(izh_derived),
    .prepare = izh_prepare,
    .init = izh_init,
    .update = izh_update_euler,
};

const nmsim_neuron_type mdl_izhikevich_paper_type = {
    .name = "izhikevich_paper",
    .abi_version = NMSIM_MODEL_ABI,
    .flags = NMSIM_MODEL_SETTLES,
    .integration = "Izhikevich 2003 code: v by two half steps of dt/2, then u with the new v",
    .vars = izh_vars,
    .n_vars = NVARS,
    .params = izh_params,
    .n_params = NPARAMS,
    .sites = izh_sites,
    .n_sites = 2,
    .input_unit = "",
    .presets = izh_presets,
    .n_presets = sizeof izh_presets / sizeof izh_presets[0],
    .derived_size = sizeof(izh_derived),
    .prepare = izh_prepare,
    .init = izh_init,
    .update = izh_update_paper,
};
