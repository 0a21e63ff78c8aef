/* sim_int.h: internal helpers shared by every module: allocation hook, error
 * recording, panics and defensive-branch wrappers. */
#ifndef NMSIM_SIM_INT_H
#define NMSIM_SIM_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nmsim/nmsim.h"

#if defined(__GNUC__)
#define NMSIM_NORETURN __attribute__((noreturn))
#define NMSIM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define NMSIM_LIKELY(x) __builtin_expect(!!(x), 1)
#define NMSIM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define NMSIM_NORETURN
#define NMSIM_PRINTF(a, b)
#define NMSIM_LIKELY(x) (x)
#define NMSIM_UNLIKELY(x) (x)
#endif

/* ---- allocation: every allocation goes through this hook ---------------- */
/* All of nmsim allocates through nm_malloc/nm_calloc/nm_realloc/nm_free.
 * Tests install a failing allocator to check every failure path. */
typedef struct nm_allocator {
  void *(*malloc_fn)(size_t);
  void *(*realloc_fn)(void *, size_t);
  void *(*calloc_fn)(size_t, size_t);
  void (*free_fn)(void *);
} nm_allocator;

/* Replace the allocator (NULL restores the C library's). Not thread-safe:
 * call before any other nmsim function. */
NMSIM_API void nmsim_set_allocator(const nm_allocator *a);
void *nm_malloc(size_t n);
void *nm_calloc(size_t count, size_t size);
void *nm_realloc(void *p, size_t n);
void nm_free(void *p);
/* Copy of s through nm_malloc, or NULL on out-of-memory (or if s is NULL). */
char *nm_strdup(const char *s);
/* Grow *arr (element size elt) so that it holds at least need elements.
 * Returns NMSIM_OK or NMSIM_ENOMEM (then *arr and *cap are unchanged). */
nmsim_status nm_grow(void **arr, size_t *cap, size_t need, size_t elt);

/* ---- pacing ---------------------------------------------------------------- */
/* How steps follow one another in hardware time (engine.pacing in a
 * scenario, pacing in a chip file). */
typedef enum nm_pacing {
  NM_PACE_CHIP = 0,  /* a scenario's default: the chip's pacing */
  NM_PACE_FAST,      /* the next step starts when the step's work (and barrier) ends */
  NM_PACE_REALTIME,  /* step k starts at k x period, or when step k - 1 ends if later */
  NM_PACE_RECORDING, /* real time at dt: one step per dt of a recording's time */
} nm_pacing;

/* ---- errors -------------------------------------------------------------- */
/* Record code and a formatted message in err (which may be NULL) and return
 * code. The single breakpoint site for every error nmsim reports. */
nmsim_status nm_seterr(nmsim_err *err, nmsim_status code, const char *file, int line,
                       const char *fmt, ...) NMSIM_PRINTF(5, 6);
nmsim_status nm_vseterr(nmsim_err *err, nmsim_status code, const char *file, int line,
                        const char *fmt, va_list ap);
#define NMSIM_ERR(err, code, ...) nm_seterr((err), (code), __FILE__, __LINE__, __VA_ARGS__)
/* NMSIM_ENOMEM, with the size of the last request that failed. */
nmsim_status nm_oom_err(nmsim_err *err, const char *file, int line);
#define NMSIM_ENOMEM_ERR(err) nm_oom_err((err), __FILE__, __LINE__)
/* Put "<context>: " before err's message; returns err's code. */
nmsim_status nm_err_context(nmsim_err *err, const char *fmt, ...) NMSIM_PRINTF(2, 3);

/* ---- broken invariants ---------------------------------------------------- */
NMSIM_NORETURN void nm_panic(const char *file, int line, const char *fmt, ...)
    NMSIM_PRINTF(3, 4);
#define NMSIM_PANIC(...) nm_panic(__FILE__, __LINE__, __VA_ARGS__)

/* ALWAYS(x)/NEVER(x) mark defensive branches: they assert in debug builds and
 * pass the value through in release builds. */
#ifdef NDEBUG
#define ALWAYS(x) (x)
#define NEVER(x) (x)
#else
#define ALWAYS(x) ((x) ? 1 : (NMSIM_PANIC("ALWAYS(%s) failed", #x), 0))
#define NEVER(x) ((x) ? (NMSIM_PANIC("NEVER(%s) failed", #x), 1) : 0)
#endif

#define NM_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NM_MIN(a, b) ((a) < (b) ? (a) : (b))
#define NM_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
