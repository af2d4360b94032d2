/* test_watch.c - monitors through generated code: rtw_Worker_monitor from
 * a Boss's handler, the Down through rtw_Boss_on_down with the worker's
 * ref, type name and reason; ETYPE for an actor without `on down`. */
#include <string.h>

#include "rt_test.h"
#include "watch.zidl.h"

static atomic_int boss_monitor_rc = 1, lonely_monitor_rc = 1;
static atomic_uint downs;
static zactor_down last_down;
static uint64_t boss_monitor_id;

void rtw_Worker_on_Work(rtw_Worker *self, zactor_ctx *ctx, const rtw_Work *msg)
{
    self->done++;
    if (msg->fail_with != 0)
        zactor_fail(ctx, msg->fail_with);
}

void rtw_Boss_on_Watch(rtw_Boss *self, zactor_ctx *ctx, const rtw_Watch *msg)
{
    (void)self;
    atomic_store(&boss_monitor_rc, rtw_Worker_monitor(ctx, msg->worker, &boss_monitor_id));
}

void rtw_Boss_on_down(rtw_Boss *self, zactor_ctx *ctx, const zactor_down *down)
{
    (void)self;
    (void)ctx;
    last_down = *down;
    atomic_fetch_add(&downs, 1);
}

void rtw_Lonely_on_Watch(rtw_Lonely *self, zactor_ctx *ctx, const rtw_Watch *msg)
{
    (void)self;
    uint64_t id;
    atomic_store(&lonely_monitor_rc, rtw_Worker_monitor(ctx, msg->worker, &id));
}

int main(void)
{
    zactor_system *sys = start_system(2);
    rtw_Worker_ref worker = rtw_Worker_spawn(sys, NULL);
    rtw_Boss_ref boss = rtw_Boss_spawn(sys, NULL);
    rtw_Lonely_ref lonely = rtw_Lonely_spawn(sys, NULL);
    CHECK_EQ(rtw_Boss_send_Watch(boss, &(rtw_Watch){worker}), 0);
    CHECK_EQ(rtw_Lonely_send_Watch(lonely, &(rtw_Watch){worker}), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&boss_monitor_rc), 0);
    CHECK_EQ(atomic_load(&lonely_monitor_rc), ZACTOR_ETYPE);
    CHECK_EQ(rtw_Worker_send_Work(worker, &(rtw_Work){0}), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&downs), 0);
    CHECK_EQ(rtw_Worker_send_Work(worker, &(rtw_Work){9}), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&downs), 1);
    CHECK(last_down.ref.cell == worker.raw.cell);
    CHECK_EQ(last_down.ref.generation, worker.raw.generation);
    CHECK(strcmp(last_down.type_name, "rtw.Worker") == 0);
    CHECK_EQ(last_down.reason.kind, ZACTOR_END_FAILED);
    CHECK_EQ(last_down.reason.code, 9);
    CHECK_EQ(last_down.monitor, boss_monitor_id);
    CHECK_EQ(rtw_Worker_send_Work(worker, &(rtw_Work){0}), ZACTOR_EDEAD);
    CHECK_EQ(zactor_system_destroy(sys), 0);
    puts("watch: ok");
    return 0;
}
