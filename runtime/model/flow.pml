/* flow.pml - the bounded-mailbox mute protocol of ZActor, for spin.
 *
 * Models runtime/src/flow.c with the parts of actor.c, worker.c and
 * mailbox.c it relies on, as of commit d5da0a0: every step names the C
 * file, the line of that commit and the function it stands for
 * ("flow.c:176 flow_mute: fence"; a zactor__ function is named without
 * its prefix). README.md (this folder) says what the model covers, what
 * it leaves out, and how to run it.
 *
 * Processes: one sink, an actor whose mailbox is bounded (bound N, low
 * mark N / 2, policy backpressure), running its turns; NP producers,
 * actors with unbounded mailboxes whose handlers each send the sink one
 * message (NMSG handlers each), muted when a send goes past the bound;
 * and, unless -DNWAIT=0, a thread outside the system sending NWAIT
 * messages with zactor_send_wait, which is refused at the bound and
 * sleeps in flow.c until there is room.
 *
 * Semantics: sequential consistency (spin's interleaving). The seq_cst
 * fences of the Dekker pairing (flow.c:176, 209, 254) are then implicit.
 * An atomic block holds at most one access to memory another process
 * uses (plus the process's own and ghost variables), so that separate C
 * loads stay separate steps: released, then the life word (live_actor_type);
 * muted, then the depth (flow_drained); the depth outside the lock, then
 * under it. Accesses under flow->lock to what only lock holders touch
 * (the mutes array) share a step with a neighbour; so do the drain's
 * schedules of the actors it unmutes (what they do next touches neither
 * the list nor the lock until the drain has let go of it).
 *
 * Checked:
 * 1. the bound: at each send's counting CAS, the depth it makes (tail -
 *    released) is at most N + NP (NP senders that may go past the bound);
 * 2. no lost wake-up: once nothing can move (timeout), no producer is
 *    left muted and no thread waits for room (so every producer and the
 *    outside thread finished), and the sink is not left RUNNABLE;
 * 3. every message is handled exactly once, each sender's in the order
 *    sent; and: the flow lock is held by one at a time and released by its
 *    holder; an unmuted actor was parked (never two run tokens); the sink
 *    never gets a token while it has one or runs;
 * 4. the depth live_actor_type returns is at least the true depth at its
 *    second read (zactor_mailbox_depth: never less than the number queued);
 * 5. a send refused with ZACTOR_EFULL found the mailbox full: the true
 *    depth when it loaded released was at the bound (it failed on d5da0a0:
 *    README.md, "A bug the model found"; fixed in 5d0a5fb, whose
 *    bound_reached the model follows);
 * - coverage: every statement, every COVER(...) scenario among them, is
 *   reached in one of check.sh's configurations (it fails on what pan
 *   lists as unreached in all of them).
 *
 * Mutants, each of which must make spin report an error (-DMUTANT=n):
 * 1. the drain before d5da0a0: the depth looked at only before the lock;
 * 2. the parker parks without reading the receiver's depth;
 * 3. the parker reads the receiver's depth before it publishes its entry;
 * 4. the drain reads muted (and waiting) before close stores released;
 * 5. live_actor_type reads the life word before released;
 * 6. the drain's fast path looks at muted only, not at waiting;
 * 7. the drain releases the muted actors without taking the lock;
 * 8. bound_reached refuses without loading the word again (d5da0a0).
 */

#ifndef MUTANT
#define MUTANT 0
#endif
#ifndef NMSG
#define NMSG 2          /* messages (handlers) per producer */
#endif
#ifndef NWAIT
#define NWAIT 1         /* messages of the thread outside the system; 0: no such thread */
#endif

#ifndef N
#define N 2             /* the sink type's mailbox_bound */
#endif
#define LOW (N / 2)     /* flow.c:122 drained: the low mark */
#ifndef NP
#define NP 2            /* producers: the senders that may go past the bound */
#endif
#define NM (NP * NMSG + NWAIT) /* messages: producer p's k-th is p * NMSG + k, the thread's after */

/* The lock's holders (flow->lock): 0 is free. */
#define SINK_ID (NP + 1)
#define WAIT_ID (NP + 2)

/* ---- the sink's life word (life.h:5) --------------------------------- */
/* RUNNABLE | tail; the sink is alive throughout (see README.md). */
#define TAILMASK 31
#define RUNNABLE 32     /* life.h:47 */
#define TAIL(l) ((l) & TAILMASK)                  /* life.h:70 zactor__life_tail */
#define COUNTED(l) (((l) & ~TAILMASK) | (TAIL(l) + 1) | RUNNABLE) /* life.h:89 zactor__life_counted */

