/* fuzz_chip.c: libFuzzer harness of the chip file reader: the input is the
 * text of a chip file, written to a temporary file named by a fixed tiny
 * scenario (two LIF populations of 24 neurons and a Poisson source), which is
 * loaded, built on that chip with sys_build and run for 3 steps, once in
 * functional mode and once in timed mode (where the chip's costs, NoC and
 * barrier figures are used). Any outcome but success or an error with a
 * message (a crash, a sanitizer report, a leak, a hang) is a finding. */
#include "sim/base/guard.h"
#include "tests/fuzz/fuzz_util.h"

#include "nmsim/chip.h"
#include "nmsim/scenario.h"
#include "sim/load/scenario_int.h"
#include "sim/system/build.h"
#include "sim/system/run_int.h"

static const char scenario_fmt[] =
    "name: fuzzchip\n"
    "seed: 3\n"
    "chip: %s\n"
    "steps: 3\n"
    "dt: 1 ms\n"
    "engine: {mode: %s}\n"
    "populations:\n"
    "  in: {size: 8, model: poisson, params: {rate: 400 Hz}}\n"
    "  a: {size: 24, model: lif, params: {tau_m: 10 ms, v_th: -60 mV, v_init: -61 mV}}\n"
    "  b: {size: 24, model: lif}\n"
    "projections:\n"
    "  - {from: in, to: a, connector: all_to_all, weight: 2 nA, delay: 1, site: exc}\n"
    "  - {from: a, to: b, connector: {fixed_probability: 0.5}, weight: 1 nA, delay: 2, site: exc}\n"
    "  - {from: b, to: a, connector: one_to_one, weight: -1 nA, delay: 1, site: inh}\n"
    "record: {spikes: all}\n";

static void run_mode(const char *chip_path, const char *mode) {
  char text[2048];
  snprintf(text, sizeof text, scenario_fmt, chip_path, mode);
  nmsim_scenario *scn = NULL;
  nmsim_chip *chip = NULL;
  sys *s = NULL;
  nmsim_err err = {0};
  /* the scenario loader reads the chip file too: its errors come here first */
  nmsim_status rc = nmsim_scenario_load_string("fuzzchip.yaml", text, NULL, 0, &scn, &err);
  if (rc == NMSIM_OK) rc = nmsim_chip_load(scn->chip, NULL, &chip, &err);
  if (rc == NMSIM_OK) rc = sys_build(scn, chip, &s, &err);
  if (rc == NMSIM_OK) rc = sys_run(s, &err);
  if (rc != NMSIM_OK && !err.msg[0]) abort(); /* an error says why */
  sys_destroy(s);
  nmsim_chip_destroy(chip);
  nmsim_scenario_destroy(scn);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The fixed scenario must load and run on a bundled chip, or every input
 * would stop at the scenario. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  char text[2048];
  snprintf(text, sizeof text, scenario_fmt, "test", "timed");
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  if (nmsim_scenario_load_string("fuzzchip.yaml", text, NULL, 0, &scn, &err) != NMSIM_OK) {
    fprintf(stderr, "fuzz_chip: the fixed scenario does not load: %s\n", err.msg);
    abort();
  }
  nmsim_scenario_destroy(scn);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  nm_guard_off(true); /* a NIR file a scenario names is read here, not in a child */
  const char *path = fz_write_tmp(data, size, "chip");
  run_mode(path, "functional");
  run_mode(path, "timed");
  return 0;
}
