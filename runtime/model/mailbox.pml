/* mailbox.pml - the mailbox and life-word protocol of ZActor, for spin.
 *
 * Models runtime/src/life.h, mailbox.c, actor.c and worker.c as of commit
 * b9bf5a6: every step names the C function and the line of that commit it
 * stands for ("mailbox.c:286 push: ..."). README.md (this folder) says
 * what the model covers, what it leaves out, and how to run it.
 *
 * Processes: two producers with refs to the first incarnation (generation
 * 0) of one actor, each sending NMSG messages; the worker, the only
 * consumer: it runs the actor's turns, which may stop the actor, and then
 * recycles the cell, where a new actor (generation 1) is spawned; a
 * trimmer (another worker freeing the ring of an idle actor); a third
 * producer that gets a ref to generation 1 once it exists. The producers
 * of generation 0 then hold stale refs.
 *
 * Semantics: sequential consistency (spin's interleaving). An atomic block
 * holds at most one access to memory that another process touches, plus
 * steps on the process's own variables and on ghost variables (the
 * bookkeeping of the checks), so it stands for one C access; where two C
 * accesses share a step, a comment says why that loses no behaviour.
 *
 * Checked:
 * - no loss, no lost wake-up: once nothing can move (timeout), every
 *   message a send accepted was handled or dropped as a dead letter, the
 *   actor is not left RUNNABLE without a turn queued, and a stopped
 *   actor's cell was recycled;
 * - exactly once: a message taken was accepted and not taken before;
 * - per-sender FIFO: each sender's messages are taken in the order sent;
 * - generations: a message is taken by the incarnation that accepted it,
 *   a stale ref gets ZACTOR_EDEAD;
 * - rings: every access to a ring asserts it is allocated (ids are never
 *   reused, so a freed ring stays freed); no ring is left allocated but
 *   the mailbox's ring and its prev; a sender writes only an empty slot,
 *   and one that overflows has the letter it prepared;
 * - scheduling: one token at most and none while a turn runs (two workers
 *   never run the actor at once); growth never finds LOCKED held; nobody
 *   writes the word of a trim in progress or of a dead, drained actor;
 * - no deadlock (invalid end states), and no livelock of the kind where a
 *   turn never finds a pushed message: a turn that takes nothing waits for
 *   a push before it requeues (see the end of the turn);
 * - coverage: every statement, every COVER(...) scenario among them, is
 *   reached (check.sh fails on what pan lists as unreached).
 *
 * Mutants, each of which must make spin report an error (-DMUTANT=n):
 * 1. the turn end clears RUNNABLE without checking tail == head;
 * 2. a sender writes its ring slot without checking released;
 * 3. the consumer looks at the overflow list only when there is no ring;
 * 4. a batch of two messages takes one ticket.
 */

#ifndef MUTANT
#define MUTANT 0
#endif
#ifndef NMSG
#define NMSG 2          /* messages per generation-0 producer */
#endif
#ifndef NTRIM
#define NTRIM 2         /* trim attempts */
#endif

#define INIT_CAP 2      /* INITIAL_SLOTS (8 in C) */
#define MAX_CAP 4       /* MAX_SLOTS: one growth, 2 -> 4 (4096 in C) */
#define BATCH 2         /* takes per store of released (capacity / 4 in C) */
#define NR 8            /* ring ids 1..NR-1; 0 is NULL; ids are never reused */
#define MAXT (2 * NMSG + 1) /* tickets per incarnation, plus one: the head after the last */
#define NM (2 * NMSG + 1) /* messages: producer p's k-th is p * NMSG + k */

