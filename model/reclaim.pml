/*
 * reclaim.pml — a Spin model of the preemptible reclaim protocol
 * (kernel/heap_reclaim.c, kernel/preempt.c, kernel/destroy.c, kheap/):
 * what a payer's reclaim does to the pages of its heap while other
 * threads revoke, destroy, transfer, wait on a bank and loop in long
 * calls, each stopping at preemption points between bounded chunks.
 *
 * How it maps to the kernel
 *   - Every `atomic` block is kernel work between two preemption points
 *     (the kernel runs with interrupts off; other threads run only at
 *     points or when a thread is in user mode or blocked). Priorities are
 *     not modelled: weak fairness (pan -f) stands for "a ready thread
 *     eventually runs", which is what lent priority gives a finisher.
 *   - Heap H has NP pages, each free, a page of NS record slots, or a page
 *     holding one page-sized object. kheap's evacuation flag (flagged[]),
 *     its allocator (free slots of unflagged record pages first, then a
 *     free page) and its allocatable count are modelled exactly; the pages
 *     kheap could pick as victim are any it holds (a superset of its rule).
 *   - Objects: three records (R_A has a subtree of SUB records paid
 *     elsewhere; A revokes below it), thread A's TCB, the task of P (the
 *     reclaim's caller: the heap pays for its task), and what S's transfer
 *     allocates in H (a record and a page table).
 *
 * Threads
 *   P  the payer: reclaims every page of H (kernel/heap_reclaim.c).
 *   A  paid by H (its TCB is in H): CALLS calls, each a revoke below R_A
 *      (a mapdb cursor), a long call of CHUNKS chunks, or a heap-fault wait
 *      on its bank (blocked in the kernel, not at a point).
 *   D  destroys A once, at any moment: begin (dying, destroyer D), a
 *      point (its capabilities revoked), then thread_destroy.
 *   S  donates a page to H once (a bank's donation), and sends a memory
 *      COPY to a task H pays for: the transfer check and its commit, one
 *      atomic step as in the kernel.
 *   B  a thread of another task and heap looping long calls forever.
 *
 * Properties (one verification each; `./bursar test` runs them all):
 *   PROP_UAF      no record or thread used after it is freed (A's cursor,
 *                 A resuming on its TCB)
 *   PROP_PROMISE  no allocation the check did not promise (the commit never
 *                 finds the heap short)
 *   PROP_UNIT     a reclaim unit frees what it takes (else the kernel's
 *                 "reclaim failed" panic)
 *   PROP_LEDGER   the ledger is exact: bank frames + H's pages = TOTAL, and
 *                 a finished reclaim has every page back
 *   progress      (ltl, pan -a -f) P's reclaim always finishes
 *
 * Today's protocol is the default. The old behaviours, each caught by
 * ./bursar test (a counterexample must be found):
 *   -DOLD_ALLOCATABLE  the check counts a flagged victim's free slots
 *                      (issue 10 finding 6: PROP_PROMISE fails)
 *   -DOLD_QUIESCE      before every unit, wait until no thread anywhere is
 *                      stopped at a point; the unit destroys what it finds
 *                      (finding 8: progress fails, B starves P)
 *   -DOLD_QUIESCE -DOLD_SELF  and a caller destroyed by its own reclaim is
 *                      dead: no points, no waits, interrupts off to the end
 *                      (finding 7: PROP_UNIT fails on A stopped at a point)
 * and two mutants, so that the other two properties are shown to fail too:
 *   -DMUTANT_CURSOR    mapdb does not tell a cursor its top was freed (PROP_UAF)
 *   -DMUTANT_BANK      a page given back is not counted by the bank (PROP_LEDGER)
 *
 * Bounds: the numbers below (a few seconds a check). Not modelled: two
 * reclaims each needing the other's thread (page_wanted, and a heap
 * destroy left to whoever reaches the heap next: docs/architecture.md
 * argues it), nested heaps, several pinners of a task.
 *
 *   spin -a -DPROP_UAF reclaim.pml && gcc -DSAFETY -o pan pan.c && ./pan
 *   spin -a -DLIVENESS reclaim.pml && gcc -DNFAIR=3 -o pan pan.c && ./pan -a -f
 * (tools/model_check.py runs them all.)
 */

#define NP 5                 /* page indexes H may hold */
#define NS 2                 /* slots of a record page */
#define TOTAL 6              /* frames: H's pages + the bank's */
#define SUB 1                /* records below R_A */
#define CHUNKS 2             /* chunks of A's long call */
#define CALLS 1              /* calls A makes (then it stays in user mode) */
#define NOV 255              /* no victim */

