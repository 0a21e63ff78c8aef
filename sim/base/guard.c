/* guard.c: the guarded read of guard.h (fork, a pipe for the child's status,
 * poll for the time limit, setrlimit for the memory limit). */
#include "sim/base/guard.h"

#include "sim/base/file.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define NM_GUARD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NM_GUARD_ASAN 1
#endif
#endif

static bool g_off;

void nm_guard_off(bool off) { g_off = off; }

static double guard_timeout(void) {
  const char *e = getenv("NMSIM_READ_TIMEOUT");
  char *end = NULL;
  double t = e && *e ? strtod(e, &end) : 0;
  return e && *e && end && *end == 0 && t > 0 && t < 1e6 ? t : NM_GUARD_TIMEOUT_S;
}

/* The child: limit its memory, read, send the status, leave without
 * running exit handlers (the parent's buffers and libraries are not its). */
static NMSIM_NORETURN void guard_child(int fd, nm_guard_fn fn, void *ctx) {
#ifndef NM_GUARD_ASAN
  long pages = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%ld", &pages) != 1) pages = 0;
    fclose(f);
  }
  struct rlimit rl;
  rlim_t cap = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) +
               ((rlim_t)NM_GUARD_MEMORY_GIB << 30);
  if (getrlimit(RLIMIT_AS, &rl) == 0 && (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > cap)) {
    rl.rlim_cur = cap;
    setrlimit(RLIMIT_AS, &rl);
  }
#endif
  nmsim_err e;
  memset(&e, 0, sizeof e);
  e.code = fn(ctx, &e);
  _exit(nm_fd_write_all(fd, &e, sizeof e) ? 0 : 3);
}

/* Read the child's status from fd within timeout seconds: 1 read, 0 the
 * pipe closed first (the child died), -1 timed out. */
static int guard_wait(int fd, double timeout, nmsim_err *e) {
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  char *p = (char *)e;
  size_t got = 0;
  while (got < sizeof *e) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double left = timeout - ((double)(now.tv_sec - t0.tv_sec) + 1e-9 * (double)(now.tv_nsec - t0.tv_nsec));
    if (left <= 0) return -1;
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    int r = poll(&pf, 1, left > 1e6 ? 1000000000 : (int)(left * 1000) + 1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return 0;
    if (r == 0) continue;
    ssize_t n = read(fd, p + got, sizeof *e - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
    got += (size_t)n;
  }
  return 1;
}

nmsim_status nm_guarded_read(const char *path, const char *what, nm_guard_fn fn, void *ctx,
                             nmsim_err *err) {
  if (g_off) return fn(ctx, err);
  int fds[2];
  if (pipe(fds) != 0) return fn(ctx, err);
  fflush(NULL); /* the child must not write the parent's buffered output */
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return fn(ctx, err);
  }
  if (pid == 0) {
    close(fds[0]);
    guard_child(fds[1], fn, ctx);
  }
  close(fds[1]);
  nmsim_err e;
  memset(&e, 0, sizeof e);
  double timeout = guard_timeout();
  int got = guard_wait(fds[0], timeout, &e);
  close(fds[0]);
  if (got < 0) kill(pid, SIGKILL);
  int ws = 0;
  while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
  }
  if (got > 0) {
    if (e.code == NMSIM_OK) return fn(ctx, err);
    e.msg[sizeof e.msg - 1] = 0;
    e.where[sizeof e.where - 1] = 0;
    if (err) *err = e;
    return e.code;
  }
  if (got < 0)
    return NMSIM_ERR(err, NMSIM_EFORMAT,
                     "%s: reading %s did not finish in %g s: the file is damaged (libhdf5 loops "
                     "forever on some damaged files; NMSIM_READ_TIMEOUT=SECONDS allows longer)",
                     path, what, timeout);
  if (WIFSIGNALED(ws))
    return NMSIM_ERR(err, NMSIM_EFORMAT,
                     "%s: reading %s crashed (%s): the file is damaged (libhdf5 1.10 crashes on "
                     "some damaged files)", path, what,
                     strsignal(WTERMSIG(ws)));
  return NMSIM_ERR(err, NMSIM_EFORMAT,
                   "%s: reading %s stopped with status %d: the file is damaged", path, what,
                   WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
}
