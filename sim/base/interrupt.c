/* interrupt.c: SIGINT and SIGTERM recorded for the run to see (see
 * interrupt.h). */
#include <signal.h>
#include <string.h>

#include "sim/base/interrupt.h"

static volatile sig_atomic_t caught;

static void on_signal(int sig) { caught = sig; }

void nm_interrupt_catch(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

int nm_interrupted(void) { return caught; }

const char *nm_interrupt_name(int sig) {
  return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}
