/* json.h: a small streaming JSON writer (no parser). Commas, colons and
 * indentation are automatic; the caller only states the structure. */
#ifndef NMSIM_ANALYSIS_JSON_H
#define NMSIM_ANALYSIS_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Deepest nesting of objects and arrays; deeper is API misuse (a panic). */
#define JW_MAX_DEPTH 32

typedef struct jw {
  FILE *f;
  bool pretty;                    /* newlines and two-space indentation */
  int depth;                      /* open containers */
  bool after_key;                 /* a key was written; its value comes next */
  bool nonempty[JW_MAX_DEPTH + 1]; /* container at depth d has an element */
  bool is_object[JW_MAX_DEPTH + 1];
} jw;

/* Start writing to f (which stays owned by the caller). pretty adds newlines
 * and indentation; otherwise the output is compact, on one line. */
void jw_init(jw *w, FILE *f, bool pretty);

void jw_object_begin(jw *w);
void jw_object_end(jw *w);
void jw_array_begin(jw *w);
void jw_array_end(jw *w);
/* Key of the next value inside an object (escaped like a string). */
void jw_key(jw *w, const char *key);

/* Values. jw_string(NULL) writes null. Strings are escaped: '"', '\\' and
 * control characters (as \u00XX); bytes that are not valid UTF-8 become
 * U+FFFD, so the output is always valid JSON. */
void jw_string(jw *w, const char *s);
void jw_uint(jw *w, uint64_t v);
void jw_int(jw *w, int64_t v);
/* Shortest of %.15g/%.16g/%.17g that reads back as exactly v (so every double
 * round-trips); NaN and infinities, which JSON lacks, are written as null. */
void jw_double(jw *w, double v);
void jw_bool(jw *w, bool v);
void jw_null(jw *w);

/* Shorthands for a key and its value inside an object. */
void jw_key_string(jw *w, const char *key, const char *s);
void jw_key_uint(jw *w, const char *key, uint64_t v);
void jw_key_int(jw *w, const char *key, int64_t v);
void jw_key_double(jw *w, const char *key, double v);
void jw_key_bool(jw *w, const char *key, bool v);

/* Finish the document: a final newline in pretty mode. Returns true if
 * every container was closed and the stream reports no error. */
bool jw_finish(jw *w);

#endif
