/* test_models.c: contracts every registered neuron model honours, and
 * known answers of the built-in ones (LIF exact integration, Poisson draws). */
#include <criterion/criterion.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nmsim/model.h"
#include "sim/base/rng.h"
#include "sim/load/scenario_int.h"

/* A block of n neurons of model m with default parameters (or values). */
typedef struct blk {
  const nmsim_neuron_type *m;
  void *derived;
  void **state;
  double *in[4];
  const double *inp[4];
  nmsim_block b;
  uint32_t *spikes;
} blk;

static size_t var_size(const nmsim_var_desc *v) {
  return v->type == NMSIM_VAR_F64 ? sizeof(double) : v->type == NMSIM_VAR_I32 ? 4 : v->bytes;
}

static void blk_init(blk *k, const nmsim_neuron_type *m, size_t n, const double *values,
                     double dt, uint64_t seed, const void *aux) {
  memset(k, 0, sizeof *k);
  k->m = m;
  double defs[32];
  for (size_t i = 0; i < m->n_params; i++) defs[i] = m->params[i].def;
  k->derived = calloc(1, m->derived_size + 1);
  char msg[256];
  cr_assert_eq(m->prepare(values ? values : defs, dt, k->derived, msg, sizeof msg), NMSIM_OK,
               "%s: prepare: %s", m->name, msg);
  k->state = calloc(m->n_vars + 1, sizeof(void *));
  for (size_t v = 0; v < m->n_vars; v++) k->state[v] = calloc(n, var_size(&m->vars[v]));
  for (int s = 0; s < 4; s++) {
    k->in[s] = calloc(n, sizeof(double));
    k->inp[s] = k->in[s];
  }
  k->spikes = calloc(n, sizeof(uint32_t));
  k->b = (nmsim_block){.n = n, .state = k->state, .input = k->inp, .step = 0, .dt_ms = dt,
                       .seed = seed, .pop_id = 3, .first = 0, .aux = aux};
  m->init(k->derived, &k->b);
}

static size_t blk_step(blk *k) {
  size_t ns = 0;
  k->m->update(k->derived, &k->b, k->spikes, &ns);
  k->b.step++;
  return ns;
}

static void blk_free(blk *k) {
  for (size_t v = 0; v < k->m->n_vars; v++) free(k->state[v]);
  free(k->state);
  for (int s = 0; s < 4; s++) free(k->in[s]);
  free(k->spikes);
  free(k->derived);
}

/* Every model: descriptor well-formed (ABI, unique var/param/site/preset names,
 * parameter defaults within their range, every preset found by name with help
 * text and values naming parameters within their range, sites and an input
 * unit declared for non-sources); with zero input and default parameters it stays silent
 * and its state does not move over 200 steps (Poisson with rate 0; spike arrays
 * with no spikes). A model flagged NMSIM_MODEL_SETTLES starts from its paper's
 * initial values, which are not its exact rest state: it must stay silent
 * while it settles for 20000 steps (2 s at dt = 0.1 ms), and then move by less
 * than 1e-9 (absolute, per float variable; integers exactly) over 200 steps. A
 * model without the flag must not move at all. */
static void names_unique(const char *model, const char *what, const char *const *names,
                         size_t stride, size_t n) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++) {
      const char *a = *(const char *const *)((const char *)names + i * stride);
      const char *b = *(const char *const *)((const char *)names + j * stride);
      cr_assert(strcmp(a, b) != 0, "%s: %s '%s' declared twice", model, what, a);
    }
}

