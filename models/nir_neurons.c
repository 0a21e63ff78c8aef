/* nir_neurons.c: the NIR neuron primitives other than LIF (models/nir_lif.c):
 * IF, I, LI, CubaLIF, CubaLI and Threshold (Pedersen et al., Nat Commun 2024;
 * neuromorphs/NIR docs/source/primitives.md), stepped as the exporting
 * frameworks step them (research/nir-format.md section 4), with dt the
 * scenario's step and x the step's summed input plus `bias`:
 *
 *   IF, I     v += r (x + bias)                       (Sinabs and snnTorch: r = 1, v += x;
 *                                                     a spike is worth r, whatever dt)
 *   LI        v += dt/tau (v_leak - v + r (x + bias))  (forward Euler, as Norse/snnTorch)
 *   CubaLIF,  i += dt/tau_syn (-i + w_in (x + bias))
 *   CubaLI    v += dt/tau_mem (v_leak - v + r i)       (with the new i, as snnTorch's
 *                                                     Synaptic and Loihi; the NIR paper's
 *                                                     reference code uses the old i, the
 *                                                     same up to one step of input delay)
 *   Threshold v = x + bias, no memory
 *
 * Spiking kinds (IF, CubaLIF, Threshold) spike when v > v_threshold (strict),
 * then v = v_reset (reset_mode 1: v -= v_threshold). I, LI and CubaLI output
 * their potential: they emit a graded spike carrying v in every step where
 * v != 0. A NIR import gives parameters per neuron through the block's aux
 * (nmsim_pop_data.param), which then replace the population's values. */
#include <math.h>
#include <stdio.h>

#include "models/mdl_int.h"

#define NN_MAXP 12

/* Population values of the parameters, in their units. */
typedef struct nn_derived {
  double p[NN_MAXP];
} nn_derived;

static double *const *nn_pn(const nmsim_block *b) {
  const nmsim_pop_data *sl = b->aux;
  return sl ? sl->param : NULL;
}

static double nn_p(const nn_derived *d, double *const *pn, int k, uint32_t g) {
  return pn && pn[k] ? pn[k][g] : d->p[k];
}

/* Copy the values; reset_mode (index rm, or -1) must be 0 or 1. */
static nmsim_status nn_prepare_rm(const double *p, size_t n, int rm, void *out, char *msg,
                                  size_t len) {
  nn_derived *d = out;
  for (size_t k = 0; k < n && k < NN_MAXP; k++) d->p[k] = p[k];
  if (rm >= 0 && p[rm] != floor(p[rm])) {
    snprintf(msg, len, "reset_mode must be 0 or 1, got %.17g", p[rm]);
    return NMSIM_EINPUT;
  }
  return NMSIM_OK;
}

static const char *const nn_sites[] = {"in"};

#define NN_PARAM_R {"r", "", 1.0, -1e9, 1e9, "input resistance"}
#define NN_PARAM_TH {"v_threshold", "", 1.0, -1e9, 1e9, "threshold (spike when v > v_threshold)"}
#define NN_PARAM_RESET {"v_reset", "", 0.0, -1e9, 1e9, "reset potential (NIR >= 1.0.6; else 0)"}
#define NN_PARAM_RM {"reset_mode", "", 0, 0, 1, "0: v = v_reset; 1: v = v - v_threshold"}
#define NN_PARAM_BIAS {"bias", "", 0.0, -1e9, 1e9, "constant input added to x every step"}
#define NN_PARAM_VINIT {"v_init", "", 0.0, -1e9, 1e9, "initial v"}
#define NN_PARAM_LEAK {"v_leak", "", 0.0, -1e9, 1e9, "leak potential"}

/* v = v_init for every neuron (param index vi); other vars 0. */
static void nn_init_v(const nn_derived *d, const nmsim_block *b, int vi, size_t var_v,
                      size_t n_vars) {
  double *const *pn = nn_pn(b);
  for (size_t k = 0; k < n_vars; k++) {
    double *x = b->state[k];
    for (size_t i = 0; i < b->n; i++)
      x[i] = k == var_v ? nn_p(d, pn, vi, b->first + (uint32_t)i) : 0.0;
  }
}

/* ---- IF and I ------------------------------------------------------------------- */

enum { IF_V, IF_NVARS };
static const nmsim_var_desc if_vars[IF_NVARS] = {[IF_V] = {"v", NMSIM_VAR_F64, "", 0}};

enum { IF_R, IF_TH, IF_RESET, IF_RM, IF_BIAS, IF_VINIT, IF_NPARAMS };
static const nmsim_param_desc if_params[IF_NPARAMS] = {
    [IF_R] = NN_PARAM_R,         [IF_TH] = NN_PARAM_TH,     [IF_RESET] = NN_PARAM_RESET,
    [IF_RM] = NN_PARAM_RM,       [IF_BIAS] = NN_PARAM_BIAS, [IF_VINIT] = NN_PARAM_VINIT,
};

