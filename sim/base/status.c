/* status.c: status names and messages (generated from NMSIM_STATUS_MAP), error
 * recording and panics. */
#include <stdio.h>
#include <stdlib.h>

#include "sim/base/sim_int.h"

static const char *const status_names[] = {
#define X(name, msg) #name,
    NMSIM_STATUS_MAP(X)
#undef X
};
static const char *const status_msgs[] = {
#define X(name, msg) msg,
    NMSIM_STATUS_MAP(X)
#undef X
};

const char *nmsim_status_name(nmsim_status s) {
  return (unsigned)s < NMSIM_STATUS_COUNT ? status_names[s] : "UNKNOWN";
}
const char *nmsim_strerror(nmsim_status s) {
  return (unsigned)s < NMSIM_STATUS_COUNT ? status_msgs[s] : "unknown status";
}
const char *nmsim_version(void) { return NMSIM_VERSION_STRING; }

nmsim_status nm_vseterr(nmsim_err *err, nmsim_status code, const char *file, int line,
                        const char *fmt, va_list ap) {
  if (err) {
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    snprintf(err->where, sizeof err->where, "%s:%d", file, line);
  }
  return code;
}

nmsim_status nm_seterr(nmsim_err *err, nmsim_status code, const char *file, int line,
                       const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  nm_vseterr(err, code, file, line, fmt, ap);
  va_end(ap);
  return code;
}

void nm_panic(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "nmsim: internal error at %s:%d: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  abort();
}
