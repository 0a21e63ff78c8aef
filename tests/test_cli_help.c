/* test_cli_help.c: every command's help (`nmsim COMMAND --help`, and the same
 * through `nmsim help COMMAND`) shows in its usage line(s) every flag its
 * option list describes, and the main usage names every command; `nmsim
 * models` lists every registered model with its parameters (unit, default,
 * range), state, sites and presets, as text and as JSON. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nmsim/model.h"
#include "tests_util.h"

/* stdout of nmsim ARGS (malloc'd, "" if none) and its exit status. */
static char *nmsim_out(const char *args, int *rc) {
  char cmd[512];
  char *got[2] = {NULL, NULL};
  snprintf(cmd, sizeof cmd, "%s %s", NMSIM_BINARY, args);
  *rc = tu_run(cmd, &got[0], &got[1]);
  free(got[1]);
  return got[0] ? got[0] : strdup("");
}

static const char *const commands[] = {"run",   "report", "sweep",      "validate", "chips",
                                       "dvs",   "nir",    "validation", "models",   NULL};

Test(cli_help, usage_lines_show_every_flag) {
  for (size_t c = 0; commands[c]; c++) {
    char args[64];
    int rc;
    snprintf(args, sizeof args, "%s --help", commands[c]);
    char *help = nmsim_out(args, &rc);
    cr_assert_eq(rc, 0, "%s --help: exit %d", commands[c], rc);
    snprintf(args, sizeof args, "help %s", commands[c]);
    char *same = nmsim_out(args, &rc);
    cr_assert(rc == 0 && same && !strcmp(same, help), "nmsim help %s differs", commands[c]);
    free(same);
    /* the usage block: from "usage:" to the first blank line */
    char *end = strstr(help, "\n\n");
    cr_assert(!strncmp(help, "usage: nmsim ", 13) && end, "%s: no usage block", commands[c]);
    size_t ulen = (size_t)(end - help);
    /* the flags the rest describes: lines starting with blanks then '-' */
    for (char *line = end + 2; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
      char *p = line;
      while (*p == ' ') p++;
      if (p == line || *p != '-') continue;
      char flag[64];
      size_t n = 0;
      while (p[n] && (isalnum((unsigned char)p[n]) || p[n] == '-') && n < sizeof flag - 1) {
        flag[n] = p[n];
        n++;
      }
      flag[n] = 0;
      if (n < 2) continue;
      bool found = false;
      for (char *q = help; (q = strstr(q, flag)) && q < help + ulen; q++)
        if (!isalnum((unsigned char)q[n]) && q[n] != '-') found = true;
      cr_assert(found, "%s: the usage line lacks %s\n%s", commands[c], flag, help);
    }
    free(help);
  }
  int rc;
  char *main_usage = nmsim_out("--help", &rc);
  for (size_t c = 0; commands[c]; c++)
    cr_assert(strstr(main_usage, commands[c]), "main usage lacks %s", commands[c]);
  free(main_usage);
}

Test(cli_help, models_lists_every_model) {
  int rc;
  char *text = nmsim_out("models", &rc), *json = nmsim_out("models --json", &rc);
  cr_assert_eq(rc, 0);
  for (size_t i = 0; nmsim_neuron_types[i]; i++) {
    const nmsim_neuron_type *t = nmsim_neuron_types[i];
    char key[128];
    snprintf(key, sizeof key, "\"name\": \"%s\"", t->name);
    cr_assert(strstr(json, key), "JSON lacks %s", t->name);
    cr_assert(strstr(text, t->name), "text lacks %s", t->name);
    for (size_t k = 0; k < t->n_params; k++)
      cr_assert(strstr(text, t->params[k].name), "%s: text lacks parameter %s", t->name,
                t->params[k].name);
    for (size_t k = 0; k < t->n_presets; k++)
      cr_assert(strstr(text, t->presets[k].name), "%s: text lacks preset %s", t->name,
                t->presets[k].name);
  }
  free(text), free(json);
  char *lif = nmsim_out("models lif", &rc);
  cr_assert_eq(rc, 0);
  cr_assert(strstr(lif, "tau_m") && strstr(lif, "ms") && strstr(lif, "input sites: exc, inh"),
            "%s", lif);
  free(lif);
  free(nmsim_out("models no_such_model", &rc));
  cr_assert_eq(rc, 2);
}
