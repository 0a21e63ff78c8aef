/* nmsim.h: the public entry point of nmsim (status codes, errors, version, time).
 * Every public function returns an nmsim_status and reports details in an nmsim_err. */
#ifndef NMSIM_NMSIM_H
#define NMSIM_NMSIM_H

#include <stddef.h>
#include <stdint.h>

#if defined(NMSIM_BUILDING) && defined(__GNUC__)
#define NMSIM_API __attribute__((visibility("default")))
#else
#define NMSIM_API
#endif

/* Hardware time, in picoseconds. Integer so that event order never depends on
 * rounding; picoseconds so that published latencies such as 4.1 ns are exact.
 * 2^64 ps is 213 days of simulated hardware time. */
typedef uint64_t nmsim_ps;
#define NMSIM_PS_PER_NS 1000u

/* X-macro: every status, its name and its message. ORDER is the enum order. */
#define NMSIM_STATUS_MAP(X)                                                        \
  X(OK, "success")                                                                 \
  X(ENOMEM, "out of memory")                                                       \
  X(EINVAL, "invalid argument (API misuse)")                                       \
  X(EINPUT, "invalid input")                                                       \
  X(EIO, "input/output error")                                                     \
  X(EFORMAT, "corrupt or unrecognised file format")                                \
  X(EPAST, "event scheduled in the past")                                          \
  X(EPOOL, "event pool exhausted")                                                 \
  X(ECAPACITY, "network does not fit the chip")                                    \
  X(EHDF5, "HDF5 library error")                                                   \
  X(EINTERNAL, "internal error")                                                   \
  X(EINTR, "interrupted by a signal")                                              \
  X(EWRITE, "a write failed (disk full, quota, read-only file system)")

typedef enum nmsim_status {
#define NMSIM_X_ENUM(name, msg) NMSIM_##name,
  NMSIM_STATUS_MAP(NMSIM_X_ENUM)
#undef NMSIM_X_ENUM
  NMSIM_STATUS_COUNT
} nmsim_status;

/* Error record filled by failing functions. msg is for the user (it names the
 * file, line, column and field for input errors); where is the nmsim source
 * location that raised it, for debugging. */
typedef struct nmsim_err {
  nmsim_status code;
  char msg[1024];
  char where[96];
} nmsim_err;

/* Name of a status ("EINPUT"); never NULL. */
NMSIM_API const char *nmsim_status_name(nmsim_status s);
/* Generic message of a status; never NULL. */
NMSIM_API const char *nmsim_strerror(nmsim_status s);
/* nmsim's version string, e.g. "0.1.0". */
NMSIM_API const char *nmsim_version(void);

#endif