static nmsim_status if_prepare(const double *p, double dt, void *out, char *msg, size_t len) {
  (void)dt;
  return nn_prepare_rm(p, IF_NPARAMS, IF_RM, out, msg, len);
}

static void if_init(const void *derived, const nmsim_block *b) {
  nn_init_v(derived, b, IF_VINIT, IF_V, IF_NVARS);
}

static void if_update(const void *derived, const nmsim_block *b, uint32_t *spikes,
                      size_t *n_spikes) {
  const nn_derived *d = derived;
  double *const *pn = nn_pn(b);
  double *v = b->state[IF_V];
  const double *x = b->input[0];
  bool sub = d->p[IF_RM] != 0;
  size_t ns = *n_spikes;
  for (size_t i = 0; i < b->n; i++) {
    uint32_t g = b->first + (uint32_t)i;
    double th = nn_p(d, pn, IF_TH, g);
    v[i] += nn_p(d, pn, IF_R, g) * (x[i] + nn_p(d, pn, IF_BIAS, g));
    if (v[i] > th) {
      v[i] = sub ? v[i] - th : nn_p(d, pn, IF_RESET, g);
      spikes[ns++] = (uint32_t)i;
    }
  }
  *n_spikes = ns;
}

const nmsim_neuron_type mdl_nir_if_type = {
    .name = "nir_if",
    .abi_version = NMSIM_MODEL_ABI,
    .flags = 0,
    .integration = "per step v += r (x + bias) (as Sinabs/snnTorch run NIR IF)",
    .vars = if_vars,
    .n_vars = IF_NVARS,
    .params = if_params,
    .n_params = IF_NPARAMS,
    .sites = nn_sites,
    .n_sites = 1,
    .input_unit = "",
    .derived_size = sizeof(nn_derived),
    .prepare = if_prepare,
    .init = if_init,
    .update = if_update,
};

enum { I_R, I_BIAS, I_VINIT, I_NPARAMS };
static const nmsim_param_desc i_params[I_NPARAMS] = {
    [I_R] = NN_PARAM_R, [I_BIAS] = NN_PARAM_BIAS, [I_VINIT] = NN_PARAM_VINIT};

static nmsim_status i_prepare(const double *p, double dt, void *out, char *msg, size_t len) {
  (void)dt;
  return nn_prepare_rm(p, I_NPARAMS, -1, out, msg, len);
}

static void i_init(const void *derived, const nmsim_block *b) {
  nn_init_v(derived, b, I_VINIT, IF_V, IF_NVARS);
}

/* Graded output: a spike carrying v wherever v != 0. */
static void nn_emit_v(const nmsim_block *b, const double *v, uint32_t *spikes, size_t *n_spikes) {
  size_t ns = *n_spikes;
  for (size_t i = 0; i < b->n; i++)
    if (v[i] != 0.0) {
      if (b->out_value) b->out_value[i] = v[i];
      spikes[ns++] = (uint32_t)i;
    }
  *n_spikes = ns;
}

static void i_update(const void *derived, const nmsim_block *b, uint32_t *spikes,
                     size_t *n_spikes) {
  const nn_derived *d = derived;
  double *const *pn = nn_pn(b);
  double *v = b->state[IF_V];
  const double *x = b->input[0];
  for (size_t i = 0; i < b->n; i++) {
    uint32_t g = b->first + (uint32_t)i;
    v[i] += nn_p(d, pn, I_R, g) * (x[i] + nn_p(d, pn, I_BIAS, g));
  }
  nn_emit_v(b, v, spikes, n_spikes);
}

const nmsim_neuron_type mdl_nir_i_type = {
    .name = "nir_i",
    .abi_version = NMSIM_MODEL_ABI,
    .flags = NMSIM_MODEL_GRADED,
    .integration = "per step v += r (x + bias); emits v",
    .vars = if_vars,
    .n_vars = IF_NVARS,
    .params = i_params,
    .n_params = I_NPARAMS,
    .sites = nn_sites,
    .n_sites = 1,
    .input_unit = "",
    .derived_size = sizeof(nn_derived),
    .prepare = i_prepare,
    .init = i_init,
    .update = i_update,
};

/* ---- LI ----------------------------------------------------------------------------- */

enum { LI_TAU, LI_R, LI_LEAK, LI_BIAS, LI_VINIT, LI_NPARAMS };
static const nmsim_param_desc li_params[LI_NPARAMS] = {
    [LI_TAU] = {"tau", "ms", 20.0, 1e-6, 1e9, "time constant"},
    [LI_R] = NN_PARAM_R,
    [LI_LEAK] = NN_PARAM_LEAK,
    [LI_BIAS] = NN_PARAM_BIAS,
    [LI_VINIT] = NN_PARAM_VINIT,
};

