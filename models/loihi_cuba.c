/* loihi_cuba.c: Loihi current-based LIF compartment, bit-exact integer datapath of
 * Lava's PyLifModelBitAcc (lava-nc/lava src/lava/proc/lif/models.py,
 * AbstractPyLifModelFixed; Davies et al., IEEE Micro 38(1), 2018).
 *
 * Per step, all in integers (u, v are 24-bit; models-spec section 2):
 *   u = rtz((u * (4096 - (du + 1))) / 4096) + (a_in << 6), wrapped to (-2^23, 2^23]
 *   v = rtz((v * (4096 - dv)) / 4096) + u + (bias_mant << bias_exp),
 *       saturated to [-(2^23 - 1), 2^23 - 1]
 *   spike if v > (vth << 6); then v = 0 (u is not reset)
 * rtz: sign-magnitude shift, rounding toward zero (Lava: sign(p) * (|p| >> 12)).
 * Refractory extension (not in PyLifModelBitAcc; the rule of Lava's float
 * LIFRefractory): after a spike v stays 0 for refractory_period steps while u
 * keeps decaying and integrating.
 *
 * Input: the site value is the step's summed synaptic input a_in. The engine
 * delivers an integer (fixed-point models get no input scaling), or, for a
 * projection with a negative weight_exp, a dyadic fraction; the model takes
 * floor() of it, which is Lava Dense's arithmetic right shift of the sum
 * (np.right_shift rounds toward minus infinity). a_in is then saturated to
 * the 16 bits of Lava's a_in port (int16, precision 16).
 * Extensions for NIR imports (sim/load/nir_import.c, docs/nir.md): reset_mode 1 resets
 * by subtraction (v -= vth << 6, as Sinabs and some NIR exports assume; Loihi 2
 * microcode can do this, Lava's bit-accurate Loihi 1 model cannot), and
 * per-neuron parameters through the block's aux (nmsim_pop_data.param). */
#include <math.h>
#include <stdio.h>

#include "models/mdl_int.h"

/* Widths of Loihi 1 as Lava models them (AbstractPyLifModelFixed.__init__). */
#define CUBA_UV_MAX (INT64_C(1) << 23) /* u, v: 24-bit; uv_bitwidth = 24 */
#define CUBA_DECAY_SHIFT 12            /* du, dv are fractions of 2^12 */
#define CUBA_DECAY_UNITY (INT64_C(1) << CUBA_DECAY_SHIFT)
#define CUBA_DS_OFFSET 1               /* ds_offset: current decay uses du + 1 */
#define CUBA_DM_OFFSET 0               /* dm_offset: voltage decay uses dv */
#define CUBA_ACT_SHIFT 6               /* a_in MSB alignment */
#define CUBA_VTH_SHIFT 6               /* vth MSB alignment */
#define CUBA_AIN_MIN (-32768.0)        /* a_in port: int16 */
#define CUBA_AIN_MAX 32767.0

enum { U, V, REF, NVARS };

static const nmsim_var_desc cuba_vars[NVARS] = {
    [U] = {"u", NMSIM_VAR_I32, "", 0},
    [V] = {"v", NMSIM_VAR_I32, "", 0},
    [REF] = {"refractory", NMSIM_VAR_I32, "steps", 0},
};

enum { P_DU, P_DV, P_BIAS_MANT, P_BIAS_EXP, P_VTH, P_REF, P_RESET_MODE, NPARAMS };

/* Ranges: the register widths of PyLifModelBitAcc's docstring; defaults: those
 * of Lava's LIF process (du = dv = 0, bias 0, vth = 10). */
static const nmsim_param_desc cuba_params[NPARAMS] = {
    [P_DU] = {"du", "", 0, 0, 4095, "current decay, fraction of 4096 (uint12; +1 offset)"},
    [P_DV] = {"dv", "", 0, 0, 4095, "voltage decay, fraction of 4096 (uint12)"},
    [P_BIAS_MANT] = {"bias_mant", "", 0, -4096, 4095, "bias mantissa (int13)"},
    [P_BIAS_EXP] = {"bias_exp", "", 0, 0, 7, "bias exponent (uint3): bias = bias_mant << bias_exp"},
    [P_VTH] = {"vth", "", 10, 0, 131071, "threshold mantissa (uint17): spike when v > vth << 6"},
    [P_REF] = {"refractory_period", "", 0, 0, 1e6,
               "steps v is held at 0 after a spike (extension; Lava's bit-accurate LIF has 0)"},
    [P_RESET_MODE] = {"reset_mode", "", 0, 0, 1,
                      "0: v = 0 after a spike (Loihi); 1: v -= vth << 6 (extension)"},
};

static const char *const cuba_sites[] = {"in"};

typedef struct cuba_derived {
  int64_t u_mul;   /* 4096 - (du + 1) */
  int64_t v_mul;   /* 4096 - dv */
  int64_t bias;    /* bias_mant << bias_exp */
  int64_t vth;     /* vth << 6 */
  int32_t ref;     /* refractory steps */
  int subtract;    /* reset_mode 1 */
  int64_t bias_mant;
  int bias_exp;
} cuba_derived;

/* p / 4096 rounded toward zero, on the magnitude (C's >> on a negative value
 * is implementation-defined). */
static int64_t cuba_decay(int64_t x, int64_t mul) {
  int64_t p = x * mul;
  return p < 0 ? -((-p) >> CUBA_DECAY_SHIFT) : p >> CUBA_DECAY_SHIFT;
}