/* ---- the life word (life.h:5) ---------------------------------------- */
/* generation << 8 | ALIVE | LOCKED | RUNNABLE | NORING | tail */
#define TAILMASK 15
#define NORING   16     /* life.h:36 */
#define RUNNABLE 32     /* life.h:37 */
#define LOCKED   64     /* life.h:38 */
#define ALIVE    128    /* life.h:39 */
#define TAIL(l) ((l) & TAILMASK)      /* life.h:51 zactor__life_tail */
#define GEN(l)  ((l) >> 8)            /* life.h:45 zactor__life_generation */
/* life.h:70 zactor__life_counted: tail + 1, RUNNABLE set, NORING clear */
#define COUNTED(l) (((l) & ~(TAILMASK | NORING)) | (TAIL(l) + 1) | RUNNABLE)

int life;

/* ---- the mailbox, senders' half (mailbox.h:23) ----------------------- */
byte released;          /* mailbox.h:24 */
byte room = INIT_CAP;   /* mailbox.h:25 */
/* mailbox.h lap_base, lap_room: the newest grown ring's first lap, which
 * senders read instead of the ring (a trim may free it before their CAS) */
byte lap_base;
byte lap_room;
byte mring;             /* mailbox.h:26: ring id, 0 = NULL */
/* mailbox.h:27 the overflow stack, as the set of tickets it holds: the
 * consumer takes it whole and sorts it by ticket, so its order is moot. */
byte ovf[MAXT];         /* ticket -> message + 1, 0 = none */
byte ovf_n;             /* letters on the stack */

/* ---- rings (mailbox.c:62) -------------------------------------------- */
#define NOTYET 0
#define LIVE   1
#define FREED  2
byte r_state[NR];       /* ghost: allocation state, checked on every access */
byte r_cap[NR];         /* mailbox.c:63 capacity */
byte r_base[NR];        /* mailbox.c:65 first ticket of this ring when prev is set */
byte r_prev[NR];        /* mailbox.c:67 ring holding the tickets before base */
bool r_grown[NR];       /* mailbox.c zactor__ring.grown: base is exact */
byte r_seq[NR * MAX_CAP]; /* mailbox.c:72 slot sequence: 0 empty, t + 1 = PUBLISHED | t */
byte r_msg[NR * MAX_CAP]; /* mailbox.c:73 slot bytes: the message */
byte nrings = 1;        /* next fresh ring id */

/* A scenario the search must reach: pan lists a COVER it never reached
 * among the unreached statements, and check.sh fails on it. */
#define COVER(what, cond) if :: (cond) -> printf(#what) :: else -> skip fi

#define SLOT(r, t) ((r) * MAX_CAP + (t) % r_cap[r])   /* mailbox.c:85 slot_at */
#define ACCESS(r) assert((r) != 0 && r_state[r] == LIVE) /* no use after free */

/* mailbox.c:105 new_ring: a fresh id (its slots are 0) */
inline new_ring(id, cap) {
    id = nrings; nrings++;
    assert(id < NR);
    r_state[id] = LIVE; r_cap[id] = cap
}
/* mailbox.c:128 free_ring */
inline free_ring(id) {
    ACCESS(id); r_state[id] = FREED
}

/* ---- the scheduler --------------------------------------------------- */
/* A run queue holding at most this actor: a token per zactor__schedule or
 * requeue. A second token, or a token while a turn runs, would let two
 * workers run the actor at once: asserted never to happen. */
byte tokens;
bool in_turn;           /* ghost: a turn of the actor is running */
bool news;              /* ghost: a message was pushed since the turn began */

/* ---- properties (ghost state) ---------------------------------------- */
#define UNSENT   0
#define ACCEPTED 1      /* the counting CAS succeeded: in the mailbox */
#define REFUSED  2      /* ZACTOR_EDEAD */
#define HANDLED  3
#define DEAD     4      /* drained as a dead letter */
byte fate[NM];
byte mgen[NM];          /* generation the message was accepted by */
byte last[3];           /* per sender: 1 + sequence of its last consumed message */
byte done;              /* producers that finished */
bool spawned1;          /* generation 1 exists: its producer has a ref */

/* ==== senders ========================================================= */

