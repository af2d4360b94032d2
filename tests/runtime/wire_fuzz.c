/* wire_fuzz.c - libFuzzer harness over the generated decoders of
 * wire.zidl (test_wire.c's schema), found through the file's type-id
 * table as a node would find them.
 *
 * The input is a frame body: it is decoded as each message of the table
 * in turn (the message's type id put in front), and also as it stands.
 * A decoder must refuse the input or accept exactly what its encoder
 * would write back (the format has one encoding per value), and must
 * never read past the input nor leak (ASan, LSan). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.zidl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The generated source dispatches to these; nothing runs them. */
void wt_Box_on_Example(wt_Box *self, zactor_ctx *ctx, const wt_Example *msg)
{
    (void)self, (void)ctx, (void)msg;
}

void wt_Box_on_All(wt_Box *self, zactor_ctx *ctx, const wt_All *msg)
{
    (void)self, (void)ctx, (void)msg;
}

void wt_Box_on_Empty(wt_Box *self, zactor_ctx *ctx, const wt_Empty *msg)
{
    (void)self, (void)ctx, (void)msg;
}

void wt_Box_on_Ask(wt_Box *self, zactor_ctx *ctx, const wt_Ask *msg, wt_Answer *reply)
{
    (void)self, (void)ctx, (void)msg, (void)reply;
}

void wt_Box_on_Local(wt_Box *self, zactor_ctx *ctx, const wt_Local *msg)
{
    (void)self, (void)ctx, (void)msg;
}

void wt_Box_on_Peek(wt_Box *self, zactor_ctx *ctx, const wt_Peek *msg, wt_Local *reply)
{
    (void)self, (void)ctx, (void)msg, (void)reply;
}

/* Refs: node 1, actors 0 to 15, mapped to made-up cells and back. */
static char cells[16];

static int encode_ref(void *user, zactor_ref ref, uint64_t *node, uint64_t *actor)
{
    (void)user;
    *node = 1;
    *actor = (uint64_t)((char *)(void *)ref.cell - cells);
    return 0;
}

static int decode_ref(void *user, uint64_t node, uint64_t actor, zactor_ref *out)
{
    (void)user;
    if (node != 1 || actor >= sizeof cells)
        return ZACTOR_ENOENT;
    out->cell = (zactor_cell *)(void *)&cells[actor];
    out->generation = 1;
    return 0;
}

static zactor_wire_ctx ctx = {encode_ref, decode_ref, NULL};

static void check(const zactor_wire_entry *entry, const uint8_t *frame, size_t len)
{
    union {
        wt_Example example;
        wt_All all;
        wt_Empty empty;
        wt_Ask ask;
        wt_Answer answer;
        wt_Peek peek;
    } msg;
    if (entry->decode(frame, len, &ctx, &msg) != 0)
        return;
    uint8_t *again = malloc(len > 0 ? len : 1);
    size_t again_len = 0;
    if (again == NULL || entry->wire_size(&msg) != len ||
        entry->encode(&msg, &ctx, again, len, &again_len) != 0 || again_len != len ||
        memcmp(again, frame, len) != 0)
        abort(); /* accepted a frame it would not write */
    free(again);
    if (entry->drop != NULL)
        entry->drop(&msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *frame = malloc(size + 4); /* exactly the frame: ASan sees any overread */
    if (frame == NULL)
        return 0;
    for (size_t i = 0; i < WT_WIRE_WIRE_COUNT; i++) {
        uint32_t id = wt_wire_wire_table[i].type_id;
        for (unsigned b = 0; b < 4; b++)
            frame[b] = (uint8_t)(id >> (8 * b));
        if (size > 0)
            memcpy(frame + 4, data, size);
        check(&wt_wire_wire_table[i], frame, size + 4);
    }
    free(frame);
    uint32_t type_id;
    if (zactor_wire_type_id(data, size, &type_id) == 0) {
        const zactor_wire_entry *entry =
            zactor_wire_find(wt_wire_wire_table, WT_WIRE_WIRE_COUNT, type_id);
        if (entry != NULL) {
            uint8_t *copy = malloc(size);
            if (copy != NULL) {
                memcpy(copy, data, size);
                check(entry, copy, size);
                free(copy);
            }
        }
    }
    return 0;
}
