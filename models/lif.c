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
  bool avx512;       /* run the AVX-512 update (see lif_update) */
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
  return mdl_kernels(&d->avx512, msg, len);
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
 * that fires is marked with refractory = -1. With in_e NULL the input is
 * already in the currents (input_vars) and the kernel adds +0.0 instead, so
 * both forms give the same bits (x + 0.0 turns -0.0 into +0.0, as adding a
 * zero input does). AVX2 and baseline clones are built and picked at load
 * time; no FMA is enabled (-ffp-contract=off), so every version gives
 * bit-identical results. */
static inline __attribute__((always_inline)) void
lif_kernel_body(size_t n, double *restrict v, double *restrict ie, double *restrict ii,
                int32_t *restrict ref, const double *restrict in_e, const double *restrict in_i,
                const lif_derived *restrict d, bool has_input) {
  const double e_l = d->e_l, v_th = d->v_th, v_reset = d->v_reset, v_bias = d->v_bias;
  const double p22 = d->p22, p11e = d->p11e, p11i = d->p11i, p21e = d->p21e, p21i = d->p21i;
  for (size_t i = 0; i < n; i++) {
    double je = ie[i] + (has_input ? in_e[i] : 0.0), ji = ii[i] + (has_input ? in_i[i] : 0.0);
    double unew = (v[i] - e_l) * p22 + je * p21e + ji * p21i + v_bias;
    ie[i] = je * p11e;
    ii[i] = ji * p11i;
    int32_t r = ref[i];
    double vn = r > 0 ? v_reset : e_l + unew;
    r = r > 0 ? r - 1 : 0;
    int32_t fire = (r == 0) & (vn >= v_th);
    v[i] = fire ? v_reset : vn;
    ref[i] = fire ? -1 : r;
  }
}

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__)
__attribute__((target_clones("avx2", "default")))
#endif
static void lif_kernel(size_t n, double *restrict v, double *restrict ie, double *restrict ii,
                       int32_t *restrict ref, const double *restrict in_e,
                       const double *restrict in_i, const lif_derived *restrict d) {
  if (in_e) lif_kernel_body(n, v, ie, ii, ref, in_e, in_i, d, true);
  else lif_kernel_body(n, v, ie, ii, ref, NULL, NULL, d, false);
}

/* The portable update: the kernel, then a scan that collects the neurons
 * that fired (in increasing order) and starts their refractory period. */
static size_t lif_update_portable(const lif_derived *d, const nmsim_block *b, uint32_t *spikes,
                                  size_t ns) {
  int32_t *ref = b->state[REF];
  lif_kernel(b->n, b->state[V], b->state[IE], b->state[II], ref, b->input ? b->input[0] : NULL,
             b->input ? b->input[1] : NULL, d);
  size_t n = b->n, i = 0;
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
  return ns;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define LIF_AVX512 1

/* The constants of lif_derived, broadcast once per block. */
typedef struct lif_vec {
  __m512d e_l, v_th, v_reset, v_bias, p22, p11e, p11i, p21e, p21i;
} lif_vec;

/* Loads and stores of eight lanes: plain ones in a full block, masked ones
 * (dead lanes read as 0, never written) in the block's last partial one. */
#define LIF_TARGET __attribute__((target("avx512f"), always_inline)) static inline
LIF_TARGET __m512d lif_ld(const double *p, __mmask8 live, bool full) {
  return full ? _mm512_loadu_pd(p) : _mm512_maskz_loadu_pd(live, p);
}
LIF_TARGET void lif_st(double *p, __mmask8 live, __m512d x, bool full) {
  if (full) _mm512_storeu_pd(p, x);
  else _mm512_mask_storeu_pd(p, live, x);
}

/* Eight neurons of the AVX-512 update: the same operations, in the same
 * order, as lif_kernel_body (so the same bits); kref: lanes refractory at the
 * start of the step. Returns the lanes that fire. */
LIF_TARGET __mmask8 lif8(double *v, double *ie, double *ii, const double *in_e,
                         const double *in_i, __mmask8 live, __mmask8 kref, const lif_vec *c,
                         bool has_input, bool full) {
  __m512d je = lif_ld(ie, live, full), ji = lif_ld(ii, live, full);
  je = _mm512_add_pd(je, has_input ? lif_ld(in_e, live, full) : _mm512_setzero_pd());
  ji = _mm512_add_pd(ji, has_input ? lif_ld(in_i, live, full) : _mm512_setzero_pd());
  __m512d u = _mm512_mul_pd(_mm512_sub_pd(lif_ld(v, live, full), c->e_l), c->p22);
  u = _mm512_add_pd(u, _mm512_mul_pd(je, c->p21e));
  u = _mm512_add_pd(u, _mm512_mul_pd(ji, c->p21i));
  u = _mm512_add_pd(u, c->v_bias);
  lif_st(ie, live, _mm512_mul_pd(je, c->p11e), full);
  lif_st(ii, live, _mm512_mul_pd(ji, c->p11i), full);
  __m512d vn = _mm512_mask_blend_pd(kref, _mm512_add_pd(c->e_l, u), c->v_reset);
  __mmask8 fire = _mm512_mask_cmp_pd_mask((__mmask8)(live & ~kref), vn, c->v_th, _CMP_GE_OQ);
  lif_st(v, live, _mm512_mask_blend_pd(fire, vn, c->v_reset), full);
  return fire;
}

/* Sixteen neurons from i (the lanes of `live`): the refractory counts in one
 * vector, the firing lanes compressed straight into the spike list (no second
 * pass over the block). */
LIF_TARGET size_t lif16(const nmsim_block *b, size_t i, __mmask16 live, const lif_vec *c,
                        __m512i steps, uint32_t *spikes, size_t ns, bool has_input, bool full) {
  double *v = (double *)b->state[V] + i, *ie = (double *)b->state[IE] + i;
  double *ii = (double *)b->state[II] + i;
  int32_t *ref = (int32_t *)b->state[REF] + i;
  const double *in_e = has_input ? b->input[0] + i : NULL, *in_i = has_input ? b->input[1] + i : NULL;
  __m512i r = full ? _mm512_loadu_si512(ref) : _mm512_maskz_loadu_epi32(live, ref);
  __mmask16 kref = _mm512_cmpgt_epi32_mask(r, _mm512_setzero_si512());
  __m512i rn = _mm512_maskz_sub_epi32(kref, r, _mm512_set1_epi32(1));
  __mmask8 f0 = lif8(v, ie, ii, in_e, in_i, (__mmask8)live, (__mmask8)kref, c, has_input, full);
  __mmask8 f1 = 0;
  if (full || live >> 8)
    f1 = lif8(v + 8, ie + 8, ii + 8, has_input ? in_e + 8 : NULL, has_input ? in_i + 8 : NULL,
              (__mmask8)(live >> 8), (__mmask8)(kref >> 8), c, has_input, full);
  __mmask16 fire = (__mmask16)(f0 | (unsigned)f1 << 8);
  rn = _mm512_mask_mov_epi32(rn, fire, steps);
  if (full) _mm512_storeu_si512(ref, rn);
  else _mm512_mask_storeu_epi32(ref, live, rn);
  if (NMSIM_UNLIKELY(fire)) {
    __m512i idx = _mm512_add_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                   _mm512_set1_epi32((int)i));
    _mm512_mask_compressstoreu_epi32(spikes + ns, fire, idx);
    ns += (size_t)__builtin_popcount(fire);
  }
  return ns;
}

