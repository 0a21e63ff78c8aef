/* fuzz_db.c: libFuzzer harness of the results database report behind
 * `nmsim report --db DB [--json]`: the input bytes are written to a temporary
 * file (SQLite), and dbreport prints its runs as text and as JSON to
 * /dev/null. A report must succeed or fail with a message; a crash, a
 * sanitizer report, a leak or a hang is a finding. */
#include "tests/fuzz/fuzz_util.h"

#include "analysis/dbreport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (int json = 0; json < 2; json++) {
    const char *path = fz_write_tmp(data, size, "db"); /* afresh: a read may leave -wal/-shm */
    nmsim_err err = {0};
    if (dbreport(fz_null(), path, NULL, json, &err) != NMSIM_OK && !err.msg[0]) abort();
  }
  return 0;
}
