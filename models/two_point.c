/* two_point.c: context-sensitive two-point rate neuron (Kay & Phillips, Neural
 * Comput 9:895 (1997); Kay & Phillips, Symmetry 12:815 (2020)), a graded-spike
 * model: the receptive-field drive r (site "basal") is modulated by the context
 * c (site "apical") through a transfer function T(r, c), models-spec 5a:
 *
 *   variant 1 (TM1): T = r (1 + exp(r c)) / 2     (Kay & Phillips 1997; coherent infomax)
 *   variant 2 (TM2): T = r + r c
 *   variant 3 (TM3): T = r (1 + tanh(r c))
 *   variant 4 (TM4): T = r 2^(r c)                 (the spec quotes it from memory)
 *   variant 0:       T = r + c                     (additive baseline: not modulatory)
 *
 * Per step: r = bias_r + the step's basal input, c = bias_c + the step's apical
 * input (sums of w times the sender's graded value; no memory between steps).
 * The output y is T (output 0), max(T, 0) (output 1) or 1/(1 + exp(-T)) (output
 * 2, the probabilistic form p(y = 1)). The neuron emits a graded spike in this
 * step exactly when |y| > emit_threshold, and its value is y (a synapse of
 * weight w then delivers w y). With the defaults (bias 0, output 0, threshold
 * 0) it is silent without input: T(0, c) = 0 for TM1-TM4. */
#include <math.h>
#include <stdio.h>

#include "models/mdl_int.h"

enum { R, C, Y, NVARS };

static const nmsim_var_desc tp_vars[NVARS] = {
    [R] = {"r", NMSIM_VAR_F64, "", 0},
    [C] = {"c", NMSIM_VAR_F64, "", 0},
    [Y] = {"y", NMSIM_VAR_F64, "", 0},
};

enum { P_VARIANT, P_OUTPUT, P_BIAS_R, P_BIAS_C, P_THRESH, NPARAMS };

static const nmsim_param_desc tp_params[NPARAMS] = {
    [P_VARIANT] = {"variant", "", 1, 0, 4, "transfer function: 1-4 = TM1-TM4, 0 = additive r + c"},
    [P_OUTPUT] = {"output", "", 0, 0, 2, "value emitted: 0 = T, 1 = max(T, 0), 2 = logistic(T)"},
    [P_BIAS_R] = {"bias_r", "", 0, -1e6, 1e6, "bias of the receptive-field integration r"},
    [P_BIAS_C] = {"bias_c", "", 0, -1e6, 1e6, "bias of the context integration c"},
    [P_THRESH] = {"emit_threshold", "", 0, 0, 1e6, "emit a graded spike when |y| > this"},
};

#define TP_PRESET(nm, hlp, v)                                                            \
  {.name = nm, .help = hlp, .values = (const nmsim_preset_value[]){{"variant", v}},    \
   .n_values = 1}
static const nmsim_preset tp_presets[] = {
    TP_PRESET("TM1", "T = r (1 + exp(r c))/2 (Kay & Phillips 1997)", 1),
    TP_PRESET("TM2", "T = r + r c", 2),
    TP_PRESET("TM3", "T = r (1 + tanh(r c))", 3),
    TP_PRESET("TM4", "T = r 2^(r c)", 4),
    TP_PRESET("additive", "T = r + c (no modulation; baseline)", 0),
};
#undef TP_PRESET

static const char *const tp_sites[] = {"basal", "apical"};

typedef struct tp_derived {
  int variant, output;
  double bias_r, bias_c, thresh;
} tp_derived;

/* The transfer functions of the header. */
static double tp_transfer(int variant, double r, double c) {
  switch (variant) {
    case 1: return 0.5 * r * (1.0 + exp(r * c));
    case 2: return r + r * c;
    case 3: return r * (1.0 + tanh(r * c));
    case 4: return r * exp2(r * c);
    default: return r + c;
  }
}

static nmsim_status tp_prepare(const double *p, double dt, void *out, char *msg, size_t len) {
  (void)dt;
  tp_derived *d = out;
  for (int k = P_VARIANT; k <= P_OUTPUT; k++)
    if (p[k] != floor(p[k])) {
      snprintf(msg, len, "%s must be an integer in [%g, %g], got %.17g", tp_params[k].name,
               tp_params[k].min, tp_params[k].max, p[k]);
      return NMSIM_EINPUT;
    }
  d->variant = (int)p[P_VARIANT];
  d->output = (int)p[P_OUTPUT];
  d->bias_r = p[P_BIAS_R];
  d->bias_c = p[P_BIAS_C];
  d->thresh = p[P_THRESH];
  return NMSIM_OK;
}

static void tp_init(const void *derived, const nmsim_block *b) {
  (void)derived;
  double *r = b->state[R], *c = b->state[C], *y = b->state[Y];
  for (size_t i = 0; i < b->n; i++) r[i] = c[i] = y[i] = 0.0;
}

static void tp_update(const void *derived, const nmsim_block *b, uint32_t *spikes,
                      size_t *n_spikes) {
  const tp_derived *d = derived;
  double *r = b->state[R], *c = b->state[C], *y = b->state[Y];
  const double *in_r = b->input[0], *in_c = b->input[1];
  size_t ns = *n_spikes;
  for (size_t i = 0; i < b->n; i++) {
    r[i] = d->bias_r + in_r[i];
    c[i] = d->bias_c + in_c[i];
    double t = tp_transfer(d->variant, r[i], c[i]);
    y[i] = d->output == 0 ? t : d->output == 1 ? fmax(t, 0.0) : 1.0 / (1.0 + exp(-t));
    if (fabs(y[i]) > d->thresh) {
      if (b->out_value) b->out_value[i] = y[i];
      spikes[ns++] = (uint32_t)i;
    }
  }
  *n_spikes = ns;
}

const nmsim_neuron_type mdl_two_point_type = {
    .name = "two_point",
    .abi_version = NMSIM_MODEL_ABI,
    .flags = NMSIM_MODEL_GRADED,
    .integration = "none (rate unit evaluated once per step)",
    .vars = tp_vars,
    .n_vars = NVARS,
    .params = tp_params,
    .n_params = NPARAMS,
    .sites = tp_sites,
    .n_sites = 2,
    .input_unit = "",
    .presets = tp_presets,
    .n_presets = sizeof tp_presets / sizeof tp_presets[0],
    .derived_size = sizeof(tp_derived),
    .prepare = tp_prepare,
    .init = tp_init,
    .update = tp_update,
};
