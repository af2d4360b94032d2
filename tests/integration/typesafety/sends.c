/* Compiled three times by typesafety.cmake: SEND_OK must compile;
 * SEND_UNACCEPTED and SEND_WRONG_REF must not. */
#include "pingpong.zidl.h"

int try_send(pingpong_Ponger_ref ponger, pingpong_Pinger_ref pinger);

int try_send(pingpong_Ponger_ref ponger, pingpong_Pinger_ref pinger)
{
    pingpong_Ping ping = {.seq = 1, .reply_to = pinger};
    pingpong_Pong pong = {.seq = 1};
    (void)ping;
    (void)pong;
    (void)ponger;
#if defined(SEND_OK)
    return pingpong_Ponger_send_Ping(ponger, &ping);
#elif defined(SEND_UNACCEPTED)
    /* Ponger does not accept Pong: there is no such function. */
    return pingpong_Ponger_send_Pong(ponger, &pong);
#elif defined(SEND_WRONG_REF)
    /* A Pinger ref where a Ponger ref is expected. */
    return pingpong_Ponger_send_Ping(pinger, &ping);
#endif
}