byte life;

/* ---- the sink's mailbox ---------------------------------------------- */
byte released;          /* mailbox.h:24 released: only the sink's turns store it */
/* The messages by ticket, message + 1 (0: none). Pushed with the counting
 * CAS: the push changes what the consumer can take, not the depth (tail -
 * released) that the protocol looks at, and mailbox.pml checks the push. */
byte slot[NM + 1];     /* one more: the slot of the head after the last message, always empty */
byte head;              /* mailbox.h:38 reader->head: only the sink writes it; global for the checks */

/* The depth a life word and a value of released make: ticket_distance
 * (life.h), which wraps to a huge number when released is past the tail
 * (a stale word); both only grow, so that is never a depth that was true. */
#define DEPTH(rel, l) ((rel) > TAIL(l) -> 255 : TAIL(l) - (rel))
#define DRAINED(d) ((d) <= LOW) /* flow.c:120 drained */

/* flow.c:107 live_actor_type: the depth from released, then the life
 * word (mutant 5: the other way round). Check 4: that depth is at least
 * the true depth at the moment of the second read (so at least the
 * number of messages queued then, as zactor_mailbox_depth promises). */
inline live_depth(rel, l, d) {
#if MUTANT == 5
    l = life;                                           /* flow.c:112 live_actor_type: load life */
    atomic {
        rel = released;                                 /* flow.c:110 live_actor_type: load released */
        d = DEPTH(rel, l);
        assert(d >= TAIL(life) - released);             /* check 4 */
        rel = 0; l = 0
    }
#else
    rel = released;                                     /* flow.c:110 live_actor_type: load released */
    atomic {
        l = life;                                       /* flow.c:112 live_actor_type: load life */
        d = DEPTH(rel, l);                              /* flow.c:115 live_actor_type: depth */
        assert(d >= TAIL(life) - released);             /* check 4 */
        rel = 0; l = 0
    }
#endif
}

/* ---- flow.h:23 zactor__flow ------------------------------------------ */
byte lock;              /* flow.h:24 lock: holder id, 0 free */
byte muted;             /* flow.h:30 muted: written under lock, read without it by drains */
/* flow.h:26 mutes, under lock: producer p waits for the sink (the only
 * receiver). The list's order does not matter (flow.c:125). */
bool entry[NP];
byte waiting;           /* flow.h:31 waiting */
bool sleeping;          /* the outside thread is in pthread_cond_wait on flow.h:25 room */

inline take_lock(id) { atomic { lock == 0 -> lock = id } }
inline drop_lock(id) { atomic { assert(lock == id); lock = 0 } }
/* The drain's lock (mutant 7: none) */
#if MUTANT == 7
#define drain_lock() skip
#define drain_unlock() skip
#else
#define drain_lock() take_lock(SINK_ID)
#define drain_unlock() drop_lock(SINK_ID)
#endif

/* ---- the scheduler --------------------------------------------------- */
byte stoken;            /* the sink's run-queue tokens */
bool in_turn;           /* ghost: a turn of the sink runs */
byte ptoken[NP];        /* producer p's run token: unmute's zactor__schedule */

/* ---- properties (ghost state) ---------------------------------------- */
byte last[NP + 1];      /* per sender: 1 + sequence of its last message handled */
byte handled;           /* messages the sink handled */
byte done;              /* senders that finished */

/* A scenario the search must reach: pan lists a COVER it never reached
 * among the unreached statements, and check.sh fails on it. */
#define COVER(what, cond) if :: (cond) -> printf(#what) :: else -> skip fi
/* The same for a statement that is a scenario itself. */
#define REACH(what) printf(#what)

/* actor.c:451 deliver_to, the counting CAS (actor.c:498) when it
 * succeeds: the tail goes one further, RUNNABLE is set; the message is
 * pushed (actor.c:510 mailbox_push). Check 1 is asserted here. */
inline count_and_push(l, m) {
    life = COUNTED(l);
    assert(slot[TAIL(l)] == 0);
    slot[TAIL(l)] = (m) + 1;
    assert(TAIL(life) - released <= N + NP);    /* check 1: the depth stays at or below N + P */
    COVER(cover_depth_n_plus_p, TAIL(life) - released == N + NP)
}

/* actor.c:525-527 deliver_to: the CAS set RUNNABLE, the sender schedules
 * the sink (scheduler.c:265 zactor__schedule). */
