/* fuzz_scenario.c: libFuzzer harness of the scenario reader: the input is
 * scenario text, loaded with nmsim_scenario_load_string, then its chip (a
 * bundled preset only: a path would read files the input does not hold) is
 * loaded and the system built with sys_build. Networks over FZ_MAX_NEURONS
 * neurons, or boards over FZ_MAX_CHIPS chips, are loaded but not built, so
 * that the fuzzer does not spend its time on large builds. A load or build
 * must succeed or fail with a message; anything else (a crash, a sanitizer
 * report, a leak) is a finding. */
#include "sim/base/guard.h"
#include "tests/fuzz/fuzz_util.h"

#include "nmsim/chip.h"
#include "nmsim/scenario.h"
#include "sim/load/scenario_int.h"
#include "sim/system/build.h"

#define FZ_MAX_NEURONS 4096
#define FZ_MAX_CHIPS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  nm_guard_off(true); /* a NIR file a scenario names is read here, not in a child */
  char *text = fz_text(data, size);
  if (fz_names_special(text)) {
    free(text);
    return 0;
  }
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nmsim_scenario_load_string("fuzz.yaml", text, NULL, 0, &scn, &err);
  free(text);
  if (rc != NMSIM_OK) {
    if (!err.msg[0] || scn) abort(); /* a failed load says why and returns nothing */
    return 0;
  }
  uint64_t neurons = 0;
  for (size_t p = 0; p < scn->n_pops; p++) neurons += scn->pops[p].size;
  if (neurons <= FZ_MAX_NEURONS && (uint64_t)scn->chips_x * scn->chips_y <= FZ_MAX_CHIPS &&
      scn->chip && nmsim_chip_preset_text(scn->chip)) {
    nmsim_chip *chip = NULL;
    if (nmsim_chip_load(scn->chip, NULL, &chip, &err) != NMSIM_OK) abort(); /* a preset */
    sys *s = NULL;
    rc = sys_build(scn, chip, &s, &err);
    if (rc != NMSIM_OK && !err.msg[0]) abort();
    sys_destroy(s);
    nmsim_chip_destroy(chip);
  }
  nmsim_scenario_destroy(scn);
  return 0;
}
