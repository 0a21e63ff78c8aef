/* interrupt.c: SIGINT and SIGTERM recorded for the run to see (see
 * interrupt.h). */
#include <signal.h>
#include <string.h>

#include "sim/base/interrupt.h"

static volatile sig_atomic_t caught;

static void on_signal(int sig) { caught = sig; }

static struct sigaction held_int, held_term; /* the host's, while held */

static void catch_into(struct sigaction *old_int, struct sigaction *old_term) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, old_int);
  sigaction(SIGTERM, &sa, old_term);
}

void nm_interrupt_catch(void) { catch_into(NULL, NULL); }

void nm_interrupt_hold(void) {
  caught = 0;
  catch_into(&held_int, &held_term);
}

void nm_interrupt_release(void) {
  sigaction(SIGINT, &held_int, NULL);
  sigaction(SIGTERM, &held_term, NULL);
}

int nm_interrupted(void) { return caught; }

const char *nm_interrupt_name(int sig) {
  return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}