static void check_descriptor(const nmsim_neuron_type *m) {
  cr_assert_eq(m->abi_version, NMSIM_MODEL_ABI, "%s ABI %d, expected %d", m->name,
               m->abi_version, NMSIM_MODEL_ABI);
  cr_assert_eq(nmsim_neuron_type_find(m->name), m, "%s found by name", m->name);
  cr_assert(m->prepare && m->init && m->update, "%s has every hook", m->name);
  cr_assert(m->n_params <= 32 && m->n_sites <= 4, "%s: %zu params, %zu sites (test limits 32, 4)",
            m->name, m->n_params, m->n_sites);
  if (m->n_vars) names_unique(m->name, "variable", &m->vars[0].name, sizeof m->vars[0], m->n_vars);
  if (m->n_params)
    names_unique(m->name, "parameter", &m->params[0].name, sizeof m->params[0], m->n_params);
  if (m->n_sites) names_unique(m->name, "site", m->sites, sizeof m->sites[0], m->n_sites);
  if (m->n_presets)
    names_unique(m->name, "preset", &m->presets[0].name, sizeof m->presets[0], m->n_presets);
  for (size_t p = 0; p < m->n_params; p++)
    cr_assert(m->params[p].def >= m->params[p].min && m->params[p].def <= m->params[p].max,
              "%s.%s default %g outside [%g, %g]", m->name, m->params[p].name,
              m->params[p].def, m->params[p].min, m->params[p].max);
  for (size_t k = 0; k < m->n_presets; k++) {
    const nmsim_preset *ps = &m->presets[k];
    cr_assert(ps->n_values > 0 && ps->help, "%s preset %s has values and help", m->name,
              ps->name);
    cr_assert_eq(nmsim_model_preset(m, ps->name), ps, "%s preset %s found by name", m->name,
                 ps->name);
    for (size_t j = 0; j < ps->n_values; j++) {
      int pi = nmsim_model_param_index(m, ps->values[j].name);
      cr_assert(pi >= 0, "%s preset %s sets unknown parameter '%s'", m->name, ps->name,
                ps->values[j].name);
      const nmsim_param_desc *pd = &m->params[pi];
      cr_assert(ps->values[j].value >= pd->min && ps->values[j].value <= pd->max,
                "%s preset %s: %s = %g outside [%g, %g]", m->name, ps->name, pd->name,
                ps->values[j].value, pd->min, pd->max);
    }
  }
  if (!(m->flags & NMSIM_MODEL_SOURCE))
    cr_assert(m->n_sites >= 1 && m->input_unit, "%s declares input sites and unit", m->name);
  for (size_t k = 0; m->input_vars && k < m->n_sites; k++) {
    int v = m->input_vars[k];
    cr_assert(v >= 0 && (size_t)v < m->n_vars && m->vars[v].type == NMSIM_VAR_F64,
              "%s: input_vars[%zu] names a float state var", m->name, k);
  }
}

/* Bytes of all state of an 8-neuron block, copied into a new buffer. */
static unsigned char *snapshot(const blk *k) {
  size_t total = 0;
  for (size_t v = 0; v < k->m->n_vars; v++) total += 8 * var_size(&k->m->vars[v]);
  unsigned char *snap = malloc(total ? total : 1), *p = snap;
  for (size_t v = 0; v < k->m->n_vars; v++) {
    memcpy(p, k->state[v], 8 * var_size(&k->m->vars[v]));
    p += 8 * var_size(&k->m->vars[v]);
  }
  return snap;
}

Test(models, contract_rest_and_descriptor) {
  for (size_t t = 0; nmsim_neuron_types[t]; t++) {
    const nmsim_neuron_type *m = nmsim_neuron_types[t];
    check_descriptor(m);
    double vals[32];
    for (size_t p = 0; p < m->n_params; p++) vals[p] = m->params[p].def;
    int rate = nmsim_model_param_index(m, "rate");
    if (rate >= 0) vals[rate] = 0.0;
    uint32_t off[9] = {0};
    nmsim_pop_data none = {.n = 8, .off = off, .steps = NULL};
    blk k;
    blk_init(&k, m, 8, vals, 0.1, 1, &none);
    bool settles = m->flags & NMSIM_MODEL_SETTLES;
    for (int s = 0; settles && s < 20000; s++)
      cr_assert_eq(blk_step(&k), 0, "%s fired at step %d while settling to rest", m->name, s);
    unsigned char *snap = snapshot(&k);
    for (int s = 0; s < 200; s++) cr_assert_eq(blk_step(&k), 0, "%s fired at rest", m->name);
    if (!(m->flags & NMSIM_MODEL_NEEDS_RNG)) {
      const unsigned char *p = snap;
      for (size_t v = 0; v < m->n_vars; v++) {
        size_t sz = 8 * var_size(&m->vars[v]);
        if (settles && m->vars[v].type == NMSIM_VAR_F64) {
          for (size_t i = 0; i < 8; i++) {
            double before, after = ((const double *)k.state[v])[i];
            memcpy(&before, p + i * sizeof(double), sizeof before);
            cr_assert(fabs(after - before) < 1e-9,
                      "%s: var %s of neuron %zu moved from %.12g to %.12g after settling",
                      m->name, m->vars[v].name, i, before, after);
          }
        } else {
          cr_assert(memcmp(p, k.state[v], sz) == 0, "%s: var %s moved at rest%s", m->name,
                    m->vars[v].name, settles ? " after settling" : "");
        }
        p += sz;
      }
    }
    free(snap);
    blk_free(&k);
  }
}

