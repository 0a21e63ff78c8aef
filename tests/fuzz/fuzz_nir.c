/* fuzz_nir.c: libFuzzer harness of the NIR reader: the input bytes are
 * written to a temporary file and read with nir_read (HDF5). A read must
 * succeed or fail with a message; a crash, a sanitizer report, a leak or a
 * hang is a finding (in nmsim, or in libhdf5 when the stack says so). */
#include "tests/fuzz/fuzz_util.h"

#include "sim/nir/nir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fz_write_tmp(data, size, "nir");
  nir_graph *g = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nir_read_here(path, &g, &err);
  if (rc == NMSIM_OK) {
    if (!g) abort();
    nir_graph_destroy(g);
  } else if (g || !err.msg[0]) {
    abort();
  }
  return 0;
}