inline schedule_sink(l) {
    if
    :: !((l) & RUNNABLE) -> atomic { assert(stoken == 0 && !in_turn); stoken++ }
    :: else -> skip
    fi
}

/* ==== producers ======================================================= */

/* An actor whose handlers each send the sink one message (worker.c:168:
 * the handler; actor.c:691 zactor_send -> actor.c:606 send_message ->
 * actor.c:549 deliver -> actor.c:536 deliver_bounded -> actor.c:451
 * deliver_to), NMSG handlers in all. Its own mailbox is unbounded
 * (flow.c:182: it is always free to park). Handlers whose send stays
 * within the bound change nothing here, so where its turns end between
 * them does not matter; a handler whose send went past the bound ends the
 * turn and the actor is muted (worker.c:171-176). */
proctype Producer(byte me)
{
    byte k, l, rel, d;
    bool over, park;

    k = 0;
    do
    :: k >= NMSG -> break
    :: else ->
        l = life;                                       /* actor.c:461 deliver_to: load life */
        do
        :: atomic {                                     /* actor.c:481 deliver_to -> flow.c:98 flow_depth: load released */
               rel = released;
               over = DEPTH(rel, l) + 1 > N;            /* actor.c:481 deliver_to: over_bound */
               COVER(cover_stale_word_overstates, rel > TAIL(l));
               rel = 0
           }
            /* actor.c:482 -> actor.c:409 bound_reached: 0, a handler's
             * send under backpressure goes past the bound */
            atomic {                                    /* actor.c:498 deliver_to: CAS life */
                if
                :: life == l -> count_and_push(l, me * NMSG + k); break
                :: else -> l = life                     /* failed: go round with the new word */
                fi
            }
        od;
        schedule_sink(l);
        k++;
        l = 0;
        if
        :: over ->
            /* actor.c:529-530 -> actor.c:423 went_past_bound: mute_target,
             * ASK_MUTE; worker.c:174-176 run_turn: the turn ends after this
             * handler -> worker.c:99 end_turn_muted (its close, worker.c:104,
             * and turn_drained, worker.c:105, do nothing for an unbounded
             * actor) -> worker.c:108 -> worker.c:70 end_muted -> worker.c:74
             * -> flow.c:156 flow_mute */
            take_lock(me + 1);                          /* flow.c:166 flow_mute: lock */
#if MUTANT == 3
            /* mutant 3: the depth read before the entry is published */
            live_depth(rel, l, d);                      /* flow.c:178 flow_mute -> flow.c:107 live_actor_type */
#endif
            atomic {                                    /* flow.c:168-174 flow_mute: mutes[n] = entry (under lock), store muted */
                assert(!entry[me]);
                entry[me] = true;
                muted++
            }
            /* flow.c:176 flow_mute: seq_cst fence (implicit here) */
#if MUTANT != 2 && MUTANT != 3
            live_depth(rel, l, d);                      /* flow.c:178 flow_mute -> flow.c:107 live_actor_type */
#endif
            /* flow.c:181-183 flow_mute: park while the receiver is above
             * its low mark (mutant 2: always) */
            park = (MUTANT == 2 || !DRAINED(d));
            d = 0;
            if
            :: park -> REACH(cover_parked)
            :: else ->                                  /* flow.c:184-185 -> flow.c:126 remove_mute */
                REACH(cover_parker_sees_drain);
                atomic { assert(entry[me]); entry[me] = false; muted-- }
            fi;
            drop_lock(me + 1);                          /* flow.c:186 flow_mute: unlock */
            if
            :: park ->
                /* worker.c:108 end_turn_muted: the actor stays RUNNABLE,
                 * held by the mute, until flow.c:139-140 unmute schedules
                 * it (scheduler.c:265); then its next turn (worker.c:128) */
                atomic { ptoken[me] > 0 -> ptoken[me]--; park = false }
            :: else -> skip                             /* worker.c:109 actor_end_turn: requeued, its handlers go on */
            fi
        :: else -> skip
        fi;
        over = false
    od;
    done++
}

/* ==== the thread outside the system =================================== */