/* LIF with a constant current fires at the times of exact stepped
 * integration: first spike t1 = tau ln(RI/(RI-theta)) rounded up to the grid
 * (reference vector lif.json "suprathreshold_step": 27.8, 57.6, 87.4 ms at
 * dt = 0.1 ms, I = 200 pA, t_ref = 2 ms). */
Test(models, lif_constant_current_spike_times) {
  const nmsim_neuron_type *m = nmsim_neuron_type_find("lif");
  double v[16];
  for (size_t p = 0; p < m->n_params; p++) v[p] = m->params[p].def;
  v[nmsim_model_param_index(m, "i_e")] = 0.2; /* nA */
  blk k;
  blk_init(&k, m, 1, v, 0.1, 1, NULL);
  double expect[3] = {27.8, 57.6, 87.4};
  int got = 0;
  for (int s = 0; s < 900 && got < 3; s++) {
    if (blk_step(&k)) {
      double t = (s + 1) * 0.1;
      cr_assert(fabs(t - expect[got]) < 1e-9, "spike %d at %.4f ms, expected %.4f", got, t,
                expect[got]);
      got++;
    }
  }
  cr_assert_eq(got, 3, "saw %d spikes, expected 3", got);
  blk_free(&k);
}

/* LIF subthreshold response to a constant current matches the exact
 * solution v(t) = E_L + RI (1 - exp(-t/tau)) to 1e-9 mV. */
Test(models, lif_subthreshold_exact) {
  const nmsim_neuron_type *m = nmsim_neuron_type_find("lif");
  double v[16];
  for (size_t p = 0; p < m->n_params; p++) v[p] = m->params[p].def;
  v[nmsim_model_param_index(m, "i_e")] = 0.1;
  blk k;
  blk_init(&k, m, 1, v, 0.1, 1, NULL);
  for (int s = 0; s < 200; s++) cr_assert_eq(blk_step(&k), 0);
  double vm = ((double *)k.state[nmsim_model_var_index(m, "v")])[0];
  double want = -65.0 + 10.0 * (1.0 - exp(-20.0 / 20.0)); /* -58.678794412 (lif.json) */
  cr_assert(fabs(vm - want) < 1e-9, "v(20 ms) = %.12f, expected %.12f", vm, want);
  blk_free(&k);
}

/* A synaptic input of w nA on the exc site gives the exact PSP of an
 * exponential current synapse: peak R w tau_s/(tau_m - tau_s)(e^{-s/tau_m} -
 * e^{-s/tau_s}) at the grid point nearest s*. */
Test(models, lif_psp_shape) {
  const nmsim_neuron_type *m = nmsim_neuron_type_find("lif");
  blk k;
  blk_init(&k, m, 1, NULL, 0.1, 1, NULL);
  k.in[0][0] = 0.5;
  blk_step(&k);
  k.in[0][0] = 0.0;
  double vmax = -1e9;
  for (int s = 1; s < 1000; s++) {
    blk_step(&k);
    double vm = ((double *)k.state[0])[0];
    if (vm > vmax) vmax = vm;
  }
  /* analytic peak for tau_m 20, tau_s 5, R 100, w 0.5: s* = 9.242 ms */
  double ss = 20.0 * 5.0 / 15.0 * log(4.0);
  double peak = 100 * 0.5 * 5.0 / 15.0 * (exp(-ss / 20.0) - exp(-ss / 5.0));
  cr_assert(fabs((vmax + 65.0) - peak) < 1e-3, "PSP peak %.6f mV, expected %.6f", vmax + 65.0,
            peak);
  blk_free(&k);
}

/* Poisson: exactly one uniform draw per neuron per step from the stream keyed
 * by (seed, population, neuron), spiking when it is below 1 - exp(-rate dt);
 * an independent taus2 generator with the same key reproduces every spike. */
