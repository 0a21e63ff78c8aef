/* fuzz_runfile.c: libFuzzer harness of the run-file reader behind
 * `nmsim report RUN.h5`: the input bytes are written to a temporary file,
 * read with h5o_read_summary and, when that succeeds, printed by both report
 * printers (text and JSON) to /dev/null. A read must succeed or fail with a
 * message; a crash, a sanitizer report, a leak or a hang is a finding. */
#include "tests/fuzz/fuzz_util.h"

#include "analysis/report.h"
#include "sim/out/h5out.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fz_write_tmp(data, size, "runfile");
  run_summary sum = {0};
  nmsim_err err = {0};
  nmsim_status rc = h5o_read_summary_here(path, &sum, &err);
  if (rc == NMSIM_OK) {
    report_print_text(fz_null(), &sum);
    report_print_json(fz_null(), &sum);
  } else if (!err.msg[0]) {
    abort();
  }
  run_summary_clear(&sum);
  return 0;
}