/* Objects (slot contents). */
#define EMPTY 0
#define R_A 1
#define R_B 2
#define R_C 3
#define R_S 4                /* the record S's transfer allocates */
#define TCB_A 5
#define TASK_P 6
#define PT_S 7               /* the page table S's transfer allocates */
#define NOBJ 8

/* Page kinds. */
#define PG_NONE 0            /* not H's: the frame is the bank's */
#define PG_FREE 1
#define PG_REC 2
#define PG_ONE 3

/* A's states. */
#define A_USER 0
#define A_KERNEL 1           /* inside a call: running a chunk or stopped at a point */
#define A_BLOCKED 2          /* waiting on its bank (a heap fault): in the kernel, not at a point */
#define A_GONE 3

/* A's calls. */
#define OP_REVOKE 0
#define OP_LONG 1

byte kind[NP];
byte slot[NP * NS];
bool flagged[NP];
byte bank;
byte victim = NOV;

bool alive[NOBJ];            /* allocated and not freed */
bool held[NOBJ];             /* a record with holders (or a mapping) */
byte sub_a = SUB;            /* R_A's subtree left */

/* A */
byte a_state = A_USER;
byte a_op;
bool a_cursor;               /* A's revoke cursor below R_A is active */
bool a_stopped;              /* at a preemption point */
bool a_destroyed;            /* destroyed in the kernel: frees itself when it leaves */
bool a_dying;                /* a destroy of A has begun (D's or P's) */
bool d_mid;                  /* D is between its two steps (a point) */

/* P */
bool p_destroyed;            /* P's own reclaim destroyed its task */
bool p_done;
bool excl;                   /* OLD_SELF: the dead caller runs with interrupts off */
bool ready;                  /* init has laid the heap out */

/* B, S */
bool b_stopped;
bool donated;

/* Scratch for the steps below, never carried from one step to the next: each step that uses it clears it. */
byte i, w, n, f;
bool ok;
#define CLEAR i = 0; w = 0; n = 0; f = 0; ok = false

/* ---- kheap ---- */

/* The slot holding obj, into where (NP * NS: none). */
inline slot_of(obj, where)
{
    d_step {
        where = 0;
        do
        :: where >= NP * NS -> break
        :: else -> if :: slot[where] != obj -> where++ :: else -> break fi
        od
    }
}

/* Allocatable record slots: free slots of record pages kheap_allocate can reach (not flagged). */
inline count_allocatable(n)
{
    d_step {
        n = 0;
        i = 0;
        do
        :: i < NP * NS ->
            if
            :: kind[i / NS] == PG_REC && slot[i] == EMPTY &&
    #ifdef OLD_ALLOCATABLE
               true
    #else
               !flagged[i / NS]
    #endif
               -> n++
            :: else -> skip
            fi;
            i++
        :: else -> break
        od
    }
}

inline count_free_pages(n)
{
    d_step {
        n = 0;
        i = 0;
        do
        :: i < NP -> if :: kind[i] == PG_FREE -> n++ :: else -> skip fi; i++
        :: else -> break
        od
    }
}

inline count_held(n)
{
    d_step {
        n = 0;
        i = 0;
        do
        :: i < NP -> if :: kind[i] != PG_NONE -> n++ :: else -> skip fi; i++
        :: else -> break
        od
    }
}

/* kheap_allocate of a record: a free slot of an unflagged record page, else a free page carved. */
inline alloc_record(obj, ok)
{
    ok = false;
    i = 0;
    do
    :: i >= NP * NS -> break
    :: else -> if :: !(kind[i / NS] == PG_REC && !flagged[i / NS] && slot[i] == EMPTY) -> i++ :: else -> break fi
    od;
    if
    :: i < NP * NS -> slot[i] = obj; ok = true
    :: else ->
        i = 0;
        do
        :: i >= NP -> break
        :: else -> if :: kind[i] != PG_FREE -> i++ :: else -> break fi
        od;
        if
        :: i < NP -> kind[i] = PG_REC; slot[i * NS] = obj; ok = true
        :: else -> skip
        fi
    fi;
    if
    :: ok -> alive[obj] = true; held[obj] = true
    :: else -> skip
    fi
}

/* A page-sized object: a free page carved. */
inline alloc_page(obj, ok)
{
    ok = false;
    i = 0;
    do
    :: i >= NP -> break
    :: else -> if :: kind[i] != PG_FREE -> i++ :: else -> break fi
    od;
    if
    :: i < NP -> kind[i] = PG_ONE; slot[i * NS] = obj; ok = true; alive[obj] = true
    :: else -> skip
    fi
}

