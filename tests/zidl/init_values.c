/* The TYPE_INIT macros of golden/defaults hold every default value, zero
 * elsewhere, at block and at file scope (compiled as C11 here and as C++17
 * by init_values.cpp, which includes this file). */
#include <stdio.h>
#include <string.h>

#include "defaults.zidl.h"

#include "expect.h"

/* File scope: the initialiser is a constant expression. */
static const cfg_Configure file_scope_configure = CFG_CONFIGURE_INIT;

static void check_limits(const cfg_Limits *l)
{
    EXPECT(l->enabled == true);
    EXPECT(l->verbose == false);
    EXPECT(l->a == -128);
    EXPECT(l->b == -300);
    EXPECT(l->c == INT32_MIN);
    EXPECT(l->d == INT64_MIN);
    EXPECT(l->e == 255);
    EXPECT(l->f == 65535);
    EXPECT(l->g == UINT32_MAX);
    EXPECT(l->h == UINT64_MAX);
    EXPECT(l->x == 1.5f);
    EXPECT(l->y == -2250.0);
    EXPECT(l->z == 7.0);
    EXPECT(l->mood == CFG_MOOD_SAD);
    EXPECT(l->level == CFG_LEVEL_LOW);
    EXPECT(l->plain == 0);
}

static void check_configure(const cfg_Configure *c)
{
    check_limits(&c->limits);
    check_limits(&c->history[0]);
    check_limits(&c->history[1]);
    for (int i = 0; i < 3; i++)
        EXPECT(c->plains[i].a == 0 && c->plains[i].s[0] == '\0');
    EXPECT(c->count == 3);
    EXPECT(strlen(c->tag) == 0);
    EXPECT(zactor_ref_is_null(c->reply_to_service.raw));
}

int main(void)
{
    cfg_Configure block_scope = CFG_CONFIGURE_INIT;
    check_configure(&block_scope);
    check_configure(&file_scope_configure);
    cfg_Service state = CFG_SERVICE_INIT;
    EXPECT(state.retries == 5);
    check_limits(&state.limits);
    return test_failures == 0 ? 0 : 1;
}
