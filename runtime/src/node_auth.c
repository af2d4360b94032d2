/* node_auth.c - CURVE: a node's keys, the peers it allows, and the ZAP
 * handler that asks (node_layer.h). */
#include "alloc.h"
#include "node_layer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <zmq.h>

#include "actor.h"
#include "clock.h"
#include "dead_letter.h"
#include "io.h"
#include "monitor.h"
#include "system.h"
#include "worker.h"

/* ------------------------------------------------------------------ */
/* CURVE and its ZAP handler                                            */

bool zactor__node_curve_key_is_valid(const char *key)
{
    uint8_t binary[32];
    return strlen(key) == 40 && zmq_z85_decode(binary, key) != NULL;
}

int zactor__node_curve_configure(zactor__node_layer *node, const zactor_node_config *c)
{
    if (!c->curve_public_key && !c->curve_secret_key && !c->curve_allowed_count)
        return 0;
    if (!c->curve_public_key || !c->curve_secret_key || !c->curve_allowed ||
        c->curve_allowed_count == 0 || !zactor__node_curve_key_is_valid(c->curve_public_key) ||
        !zactor__node_curve_key_is_valid(c->curve_secret_key))
        return ZACTOR_EARG;
    node->curve_allowed = zactor__calloc(c->curve_allowed_count, sizeof node->curve_allowed[0]);
    if (!node->curve_allowed)
        return ZACTOR_ENOMEM;
    for (size_t i = 0; i < c->curve_allowed_count; i++) {
        const char *key = c->curve_allowed[i];
        if (!key || !zactor__node_curve_key_is_valid(key))
            return ZACTOR_EARG;
        zmq_z85_decode(node->curve_allowed[i], key);
    }
    node->curve_allowed_count = c->curve_allowed_count;
    memcpy(node->curve_public, c->curve_public_key, 41);
    memcpy(node->curve_secret, c->curve_secret_key, 41);
    node->curve = true;
    return 0;
}

void zactor__node_curve_server(zactor__node_layer *node, void *socket)
{
    int one = 1;
    zmq_setsockopt(socket, ZMQ_CURVE_SERVER, &one, sizeof one);
    zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, node->curve_secret, 40);
    /* A domain makes libzmq ask the ZAP handler for every client. */
    zmq_setsockopt(socket, ZMQ_ZAP_DOMAIN, "zactor", 6);
}

void zactor__node_curve_client(zactor__node_layer *node, void *socket, const char *server_key)
{
    zmq_setsockopt(socket, ZMQ_CURVE_SERVERKEY, server_key, 40);
    zmq_setsockopt(socket, ZMQ_CURVE_PUBLICKEY, node->curve_public, 40);
    zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, node->curve_secret, 40);
}

static bool node_curve_allowed(const zactor__node_layer *node, const uint8_t *key, size_t len)
{
    if (len != 32)
        return false;
    for (size_t i = 0; i < node->curve_allowed_count; i++) {
        if (memcmp(node->curve_allowed[i], key, 32) == 0)
            return true;
    }
    return false;
}

/* One ZAP request (RFC 27): version, request id, domain, address,
 * identity, mechanism, credentials; answered 200 or 400. */
static void zap_ready(void *user, short revents)
{
    zactor__node_layer *node = user;
    if (!(revents & ZMQ_POLLIN))
        return;
    enum { ZAP_FRAMES = 7 };
    zmq_msg_t frames[ZAP_FRAMES + 1];
    int count = 0;
    bool more = true;
    while (more) {
        zmq_msg_t *frame = &frames[count < ZAP_FRAMES ? count : ZAP_FRAMES];
        zmq_msg_init(frame);
        if (zmq_msg_recv(frame, node->zap, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(frame);
            if (count == 0)
                return;
            break;
        }
        more = zmq_msg_more(frame);
        if (count < ZAP_FRAMES)
            count++;
        else
            zmq_msg_close(frame);
    }
    bool curve = count == ZAP_FRAMES && zmq_msg_size(&frames[5]) == 5 &&
                 memcmp(zmq_msg_data(&frames[5]), "CURVE", 5) == 0;
    bool allowed = curve &&
                   node_curve_allowed(node, zmq_msg_data(&frames[6]), zmq_msg_size(&frames[6]));
    if (!allowed)
        zactor__node_event(node, ZACTOR_NODE_BAD_INPUT, NULL, "CURVE key not allowed", 0);
    const char *status = allowed ? "200" : "400";
    const char *text = allowed ? "OK" : "key not allowed";
    zmq_send(node->zap, "1.0", 3, ZMQ_SNDMORE);
    if (count >= 2)
        zmq_send(node->zap, zmq_msg_data(&frames[1]), zmq_msg_size(&frames[1]), ZMQ_SNDMORE);
    else
        zmq_send(node->zap, "", 0, ZMQ_SNDMORE);
    zmq_send(node->zap, status, 3, ZMQ_SNDMORE);
    zmq_send(node->zap, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(node->zap, "", 0, ZMQ_SNDMORE);
    zmq_send(node->zap, "", 0, 0);
    for (int i = 0; i < count; i++)
        zmq_msg_close(&frames[i]);
}

void zactor__node_curve_start_zap(void *arg)
{
    zactor__node_layer *node = arg;
    zactor__io *io = &node->sys->io;
    void *zap = zmq_socket(io->zmq, ZMQ_REP);
    if (!zap)
        return;
    int zero = 0;
    zmq_setsockopt(zap, ZMQ_LINGER, &zero, sizeof zero);
    zactor__io_source source = {zap, -1, ZMQ_POLLIN, zap_ready, node};
    if (zmq_bind(zap, "inproc://zeromq.zap.01") != 0 || zactor__io_add(io, &source) != 0) {
        zmq_close(zap);
        return;
    }
    node->zap = zap;
}
