/* suggest.h - "did you mean 'X'?": the closest known name to a misspelt
 * one, by Damerau-Levenshtein distance (optimal string alignment: one
 * insertion, deletion, substitution or swap of neighbours costs 1). */
#ifndef ZIDL_SUGGEST_H
#define ZIDL_SUGGEST_H

#include <stddef.h>

typedef struct zidl_suggestion {
    const char *wanted;   /* the misspelt name */
    size_t limit;         /* the largest distance worth suggesting */
    size_t best_distance;
    const void *best;     /* the caller's item for it, NULL while nothing is close */
} zidl_suggestion;

/* Suggestions are made within max(1, strlen(wanted) / 3) edits. */
void zidl_suggest_init(zidl_suggestion *s, const char *wanted);
/* Considers the name of item; on a tie the first candidate stays. */
void zidl_suggest_consider(zidl_suggestion *s, const char *candidate, const void *item);

#endif /* ZIDL_SUGGEST_H */