/* kheap_free: the slot empties; a record page left empty, not flagged, goes back to the free list. */
inline free_object(obj)
{
    slot_of(obj, w);
    assert(w < NP * NS);
    slot[w] = EMPTY;
    alive[obj] = false;
    held[obj] = false;
    if
    :: !flagged[w / NS] && slot[(w / NS) * NS] == EMPTY && slot[(w / NS) * NS + 1] == EMPTY ->
        kind[w / NS] = PG_FREE
    :: else -> skip
    fi;
    /* mapdb: a cursor whose top is freed is finished (mapdb_cursors_forget) */
#ifndef MUTANT_CURSOR
    if
    :: obj == R_A -> a_cursor = false
    :: else -> skip
    fi
#else
    skip
#endif
}

/* ---- thread A and its destruction ---- */

/* Destroy A (thread_destroy): killed now in user mode or blocked; else it frees itself on its way out. */
inline destroy_a()
{
    if
    :: a_state == A_USER || a_state == A_BLOCKED -> a_state = A_GONE; free_object(TCB_A)
    :: a_state == A_KERNEL -> a_destroyed = true
    :: else -> skip
    fi
}

proctype A()
{
    byte k, calls;
    bool finished;

end:
    do
    :: atomic {
        !excl && a_state == A_USER && calls < CALLS ->
        calls++;
        if
        :: held[R_A] && sub_a > 0 -> a_op = OP_REVOKE; a_cursor = true
        :: a_op = OP_LONG; k = CHUNKS
        :: a_state = A_BLOCKED       /* heap fault: waits on the bank's reply, in the kernel */
        fi;
        if
        :: a_state == A_USER -> a_state = A_KERNEL; a_stopped = true   /* its first point */
        :: else -> skip
        fi
       }
       do
       :: a_state != A_KERNEL -> break
       :: else ->
           atomic {
            !excl ->
#ifdef PROP_UAF
            assert(alive[TCB_A]);                   /* runs on its own stack */
#endif
            a_stopped = false;
            finished = false;
            if
            :: a_op == OP_REVOKE ->
                /* a step of the cursor: down to a record, a record freed, or at the top, the end */
                if
                :: a_cursor ->
#ifdef PROP_UAF
                    assert(alive[R_A]);             /* its top is there: nobody freed it untold */
#endif
                    if
                    :: sub_a > 0 -> sub_a--
                    :: else -> a_cursor = false
                    fi
                :: else -> skip
                fi;
                finished = !a_cursor
            :: a_op == OP_LONG ->
                k--;
                finished = k == 0 || a_destroyed   /* a destroyed caller stops after the page in hand */
            fi;
            if
            :: finished && a_destroyed -> a_state = A_GONE; free_object(TCB_A)   /* thread_exit_destroyed */
            :: finished && !a_destroyed -> a_cursor = false; a_state = A_USER
            :: else -> a_stopped = true                                         /* a preemption point */
            fi;
            CLEAR
           }
       od
    :: atomic { !excl && a_state == A_BLOCKED && donated -> a_state = A_USER }   /* the bank answered */
    :: a_state == A_GONE -> break
    od
}

proctype D()
{
    if
    :: skip
    :: atomic { !excl && a_state != A_GONE && !a_destroyed && !a_dying -> a_dying = true; d_mid = true }
       atomic { !excl -> d_mid = false; destroy_a(); CLEAR }
    fi
}

/* ---- S: a donation and a memory transfer into a task H pays for ---- */

proctype S()
{
    if
    :: skip
    :: atomic {
        !excl && bank > 0 ->
        i = 0;
        do
        :: i >= NP -> break
        :: else -> if :: kind[i] != PG_NONE -> i++ :: else -> break fi
        od;
        if
        :: i < NP -> kind[i] = PG_FREE; bank--; donated = true
        :: else -> skip
        fi;
        CLEAR
       }
    fi;
    /* transfer_check: one record and one page table from H, all-or-nothing; then transfer_commit. */
    atomic {
        !excl ->
        count_allocatable(n);
        count_free_pages(f);
        if
        :: (n >= 1 && f >= 1) || f >= 2 ->       /* the record in a slot, or in a page of its own */
            alloc_page(PT_S, ok);
#ifdef PROP_PROMISE
            assert(ok);
#endif
            alloc_record(R_S, ok);
#ifdef PROP_PROMISE
            assert(ok);
#endif
        :: else -> skip                          /* RECEIVER_HEAP_EMPTY: nothing changes */
        fi;
        CLEAR
    }
}

