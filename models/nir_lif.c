/* nir_lif.c: the LIF primitive of NIR (Pedersen et al., Nat Commun 2024,
 * doi:10.1038/s41467-024-52259-9; neuromorphs/NIR docs/source/primitives.md),
 * with the forward-Euler discretisation that Norse, snnTorch and the NIR paper
 * code use:
 *
 *   tau dv/dt = (v_leak - v) + r x,   x: the input, entering directly
 *   v[t] = v[t-1] + (dt/tau) (v_leak - v[t-1] + r x[t])
 *   spike z[t] = v[t] > v_threshold (strict); then v = v_reset
 *            (reset_mode 1: v = v - v_threshold, the subtractive reset some
 *             platforms use, which NIR files cannot express)
 *
 * x[t] is the sum of the weights of the spikes arriving in step t (a spike is 1
 * per step, the common practice of discrete backends; research/nir-format.md
 * section 3) plus `bias` (the bias of a NIR Affine that feeds the neuron, a
 * constant input every step). NIR times are seconds; give tau with its unit
 * (0.0025 s). A NIR import (sim/load/nir_import.c) gives parameters per neuron through
 * the block's aux (nmsim_pop_data.param), which then replace the population's. */
#include <math.h>
#include <stdio.h>

#include "models/mdl_int.h"

enum { V, NVARS };

static const nmsim_var_desc nl_vars[NVARS] = {
    [V] = {"v", NMSIM_VAR_F64, "", 0},
};

enum { P_TAU, P_R, P_V_LEAK, P_V_TH, P_V_RESET, P_RESET_MODE, P_V_INIT, P_BIAS, NPARAMS };

static const nmsim_param_desc nl_params[NPARAMS] = {
    [P_TAU] = {"tau", "ms", 20.0, 1e-6, 1e9, "membrane time constant"},
    [P_R] = {"r", "", 1.0, -1e9, 1e9, "input resistance"},
    [P_V_LEAK] = {"v_leak", "", 0.0, -1e9, 1e9, "leak potential"},
    [P_V_TH] = {"v_threshold", "", 1.0, -1e9, 1e9, "threshold (spike when v > v_threshold)"},
    [P_V_RESET] = {"v_reset", "", 0.0, -1e9, 1e9, "reset potential (NIR >= 1.0.6; else 0)"},
    [P_RESET_MODE] = {"reset_mode", "", 0, 0, 1, "0: v = v_reset; 1: v = v - v_threshold"},
    [P_V_INIT] = {"v_init", "", 0.0, -1e9, 1e9, "initial v"},
    [P_BIAS] = {"bias", "", 0.0, -1e9, 1e9, "constant input added to x every step"},
};

static const char *const nl_sites[] = {"in"};

typedef struct nl_derived {
  double dt_tau, r, v_leak, v_th, v_reset, v_init, bias;
  int subtract;
} nl_derived;

static nmsim_status nl_prepare(const double *p, double dt, void *out, char *msg, size_t len) {
  nl_derived *d = out;
  if (p[P_RESET_MODE] != floor(p[P_RESET_MODE])) {
    snprintf(msg, len, "reset_mode must be 0 or 1, got %.17g", p[P_RESET_MODE]);
    return NMSIM_EINPUT;
  }
  d->dt_tau = dt / p[P_TAU];
  d->r = p[P_R];
  d->v_leak = p[P_V_LEAK];
  d->v_th = p[P_V_TH];
  d->v_reset = p[P_V_RESET];
  d->v_init = p[P_V_INIT];
  d->bias = p[P_BIAS];
  d->subtract = p[P_RESET_MODE] != 0;
  return NMSIM_OK;
}

/* Per-neuron values of a NIR import, or NULL. */
static double *const *nl_per_neuron(const nmsim_block *b) {
  const nmsim_pop_data *sl = b->aux;
  return sl ? sl->param : NULL;
}

static double nl_pv(double *const *pn, int k, uint32_t gi, double def) {
  return pn && pn[k] ? pn[k][gi] : def;
}

static void nl_init(const void *derived, const nmsim_block *b) {
  const nl_derived *d = derived;
  double *v = b->state[V];
  double *const *pn = nl_per_neuron(b);
  for (size_t i = 0; i < b->n; i++) v[i] = nl_pv(pn, P_V_INIT, b->first + (uint32_t)i, d->v_init);
}

/* The update with per-neuron parameters (NIR imports). */
static void nl_update_pn(const nl_derived *d, double *const *pn, const nmsim_block *b,
                         uint32_t *spikes, size_t *n_spikes) {
  double *v = b->state[V];
  const double *x = b->input[0];
  size_t ns = *n_spikes;
  for (size_t i = 0; i < b->n; i++) {
    uint32_t g = b->first + (uint32_t)i;
    double dt_tau = pn[P_TAU] ? b->dt_ms / pn[P_TAU][g] : d->dt_tau;
    double r = nl_pv(pn, P_R, g, d->r), th = nl_pv(pn, P_V_TH, g, d->v_th);
    v[i] += dt_tau * ((nl_pv(pn, P_V_LEAK, g, d->v_leak) - v[i]) +
                      r * (x[i] + nl_pv(pn, P_BIAS, g, d->bias)));
    if (v[i] > th) {
      v[i] = d->subtract ? v[i] - th : nl_pv(pn, P_V_RESET, g, d->v_reset);
      spikes[ns++] = (uint32_t)i;
    }
  }
  *n_spikes = ns;
}

static void nl_update(const void *derived, const nmsim_block *b, uint32_t *spikes,
                      size_t *n_spikes) {
  const nl_derived *d = derived;
  double *const *pn = nl_per_neuron(b);
  if (pn) {
    nl_update_pn(d, pn, b, spikes, n_spikes);
    return;
  }
  double *v = b->state[V];
  const double *x = b->input[0];
  size_t ns = *n_spikes;
  for (size_t i = 0; i < b->n; i++) {
    v[i] += d->dt_tau * ((d->v_leak - v[i]) + d->r * (x[i] + d->bias));
    if (v[i] > d->v_th) {
      v[i] = d->subtract ? v[i] - d->v_th : d->v_reset;
      spikes[ns++] = (uint32_t)i;
    }
  }
  *n_spikes = ns;
}

const nmsim_neuron_type mdl_nir_lif_type = {
    .name = "nir_lif",
    .abi_version = NMSIM_MODEL_ABI,
    .flags = 0,
    .integration = "forward Euler (as Norse/snnTorch export NIR LIF)",
    .vars = nl_vars,
    .n_vars = NVARS,
    .params = nl_params,
    .n_params = NPARAMS,
    .sites = nl_sites,
    .n_sites = 1,
    .input_unit = "",
    .derived_size = sizeof(nl_derived),
    .prepare = nl_prepare,
    .init = nl_init,
    .update = nl_update,
};