/* actor.c:706 zactor_send_wait, NWAIT times. */
proctype Waiter()
{
    byte k, l, rel, d;
    byte g;             /* ghost: the true depth when released was loaded */
    bool sent, stale;

    k = 0;
    do
    :: k >= NWAIT -> break
    :: else ->
        /* actor.c:717 zactor_send_wait -> actor.c:606 send_message -> deliver_to */
        l = life;                                       /* actor.c:461 deliver_to: load life */
        do
        :: atomic {                                     /* actor.c:481 deliver_to -> flow.c:98 flow_depth: load released */
               rel = released;
               d = DEPTH(rel, l); rel = 0;
               g = TAIL(life) - released
           }
            if
            :: d + 1 > N ->                             /* actor.c:481-482 -> actor.c:409 bound_reached */
                /* A stale word (released read past its tail) wraps the
                 * depth. Since 5d0a5fb bound_reached loads the word again
                 * before it refuses, and measures again when it moved
                 * (mutant 8: refuses at once, as d5da0a0 did; README.md,
                 * "A bug the model found"). */
#if MUTANT != 8
                atomic {                                /* 5d0a5fb actor.c:425 bound_reached: load life again */
                    if
                    :: life != l ->
                        COVER(cover_stale_word_reloaded, d == 255);
                        l = life; stale = true
                    :: else -> skip
                    fi
                }
#endif
                if
                :: stale -> stale = false; d = 0; g = 0 /* 5d0a5fb actor.c:428 bound_reached: measure again */
                :: else ->                              /* 5d0a5fb actor.c:431 bound_reached: ZACTOR_EFULL, nothing queued */
                    assert(g >= N);                     /* check 5: a refused send found the mailbox full */
                    d = 0; g = 0;
                    break
                fi
            :: else ->
                d = 0; g = 0;
                atomic {                                /* actor.c:498 deliver_to: CAS life */
                    if
                    :: life == l -> count_and_push(l, NP * NMSG + k); sent = true; break
                    :: else -> l = life
                    fi
                }
            fi
        od;
        if
        :: sent ->
            schedule_sink(l);
            k++; sent = false
        :: else ->
            /* actor.c:719-721 zactor_send_wait -> flow.c:244 flow_wait_room */
            take_lock(WAIT_ID);                         /* flow.c:248 flow_wait_room: lock */
            waiting++;                                  /* flow.c:250 flow_wait_room: store waiting + 1 */
            /* flow.c:254 flow_wait_room: seq_cst fence (implicit here) */
            do
            :: live_depth(rel, l, d);                   /* flow.c:257 flow_wait_room -> flow.c:107 live_actor_type */
                if
                :: d < N -> d = 0; break                /* flow.c:258-259 flow_wait_room: room */
                :: else ->
                    d = 0;
                    /* flow.c:261 flow_wait_room: pthread_cond_wait, which
                     * unlocks and sleeps in one step, and locks again once
                     * woken (a spurious wake-up would only look again) */
                    atomic { assert(lock == WAIT_ID); lock = 0; sleeping = true }
                    REACH(cover_waiter_sleeps);
                    atomic { !sleeping && lock == 0 -> lock = WAIT_ID }
                    REACH(cover_waiter_woken)
                fi
            od;
            waiting--;                                  /* flow.c:267 flow_wait_room: store waiting - 1 */
            drop_lock(WAIT_ID)                          /* flow.c:270 flow_wait_room: unlock */
        fi;
        l = 0
    od;
    done++
}

/* ==== the sink ======================================================== */

