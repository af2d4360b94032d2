#include "greeter.zidl.h"

#include <stdio.h>
#include <string.h>

void greet_Greeter_on_Hello(greet_Greeter *self, zactor_ctx *ctx, const greet_Hello *msg)
{
    (void)ctx;
    unsigned *total = self->total;
    self->greeted += msg->times;
    *total = self->greeted;
}

int main(void)
{
    zactor_config cfg;
    zactor_config_init(&cfg);
    zactor_system *sys = zactor_system_create(&cfg);
    if (sys == NULL)
        return 1;
    unsigned total = 0;
    greet_Greeter_ref greeter = greet_Greeter_spawn(sys, &(greet_Greeter){.total = &total});
    for (unsigned i = 1; i <= 10; i++) {
        greet_Hello hello = {.times = i};
        strcpy(hello.who, "consumer");
        if (greet_Greeter_send_Hello(greeter, &hello) != 0)
            return 1;
    }
    int rc = zactor_system_wait(sys);
    zactor_system_destroy(sys);
    printf("greeted %u times (type id 0x%08x)\n", total, (unsigned)GREET_HELLO_TYPE_ID);
    return rc == 0 && total == 55 ? 0 : 1;
}
