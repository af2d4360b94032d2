/* mailbox.pml - the mailbox and life-word protocol of ZActor, for spin.
 *
 * Models runtime/src/life.h, mailbox.c, actor.c and worker.c as of commit
 * 7a6d00e: every step names the C file, the line of that commit and the
 * function it stands for ("mailbox.c:457 push_to_ring: ..."). README.md
 * (this folder) says what the model covers, what it leaves out, and how to
 * run it.
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
 *   the mailbox's ring and its prev; one that overflows has the letter it
 *   prepared;
 * - slot words (the consumer leaves a slot's word when it takes the
 *   message, and clears only the slot of a ticket it took from a letter):
 *   a sender writes a slot only when its word is 0 or names a ticket the
 *   consumer took and released; the take finds in the head's slot 0, the
 *   head's word, or the word of the ticket one lap before; the consumer
 *   clears only a word of a ticket already taken;
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

#define INIT_CAP 2      /* mailbox.c:88 INITIAL_SLOTS (8 in C) */
#define MAX_CAP 4       /* mailbox.c:90 MAX_SLOTS: one growth, 2 -> 4 (2^24 in C) */
#define BATCH 2         /* takes per store of released (mailbox.c:898: capacity / 4) */
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
/* mailbox.h:29-30 lap_base, lap_room: the newest grown ring's first lap,
 * which senders read instead of the ring (a trim may free it before their
 * CAS) */
byte lap_base;
byte lap_room;
byte mring;             /* mailbox.h:31: ring id, 0 = NULL */
/* mailbox.h:48 reader->overflow, the overflow stack (senders reach it
 * through mailbox.h:32), as the set of tickets it holds: the
 * consumer takes it whole and sorts it by ticket, so its order is moot. */
byte ovf[MAXT];         /* ticket -> message + 1, 0 = none */
byte ovf_n;             /* letters on the stack */

/* The consumer's head (mailbox.h:38 reader->head): only the worker writes
 * it; it is global so that the senders' assertions can read it (ghost). */
byte head;

/* ---- rings (mailbox.c:107) -------------------------------------------- */
#define NOTYET 0
#define LIVE   1
#define FREED  2
byte r_state[NR];       /* ghost: allocation state, checked on every access */
byte r_cap[NR];         /* mailbox.c:108 capacity */
byte r_base[NR];        /* mailbox.c:110 first ticket of this ring when prev is set */
byte r_prev[NR];        /* mailbox.c:112 ring holding the tickets before base */
bool r_grown[NR];       /* mailbox.c:111 grown: base is exact */
/* mailbox.c:117 slot sequence word: 0 never written (or cleared), t + 1 for
 * PUBLISHED | t (mailbox.c:95), left there once ticket t is taken */
byte r_seq[NR * MAX_CAP];
byte r_msg[NR * MAX_CAP]; /* mailbox.c:118 slot bytes: the message */
byte nrings = 1;        /* next fresh ring id */

/* A scenario the search must reach: pan lists a COVER it never reached
 * among the unreached statements, and check.sh fails on it. */
#define COVER(what, cond) if :: (cond) -> printf(#what) :: else -> skip fi

#define SLOT(r, t) ((r) * MAX_CAP + (t) % r_cap[r])   /* mailbox.c:137 slot_at */
#define ACCESS(r) assert((r) != 0 && r_state[r] == LIVE) /* no use after free */

/* mailbox.c:225 new_ring: a fresh id (its slots are 0, mailbox.c:246-249) */
inline new_ring(id, cap) {
    id = nrings; nrings++;
    assert(id < NR);
    r_state[id] = LIVE; r_cap[id] = cap
}
/* mailbox.c:253 free_ring. The freed ring's MAX_CAP (4) slots are zeroed
 * as well, so that words nobody can read any more (ACCESS) do not split
 * states. */