proctype Sink()
{
    byte rr;            /* mailbox.h:39 reader->released: the last value stored in released */
    byte m, s, gl, dm, dw;

end_idle:
    do
    :: atomic { stoken > 0 -> stoken--; in_turn = true } /* scheduler: a worker takes the sink -> worker.c:128 run_turn */
        /* worker.c:150 run_turn: mailbox_open. The turn's limit is any
         * number of messages (worker.c:143-145). */
        do
        :: atomic {                                     /* worker.c:154 run_turn -> mailbox_take */
               slot[head] != 0 ->
               m = slot[head] - 1; slot[head] = 0
           }
            d_step {                                    /* worker.c:168 run_turn: the handler */
                s = (m < NP * NMSG -> m / NMSG : NP);
                assert(m - s * NMSG == last[s]);        /* check 3: each sender's next message, none lost */
                last[s]++;
                handled++;
                m = 0; s = 0
            }
            head++;                                     /* worker.c:181 -> mailbox.c:897 mailbox_release: head + 1 (mailbox.c:917) */
            if                                          /* mailbox.c:923-924 mailbox_release: a quarter of the ring handed back */
            :: atomic { rr = head; released = head }    /* mailbox.c:883 publish_released: store released (mailbox.c:891) */
            :: skip
            fi
        :: break                                        /* worker.c:153-154 run_turn: the limit, or mailbox_take found nothing */
        od;
#if MUTANT == 4
        /* mutant 4: the drain reads muted and waiting before close stores released */
        dm = muted; dw = waiting;
#endif
        /* worker.c:185 run_turn -> mailbox.c:927 mailbox_close -> mailbox.c:883 publish_released */
        if
        :: rr != head -> atomic { rr = head; released = head } /* mailbox.c:888-891 publish_released: store released */
        :: else -> skip
        fi;
        /* worker.c:186 -> worker.c:88 turn_drained -> worker.c:92 -> flow.c:204 flow_drained */
        /* flow.c:209 flow_drained: seq_cst fence (implicit here) */
#if MUTANT != 4
        dm = muted;                                     /* flow.c:210 flow_drained: load muted */
        dw = waiting;                                   /* flow.c:211 flow_drained: load waiting */
#endif
        if
        :: dm == 0 && (dw == 0 || MUTANT == 6) -> skip  /* flow.c:212 flow_drained: nobody to release */
        :: else ->
            /* flow.c:214 flow_drained -> flow.c:195 still_loaded (released
             * is this turn's own store, rr) */
            gl = life;                                  /* flow.c:198 still_loaded: load life */
            if
            :: !DRAINED(DEPTH(rr, gl)) ->               /* flow.c:201 still_loaded: above the low mark */
                REACH(cover_first_look_loaded)
            :: else ->
                drain_lock();                           /* flow.c:216 flow_drained: lock */
                /* flow.c:224 flow_drained -> flow.c:195 still_loaded (not
                 * before d5da0a0: mutant 1) */
                gl = life;                              /* flow.c:198 still_loaded: load life */
                if
                :: MUTANT != 1 && !DRAINED(DEPTH(rr, gl)) ->
                    REACH(cover_loaded_again_under_lock);
                    drain_unlock()                      /* flow.c:225 flow_drained: unlock */
                :: else ->
                    /* flow.c:228-238 flow_drained: every entry for this
                     * actor out (flow.c:126 remove_mute) and its sender
                     * scheduled (flow.c:137 unmute -> flow.c:140
                     * zactor__schedule) */
                    d_step {
                        for (s : 0 .. NP - 1) {
                            if
                            :: entry[s] ->
                                entry[s] = false; muted--;
                                assert(ptoken[s] == 0); /* only a parked actor is scheduled */
                                ptoken[s]++
                            :: else -> skip
                            fi
                        }
                        s = 0
                    }
                    if                                  /* flow.c:239-240 flow_drained: load waiting, broadcast */
                    :: waiting != 0 -> sleeping = false
                    :: else -> skip
                    fi;
                    drain_unlock()                      /* flow.c:241 flow_drained: unlock */
                fi
            fi
        fi;
        dm = 0; dw = 0;
        /* worker.c:192 run_turn -> actor.c:856 actor_end_turn */
        gl = life;                                      /* actor.c:862 actor_end_turn: load life */
        do
        :: TAIL(gl) != head ->                          /* actor.c:871-873 actor_end_turn: tickets left: requeue */
            atomic { assert(stoken == 0); stoken++; in_turn = false; gl = 0 };
            break
        :: else ->
            atomic {                                    /* actor.c:893 actor_end_turn: CAS clearing RUNNABLE */
                if
                :: life == gl -> life = gl & ~RUNNABLE; in_turn = false; gl = 0; break
                :: else -> gl = life                    /* a sender took a ticket: go round */
                fi
            }
        od
    :: timeout -> break                                 /* nothing else can happen */
    od;

    /* The end: check 2 and the rest of check 3. */
    skip;
    d_step {
        for (s : 0 .. NP - 1) {
            assert(!entry[s])                           /* check 2: no producer left muted */
        }
        assert(!sleeping);                              /* check 2: no thread left waiting for room */
        assert(done == NP + (NWAIT > 0));               /* every sender finished */
        assert(handled == NM);                          /* check 3: every message handled */
        assert(!(life & RUNNABLE) && stoken == 0);      /* the sink is idle, not left runnable */
        assert(lock == 0 && muted == 0 && waiting == 0)
    }
}

init {
    byte i;
    atomic {
        assert(NM < TAILMASK);                          /* the tail fits the model's life word */
        life = 0;                                       /* actor.c:307 zactor_spawn: alive (not modelled), idle, empty */
        run Sink();
        for (i : 0 .. NP - 1) {
            run Producer(i)
        }
#if NWAIT > 0
        run Waiter()
#endif
    }
}