/* actor.c:182 zactor__send, `count` times, with a ref to generation mygen;
 * or, when batch, all `count` messages in one send through the outbox
 * (actor.c deliver with n = count, from zactor__outbox_deliver): every
 * message prepared with the word its ticket would be taken from, one CAS
 * taking `count` tickets, then the pushes in order (mailbox.c
 * zactor__mailbox_push_batch), the letters among them pushed onto the
 * overflow stack together at the end. A producer that may batch is
 * searched both ways. */
proctype Producer(byte me; byte mygen; byte count; bool may_batch)
{
    byte k, i, n, m, ticket, rel, queued, ring, pv, chained;
    int l;
    bool batch;
    bool letter[2];         /* per message of this send: a letter prepared */

    if                      /* either way: both are searched */
    :: may_batch -> batch = true
    :: true -> skip
    fi;
    if
    :: mygen == 1 ->
end_wait:   spawned1                    /* its ref comes from actor.c:165 zactor_spawn */
    :: else -> skip
    fi;
    k = 0;
    do
    :: k >= count -> break
    :: else ->
        n = (batch -> count - k : 1);
        assert(n <= 2);                                 /* letter[] holds two */
        m = me * NMSG + k;                              /* the send's first message */
        l = life;                                       /* actor.c:200 send: load life */
        do
        :: GEN(l) != mygen || !(l & ALIVE) ->           /* actor.c:203 send: stale or dead */
            COVER(cover_stale_ref_refused, GEN(l) != mygen);
            d_step {                                    /* actor.c:204 ZACTOR_EDEAD */
                fate[m] = REFUSED;
                if :: n == 2 -> fate[m + 1] = REFUSED :: else -> skip fi
            };
            break
        :: else ->
            if
            :: l & LOCKED ->                            /* actor.c:207 send: LOCKED */
                atomic { !(life & LOCKED) -> l = life } /* actor.c:208 wait_unlocked (actor.c:179) */
            :: else ->
                /* actor.c:216 -> mailbox.c:202 zactor__mailbox_prepare */
                if
                :: l & NORING ->                        /* mailbox.c:205 NORING: install_ring */
                    /* mailbox.c:196 install_ring: CAS ring NULL -> a new
                     * ring (mailbox.c:188). The load before it (mailbox.c:186)
                     * only saves the allocation, and a loser's ring, freed
                     * at once (mailbox.c:198), was never seen: both left out. */
                    atomic {
                        if
                        :: mring == 0 -> new_ring(ring, INIT_CAP); mring = ring; ring = 0;
                            COVER(cover_stale_install, GEN(life) != mygen)
                        :: else ->
                            COVER(cover_fresh_sender_takes_stale_ring, mygen == 1)
                        fi
                    }
                :: else -> skip
                fi;
                atomic {
                    rel = released;                     /* mailbox.c:214 prepare: load released */
                    queued = (rel > TAIL(l) -> 0 : TAIL(l) - rel) /* mailbox.c:218 */
                }
                /* mailbox.c:224 prepare: load room; then, if the ring may be
                 * full, mailbox.c prepare_letter: load lap_room and lap_base,
                 * and no letter for a ticket in that first lap while the
                 * released read before is before lap_base (in_first_lap).
                 * One step for the three loads: each test alone shows the
                 * slot free at the push (room only grows while the word
                 * stays; the lap changes only under LOCKED, which fails the
                 * CAS, or leaves the word as it was, when our ticket is the
                 * new base: free whatever was read), so which mix of old
                 * and new values is read makes no difference. A batch's
                 * second message is prepared from the word after the first,
                 * one ticket further. */
                atomic {
                    if
                    :: queued >= room &&
                       !(lap_room != 0 && rel < lap_base && TAIL(l) - lap_base < lap_room) ->
                        letter[0] = true                /* mailbox.c:225-227 allocate a letter */
                    :: else -> skip
                    fi;
                    if
                    :: n == 2 && queued + 1 >= room &&
                       !(lap_room != 0 && rel < lap_base && TAIL(l) + 1 - lap_base < lap_room) ->
                        letter[1] = true
                    :: else -> skip
                    fi;
                    queued = 0; rel = 0
                }
                atomic {                                /* actor.c:224 send: CAS life (tickets + count) */
                    if
                    :: life == l ->
                        if
                        :: n == 2 ->                    /* mutant 4: one ticket for both */
                            life = (MUTANT == 4 -> COUNTED(l) : COUNTED(COUNTED(l)));
                            fate[m + 1] = ACCEPTED; mgen[m + 1] = GEN(l)
                        :: else -> life = COUNTED(l)
                        fi;
                        fate[m] = ACCEPTED; mgen[m] = GEN(l);
                        break
                    :: else -> l = life                 /* failed: go round with the new word */
                    fi
                }
            fi
        od;
        if
        :: fate[m] == ACCEPTED ->
            /* actor.c:233 -> mailbox.c:271 zactor__mailbox_push, or
             * mailbox.c zactor__mailbox_push_batch for a batch */
            i = 0;
            do
            :: i >= n -> break
            :: else ->
                ticket = TAIL(l) + i;
                ring = mring;                           /* mailbox.c:277 push: load ring */
                atomic {
                    ACCESS(ring); pv = r_prev[ring];    /* mailbox.c:280 push: load ring->prev */
                    if
                    :: pv != 0 && ticket < r_base[ring] -> ring = pv /* mailbox.c:281-282 */
                    :: else -> skip
                    fi;
                    pv = 0
                }
                rel = released;                         /* mailbox.c:285 push: load released */
                /* The capacity read (mailbox.c:286) is of a field fixed at
                 * allocation: it shares the step of the write that follows. */
                atomic {
                    assert(rel <= ticket);
                    ACCESS(ring);
                    if
                    :: ticket - rel < r_cap[ring] || MUTANT == 2 || /* mailbox.c:286 push: the slot is free */
                       (r_grown[ring] && rel < r_base[ring] && ticket - r_base[ring] < r_cap[ring]) ->
                        /* (mailbox.c slot_free: or in a grown ring's first lap) */
                        /* mailbox.c:288 write_slot then mailbox.c:290 store seq
                         * (PUBLISHED | ticket): one step here, since the consumer
                         * reads the bytes only once seq is published, and two
                         * senders writing one slot fail the assertion below in
                         * either order. Whoever wrote the slot before must have
                         * had it taken and cleared. */
                        COVER(cover_letter_not_needed, letter[i]);
                        COVER(cover_first_lap, ticket - rel >= r_cap[ring]);
                        assert(r_seq[SLOT(ring, ticket)] == 0);
                        r_msg[SLOT(ring, ticket)] = m + i;
                        r_seq[SLOT(ring, ticket)] = ticket + 1;
                        news = true
                    :: else ->
                        assert(letter[i]);              /* mailbox.c:297 the letter prepare allocated */
                        if
                        :: batch ->                     /* push_batch: the letter joins the chain */
                            chained = chained | (1 << i)
                        :: else ->
                            assert(ovf[ticket] == 0);   /* mailbox.c:303 push: CAS onto the overflow stack */
                            ovf[ticket] = m + 1; ovf_n++;
                            news = true
                        fi
                    fi
                };
                i++
            od;
            if
            :: chained != 0 ->                          /* push_batch: the chain in one CAS */
                atomic {
                    for (i : 0 .. n - 1) {
                        if
                        :: chained & (1 << i) ->
                            assert(ovf[TAIL(l) + i] == 0);
                            ovf[TAIL(l) + i] = m + i + 1; ovf_n++
                        :: else -> skip
                        fi
                    }
                    chained = 0; i = 0; news = true
                }
            :: else -> skip
            fi;
            if
            :: !(l & RUNNABLE) ->                       /* actor.c:246 send: our CAS set RUNNABLE */
                atomic {                                /* actor.c:248 zactor__schedule */
                    assert(tokens == 0 && !in_turn);
                    tokens++
                }
            :: else -> skip
            fi
        :: else -> skip
        fi;
        d_step { k = k + n; i = 0; n = 0; ticket = 0; rel = 0; ring = 0; l = 0;
                 letter[0] = false; letter[1] = false; m = 0 }
    od;
    done++
}