/* ---- B: another task's thread, long calls in a loop ---- */

proctype B()
{
    do
    :: atomic { !excl -> b_stopped = true }    /* enters a call, a chunk, a preemption point */
       atomic { !excl -> b_stopped = false }   /* the last chunk; back in user mode, and again */
    od
}

/* ---- P: the reclaim ---- */

/* Is a record empty (no holders, no subtree)? */
#define EMPTY_RECORD(r) (!held[r] && (r != R_A || sub_a == 0))
#define IS_RECORD(o) ((o) == R_A || (o) == R_B || (o) == R_C || (o) == R_S)

/* OLD_QUIESCE: no other thread stopped at a point (D between its steps counts). */
#define QUIET (!a_stopped && !b_stopped && !d_mid)

/* A record page other than the victim with a free slot: a move's room. */
inline room(n)
{
    d_step {
        n = 0;
        i = 0;
        do
        :: i < NP * NS ->
            if
            :: kind[i / NS] == PG_REC && !flagged[i / NS] && slot[i] == EMPTY -> n++
            :: else -> skip
            fi;
            i++
        :: else -> break
        od
    }
}

/* One unit: move or free the victim's object `o` (a record), kheap_reclaim's evacuate step. */
inline move_record(o)
{
    slot_of(o, w);
    slot[w] = EMPTY;
    i = 0;
    do
    :: i >= NP * NS -> break
    :: else -> if :: !(kind[i / NS] == PG_REC && !flagged[i / NS] && slot[i] == EMPTY) -> i++ :: else -> break fi
    od;
    assert(i < NP * NS);
    slot[i] = o                                  /* mapdb_record_moved: ids, so cursors follow */
}

/* The victim's first live object, into o. */
inline next_object(o)
{
    o = EMPTY;
    if
    :: slot[victim * NS] != EMPTY -> o = slot[victim * NS]
    :: kind[victim] == PG_REC && slot[victim * NS] == EMPTY -> o = slot[victim * NS + 1]
    :: else -> skip
    fi
}

/* Give page v back to the bank. */
inline give_back(v)
{
    kind[v] = PG_NONE;
    flagged[v] = false;
    slot[v * NS] = EMPTY;
    slot[v * NS + 1] = EMPTY;
#ifndef MUTANT_BANK
    bank++
#else
    skip
#endif
}

#ifdef OLD_SELF
#define CALLER_DEAD (p_destroyed)
#else
#define CALLER_DEAD false
#endif

/* Tear P's own task down: P is destroyed by its own call. */
inline destroy_own_task()
{
    p_destroyed = true;
    free_object(TASK_P);
#ifdef OLD_SELF
    excl = true                                  /* a dead thread passes no point: interrupts off */
#endif
}

/*
 * One look at the heap, as kheap_reclaim_next does: done, or a free page
 * given back, or the victim (chosen and flagged if there is none) and its
 * next live object in o (EMPTY: the victim, empty, was given back).
 */
inline look(o)
{
    o = EMPTY;
    count_held(n);
    if
    :: n == 0 ->
        p_done = true;
        excl = false;                            /* back to user mode: interrupts on */
#ifdef PROP_LEDGER
        assert(bank == TOTAL)                    /* every page back */
#else
        skip
#endif
    :: else ->
        count_free_pages(n);
        if
        :: n > 0 ->                              /* free pages first */
            i = 0;
            do
            :: kind[i] != PG_FREE -> i++
            :: else -> break
            od;
            give_back(i)
        :: else ->
            if
            :: victim == NOV ->                  /* any page kheap holds: a superset of its choice */
                if
                :: kind[0] >= PG_REC -> victim = 0
                :: kind[1] >= PG_REC -> victim = 1
                :: kind[2] >= PG_REC -> victim = 2
                :: kind[3] >= PG_REC -> victim = 3
                :: kind[4] >= PG_REC -> victim = 4
                fi;
                flagged[victim] = true
            :: else -> skip
            fi;
            next_object(o);
            if
            :: o == EMPTY -> give_back(victim); victim = NOV
            :: else -> skip
            fi
        fi
    fi
}