inline free_ring(id) {
    d_step {
        ACCESS(id); r_state[id] = FREED;
        r_seq[id * MAX_CAP] = 0; r_seq[id * MAX_CAP + 1] = 0;
        r_seq[id * MAX_CAP + 2] = 0; r_seq[id * MAX_CAP + 3] = 0;
        r_msg[id * MAX_CAP] = 0; r_msg[id * MAX_CAP + 1] = 0;
        r_msg[id * MAX_CAP + 2] = 0; r_msg[id * MAX_CAP + 3] = 0
    }
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

/* actor.c:305 send_message (zactor_send, zactor__send), `count` times, with a ref to generation mygen:
 * actor.c:333 -> actor.c:192 deliver with n = 1; or, when batch, all
 * `count` messages in one send through the outbox (actor.c:263
 * zactor__outbox_deliver -> actor.c:270 deliver with n = count): every
 * message prepared with the word its ticket would be taken from, one CAS
 * taking `count` tickets, then the pushes in order (mailbox.c:527
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
end_wait:   spawned1                    /* its ref comes from actor.c:171-172 zactor_spawn */
    :: else -> skip
    fi;
    k = 0;
    do
    :: k >= count -> break
    :: else ->
        n = (batch -> count - k : 1);
        assert(n <= 2);                                 /* letter[] holds two */
        m = me * NMSG + k;                              /* the send's first message */
        l = life;                                       /* actor.c:201 deliver: load life */
        do
        :: GEN(l) != mygen || !(l & ALIVE) ->           /* actor.c:205 deliver: stale or dead */
            COVER(cover_stale_ref_refused, GEN(l) != mygen);
            d_step {                                    /* actor.c:206 deliver: ZACTOR_EDEAD */
                fate[m] = REFUSED;
                if :: n == 2 -> fate[m + 1] = REFUSED :: else -> skip fi
            };
            break
        :: else ->
            if
            :: l & LOCKED ->                            /* actor.c:207 deliver: LOCKED */
                /* actor.c:208 -> actor.c:185 wait_unlocked: load life */
                atomic { !(life & LOCKED) -> l = life }
            :: else ->
                /* actor.c:218 deliver -> mailbox.c:383 zactor__mailbox_prepare */
                atomic {
                    rel = released;                     /* mailbox.c:391 mailbox_prepare: load released */
                    /* mailbox.c:396 mailbox_prepare: queued. A stale word (released
                     * past tail: the CAS will fail) goes to prepare_slow,
                     * which allocates nothing for it (mailbox.c:371-372). */
                    queued = (rel > TAIL(l) -> 0 : TAIL(l) - rel)
                }
                if
                :: l & NORING ->                        /* mailbox.c:397-398 mailbox_prepare -> prepare_slow */
                    /* mailbox.c:364 prepare_slow -> mailbox.c:314 install_ring:
                     * mailbox.c:328 CAS ring NULL -> a new ring (mailbox.c:320-321).
                     * The load before it (mailbox.c:318) only saves the
                     * allocation, and a loser's ring, freed at once
                     * (mailbox.c:330), was never seen: both left out. */
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
                /* mailbox.c:394 mailbox_prepare: load room (mailbox.c:377 in
                 * prepare_slow, after the install); then, if the ring may be
                 * full (mailbox.c:399, 329), mailbox.c:342 prepare_letter:
                 * mailbox.c:348-349 load lap_room and lap_base, and no letter
                 * for a ticket in that first lap while the released read
                 * before is before lap_base (mailbox.c:350 in_first_lap).
                 * One step for the three loads: each test alone shows the
                 * slot free at the push (room only grows while the word
                 * stays; the lap changes only under LOCKED, which fails the
                 * CAS, or leaves the word as it was, when our ticket is the
                 * new base: free whatever was read), so which mix of old
                 * and new values is read makes no difference. A batch's
                 * second message is prepared from the word after the first,
                 * one ticket further (actor.c:217-220; C loads released,
                 * room and the lap again for it: later values only make a
                 * letter less needed, and the model's one read stands for
                 * the interleaving where both reads see the same). */
                atomic {
                    if
                    :: queued >= room &&
                       !(lap_room != 0 && rel < lap_base && TAIL(l) - lap_base < lap_room) ->
                        letter[0] = true                /* mailbox.c:352-353 prepare_letter: allocate a letter */
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
                atomic {                                /* actor.c:228 deliver: CAS life (tickets + count) */
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
            /* actor.c:239-243 deliver -> mailbox.c:512 zactor__mailbox_push,
             * or mailbox.c:527 zactor__mailbox_push_batch for a batch */
            i = 0;
            do
            :: i >= n -> break
            :: else ->
                ticket = TAIL(l) + i;
                /* mailbox.c:519 mailbox_push (mailbox.c:532 mailbox_push_batch): load ring */
                ring = mring;
                /* push's fast path (mailbox.c:521-523: no letter prepared, a
                 * relaxed peek finds no prev, push_to_ring finds the slot
                 * free) is the steps below with prev NULL: it writes the
                 * ring's slot as push_to_ring does. Otherwise push_slow
                 * (mailbox.c:501 -> mailbox.c:505 push_to_ring_or_letter)
                 * reads prev and released again: the model reads each once,
                 * at either moment (a read without effect may come late). */
                atomic {
                    /* mailbox.c:470 push_to_ring_or_letter: load ring->prev */
                    ACCESS(ring); pv = r_prev[ring];
                    if
                    :: pv != 0 && ticket < r_base[ring] -> ring = pv /* mailbox.c:471-472 push_to_ring_or_letter: before base: prev */
                    :: else -> skip
                    fi;
                    pv = 0
                }
                rel = released;                         /* mailbox.c:451 push_to_ring: load released */
                /* The capacity read (mailbox.c:174) is of a field fixed at
                 * allocation: it shares the step of the write that follows. */
                atomic {
                    assert(rel <= ticket);
                    ACCESS(ring);
                    if
                    :: ticket - rel < r_cap[ring] || MUTANT == 2 || /* mailbox.c:452 push_to_ring -> mailbox.c:174 slot_free */
                       (r_grown[ring] && rel < r_base[ring] && ticket - r_base[ring] < r_cap[ring]) ->
                        /* (mailbox.c:176 slot_free: or in a grown ring's first lap) */
                        /* mailbox.c:455 push_to_ring: write_slot, then mailbox.c:457
                         * store seq (PUBLISHED | ticket): one step here, since the
                         * consumer reads the bytes only once seq is published,
                         * and two senders writing one slot fail the assertion
                         * below in either order. The slot's word is 0 (never
                         * written, or cleared after a letter) or that of a
                         * ticket the consumer took and released (before the
                         * head: it no longer reads the slot's bytes). */
                        COVER(cover_letter_not_needed, letter[i]); /* mailbox.c:474-475 push_to_ring_or_letter: letter freed */
                        COVER(cover_first_lap, ticket - rel >= r_cap[ring]);
                        COVER(cover_slot_word_of_taken_ticket, r_seq[SLOT(ring, ticket)] != 0);
                        assert(r_seq[SLOT(ring, ticket)] <= head);
                        r_msg[SLOT(ring, ticket)] = m + i;
                        r_seq[SLOT(ring, ticket)] = ticket + 1;
                        news = true
                    :: else ->
                        assert(letter[i]);              /* mailbox.c:481 push_to_ring_or_letter: the letter prepare allocated */
                        if                              /* mailbox.c:482 push_to_ring_or_letter: write_slot into the letter */
                        :: batch ->                     /* mailbox.c:541-545 mailbox_push_batch: the letter joins the chain */
                            chained = chained | (1 << i)
                        :: else ->
                            /* mailbox.c:508 push_slow -> mailbox.c:495 push_letters:
                             * CAS onto the overflow stack */
                            assert(ovf[ticket] == 0);
                            ovf[ticket] = m + 1; ovf_n++;
                            news = true
                        fi
                    fi
                };
                i++
            od;
            if
            :: chained != 0 ->                          /* mailbox.c:547-548 mailbox_push_batch -> mailbox.c:495 push_letters: the chain in one CAS */
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
            :: !(l & RUNNABLE) ->                       /* actor.c:256 deliver: our CAS set RUNNABLE */
                atomic {                                /* actor.c:258 deliver -> scheduler.c:263 zactor__schedule */
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
    /* The consumer's half (mailbox.h:37; its head is the global `head`)
     * and the cell's flags: only the worker running the actor's turn
     * touches them. */
    byte rr;                /* mailbox.h:39 reader->released */
    byte ready[MAXT];       /* mailbox.h:40 ready list, as ticket -> message + 1 */
    bool stopped;           /* worker.c:84 ZACTOR__CELL_STOPPED */
    byte cgen;              /* ghost: generation now in the cell */
    bool stop_done;         /* ghost: generation 0 was stopped */
    bool started;           /* worker.c:65 ZACTOR__CELL_STARTED (generation 0 only: 1 has no `on start`) */
    /* a turn's temporaries, zeroed after use so that they do not split states */
    byte cur, rg, pv, tm, t, s;
    bool got, from_letter, progress;
    int gl;

    do
    :: atomic { tokens > 0 -> tokens--; in_turn = true; news = false } /* worker.c:136 worker_main -> scheduler.c:528 zactor__scheduler_next */
        /* worker.c:140 -> worker.c:57 run_turn */
        if                                              /* worker.c:66 -> actor.c:383 zactor__actor_start */
        :: !started ->                                  /* `on start` (actor.c:391) may call zactor_stop */
            started = true; progress = true;           /* worker.c:65 run_turn: starting, progress (worker.c:108) */
            if
            :: atomic {                                 /* actor.c:392-393 -> actor.c:396 zactor__actor_stop_now */
                   stopped = true; stop_done = true;
                   life = life & ~ALIVE                 /* actor.c:405 actor_stop_now: fetch_and ~ALIVE */
               }
            :: skip
            fi
        :: else -> skip
        fi;
        cur = mring;                                    /* worker.c:76 -> mailbox.c:564 zactor__mailbox_open: load ring */
        do
        :: /* worker.c:80 -> mailbox.c:827 zactor__mailbox_take */
            if
            :: ready[head] != 0 ->                      /* mailbox.c:833-835 mailbox_take: ready_letter */
                got = true; from_letter = true; tm = ready[head] - 1
            :: else ->
                /* take's fast path (mailbox.c:836-850) reads the cursor's
                 * ring directly when it has no prev: what ring_of returns
                 * then (mailbox.c:594-595), so the steps below. On a miss
                 * it returns false when the overflow stack is empty (the
                 * model's peek below) and otherwise goes to take_slow
                 * (mailbox.c:851 -> mailbox.c:805), which reads the slot
                 * again (mailbox.c:816) before it collects: the model reads
                 * it once, at either moment (a read without effect may come
                 * late). */
                /* mailbox.c:812 take_slow -> mailbox.c:582 ring_of */
                if
                :: cur == 0 -> cur = mring              /* mailbox.c:587 ring_of: load ring */
                :: else -> skip
                fi;
                rg = cur;
                if
                :: rg != 0 ->
                    atomic {
                        ACCESS(rg); pv = r_prev[rg];    /* mailbox.c:593 ring_of: prev (only we write it) */
                        if
                        :: pv != 0 && head < r_base[rg] -> rg = pv /* mailbox.c:596-597 ring_of: before base: prev */
                        :: else -> skip
                        fi
                    }
                    if
                    :: pv == 0 || rg == pv -> skip
                    :: else ->                          /* mailbox.c:598 ring_of: every ticket before base taken */
                        free_ring(pv);                  /* mailbox.c:601 ring_of: free prev */
                        r_prev[rg] = 0;                 /* mailbox.c:604 ring_of: prev = NULL */
                        room = r_cap[rg]                /* mailbox.c:607 ring_of: store room */
                        /* mailbox.c:609-610 ring_of: grow again if letters
                         * wait: a no-op here, the ring that had a prev is at
                         * MAX_CAP already (mailbox.c:716) */
                    fi;
                    /* mailbox.c:841 mailbox_take (fast path), mailbox.c:816 take_slow:
                     * load slot seq. No word outlives one lap: the slot holds
                     * 0, the head's ticket, or the ticket one lap before
                     * (which a 2^28 wrap could not make match). */
                    atomic {
                        ACCESS(rg); pv = 0;
                        assert(r_seq[SLOT(rg, head)] == 0 || r_seq[SLOT(rg, head)] == head + 1 ||
                               r_seq[SLOT(rg, head)] + r_cap[rg] == head + 1);
                        COVER(cover_take_finds_last_lap,
                              r_seq[SLOT(rg, head)] != 0 && r_seq[SLOT(rg, head)] != head + 1);
                        if
                        :: r_seq[SLOT(rg, head)] == head + 1 ->
                            got = true;
                            tm = r_msg[SLOT(rg, head)]  /* mailbox.c:843 mailbox_take (818 take_slow): open_slot */
                        :: else -> skip
                        fi;
                        rg = 0
                    }
                :: else -> skip
                fi;
                /* mailbox.c:822 take_slow -> mailbox.c:760 collect_overflow */
                if
                :: !got && ovf_n != 0 && (MUTANT != 3 || cur == 0) -> /* mailbox.c:763 collect_overflow (848 mailbox_take): peek */
                    d_step {                            /* mailbox.c:766-767 collect_overflow: exchange the stack */
                        for (t : 0 .. MAXT - 1) {       /* mailbox.c:768 collect_overflow: merge_stack (ours) */
                            if
                            :: ovf[t] != 0 ->
                                assert(t >= head && ready[t] == 0);
                                ready[t] = ovf[t]; ovf[t] = 0
                            :: else -> skip
                            fi
                        }
                        ovf_n = 0; t = 0
                    }
                    /* mailbox.c:769 collect_overflow -> mailbox.c:709 grow_ring */
                    if
                    :: cur == 0 -> skip                 /* mailbox.c:712-713 grow_ring: no ring */
                    :: else -> ACCESS(cur);
                        if
                        :: r_cap[cur] >= MAX_CAP || r_prev[cur] != 0 -> skip /* mailbox.c:716-717 grow_ring: at its largest, or prev alive */
                        :: r_cap[cur] < MAX_CAP && r_prev[cur] == 0 -> skip /* mailbox.c:727-728 grow_ring: new_ring failed */
                        :: r_cap[cur] < MAX_CAP && r_prev[cur] == 0 ->
                            atomic {                    /* mailbox.c:734 grow_ring: CAS loop setting LOCKED */
                                assert(!(life & LOCKED)); /* nobody else may hold it during a turn */
                                gl = life; life = life | LOCKED
                            }
                            /* mailbox.c:725-726 grow_ring: new_ring, before the
                             * lock in C: private until mailbox.c:749, so the
                             * order makes no difference */
                            atomic {
                                new_ring(rg, r_cap[cur] * 2);
                                r_base[rg] = TAIL(gl);  /* mailbox.c:741 grow_ring: base = tail */
                                r_grown[rg] = true;     /* mailbox.c:742 grow_ring: grown = 1 */
                                r_prev[rg] = cur        /* mailbox.c:746 grow_ring: prev = the old ring */
                            }
                            /* mailbox.c:744-745 grow_ring: store lap_base and
                             * lap_room (under LOCKED: a sender reading a mix of
                             * both fails its CAS, or takes the new base, free
                             * either way) */
                            atomic { lap_base = r_base[rg]; lap_room = r_cap[rg] }
                            mring = rg;                 /* mailbox.c:749 grow_ring: store ring */
                            atomic {
                                assert(life & LOCKED);
                                life = life & ~LOCKED;  /* mailbox.c:753 grow_ring: fetch_and ~LOCKED */
                                cur = rg; rg = 0; gl = 0 /* mailbox.c:756 grow_ring: the cursor reads the new ring */
                            }
                        fi
                    fi;
                    if                                  /* mailbox.c:822-823 take_slow: ready_letter */
                    :: ready[head] != 0 -> got = true; from_letter = true; tm = ready[head] - 1
                    :: else -> skip
                    fi
                :: else -> skip
                fi
            fi;
            if
            :: !got ->                                  /* worker.c:80 run_turn: mailbox_take false (mailbox.c:849, 771): end of turn */
                COVER(cover_sender_between_count_and_push, TAIL(life) != head);
                break
            :: else -> skip
            fi;
            /* worker.c:84-95: the handler, or a dead letter once stopped */
            progress = true;                            /* worker.c:108 run_turn: handled > 0 */
            COVER(cover_dead_letter, stopped);
            COVER(cover_new_incarnation_handles, cgen == 1);
            d_step {
                assert(fate[tm] == ACCEPTED);           /* no duplicate, nothing unsent */
                assert(mgen[tm] == cgen);               /* no delivery across incarnations */
                s = tm / NMSG;
                assert(tm % NMSG + 1 > last[s]);        /* per-sender FIFO */
                last[s] = tm % NMSG + 1;
                fate[tm] = (stopped -> DEAD : HANDLED); /* worker.c:85 run_turn: dead letter, 88 handler */
                s = 0; tm = 0
            }
            if
            :: !stopped && cgen == 0 ->                 /* the handler may call zactor_stop */
                if
                :: atomic {                             /* worker.c:91-92 -> actor.c:396 zactor__actor_stop_now */
                       stopped = true; stop_done = true;
                       life = life & ~ALIVE             /* actor.c:405 actor_stop_now: fetch_and ~ALIVE */
                   }
                :: skip
                fi
            :: else -> skip
            fi;
            /* worker.c:96 -> mailbox.c:873 zactor__mailbox_release. A slot
             * the message was taken from keeps its word (mailbox.c:891-892):
             * the next lap's sender replaces it. */
            if
            :: from_letter ->
                ready[head] = 0;                        /* mailbox.c:880-881 mailbox_release: the letter off the list, freed */
                /* mailbox.c:887 mailbox_release -> mailbox.c:582 ring_of(head): the
                 * cursor's ring, else the mailbox's (mailbox.c:584-590). A
                 * letter's ticket found its slot busy, so a ring exists, and
                 * only a trim or a recycle, never during a turn, takes it. */
                cur = (cur == 0 -> mring : cur);
                assert(cur != 0);
                atomic {
                    ACCESS(cur); pv = r_prev[cur];      /* mailbox.c:593 ring_of: prev */
                    rg = (pv != 0 && head < r_base[cur] -> pv : cur); /* mailbox.c:594-597 ring_of */
                    /* ring_of frees prev (mailbox.c:598-610) at the first
                     * ticket of base or later; here it never does: the take
                     * of base itself freed it, as base is never a letter's
                     * ticket (its slot is free, the first lap's). */
                    assert(pv == 0 || rg == pv);
                    pv = 0
                }
                /* mailbox.c:888-889 mailbox_release: clear the slot's seq (relaxed:
                 * no sender writes it while the head's ticket is not
                 * released). Its word is 0 or a ticket before the head.
                 * With NMSG = 2 it is never 0 (that takes two letters in
                 * one slot: 6 tickets on 2 slots), so no COVER of it. */
                atomic {
                    ACCESS(rg);
                    assert(r_seq[SLOT(rg, head)] <= head);
                    r_seq[SLOT(rg, head)] = 0; rg = 0
                }
            :: else -> skip
            fi;
            got = false; from_letter = false;
            head++;                                     /* mailbox.c:893 mailbox_release: head + 1 */
            if
            :: head - rr >= BATCH ->                    /* mailbox.c:897-899 mailbox_release: a batch taken */
                atomic { rr = head; released = head }   /* mailbox.c:900 -> mailbox.c:859 publish_released (806-809) */
            :: else -> skip
            fi;
            if                                          /* worker.c:79 run_turn: handled < limit */
            :: skip                                     /* go on */
            :: break                                    /* the turn's limit: any limit >= 1 */
            fi
        od;
        cur = 0;
        /* worker.c:100 -> mailbox.c:903 zactor__mailbox_close -> mailbox.c:905 publish_released */
        if
        :: rr != head -> atomic { rr = head; released = head } /* mailbox.c:862-867 publish_released */
        :: else -> skip
        fi;
        /* worker.c:108 -> actor.c:440 zactor__actor_end_turn */
        gl = life;                                      /* actor.c:446 actor_end_turn: load life */
        do
        :: TAIL(gl) != head && (MUTANT != 1 || !(gl & ALIVE)) -> /* actor.c:448 actor_end_turn: tickets left */
            /* actor.c:450 -> scheduler.c:298 zactor__scheduler_requeue. A
             * turn that took nothing requeues without progress
             * (scheduler.c:311-316): a
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
        :: TAIL(gl) == head && !(gl & ALIVE) ->         /* actor.c:453 actor_end_turn: stopped */
            /* actor.c:455 -> actor.c:419 recycle -> actor.c:425 -> mailbox.c:960 zactor__mailbox_clear */
            d_step {
                assert(ovf_n == 0);                     /* mailbox.c:969 mailbox_clear: the stack is empty, every ticket was taken */
                for (t : 0 .. MAXT - 1) {               /* mailbox.c:971, 924 mailbox_clear: no ticket, no letter left */
                    assert(ready[t] == 0)
                }
                t = 0
            }
            rg = mring;                                 /* mailbox.c:1000 mailbox_clear -> mailbox.c:910 free_rings: load ring (851) */
            if
            :: rg != 0 ->
                ACCESS(rg); pv = r_prev[rg];            /* mailbox.c:916 free_rings: prev */
                if
                :: pv != 0 -> free_ring(pv)             /* mailbox.c:917-918 free_rings: free prev */
                :: else -> skip
                fi;
                free_ring(rg);                          /* mailbox.c:919 free_rings: free the ring */
                mring = 0;                              /* mailbox.c:920 free_rings: ring = NULL */
                room = INIT_CAP;                        /* mailbox.c:921 free_rings: room = INITIAL_SLOTS */
                lap_room = 0                            /* mailbox.c:922 free_rings: no grown ring */
            :: else -> skip
            fi;
            rg = 0; pv = 0;
            released = 0;                               /* mailbox.c:1001 mailbox_clear: released = 0 */
            head = 0; rr = 0;                           /* mailbox.c:1002-1003 mailbox_clear: head, reader released = 0 */
            stopped = false;                            /* actor.c:428 recycle: flags = 0 */
            atomic {                                    /* actor.c:432 recycle: life = generation + 1 | NORING */
                assert(life == gl);                     /* nobody else writes a dead, drained word */
                life = ((GEN(gl) + 1) << 8) | NORING;
                in_turn = false; gl = 0
            }
            atomic {                                    /* actor.c:162 zactor_spawn: a new actor, no `on start` (actor.c:157-158) */
                cgen = GEN(life);
                life = (cgen << 8) | ALIVE | NORING;
                spawned1 = true
            }
            break
        :: (TAIL(gl) == head || MUTANT == 1) && (gl & ALIVE) ->
            atomic {                                    /* actor.c:462 actor_end_turn: CAS clearing RUNNABLE */
                if
                :: life == gl -> life = gl & ~RUNNABLE; in_turn = false; gl = 0; break
                :: else -> gl = life                    /* a sender took a ticket: go round */
                fi
            }
        od
        /* actor.c:468-469 actor_end_turn -> worker.c:111 zactor__worker_note_idle: the Trimmer may trim it now */
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

/* worker.c:127 zactor__worker_trim_idle -> actor.c:472 zactor__actor_trim,
 * NTRIM times, whenever the actor looks idle (a look that finds it busy
 * changes nothing). */
proctype Trimmer()
{
    byte tries, rg, pv;
    int l;
    bool trimmed;

end_trim:
    do
    :: atomic {                                         /* actor.c:475 actor_trim: load life */
           tries < NTRIM && (life & ALIVE) && !(life & (RUNNABLE | LOCKED | NORING)) ->
           l = life; tries++                            /* actor.c:479 actor_trim: alive, idle, has a ring */
       }
        atomic {                                        /* actor.c:483 actor_trim: CAS setting LOCKED */
            if
            :: life == l -> life = l | LOCKED
            :: else -> l = 0                            /* failed: give up */
            fi
        }
        if
        :: l != 0 ->
            /* actor.c:486 -> mailbox.c:925 zactor__mailbox_trim */
            assert(tokens == 0 && !in_turn && ovf_n == 0); /* idle indeed */
            rg = mring;                                 /* mailbox.c:931 mailbox_trim: load ring */
            ACCESS(rg);                                 /* never NULL (mailbox.c:933): NORING was clear */
            /* mailbox.c:933 mailbox_trim: a first ring goes, a grown one stays up
             * to KEPT_SLOTS slots (mailbox.c:89) and goes past it; the
             * model's grown ring stands for either. */
            if
            :: r_cap[rg] != INIT_CAP -> trimmed = false /* kept (mailbox.c:934) */
            :: else ->
                /* mailbox.c:935 -> mailbox.c:910 free_rings; a first-size
                 * ring has no prev to free */
                assert(r_prev[rg] == 0);
                free_ring(rg);                          /* mailbox.c:919 free_rings: free the ring */
                mring = 0;                              /* mailbox.c:920 free_rings: ring = NULL */
                room = INIT_CAP;                        /* mailbox.c:921 free_rings: room = INITIAL_SLOTS */
                lap_room = 0;                           /* mailbox.c:922 free_rings: no grown ring */
                trimmed = true;                         /* mailbox.c:936 mailbox_trim: true */
                COVER(cover_new_incarnation_trimmed, GEN(l) == 1)
            :: r_cap[rg] != INIT_CAP ->                 /* past KEPT_SLOTS: mailbox.c:935 -> 848 free_rings */
                pv = r_prev[rg];                        /* mailbox.c:916 free_rings: its prev, if the actor */
                if                                      /* went idle right at base */
                :: pv != 0 -> free_ring(pv); COVER(cover_trim_with_prev, true) /* mailbox.c:917-918 */
                :: else -> skip
                fi;
                free_ring(rg);                          /* mailbox.c:919 free_rings: free the ring */
                mring = 0;                              /* mailbox.c:920 */
                room = INIT_CAP;                        /* mailbox.c:921 */
                lap_room = 0;                           /* mailbox.c:922 */
                trimmed = true; pv = 0                  /* mailbox.c:936 mailbox_trim: true */
            fi;
            atomic {                                    /* actor.c:493 actor_trim: store life */
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
        /* actor.c:162 zactor_spawn: generation 0 has `on start`, so it is
         * runnable at once (actor.c:165) and scheduled (actor.c:169);
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