/* ==== the worker: turns of the actor ================================== */

proctype Worker()
{
    /* The consumer's half (mailbox.h:32) and the cell's flags: only the
     * worker running the actor's turn touches them. */
    byte head;              /* mailbox.h:33 reader->head */
    byte rr;                /* mailbox.h:34 reader->released */
    byte ready[MAXT];       /* mailbox.h:35 ready list, as ticket -> message + 1 */
    bool stopped;           /* worker.c:83 ZACTOR__CELL_STOPPED */
    byte cgen;              /* ghost: generation now in the cell */
    bool stop_done;         /* ghost: generation 0 was stopped */
    bool started;           /* worker.c:65 ZACTOR__CELL_STARTED (generation 0 only: 1 has no `on start`) */
    /* a turn's temporaries, zeroed after use so that they do not split states */
    byte cur, rg, pv, tm, tslot, tring, t, s;
    bool got, from_letter, progress;
    int gl;

    do
    :: atomic { tokens > 0 -> tokens--; in_turn = true; news = false } /* worker.c:123 zactor__scheduler_next */
        /* worker.c:127 -> worker.c:57 run_turn */
        if                                              /* worker.c:66 -> actor.c:286 actor_start */
        :: !started ->                                  /* `on start` may call zactor_stop (actor.c:295) */
            started = true; progress = true;           /* worker.c:101 starting: progress */
            if
            :: atomic {                                 /* actor.c:296 -> actor.c:299 stop_now */
                   stopped = true; stop_done = true;
                   life = life & ~ALIVE                 /* actor.c:308 stop_now: fetch_and ~ALIVE */
               }
            :: skip
            fi
        :: else -> skip
        fi;
        cur = mring;                                    /* worker.c:75 -> mailbox.c:321 open: load ring */
        do
        :: /* worker.c:79 -> mailbox.c:501 zactor__mailbox_take */
            if
            :: ready[head] != 0 ->                      /* mailbox.c:505 take: ready_letter */
                got = true; from_letter = true; tm = ready[head] - 1
            :: else ->
                /* mailbox.c:508 take -> mailbox.c:326 ring_of */
                if
                :: cur == 0 -> cur = mring              /* mailbox.c:331 ring_of: load ring */
                :: else -> skip
                fi;
                rg = cur;
                if
                :: rg != 0 ->
                    atomic {
                        ACCESS(rg); pv = r_prev[rg];    /* mailbox.c:337 ring_of: prev (only we write it) */
                        if
                        :: pv != 0 && head < r_base[rg] -> rg = pv /* mailbox.c:340-341 */
                        :: else -> skip
                        fi
                    }
                    if
                    :: pv == 0 || rg == pv -> skip
                    :: else ->                          /* mailbox.c:342 every ticket before base taken */
                        free_ring(pv);                  /* mailbox.c:345 ring_of: free prev */
                        r_prev[rg] = 0;                 /* mailbox.c:348 ring_of: prev = NULL */
                        room = r_cap[rg]                /* mailbox.c:351 ring_of: store room */
                    fi;
                    atomic {                            /* mailbox.c:512 take: load slot seq */
                        ACCESS(rg); pv = 0;
                        if
                        :: r_seq[SLOT(rg, head)] == head + 1 ->
                            got = true; tring = rg; tslot = SLOT(rg, head);
                            tm = r_msg[tslot]           /* mailbox.c:515 open_slot */
                        :: else -> skip
                        fi;
                        rg = 0
                    }
                :: else -> skip
                fi;
                /* mailbox.c:519 take -> mailbox.c:456 collect_overflow */
                if
                :: !got && ovf_n != 0 && (MUTANT != 3 || cur == 0) -> /* mailbox.c:459 collect: peek */
                    d_step {                            /* mailbox.c:463 collect: exchange the stack */
                        for (t : 0 .. MAXT - 1) {       /* mailbox.c:464 merge_stack (ours) */
                            if
                            :: ovf[t] != 0 ->
                                assert(t >= head && ready[t] == 0);
                                ready[t] = ovf[t]; ovf[t] = 0
                            :: else -> skip
                            fi
                        }
                        ovf_n = 0; t = 0
                    }
                    /* mailbox.c:465 collect -> mailbox.c:424 grow_ring */
                    if
                    :: cur == 0 -> skip                 /* mailbox.c:428 no ring */
                    :: else -> ACCESS(cur);
                        if
                        :: r_cap[cur] >= MAX_CAP || r_prev[cur] != 0 -> skip /* mailbox.c:428-430 */
                        :: r_cap[cur] < MAX_CAP && r_prev[cur] == 0 -> skip /* mailbox.c:434 new_ring failed */
                        :: r_cap[cur] < MAX_CAP && r_prev[cur] == 0 ->
                            atomic {                    /* mailbox.c:441 grow: CAS loop setting LOCKED */
                                assert(!(life & LOCKED)); /* nobody else may hold it during a turn */
                                gl = life; life = life | LOCKED
                            }
                            atomic {                    /* mailbox.c:432 new_ring (private until 449) */
                                new_ring(rg, r_cap[cur] * 2);
                                r_base[rg] = TAIL(gl);  /* mailbox.c:445 base = tail */
                                r_grown[rg] = true;     /* grow: grown = 1 */
                                r_prev[rg] = cur        /* mailbox.c:446 prev = the old ring */
                            }
                            /* grow: store lap_base and lap_room (under LOCKED:
                             * a sender reading a mix of both fails its CAS, or
                             * takes the new base, free either way) */
                            atomic { lap_base = r_base[rg]; lap_room = r_cap[rg] }
                            mring = rg;                 /* mailbox.c:449 grow: store ring */
                            atomic {
                                assert(life & LOCKED);
                                life = life & ~LOCKED;  /* mailbox.c:451 grow: fetch_and ~LOCKED */
                                cur = rg; rg = 0; gl = 0 /* mailbox.c:452 */
                            }
                        fi
                    fi;
                    if                                  /* mailbox.c:519 take: ready_letter */
                    :: ready[head] != 0 -> got = true; from_letter = true; tm = ready[head] - 1
                    :: else -> skip
                    fi
                :: else -> skip
                fi
            fi;
            if
            :: !got ->                                  /* worker.c:79 take false: end of turn */
                COVER(cover_sender_between_count_and_push, TAIL(life) != head);
                break
            :: else -> skip
            fi;
            /* worker.c:83-90: the handler, or a dead letter once stopped */
            progress = true;                            /* worker.c:101 handled > 0 */
            COVER(cover_dead_letter, stopped);
            COVER(cover_new_incarnation_handles, cgen == 1);
            d_step {
                assert(fate[tm] == ACCEPTED);           /* no duplicate, nothing unsent */
                assert(mgen[tm] == cgen);               /* no delivery across incarnations */
                s = tm / NMSG;
                assert(tm % NMSG + 1 > last[s]);        /* per-sender FIFO */
                last[s] = tm % NMSG + 1;
                fate[tm] = (stopped -> DEAD : HANDLED); /* worker.c:84 dead letter, 87 handler */
                s = 0; tm = 0
            }
            if
            :: !stopped && cgen == 0 ->                 /* the handler may call zactor_stop */
                if
                :: atomic {                             /* worker.c:89 -> actor.c:299 stop_now */
                       stopped = true; stop_done = true;
                       life = life & ~ALIVE             /* actor.c:308 stop_now: fetch_and ~ALIVE */
                   }
                :: skip
                fi
            :: else -> skip
            fi;
            /* worker.c:91 -> mailbox.c:536 zactor__mailbox_release */
            if
            :: from_letter -> ready[head] = 0           /* mailbox.c:542-543 release: free the letter */
            :: else ->
                atomic {                                /* mailbox.c:547 release: clear seq */
                    ACCESS(tring); r_seq[tslot] = 0; tring = 0; tslot = 0
                }
            fi;
            got = false; from_letter = false;
            head++;                                     /* mailbox.c:549 */
            if
            :: head - rr >= BATCH ->                    /* mailbox.c:555 a batch taken */
                atomic { rr = head; released = head }   /* mailbox.c:530-533 publish_released */
            :: else -> skip
            fi;
            if                                          /* worker.c:78 handled < limit */
            :: skip                                     /* go on */
            :: break                                    /* the turn's limit: any limit >= 1 */
            fi
        od;
        cur = 0;
        /* worker.c:93 -> mailbox.c:559 close -> mailbox.c:525 publish_released */
        if
        :: rr != head -> atomic { rr = head; released = head } /* mailbox.c:530-533 */
        :: else -> skip
        fi;
        /* worker.c:101 -> actor.c:340 zactor__actor_end_turn */
        gl = life;                                      /* actor.c:346 end_turn: load life */
        do
        :: TAIL(gl) != head && (MUTANT != 1 || !(gl & ALIVE)) -> /* actor.c:348 end_turn: tickets left */
            /* actor.c:350 zactor__scheduler_requeue. A turn that took
             * nothing requeues without progress (scheduler.c:292-296): a
             * sender must be between count and push. The model waits for a
             * push (`news`) before it requeues, so a message pushed where
             * the consumer never looks is a deadlock here, not a silent
             * livelock that a safety search would not report. */
            atomic {
                progress || news ->
                assert(tokens == 0);
                in_turn = false; tokens++; gl = 0; progress = false
            };
            break
        :: TAIL(gl) == head && !(gl & ALIVE) ->         /* actor.c:353 end_turn: stopped */
            /* actor.c:355 -> actor.c:322 recycle -> mailbox.c:609 zactor__mailbox_clear */
            d_step {
                assert(ovf_n == 0);                     /* mailbox.c:618 every ticket was taken */
                for (t : 0 .. MAXT - 1) {               /* mailbox.c:642 no letter left */
                    assert(ready[t] == 0)
                }
                t = 0
            }
            rg = mring;                                 /* mailbox.c:649 -> 566 free_rings: load ring (569) */
            if
            :: rg != 0 ->
                ACCESS(rg); pv = r_prev[rg];            /* mailbox.c:572 free_rings: prev */
                if
                :: pv != 0 -> free_ring(pv)             /* mailbox.c:574 */
                :: else -> skip
                fi;
                free_ring(rg);                          /* mailbox.c:575 */
                mring = 0;                              /* mailbox.c:576 */
                room = INIT_CAP;                        /* mailbox.c:577 */
                lap_room = 0                            /* free_rings: no grown ring */
            :: else -> skip
            fi;
            rg = 0; pv = 0;
            released = 0;                               /* mailbox.c:650 clear: released = 0 */
            head = 0; rr = 0;                           /* mailbox.c:651-652 */
            stopped = false;                            /* actor.c:328 flags = 0 */
            atomic {                                    /* actor.c:332 recycle: life = generation + 1 | NORING */
                assert(life == gl);                     /* nobody else writes a dead, drained word */
                life = ((GEN(gl) + 1) << 8) | NORING;
                in_turn = false; gl = 0
            }
            atomic {                                    /* actor.c:156 zactor_spawn: a new actor, no `on start` */
                cgen = GEN(life);
                life = (cgen << 8) | ALIVE | NORING;
                spawned1 = true
            }
            break
        :: (TAIL(gl) == head || MUTANT == 1) && (gl & ALIVE) ->
            atomic {                                    /* actor.c:362 end_turn: CAS clearing RUNNABLE */
                if
                :: life == gl -> life = gl & ~RUNNABLE; in_turn = false; gl = 0; break
                :: else -> gl = life                    /* a sender took a ticket: go round */
                fi
            }
        od
        /* actor.c:369 zactor__worker_note_idle: the Trimmer may trim it now */
    :: timeout -> break                                 /* nothing else can happen */
    od;

    /* The end: every process is done or waits for a ref that never came. */
    skip;
    d_step {
        assert(done == 2 + spawned1);                   /* no producer stuck */
        for (t : 0 .. NM - 1) {
            assert(fate[t] != ACCEPTED)                 /* no loss, no lost wake-up */
        }
        assert(!(life & (RUNNABLE | LOCKED)));          /* not left runnable without a turn */
        assert(!stop_done || cgen == 1);                /* a stopped actor's cell is recycled */
        /* no ring leaked: the live rings are the mailbox's ring and its prev */
        s = 0;
        for (t : 1 .. NR - 1) {
            if
            :: r_state[t] == LIVE -> s++
            :: else -> skip
            fi
        }
        assert(s == (mring != 0) + (mring != 0 && r_prev[mring] != 0))
    }
}