/* The block sixteen neurons at a time: full groups with plain loads and
 * stores, then the last partial one with masks. has_input is a constant in
 * each caller, so each form gets its own loop. */
LIF_TARGET size_t lif_avx512_blocks(const lif_derived *d, const nmsim_block *b, uint32_t *spikes,
                                    size_t ns, bool has_input) {
  const lif_vec c = {_mm512_set1_pd(d->e_l),  _mm512_set1_pd(d->v_th), _mm512_set1_pd(d->v_reset),
                     _mm512_set1_pd(d->v_bias), _mm512_set1_pd(d->p22),  _mm512_set1_pd(d->p11e),
                     _mm512_set1_pd(d->p11i),   _mm512_set1_pd(d->p21e), _mm512_set1_pd(d->p21i)};
  const __m512i steps = _mm512_set1_epi32(d->ref_steps);
  size_t n = b->n, i = 0;
  for (; i + 16 <= n; i += 16) ns = lif16(b, i, (__mmask16)0xffff, &c, steps, spikes, ns, has_input, true);
  if (i < n) ns = lif16(b, i, (__mmask16)((1u << (n - i)) - 1), &c, steps, spikes, ns, has_input, false);
  return ns;
}

__attribute__((target("avx512f"))) static size_t
lif_update_avx512(const lif_derived *d, const nmsim_block *b, uint32_t *spikes, size_t ns) {
  if (b->input) return lif_avx512_blocks(d, b, spikes, ns, true);
  return lif_avx512_blocks(d, b, spikes, ns, false);
}
#endif

/* Which update runs is decided once, at prepare (mdl_kernels): the AVX-512
 * one where the processor has it, unless NMSIM_KERNELS=portable asks for the
 * portable one (tests run both and compare). */
static void lif_update(const void *derived, const nmsim_block *b, uint32_t *spikes,
                       size_t *n_spikes) {
  const lif_derived *d = derived;
#ifdef LIF_AVX512
  if (d->avx512) {
    *n_spikes = lif_update_avx512(d, b, spikes, *n_spikes);
    return;
  }
#endif
  *n_spikes = lif_update_portable(d, b, spikes, *n_spikes);
}

static const int lif_input_vars[] = {IE, II};

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
    .input_vars = lif_input_vars,
    .input_unit = "nA",
    .derived_size = sizeof(lif_derived),
    .prepare = lif_prepare,
    .init = lif_init,
    .update = lif_update,
};