proctype P()
{
    byte o, v;

    do
    :: p_done -> break
    :: else ->
#ifndef OLD_QUIESCE
       /* ---- today's protocol: kheap's unit, O(1), or the object taken apart first ---- */
       atomic {
        !excl ->
        look(o);
        if
        :: IS_RECORD(o) ->
            room(n);
            if
            :: EMPTY_RECORD(o) -> free_object(o); o = EMPTY        /* the unit: an empty record freed */
            :: !EMPTY_RECORD(o) && n > 0 -> move_record(o); o = EMPTY   /* the unit: a move */
            :: else -> skip
            fi
        :: else -> skip
        fi;
        CLEAR
       }
       if
       :: o == EMPTY -> skip
       :: IS_RECORD(o) ->                                      /* mapdb_record_empty: a chunk */
           atomic { !excl -> if :: o == R_A && sub_a > 0 -> sub_a-- :: else -> held[o] = false fi }
       :: o == TCB_A ->
           /* finisher_of, then tear_down or preempt_wait_for */
           if
           :: atomic { !excl && alive[TCB_A] && !a_destroyed && !a_dying -> a_dying = true; destroy_a(); CLEAR }
           :: a_destroyed -> (!alive[TCB_A])                  /* A frees itself when it leaves */
           :: a_dying && d_mid -> (!d_mid)                    /* D's destroy under way */
           :: !alive[TCB_A] -> skip
           fi
       :: o == TASK_P -> atomic { !excl -> destroy_own_task(); CLEAR }
       :: o == PT_S -> atomic { !excl -> free_object(PT_S); CLEAR }   /* memory_release_table */
       fi
#else
       /* ---- the old protocol: teardown ahead, then quiesce, then the unit destroys ---- */
       atomic { (!excl || CALLER_DEAD) -> look(o); CLEAR }
       if
       :: o == EMPTY -> skip
       :: else ->
           if
           :: o == R_A ->                                      /* revoke_below, with points */
               do
               :: atomic { (!excl || CALLER_DEAD) -> if :: sub_a > 0 -> sub_a-- :: else -> skip fi }
                  if :: sub_a == 0 -> break :: else -> skip fi
               od
           :: o == TCB_A ->
               atomic { (!excl || CALLER_DEAD) -> if :: !a_dying -> a_dying = true; destroy_a() :: else -> skip fi; CLEAR }
           :: o == TASK_P -> atomic { (!excl || CALLER_DEAD) -> destroy_own_task(); CLEAR }
           :: else -> skip
           fi;
           (CALLER_DEAD || QUIET);                             /* preempt_quiesce: a dead caller does not wait */
           atomic {
            (!excl || CALLER_DEAD) ->
            next_object(v);
            if
            :: v == o ->
                room(n);
                if
                :: IS_RECORD(o) && n > 0 -> move_record(o)
                :: IS_RECORD(o) && n == 0 -> sub_a = (o == R_A -> 0 : sub_a); free_object(o)   /* in one go */
                :: o == TCB_A ->
                    destroy_a();
#ifdef PROP_UNIT
                    assert(!alive[TCB_A])                     /* kheap: destroy must free it ("reclaim failed") */
#else
                    skip
#endif
                :: o == PT_S -> free_object(PT_S)
                :: else -> skip
                fi
            :: else -> skip
            fi;
            CLEAR
           }
       fi
#endif
    od
}

/* The ledger, after every step of every thread: enabled only if it is broken. */
#define HELD ((kind[0] != PG_NONE -> 1 : 0) + (kind[1] != PG_NONE -> 1 : 0) + (kind[2] != PG_NONE -> 1 : 0) + \
              (kind[3] != PG_NONE -> 1 : 0) + (kind[4] != PG_NONE -> 1 : 0))
#ifdef PROP_LEDGER
active proctype ledger()
{
end: atomic { ready && HELD + bank != TOTAL -> assert(false) }
}
#endif

#ifdef LIVENESS
ltl progress { <> p_done }
#endif

init
{
    atomic {
        kind[0] = PG_ONE; slot[0] = TCB_A; alive[TCB_A] = true;
        kind[1] = PG_ONE; slot[2] = TASK_P; alive[TASK_P] = true;
        kind[2] = PG_REC; slot[4] = R_A; slot[5] = R_B;
        kind[3] = PG_REC; slot[6] = R_C;
        alive[R_A] = true; alive[R_B] = true; alive[R_C] = true;
        held[R_A] = true; held[R_B] = true; held[R_C] = true;
        bank = TOTAL - 4;
        ready = true;
        run A(); run D(); run P();
#ifdef LIVENESS
        run B()                                  /* loops forever: only the liveness check needs it */
#else
        run S()                                  /* never waits, and never makes P wait: safety only */
#endif
    }
}