static nmsim_status li_prepare(const double *p, double dt, void *out, char *msg, size_t len) {
  (void)dt;
  return nn_prepare_rm(p, LI_NPARAMS, -1, out, msg, len);
}

static void li_init(const void *derived, const nmsim_block *b) {
  nn_init_v(derived, b, LI_VINIT, IF_V, IF_NVARS);
}

static void li_update(const void *derived, const nmsim_block *b, uint32_t *spikes,
                      size_t *n_spikes) {
  const nn_derived *d = derived;
  double *const *pn = nn_pn(b);
  double *v = b->state[IF_V];
  const double *x = b->input[0];
  for (size_t i = 0; i < b->n; i++) {
    uint32_t g = b->first + (uint32_t)i;
    double a = b->dt_ms / nn_p(d, pn, LI_TAU, g);
    v[i] += a * ((nn_p(d, pn, LI_LEAK, g) - v[i]) +
                 nn_p(d, pn, LI_R, g) * (x[i] + nn_p(d, pn, LI_BIAS, g)));
  }
  nn_emit_v(b, v, spikes, n_spikes);
}

const nmsim_neuron_type mdl_nir_li_type = {
    .name = "nir_li",
    .abi_version = NMSIM_MODEL_ABI,
    .flags = NMSIM_MODEL_GRADED,
    .integration = "forward Euler (as Norse/snnTorch export NIR LI); emits v",
    .vars = if_vars,
    .n_vars = IF_NVARS,
    .params = li_params,
    .n_params = LI_NPARAMS,
    .sites = nn_sites,
    .n_sites = 1,
    .input_unit = "",
    .derived_size = sizeof(nn_derived),
    .prepare = li_prepare,
    .init = li_init,
    .update = li_update,
};

/* ---- CubaLIF and CubaLI ----------------------------------------------------------- */

enum { CU_I, CU_V, CU_NVARS };
static const nmsim_var_desc cu_vars[CU_NVARS] = {
    [CU_I] = {"i", NMSIM_VAR_F64, "", 0},
    [CU_V] = {"v", NMSIM_VAR_F64, "", 0},
};

enum { CU_TAU_SYN, CU_TAU_MEM, CU_R, CU_LEAK, CU_W_IN, CU_BIAS, CU_VINIT, CU_TH, CU_RESET, CU_RM,
       CU_NPARAMS };
static const nmsim_param_desc cu_params[CU_NPARAMS] = {
    [CU_TAU_SYN] = {"tau_syn", "ms", 5.0, 1e-6, 1e9, "synaptic current time constant"},
    [CU_TAU_MEM] = {"tau_mem", "ms", 20.0, 1e-6, 1e9, "membrane time constant"},
    [CU_R] = NN_PARAM_R,
    [CU_LEAK] = NN_PARAM_LEAK,
    [CU_W_IN] = {"w_in", "", 1.0, -1e9, 1e9, "input weight of the current (NIR >= 1.0; else 1)"},
    [CU_BIAS] = NN_PARAM_BIAS,
    [CU_VINIT] = NN_PARAM_VINIT,
    [CU_TH] = NN_PARAM_TH,
    [CU_RESET] = NN_PARAM_RESET,
    [CU_RM] = NN_PARAM_RM,
};
#define CULI_NPARAMS CU_TH  /* CubaLI: the parameters before the threshold */

static nmsim_status cu_prepare(const double *p, double dt, void *out, char *msg, size_t len) {
  (void)dt;
  return nn_prepare_rm(p, CU_NPARAMS, CU_RM, out, msg, len);
}

static nmsim_status culi_prepare(const double *p, double dt, void *out, char *msg, size_t len) {
  (void)dt;
  return nn_prepare_rm(p, CULI_NPARAMS, -1, out, msg, len);
}

static void cu_init(const void *derived, const nmsim_block *b) {
  nn_init_v(derived, b, CU_VINIT, CU_V, CU_NVARS);
}

/* One step of the current and the potential of neuron i. */
static void cu_step(const nn_derived *d, double *const *pn, const nmsim_block *b, size_t i,
                    double *cur, double *v) {
  uint32_t g = b->first + (uint32_t)i;
  double as = b->dt_ms / nn_p(d, pn, CU_TAU_SYN, g), am = b->dt_ms / nn_p(d, pn, CU_TAU_MEM, g);
  cur[i] += as * (-cur[i] + nn_p(d, pn, CU_W_IN, g) * (b->input[0][i] + nn_p(d, pn, CU_BIAS, g)));
  v[i] += am * ((nn_p(d, pn, CU_LEAK, g) - v[i]) + nn_p(d, pn, CU_R, g) * cur[i]);
}