/* ==== another worker trimming an idle actor's ring ==================== */

/* worker.c:114 -> actor.c:372 zactor__actor_trim, NTRIM times, whenever
 * the actor looks idle (a look that finds it busy changes nothing). */
proctype Trimmer()
{
    byte tries, rg, pv;
    int l;
    bool trimmed;

end_trim:
    do
    :: atomic {                                         /* actor.c:375 trim: load life */
           tries < NTRIM && (life & ALIVE) && !(life & (RUNNABLE | LOCKED | NORING)) ->
           l = life; tries++                            /* actor.c:379 alive, idle, has a ring */
       }
        atomic {                                        /* actor.c:383 trim: CAS setting LOCKED */
            if
            :: life == l -> life = l | LOCKED
            :: else -> l = 0                            /* failed: give up */
            fi
        }
        if
        :: l != 0 ->
            /* actor.c:386 -> mailbox.c:580 zactor__mailbox_trim */
            assert(tokens == 0 && !in_turn && ovf_n == 0); /* idle indeed */
            rg = mring;                                 /* mailbox.c:586 trim: load ring */
            ACCESS(rg);                                 /* never NULL (mailbox.c:589): NORING was clear */
            /* mailbox.c zactor__mailbox_trim: a first ring goes, a grown
             * one stays up to KEPT_SLOTS slots and goes past it; the
             * model's grown ring stands for either. */
            if
            :: r_cap[rg] != INIT_CAP -> trimmed = false /* kept */
            :: else ->
                /* free_rings; a first-size ring has no prev to free */
                assert(r_prev[rg] == 0);
                free_ring(rg);
                mring = 0;
                room = INIT_CAP;
                lap_room = 0;                           /* free_rings: no grown ring */
                trimmed = true;
                COVER(cover_new_incarnation_trimmed, GEN(l) == 1)
            :: r_cap[rg] != INIT_CAP ->                 /* past KEPT_SLOTS */
                pv = r_prev[rg];                        /* free_rings: its prev, if the actor */
                if                                      /* went idle right at base */
                :: pv != 0 -> free_ring(pv); COVER(cover_trim_with_prev, true)
                :: else -> skip
                fi;
                free_ring(rg);
                mring = 0;
                room = INIT_CAP;
                lap_room = 0;
                trimmed = true; pv = 0
            fi;
            atomic {                                    /* actor.c:389 trim: store life */
                assert(life == (l | LOCKED));           /* senders waited: the word is as we left it */
                life = l | (trimmed -> NORING : 0);
                l = 0; rg = 0; trimmed = false
            }
        :: else -> skip
        fi
    od
}

init {
    atomic {
        /* actor.c:156 zactor_spawn: generation 0 has `on start`, so it is
         * runnable at once (actor.c:159) and scheduled (actor.c:163);
         * no ring yet. */
        life = ALIVE | NORING | RUNNABLE;
        tokens = 1;
        run Worker();
        run Trimmer();
        run Producer(0, 0, NMSG, false);
        run Producer(1, 0, NMSG, true);         /* one by one, or all in one batch */
        run Producer(2, 1, 1, false)
    }
}
