/* node_fuzz.c - libFuzzer harness over the node protocol's parser
 * (node.c): every input is a batch, as if a peer that said hello had sent
 * it. Records of every kind reach their handlers: SENDs and REQUESTs to
 * the echo spawned here (its actor id is a small number, in reach of the
 * fuzzer's comparisons), LOOKUPs of its name, replies to requests never
 * made, monitors, Downs, hellos that replace the peer. The parser must
 * refuse or handle each one: never crash, read out of bounds, leak or
 * hang (ASan, UBSan, LSan, libFuzzer's timeout). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node.h"
#include "node.zidl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void nt_Echo_on_Ping(nt_Echo *self, zactor_ctx *ctx, const nt_Ping *msg)
{
    (void)self, (void)ctx;
    nt_Pong pong = {msg->n};
    if (!zactor_ref_is_null(msg->from.raw))
        (void)nt_Pinger_send_Pong(msg->from, &pong);
}

void nt_Echo_on_Add(nt_Echo *self, zactor_ctx *ctx, const nt_Add *msg, nt_Sum *reply)
{
    (void)self, (void)ctx;
    reply->sum = (int64_t)((uint64_t)msg->a + (uint64_t)msg->b);
}

void nt_Echo_on_Blob(nt_Echo *self, zactor_ctx *ctx, const nt_Blob *msg)
{
    (void)self, (void)ctx, (void)msg;
}

void nt_Echo_on_Local(nt_Echo *self, zactor_ctx *ctx, const nt_Local *msg)
{
    (void)self, (void)ctx, (void)msg;
}

void nt_Echo_on_Quit(nt_Echo *self, zactor_ctx *ctx, const nt_Quit *msg)
{
    (void)self, (void)ctx, (void)msg;
}

void nt_Pinger_on_Pong(nt_Pinger *self, zactor_ctx *ctx, const nt_Pong *msg)
{
    (void)self, (void)ctx, (void)msg;
}

void nt_Pinger_on_Sum(nt_Pinger *self, zactor_ctx *ctx, const nt_Sum *msg)
{
    (void)self, (void)ctx, (void)msg;
}

void nt_Pinger_on_Ping(nt_Pinger *self, zactor_ctx *ctx, const nt_Ping *msg)
{
    (void)self, (void)ctx, (void)msg;
}

void nt_Pinger_on_down(nt_Pinger *self, zactor_ctx *ctx, const zactor_down *down)
{
    (void)self, (void)ctx, (void)down;
}

static zactor_system *fuzz_system;

/* One system for the whole run (starting one per input would measure
 * thread creation); it is never destroyed: libFuzzer exits the process. */
static zactor_system *system_once(void)
{
    if (fuzz_system)
        return fuzz_system;
    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.workers = 1;
    cfg.pin_threads = false;
    fuzz_system = zactor_system_create(&cfg);
    zactor_node_config node;
    zactor_node_config_init(&node);
    node.name = "fuzzed";
    if (!fuzz_system || zactor_node_start(fuzz_system, &node) != 0)
        abort();
    nt_Echo_ref echo = nt_Echo_spawn(fuzz_system, NULL);
    if (nt_Echo_register(fuzz_system, "echo", echo) != 0)
        abort();
    return fuzz_system;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zactor_system *sys = system_once();
    if (zactor__node_feed(sys, data, size) != 0)
        abort();
    return 0;
}