static void cu_update(const void *derived, const nmsim_block *b, uint32_t *spikes,
                      size_t *n_spikes) {
  const nn_derived *d = derived;
  double *const *pn = nn_pn(b);
  double *cur = b->state[CU_I], *v = b->state[CU_V];
  bool sub = d->p[CU_RM] != 0;
  size_t ns = *n_spikes;
  for (size_t i = 0; i < b->n; i++) {
    uint32_t g = b->first + (uint32_t)i;
    cu_step(d, pn, b, i, cur, v);
    double th = nn_p(d, pn, CU_TH, g);
    if (v[i] > th) {
      v[i] = sub ? v[i] - th : nn_p(d, pn, CU_RESET, g);
      spikes[ns++] = (uint32_t)i;
    }
  }
  *n_spikes = ns;
}

static void culi_update(const void *derived, const nmsim_block *b, uint32_t *spikes,
                        size_t *n_spikes) {
  const nn_derived *d = derived;
  double *const *pn = nn_pn(b);
  double *cur = b->state[CU_I], *v = b->state[CU_V];
  for (size_t i = 0; i < b->n; i++) cu_step(d, pn, b, i, cur, v);
  nn_emit_v(b, v, spikes, n_spikes);
}

const nmsim_neuron_type mdl_nir_cubalif_type = {
    .name = "nir_cubalif",
    .abi_version = NMSIM_MODEL_ABI,
    .flags = 0,
    .integration = "forward Euler, current first (as snnTorch Synaptic runs NIR CubaLIF)",
    .vars = cu_vars,
    .n_vars = CU_NVARS,
    .params = cu_params,
    .n_params = CU_NPARAMS,
    .sites = nn_sites,
    .n_sites = 1,
    .input_unit = "",
    .derived_size = sizeof(nn_derived),
    .prepare = cu_prepare,
    .init = cu_init,
    .update = cu_update,
};

const nmsim_neuron_type mdl_nir_cubali_type = {
    .name = "nir_cubali",
    .abi_version = NMSIM_MODEL_ABI,
    .flags = NMSIM_MODEL_GRADED,
    .integration = "forward Euler, current first; emits v",
    .vars = cu_vars,
    .n_vars = CU_NVARS,
    .params = cu_params,
    .n_params = CULI_NPARAMS,
    .sites = nn_sites,
    .n_sites = 1,
    .input_unit = "",
    .derived_size = sizeof(nn_derived),
    .prepare = culi_prepare,
    .init = cu_init,
    .update = culi_update,
};

/* ---- Threshold ---------------------------------------------------------------------- */

enum { TH_TH, TH_BIAS, TH_NPARAMS };
static const nmsim_param_desc th_params[TH_NPARAMS] = {
    [TH_TH] = {"threshold", "", 0.0, -1e9, 1e9, "spike when x + bias > threshold"},
    [TH_BIAS] = NN_PARAM_BIAS,
};

static nmsim_status th_prepare(const double *p, double dt, void *out, char *msg, size_t len) {
  (void)dt;
  return nn_prepare_rm(p, TH_NPARAMS, -1, out, msg, len);
}

static void th_init(const void *derived, const nmsim_block *b) {
  (void)derived;
  double *v = b->state[IF_V];
  for (size_t i = 0; i < b->n; i++) v[i] = 0.0;
}

static void th_update(const void *derived, const nmsim_block *b, uint32_t *spikes,
                      size_t *n_spikes) {
  const nn_derived *d = derived;
  double *const *pn = nn_pn(b);
  double *v = b->state[IF_V];
  const double *x = b->input[0];
  size_t ns = *n_spikes;
  for (size_t i = 0; i < b->n; i++) {
    uint32_t g = b->first + (uint32_t)i;
    v[i] = x[i] + nn_p(d, pn, TH_BIAS, g);
    if (v[i] > nn_p(d, pn, TH_TH, g)) spikes[ns++] = (uint32_t)i;
  }
  *n_spikes = ns;
}

const nmsim_neuron_type mdl_nir_threshold_type = {
    .name = "nir_threshold",
    .abi_version = NMSIM_MODEL_ABI,
    .flags = 0,
    .integration = "none (v = x + bias each step, spike if v > threshold)",
    .vars = if_vars,
    .n_vars = IF_NVARS,
    .params = th_params,
    .n_params = TH_NPARAMS,
    .sites = nn_sites,
    .n_sites = 1,
    .input_unit = "",
    .derived_size = sizeof(nn_derived),
    .prepare = th_prepare,
    .init = th_init,
    .update = th_update,
};
