/* fuzz_set.c: libFuzzer harness of --set overrides: the input is one
 * KEY=VALUE (split at the first '=' or newline; no separator: all KEY, empty
 * VALUE), applied to a fixed small scenario by nmsim_scenario_load_string,
 * which parses the value as YAML, applies it and validates the result. A
 * scenario that loads is also built on its chip when it stays small. Any
 * outcome but success or an error with a message is a finding. */
#include "sim/base/guard.h"
#include "tests/fuzz/fuzz_util.h"

#include "nmsim/chip.h"
#include "nmsim/scenario.h"
#include "sim/load/scenario_int.h"
#include "sim/system/build.h"

static const char scenario[] =
    "name: fuzzset\n"
    "seed: 1\n"
    "chip: test\n"
    "steps: 10\n"
    "dt: 1 ms\n"
    "populations:\n"
    "  input: {size: 8, model: poisson, params: {rate: 20 Hz}}\n"
    "  exc:\n"
    "    size: 24\n"
    "    model: lif\n"
    "    params: {tau_m: 20 ms, e_l: -65 mV, v_th: -50 mV, v_reset: -65 mV, r_m: 100 MOhm,\n"
    "             tau_syn_e: 5 ms, tau_syn_i: 10 ms, t_ref: 2 ms, v_init: -65 mV}\n"
    "  inh: {size: 8, model: lif, params: {tau_m: 10 ms}}\n"
    "projections:\n"
    "  - {from: input, to: exc, connector: {fixed_probability: 0.5}, weight: 0.1 nA, delay: 1,"
    " site: exc}\n"
    "  - {from: exc, to: inh, connector: all_to_all, weight: 0.04 nA, delay: 2, site: exc}\n"
    "  - {from: inh, to: exc, connector: {fixed_probability: 0.5}, weight: -0.03 nA, delay: 1, site: inh}\n"
    "record:\n"
    "  spikes: all\n"
    "  state: {exc: {vars: [v], neurons: [0, 1]}}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  nm_guard_off(true); /* a NIR file a scenario names is read here, not in a child */
  char *text = fz_text(data, size);
  if (fz_names_special(text)) {
    free(text);
    return 0;
  }
  size_t k = strcspn(text, "=\n");
  nmsim_override ov = {.key = text, .value = ""};
  if (text[k]) {
    text[k] = 0;
    ov.value = text + k + 1;
  }
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nmsim_scenario_load_string("fuzzset.yaml", scenario, &ov, 1, &scn, &err);
  free(text);
  if (rc != NMSIM_OK) {
    if (!err.msg[0] || scn) abort();
    return 0;
  }
  uint64_t neurons = 0;
  for (size_t p = 0; p < scn->n_pops; p++) neurons += scn->pops[p].size;
  if (neurons <= 4096 && (uint64_t)scn->chips_x * scn->chips_y <= 64 && scn->chip &&
      nmsim_chip_preset_text(scn->chip)) {
    nmsim_chip *chip = NULL;
    if (nmsim_chip_load(scn->chip, NULL, &chip, &err) != NMSIM_OK) abort();
    sys *s = NULL;
    if (sys_build(scn, chip, &s, &err) != NMSIM_OK && !err.msg[0]) abort();
    sys_destroy(s);
    nmsim_chip_destroy(chip);
  }
  nmsim_scenario_destroy(scn);
  return 0;
}
