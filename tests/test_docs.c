/* test_docs.c: docs/scenario-format.md, the reference of scenario and chip
 * files, names every field the loaders accept: every key of every table of
 * allowed keys in sim/load/ (the arrays yml_check_keys is given) appears in the
 * document as a field (`key`, key:, .key or {key: ...}). A field added to a
 * loader without its documentation fails here, naming the file and the key. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests_util.h"

static bool word_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* key occurs in doc as a field: a whole word after one of ` . { [ space or a
 * line start, and before one of ` : . , } */
static bool documented(const char *doc, const char *key) {
  size_t n = strlen(key);
  for (const char *p = doc; (p = strstr(p, key)); p++) {
    char a = p == doc ? '\n' : p[-1], b = p[n];
    if (word_char(a) || word_char(b)) continue;
    if (strchr("`.{[ \n", a) && b && strchr("`:.,}", b)) return true;
  }
  return false;
}

/* The quoted strings of every `static const char *const NAME[] = {...}` array
 * in text: callback for each. Returns the number of arrays seen. */
static size_t each_key(const char *text, const char *file, const char *doc, size_t *missing,
                       char *report, size_t cap) {
  size_t arrays = 0;
  for (const char *p = text; (p = strstr(p, "static const char *const ")); p++) {
    const char *br = strchr(p, '['), *eq = strstr(p, "= {"), *end;
    if (!br || !eq || eq < br || !(end = strchr(eq, '}'))) continue;
    arrays++;
    for (const char *q = eq; q < end && (q = strchr(q, '"')) && q < end;) {
      const char *e = strchr(q + 1, '"');
      if (!e || e > end) break;
      char key[128];
      size_t len = (size_t)(e - q - 1);
      if (len && len < sizeof key) {
        memcpy(key, q + 1, len);
        key[len] = 0;
        if (!documented(doc, key)) {
          size_t used = strlen(report);
          snprintf(report + used, cap - used, "  %s: %s\n", file, key);
          (*missing)++;
        }
      }
      q = e + 1;
    }
  }
  return arrays;
}

Test(docs, every_loader_field_is_in_the_reference) {
  char *doc = tu_read(NMSIM_SOURCE_DIR "/docs/scenario-format.md", NULL);
  cr_assert(doc, "read docs/scenario-format.md");
  glob_t g;
  cr_assert_eq(glob(NMSIM_SOURCE_DIR "/sim/load/*.c", 0, NULL, &g), 0);
  size_t arrays = 0, missing = 0;
  static char report[8192];
  report[0] = 0;
  for (size_t i = 0; i < g.gl_pathc; i++) {
    if (strstr(g.gl_pathv[i], "/yaml.c")) continue; /* YAML spellings of true/false */
    char *text = tu_read(g.gl_pathv[i], NULL);
    cr_assert(text, "read %s", g.gl_pathv[i]);
    arrays += each_key(text, strrchr(g.gl_pathv[i], '/') + 1, doc, &missing, report,
                       sizeof report);
    free(text);
  }
  globfree(&g);
  cr_assert_geq(arrays, 15, "tables of keys found: %zu", arrays);
  cr_assert_eq(missing, 0, "fields the loaders accept that docs/scenario-format.md does not "
                           "name:\n%s", report);
  /* the check itself: an invented field is not found */
  cr_assert(!documented(doc, "frobnicate_level"));
  cr_assert(documented(doc, "max_per_core"));
  free(doc);
}
