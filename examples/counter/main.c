#include "counter.zidl.h"
#include <stdio.h>

void demo_Counter_on_Add(demo_Counter *self, zactor_ctx *ctx, const demo_Add *msg)
{
    (void)ctx;
    self->total += msg->amount;
}

void demo_Counter_on_stop(demo_Counter *self, zactor_ctx *ctx)
{
    (void)ctx;
    *(uint64_t *)self->result = self->total;
}

int main(void)
{
    zactor_system *sys = zactor_system_create(NULL); /* one worker per core */
    uint64_t result = 0;
    demo_Counter_ref counter = demo_Counter_spawn(sys, &(demo_Counter){.result = &result});
    for (uint32_t i = 1; i <= 100; i++)
        demo_Counter_send_Add(counter, &(demo_Add){.amount = i});
    zactor_system_wait(sys);                      /* returns once every message is handled */
    zactor_system_destroy(sys);                   /* runs on stop, frees everything */
    printf("%llu\n", (unsigned long long)result); /* 5050 */
    return 0;
}
