/* test_names_generated.c - names and child specs through generated code: what the
 * typed wrappers add to zactor_name_register and zactor_name_lookup (the
 * actor's type, a typed ref, ZACTOR_EARG for a NULL out) and the fields
 * of rtn_Desk_child's spec. The runtime's own semantics (release at the
 * end, supervisors) are tested on the runtime API. */
#include <string.h>

#include "names.zidl.h"
#include "rt_test.h"

void rtn_Desk_on_Ping(rtn_Desk *self, zactor_ctx *ctx, const rtn_Ping *msg)
{
    (void)ctx;
    self->id = msg->n;
}

void rtn_Clerk_on_Ping(rtn_Clerk *self, zactor_ctx *ctx, const rtn_Ping *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
}

/* A ref that is not null, so that a test sees whether a lookup wrote it. */
static zactor_ref junk_ref(void)
{
    zactor_ref ref;
    memset(&ref, 0xa5, sizeof ref);
    return ref;
}

int main(void)
{
    zactor_system *sys = start_system(1);
    rtn_Desk_ref desk = rtn_Desk_spawn(sys, NULL);
    rtn_Clerk_ref clerk = rtn_Clerk_spawn(sys, NULL);
    CHECK(!zactor_ref_is_null(desk.raw));
    CHECK(!zactor_ref_is_null(clerk.raw));

    /* register, then lookup with the right type: the same actor. */
    CHECK_EQ(rtn_Desk_register(sys, "desk", desk), 0);
    CHECK_EQ(rtn_Desk_register(sys, "desk", desk), 0); /* held by it already */
    rtn_Desk_ref found_desk = {junk_ref()};
    CHECK_EQ(rtn_Desk_lookup(sys, "desk", &found_desk), 0);
    CHECK(found_desk.raw.cell == desk.raw.cell);
    CHECK_EQ(found_desk.raw.generation, desk.raw.generation);
    CHECK_EQ(rtn_Desk_send_Ping(found_desk, &(rtn_Ping){7}), 0);

    /* The name holds a Desk: a Clerk lookup is refused, *out a null ref. */
    rtn_Clerk_ref found_clerk = {junk_ref()};
    CHECK_EQ(rtn_Clerk_lookup(sys, "desk", &found_clerk), ZACTOR_ETYPE);
    CHECK(zactor_ref_is_null(found_clerk.raw));
    CHECK_EQ(rtn_Clerk_register(sys, "desk", clerk), ZACTOR_EEXIST);

    /* No such name: ENOENT, *out a null ref. A NULL out: EARG. */
    found_desk.raw = junk_ref();
    CHECK_EQ(rtn_Desk_lookup(sys, "nobody", &found_desk), ZACTOR_ENOENT);
    CHECK(zactor_ref_is_null(found_desk.raw));
    CHECK_EQ(rtn_Desk_lookup(sys, "desk", NULL), ZACTOR_EARG);
    found_desk.raw = junk_ref();
    CHECK_EQ(rtn_Desk_lookup(NULL, "desk", &found_desk), ZACTOR_EARG);
    CHECK(zactor_ref_is_null(found_desk.raw));
    CHECK_EQ(rtn_Desk_register(sys, NULL, desk), ZACTOR_EARG);
    CHECK_EQ(rtn_Desk_register(sys, "nothing", (rtn_Desk_ref){0}), ZACTOR_EARG);

    /* A child spec: Desk's descriptor, the arguments as given. */
    rtn_Desk init = {42};
    zactor_child_spec spec = rtn_Desk_child("front", &init, ZACTOR_RESTART_TRANSIENT);
    CHECK(spec.name != NULL && strcmp(spec.name, "front") == 0);
    CHECK(spec.type != NULL && strcmp(spec.type->name, "rtn.Desk") == 0);
    CHECK_EQ(spec.type->state_size, sizeof(rtn_Desk));
    CHECK(spec.init == &init);
    CHECK_EQ(spec.restart, ZACTOR_RESTART_TRANSIENT);
    CHECK(spec.supervisor == NULL);
    zactor_child_spec other = rtn_Clerk_child(NULL, NULL, ZACTOR_RESTART_TEMPORARY);
    CHECK(other.name == NULL && other.init == NULL && other.supervisor == NULL);
    CHECK(other.type != NULL && other.type != spec.type);
    CHECK(strcmp(other.type->name, "rtn.Clerk") == 0);
    CHECK_EQ(other.restart, ZACTOR_RESTART_TEMPORARY);

    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(zactor_system_destroy(sys), 0);
    printf("names: ok\n");
    return 0;
}