Test(models, poisson_draws_and_known_answer) {
  const nmsim_neuron_type *m = nmsim_neuron_type_find("poisson");
  double rate = 50.0; /* Hz */
  blk k;
  blk_init(&k, m, 4, &rate, 1.0, 77, NULL);
  gsl_rng *ref[4];
  for (int i = 0; i < 4; i++) {
    ref[i] = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(ref[i], rng_stream_seed(77, 3, (uint64_t)i, RNG_PURPOSE_SOURCE));
  }
  double p = -expm1(-rate * 1e-3);
  size_t total = 0;
  for (int s = 0; s < 2000; s++) {
    size_t ns = blk_step(&k);
    size_t j = 0;
    for (uint32_t i = 0; i < 4; i++) {
      bool want = gsl_rng_uniform(ref[i]) < p;
      bool got = j < ns && k.spikes[j] == i;
      cr_assert_eq(got, want, "step %d neuron %u: spiked %d, expected %d", s, i, got, want);
      j += got;
    }
    total += ns;
  }
  /* 4 neurons x 2 s x 50 Hz = 400 expected; a Poisson count stays within 5 sigma */
  cr_assert(total > 300 && total < 500, "total spikes %zu, expected about 400", total);
  for (int i = 0; i < 4; i++) gsl_rng_free(ref[i]);
  blk_free(&k);
}

/* Poisson streams depend on (seed, population, neuron) only: the same neuron
 * simulated in a block that starts elsewhere gives the same spikes. */
Test(models, poisson_placement_independent) {
  const nmsim_neuron_type *m = nmsim_neuron_type_find("poisson");
  double rate = 100.0;
  blk whole, part;
  blk_init(&whole, m, 10, &rate, 1.0, 5, NULL);
  blk_init(&part, m, 3, &rate, 1.0, 5, NULL);
  part.b.first = 7; /* neurons 7, 8, 9 of the population */
  m->init(part.derived, &part.b);
  for (int s = 0; s < 500; s++) {
    size_t nw = blk_step(&whole), np = blk_step(&part);
    size_t j = 0;
    for (size_t a = 0; a < nw; a++)
      if (whole.spikes[a] >= 7) {
        cr_assert(j < np && part.spikes[j] + 7 == whole.spikes[a], "step %d neuron %u", s,
                  whole.spikes[a]);
        j++;
      }
    cr_assert_eq(j, np, "step %d: %zu spikes in the part, %zu matched", s, np, j);
  }
  blk_free(&whole);
  blk_free(&part);
}

/* A spike array fires exactly at its listed steps. */
Test(models, spike_array_fires_at_listed_steps) {
  const nmsim_neuron_type *m = nmsim_neuron_type_find("spike_array");
  uint32_t off[3] = {0, 3, 4};
  uint32_t steps[4] = {0, 5, 9, 2};
  nmsim_pop_data sl = {.n = 2, .off = off, .steps = steps};
  blk k;
  blk_init(&k, m, 2, NULL, 1.0, 1, &sl);
  int fired[2][12] = {{0}};
  for (int s = 0; s < 12; s++) {
    size_t ns = blk_step(&k);
    for (size_t j = 0; j < ns; j++) fired[k.spikes[j]][s] = 1;
  }
  for (int s = 0; s < 12; s++) {
    cr_assert_eq(fired[0][s], s == 0 || s == 5 || s == 9, "neuron 0 step %d", s);
    cr_assert_eq(fired[1][s], s == 2, "neuron 1 step %d", s);
  }
  blk_free(&k);
}

/* Bad LIF parameters are refused by prepare with a message. */
Test(models, lif_rejects_reset_above_threshold) {
  const nmsim_neuron_type *m = nmsim_neuron_type_find("lif");
  double v[16];
  for (size_t p = 0; p < m->n_params; p++) v[p] = m->params[p].def;
  v[nmsim_model_param_index(m, "v_reset")] = -40.0;
  char derived[256], msg[256] = "";
  cr_assert_eq(m->prepare(v, 0.1, derived, msg, sizeof msg), NMSIM_EINPUT);
  cr_assert(strstr(msg, "v_reset") != NULL, "message: '%s'", msg);
}

