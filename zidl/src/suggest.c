/* suggest.c - edit distance for "did you mean". */
#include "suggest.h"

#include <string.h>

/* Names longer than this are not compared: the table below is quadratic
 * in the length, and such names are not typed by hand anyway. */
#define MAX_COMPARED 64

void zidl__suggest_init(zidl__suggestion *s, const char *wanted)
{
    size_t len = strlen(wanted);
    s->wanted = wanted;
    s->limit = len / 3 > 1 ? len / 3 : 1;
    s->best_distance = s->limit + 1;
    s->best = NULL;
}

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

/* The optimal string alignment distance between a and b. */
static size_t distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t rows[3][MAX_COMPARED + 1]; /* two rows back, one back, this one */
    size_t *before = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                before[j - 2] + 1 < cur[j])
                cur[j] = before[j - 2] + 1;
        }
        size_t *spare = before;
        before = prev;
        prev = cur;
        cur = spare;
    }
    return prev[lb];
}

void zidl__suggest_consider(zidl__suggestion *s, const char *candidate, const void *item)
{
    size_t la = strlen(s->wanted), lb = strlen(candidate);
    if (la > MAX_COMPARED || lb > MAX_COMPARED)
        return;
    size_t gap = la > lb ? la - lb : lb - la;
    if (gap >= s->best_distance)
        return; /* the distance is at least the difference in length */
    size_t d = distance(s->wanted, la, candidate, lb);
    if (d < s->best_distance) {
        s->best_distance = d;
        s->best = item;
    }
}
