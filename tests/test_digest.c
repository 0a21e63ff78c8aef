/* test_digest.c: results stay bit-identical across optimisations: the spike
 * rasters of fixed-seed runs (the quickstart, chip-timed, and the CUBA
 * benchmark network, functional and network) hash to digests stored in
 * tests/data/digests.txt. A change that alters any spike, or the connectivity
 * drawn from a seed, fails here; if a change is meant to alter results, the
 * digests are updated in the same commit with the reason. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/system/build.h"
#include "sim/system/run_int.h"
#include "tests_util.h"

/* FNV-1a, 64 bit, over (step, population, neuron) of every spike. */
typedef struct digest {
  uint64_t h;
} digest;

static void mix(digest *d, uint64_t v) {
  for (int k = 0; k < 8; k++) {
    d->h ^= (v >> (8 * k)) & 0xff;
    d->h *= 0x100000001b3ull;
  }
}

static nmsim_status hook(void *ctx, sys *s, nmsim_err *err) {
  (void)err;
  digest *d = ctx;
  for (uint32_t p = 0; p < s->scn->n_pops; p++) {
    /* spikes of a population arrive in neuron order within a core and cores
     * in order, which is the neuron order for every mapping strategy */
    for (size_t k = 0; k < s->pop_nspikes[p]; k++) {
      mix(d, s->step);
      mix(d, p);
      mix(d, s->pop_spikes[p][k]);
    }
  }
  return NMSIM_OK;
}

/* The final state of every neuron, bit for bit, independent of the mapping:
 * a sum over neurons of a hash of (population, index, var, value bits). */
static uint64_t state_digest(const sys *s) {
  uint64_t sum = 0;
  for (uint32_t u = 0; u < s->n_used; u++) {
    const sys_core *c = &s->cores[s->used[u]];
    for (size_t bi = 0; bi < c->n_blocks; bi++) {
      const sys_block *b = &c->blocks[bi];
      const nmsim_neuron_type *m = b->model;
      for (size_t k = 0; k < m->n_vars; k++) {
        if (m->vars[k].type != NMSIM_VAR_F64 && m->vars[k].type != NMSIM_VAR_I32) continue;
        for (uint32_t i = 0; i < b->n; i++) {
          uint64_t bits = 0;
          if (m->vars[k].type == NMSIM_VAR_F64) memcpy(&bits, (const double *)b->state[k] + i, 8);
          else bits = (uint32_t)((const int32_t *)b->state[k])[i];
          digest d = {0xcbf29ce484222325ull};
          mix(&d, b->pop_id);
          mix(&d, b->first + i);
          mix(&d, k);
          mix(&d, bits);
          sum += d.h;
        }
      }
    }
  }
  return sum;
}

static uint64_t last_state; /* state_digest of the last run_digest */