/* LIF's two input forms (b->input, or input added to the currents first with
 * b->input NULL) and its two updates (AVX-512 where the processor has it,
 * portable with NMSIM_KERNELS=portable) give the same spikes and the same
 * state bits, over a block whose size is not a multiple of the vector width,
 * with refractory periods, inhibition and currents decaying to zero. */
Test(models, lif_update_forms_bit_identical) {
  const nmsim_neuron_type *m = nmsim_neuron_type_find("lif");
  cr_assert(m->input_vars, "lif declares input_vars");
  enum { N = 37, STEPS = 3000, FORMS = 4 };
  double values[32];
  for (size_t i = 0; i < m->n_params; i++) values[i] = m->params[i].def;
  values[nmsim_model_param_index(m, "tau_syn_i")] = 0.1; /* underflows in ~750 steps */
  blk k[FORMS];
  for (int f = 0; f < FORMS; f++) {
    if (f >= 2) setenv("NMSIM_KERNELS", "portable", 1);
    blk_init(&k[f], m, N, values, 0.1, 1, NULL);
    unsetenv("NMSIM_KERNELS");
    if (f % 2) k[f].b.input = NULL; /* forms 1 and 3: input goes into the state */
  }
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 7);
  size_t total = 0;
  for (int t = 0; t < STEPS; t++) {
    for (int i = 0; i < N; i++) {
      double xe = gsl_rng_uniform(r) < 0.3 ? gsl_rng_uniform(r) * 2.0 : 0.0;
      double xi = t > 2000 ? 0.0 : gsl_rng_uniform(r) < 0.1 ? -gsl_rng_uniform(r) : 0.0;
      for (int f = 0; f < FORMS; f++) {
        if (f % 2) {
          /* what the core does for input_vars: x += input, for neurons with input */
          if (xe != 0.0) ((double *)k[f].state[m->input_vars[0]])[i] += xe;
          if (xi != 0.0) ((double *)k[f].state[m->input_vars[1]])[i] += xi;
        } else {
          k[f].in[0][i] = xe;
          k[f].in[1][i] = xi;
        }
      }
    }
    size_t ns[FORMS];
    for (int f = 0; f < FORMS; f++) ns[f] = blk_step(&k[f]);
    total += ns[0];
    for (int f = 1; f < FORMS; f++) {
      cr_assert_eq(ns[f], ns[0], "step %d: form %d spikes %zu, form 0 %zu", t, f, ns[f], ns[0]);
      cr_assert_arr_eq(k[f].spikes, k[0].spikes, ns[0] * sizeof(uint32_t), "step %d form %d", t,
                       f);
      for (size_t v = 0; v < m->n_vars; v++)
        cr_assert_arr_eq(k[f].state[v], k[0].state[v], N * var_size(&m->vars[v]),
                         "step %d: form %d var %s differs", t, f, m->vars[v].name);
    }
  }
  cr_assert_gt(total, 100, "the block spikes (%zu)", total);
  /* after 1000 steps without inhibition the inhibitory currents reach zero
   * (through subnormals) */
  cr_assert_eq(((double *)k[0].state[m->input_vars[1]])[0], 0.0);
  gsl_rng_free(r);
  for (int f = 0; f < FORMS; f++) blk_free(&k[f]);
}

/* A value of NMSIM_KERNELS other than portable or native is refused at
 * prepare, naming the variable and what it accepts. */
Test(models, lif_rejects_unknown_kernels_setting) {
  const nmsim_neuron_type *m = nmsim_neuron_type_find("lif");
  double defs[32];
  for (size_t i = 0; i < m->n_params; i++) defs[i] = m->params[i].def;
  void *d = calloc(1, m->derived_size);
  char msg[256] = "";
  setenv("NMSIM_KERNELS", "fastest", 1);
  nmsim_status rc = m->prepare(defs, 0.1, d, msg, sizeof msg);
  setenv("NMSIM_KERNELS", "native", 1);
  nmsim_status rc_native = m->prepare(defs, 0.1, d, msg + 128, sizeof msg - 128);
  unsetenv("NMSIM_KERNELS");
  free(d);
  cr_assert_eq(rc, NMSIM_EINPUT);
  cr_assert(strstr(msg, "NMSIM_KERNELS='fastest'") && strstr(msg, "expected portable or native"),
            "message: %s", msg);
  cr_assert_eq(rc_native, NMSIM_OK, "native is accepted: %s", msg + 128);
}