static nmsim_status cuba_prepare(const double *p, double dt, void *out, char *msg, size_t len) {
  (void)dt;
  cuba_derived *d = out;
  for (int k = 0; k < NPARAMS; k++)
    if (p[k] != floor(p[k])) {
      snprintf(msg, len, "%s must be an integer in [%g, %g], got %.17g", cuba_params[k].name,
               cuba_params[k].min, cuba_params[k].max, p[k]);
      return NMSIM_EINPUT;
    }
  d->u_mul = CUBA_DECAY_UNITY - ((int64_t)p[P_DU] + CUBA_DS_OFFSET);
  d->v_mul = CUBA_DECAY_UNITY - ((int64_t)p[P_DV] + CUBA_DM_OFFSET);
  d->bias = (int64_t)p[P_BIAS_MANT] * ((int64_t)1 << (int)p[P_BIAS_EXP]);
  d->vth = (int64_t)p[P_VTH] * ((int64_t)1 << CUBA_VTH_SHIFT);
  d->ref = (int32_t)p[P_REF];
  d->subtract = p[P_RESET_MODE] != 0;
  d->bias_mant = (int64_t)p[P_BIAS_MANT];
  d->bias_exp = (int)p[P_BIAS_EXP];
  return NMSIM_OK;
}

/* Constants of neuron g when a NIR import gives per-neuron values (integers
 * in range, checked by the importer). */
static void cuba_neuron(const cuba_derived *d, double *const *pn, uint32_t g, cuba_derived *o) {
  *o = *d;
  if (pn[P_DU]) o->u_mul = CUBA_DECAY_UNITY - ((int64_t)pn[P_DU][g] + CUBA_DS_OFFSET);
  if (pn[P_DV]) o->v_mul = CUBA_DECAY_UNITY - ((int64_t)pn[P_DV][g] + CUBA_DM_OFFSET);
  if (pn[P_BIAS_MANT] || pn[P_BIAS_EXP])
    o->bias = (pn[P_BIAS_MANT] ? (int64_t)pn[P_BIAS_MANT][g] : d->bias_mant) *
              ((int64_t)1 << (pn[P_BIAS_EXP] ? (int)pn[P_BIAS_EXP][g] : d->bias_exp));
  if (pn[P_VTH]) o->vth = (int64_t)pn[P_VTH][g] * ((int64_t)1 << CUBA_VTH_SHIFT);
}

static void cuba_init(const void *derived, const nmsim_block *b) {
  (void)derived;
  int32_t *u = b->state[U], *v = b->state[V], *ref = b->state[REF];
  for (size_t i = 0; i < b->n; i++) u[i] = v[i] = ref[i] = 0;
}

static void cuba_update(const void *derived, const nmsim_block *b, uint32_t *spikes,
                        size_t *n_spikes) {
  const cuba_derived *d0 = derived, *d = d0;
  const nmsim_pop_data *sl = b->aux;
  double *const *pn = sl ? sl->param : NULL;
  cuba_derived one;
  int32_t *u = b->state[U], *v = b->state[V], *ref = b->state[REF];
  const double *in = b->input[0];
  size_t ns = *n_spikes;
  for (size_t i = 0; i < b->n; i++) {
    if (pn) cuba_neuron(d0, pn, b->first + (uint32_t)i, &one), d = &one;
    double a = floor(in[i]);
    a = a < CUBA_AIN_MIN ? CUBA_AIN_MIN : a > CUBA_AIN_MAX ? CUBA_AIN_MAX : a;
    int64_t a_in = (int64_t)a;
    /* 1-3: current decay, input (a_in << 6, written as a product: a_in may be
     * negative), 24-bit wrap exactly as Lava tests it (> 2^23, <= -2^23) */
    int64_t uu = cuba_decay(u[i], d->u_mul) + a_in * ((int64_t)1 << CUBA_ACT_SHIFT);
    if (uu > CUBA_UV_MAX) uu -= 2 * CUBA_UV_MAX;
    else if (uu <= -CUBA_UV_MAX) uu += 2 * CUBA_UV_MAX;
    u[i] = (int32_t)uu;
    /* 4-5: voltage decay and integration with the new u, saturation; frozen
     * while refractory */
    if (ref[i] > 0) {
      ref[i]--;
    } else {
      int64_t vv = cuba_decay(v[i], d->v_mul) + uu + d->bias;
      if (vv > CUBA_UV_MAX - 1) vv = CUBA_UV_MAX - 1;
      if (vv < -(CUBA_UV_MAX - 1)) vv = -(CUBA_UV_MAX - 1);
      v[i] = (int32_t)vv;
    }
    /* 6-7: strict threshold, reset v only */
    if ((int64_t)v[i] > d->vth) {
      v[i] = d->subtract ? (int32_t)(v[i] - d->vth) : 0;
      ref[i] = d->ref;
      spikes[ns++] = (uint32_t)i;
    }
  }
  *n_spikes = ns;
}

const nmsim_neuron_type mdl_loihi_cuba_type = {
    .name = "loihi_cuba",
    .abi_version = NMSIM_MODEL_ABI,
    .flags = NMSIM_MODEL_FIXED_POINT,
    .integration = "bit-exact Loihi integer datapath (Lava PyLifModelBitAcc)",
    .vars = cuba_vars,
    .n_vars = NVARS,
    .params = cuba_params,
    .n_params = NPARAMS,
    .sites = cuba_sites,
    .n_sites = 1,
    .input_unit = "",
    .derived_size = sizeof(cuba_derived),
    .prepare = cuba_prepare,
    .init = cuba_init,
    .update = cuba_update,
};