static uint64_t run_digest(const char *path, const nmsim_override *ov, size_t n_ov) {
  nmsim_scenario *scn = NULL;
  nmsim_chip *chip = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load(path, ov, n_ov, &scn, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_eq(nmsim_chip_load(scn->chip, NULL, &chip, &err), NMSIM_OK, "%s", err.msg);
  sys *s = NULL;
  cr_assert_eq(sys_build(scn, chip, &s, &err), NMSIM_OK, "%s", err.msg);
  digest d = {0xcbf29ce484222325ull};
  s->hook = hook;
  s->hook_ctx = &d;
  cr_assert_eq(sys_run(s, &err), NMSIM_OK, "%s", err.msg);
  last_state = state_digest(s);
  sys_destroy(s);
  nmsim_chip_destroy(chip);
  nmsim_scenario_destroy(scn);
  return d.h;
}

static uint64_t stored(const char *name) {
  char *text = tu_read(NMSIM_SOURCE_DIR "/tests/data/digests.txt", NULL);
  cr_assert_not_null(text, "tests/data/digests.txt is readable");
  char *line = strstr(text, name);
  cr_assert_not_null(line, "digest '%s' stored", name);
  uint64_t v = 0;
  cr_assert_eq(sscanf(line + strlen(name), " %" SCNx64, &v), 1, "digest '%s' parses", name);
  free(text);
  return v;
}

Test(digest, quickstart_timed, .timeout = 120) {
  nmsim_override ov[] = {{"steps", "300"}};
  uint64_t h = run_digest(NMSIM_SOURCE_DIR "/scenarios/quickstart.yaml", ov, 1);
  uint64_t want = stored("quickstart_timed_300");
  cr_assert_eq(h, want, "digest %016" PRIx64 ", stored %016" PRIx64, h, want);
}

Test(digest, cuba_functional, .timeout = 120) {
  nmsim_override ov[] = {{"steps", "3000"}};
  uint64_t h = run_digest(NMSIM_SOURCE_DIR "/tests/bench/cuba.yaml", ov, 1);
  uint64_t want = stored("cuba_functional_3000");
  cr_assert_eq(h, want, "digest %016" PRIx64 ", stored %016" PRIx64, h, want);
}

/* The same network chip-timed gives the same raster as functional (the chip's
 * timing does not change behaviour on a Loihi-like chip). */
Test(digest, cuba_timed_equals_functional, .timeout = 120) {
  nmsim_override ov[] = {{"steps", "1000"}, {"engine.mode", "timed"}};
  nmsim_override of[] = {{"steps", "1000"}};
  uint64_t a = run_digest(NMSIM_SOURCE_DIR "/tests/bench/cuba.yaml", ov, 2);
  uint64_t b = run_digest(NMSIM_SOURCE_DIR "/tests/bench/cuba.yaml", of, 1);
  cr_assert_eq(a, b, "timed %016" PRIx64 ", functional %016" PRIx64, a, b);
}

/* Network mode (no chip, rows per projection) gives the stored raster of the
 * functional run, and the quickstart's timed raster: the dynamics and the
 * fixed-point input sums are shared, only the synapse layout differs. */
Test(digest, cuba_network, .timeout = 120) {
  nmsim_override ov[] = {{"steps", "3000"}, {"engine.mode", "network"}};
  uint64_t h = run_digest(NMSIM_SOURCE_DIR "/tests/bench/cuba.yaml", ov, 2);
  uint64_t want = stored("cuba_functional_3000");
  cr_assert_eq(h, want, "digest %016" PRIx64 ", stored %016" PRIx64, h, want);
}

/* The final state (membrane, currents, refractory counts) is bit-identical
 * too, in network and functional modes: how the input reaches the state and
 * which kernel runs (vector or portable) must not change a bit. */
Test(digest, cuba_state, .timeout = 120) {
  nmsim_override ov[] = {{"steps", "3000"}, {"engine.mode", "network"}};
  nmsim_override of[] = {{"steps", "3000"}};
  run_digest(NMSIM_SOURCE_DIR "/tests/bench/cuba.yaml", ov, 2);
  uint64_t a = last_state;
  run_digest(NMSIM_SOURCE_DIR "/tests/bench/cuba.yaml", of, 1);
  uint64_t b = last_state, want = stored("cuba_state_3000");
  cr_assert_eq(a, want, "network state %016" PRIx64 ", stored %016" PRIx64, a, want);
  cr_assert_eq(b, want, "functional state %016" PRIx64 ", stored %016" PRIx64, b, want);
}

/* The portable kernels (NMSIM_KERNELS=portable) give the raster and the state
 * of the vector ones (the stored digests) on any machine. */
Test(digest, cuba_portable_kernels, .timeout = 120) {
  nmsim_override ov[] = {{"steps", "3000"}, {"engine.mode", "network"}};
  setenv("NMSIM_KERNELS", "portable", 1);
  uint64_t h = run_digest(NMSIM_SOURCE_DIR "/tests/bench/cuba.yaml", ov, 2);
  unsetenv("NMSIM_KERNELS");
  uint64_t want = stored("cuba_functional_3000"), want_state = stored("cuba_state_3000");
  cr_assert_eq(h, want, "digest %016" PRIx64 ", stored %016" PRIx64, h, want);
  cr_assert_eq(last_state, want_state, "state %016" PRIx64 ", stored %016" PRIx64, last_state,
               want_state);
}

Test(digest, quickstart_network, .timeout = 120) {
  nmsim_override ov[] = {{"steps", "300"}, {"engine.mode", "network"}};
  uint64_t h = run_digest(NMSIM_SOURCE_DIR "/scenarios/quickstart.yaml", ov, 2);
  uint64_t want = stored("quickstart_timed_300");
  cr_assert_eq(h, want, "digest %016" PRIx64 ", stored %016" PRIx64, h, want);
}

/* Convolution and pooling rows (weights per synapse) on a board: network
 * mode gives the raster of the chip-timed run. */
Test(digest, multichip_network_equals_timed, .timeout = 120) {
  nmsim_override ot[] = {{"steps", "20"}};
  nmsim_override on[] = {{"steps", "20"}, {"engine.mode", "network"}};
  uint64_t a = run_digest(NMSIM_SOURCE_DIR "/scenarios/multichip.yaml", ot, 1);
  uint64_t b = run_digest(NMSIM_SOURCE_DIR "/scenarios/multichip.yaml", on, 2);
  cr_assert_neq(a, 0xcbf29ce484222325ull, "the run has spikes");
  cr_assert_eq(a, b, "timed %016" PRIx64 ", network %016" PRIx64, a, b);
}

/* A population of more than SYS_INPUT_FETCH_MIN (cores/machine.h) neurons
 * on one core (network mode) adds and takes its input with the entries
 * fetched ahead; functional mode spreads it over cores of 1024 without.
 * Raster and final state agree bit for bit. */
Test(digest, large_core_input_equals_functional, .timeout = 120) {
  nmsim_override ov[] = {{"steps", "200"},
                         {"populations.exc.size", "70000"},
                         {"populations.inh.size", "2000"},
                         {"projections[0].connector.fixed_probability", "0.00005"},
                         {"projections[1].connector.fixed_probability", "0.00005"},
                         {"projections[2].connector.fixed_probability", "0.00005"},
                         {"projections[3].connector.fixed_probability", "0.00005"},
                         {"engine.mode", "network"}};
  uint64_t a = run_digest(NMSIM_SOURCE_DIR "/tests/bench/cuba.yaml", ov, NM_ARRAY_LEN(ov));
  uint64_t sa = last_state;
  uint64_t b = run_digest(NMSIM_SOURCE_DIR "/tests/bench/cuba.yaml", ov, NM_ARRAY_LEN(ov) - 1);
  cr_assert_neq(a, 0xcbf29ce484222325ull, "the run has spikes");
  cr_assert_eq(a, b, "network %016" PRIx64 ", functional %016" PRIx64, a, b);
  cr_assert_eq(sa, last_state, "network state %016" PRIx64 ", functional %016" PRIx64, sa,
               last_state);
}
