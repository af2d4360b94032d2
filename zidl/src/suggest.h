/* suggest.h - "did you mean 'X'?": the closest known name to a misspelt
 * one, by Damerau-Levenshtein distance (optimal string alignment: one
 * insertion, deletion, substitution or swap of neighbours costs 1). */
#ifndef ZIDL__SUGGEST_H
#define ZIDL__SUGGEST_H

#include <stddef.h>

typedef struct zidl__suggestion {
    const char *wanted; /* the misspelt name */
    size_t limit;       /* the largest distance worth suggesting */
    size_t best_distance;
    const void *best; /* the caller's item for it, NULL while nothing is close */
} zidl__suggestion;

/* Suggestions are made within max(1, strlen(wanted) / 3) edits. */
void zidl__suggest_init(zidl__suggestion *s, const char *wanted);
/* Considers the name of item; on a tie the first candidate stays. */
void zidl__suggest_consider(zidl__suggestion *s, const char *candidate, const void *item);

#endif /* ZIDL__SUGGEST_H */
