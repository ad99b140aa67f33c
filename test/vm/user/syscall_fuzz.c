/*
 * syscall_fuzz.c — a root task that makes tens of thousands of seeded,
 * random system calls, with arguments biased towards the edges (slot 0, the
 * last slot, one past it, empty slots, kernel addresses, unaligned pages,
 * frames it owns and frames it does not), and checks that the kernel stays
 * whole: every call returns (no timeout is longer than zero), every result is
 * 0 or a documented error, and the kernel's own accounting and heap-ledger
 * check (BURSAR_DUMP_CHECK) passes every few hundred calls and at the end,
 * after everything the fuzzer made has been destroyed again.
 *
 * To stay alive it never ends its own thread, never destroys, deletes,
 * copies, grants or revokes its own task, thread, boot heap, memory,
 * devices or debug capability (slots 0-5; a copy could be destroyed later,
 * and the debug capability makes the checks), never configures
 * its own thread, and never starts a thread (a random instruction pointer
 * inside this program would run random code here). Debug prints are only
 * made where they must fail or print nothing, to keep the log readable.
 *
 * Every call is also made with random CPU state (cpu_state_*, below): every
 * flag a user can set (DF, AC, ID, NT, the arithmetic ones, now and then TF
 * from some instructions before, which single-steps the fuzzer to its
 * exception handler), any loadable selector in %ds, %es, %fs, %gs (and now
 * and then an unloadable one, whose load faults to the handler), random
 * x87/SSE registers and control words, by sysenter or int $0x80. After each
 * call the fuzzer must have exactly the documented flags and selectors back
 * and its own FPU registers unchanged, and every few calls it calls a
 * partner in another task that checks the same of its own state after each
 * message it receives. The slots of that machinery (41-48) are, like 0-5,
 * never a random call's target.
 *
 * `fuzz-calls=N` on the kernel command line (./bursar test --long-fuzz,
 * docs/testing.md) makes N calls per seed instead of the default.
 *
 * It is also the kernel's stress run for interrupt-off windows (`./bursar
 * bench`, program `stress`): at the end it prints, as a benchmark row, the
 * longest window the kernel kept interrupts off over the whole run
 * (SYS_PREEMPT_STATS, reset at the start). Under `qemu -icount shift=0` that
 * is guest instructions; under plain TCG (`./bursar test`) it is wall-clock
 * TSC ticks and nobody reads it.
 */
#include "bursar/fault.h"
#include "libl4/kernel_stats.h"
#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/task_sharing_program.h"
#include "libl4/user_test.h"
#include "libl4/thread_spawn.h"
#include "test/vm/user/core/cpu_probe.h"
#include "test/vm/user/core/fpu_state.h"

#define CALLS_PER_SEED 25000
#define CHECK_EVERY 250
#define FUZZ_FIRST_SLOT 8u
#define FUZZ_LAST_SLOT 40u
#define SCRATCH_BASE 0x30000000u        /* where the fuzzer maps frames into itself */
#define SCRATCH_PAGES 16u

/* The CPU-state machinery's own objects, in slots no random call names. */
enum {
    CPU_HANDLER_ENDPOINT = FUZZ_LAST_SLOT + 1, CPU_HANDLER_REPLY, CPU_HANDLER_THREAD, CPU_HEAP,
    CPU_PARTNER_ENDPOINT, CPU_PARTNER_REPLY, CPU_PARTNER_TASK, CPU_PARTNER_THREAD, SEED_HEAP,
    CPU_FIRST_SLOT = CPU_HANDLER_ENDPOINT, CPU_LAST_SLOT = SEED_HEAP,
};
#define CPU_HEAP_FRAMES 24
/*
 * Each seed's creations are paid by a heap of its own (SEED_HEAP, funded
 * with the frames after the CPU heap's), destroyed at the end of the seed
 * with everything it pays for: objects whose every capability a random
 * delete removed go with it, so no seed leaves the next one less to work
 * with (a million-call run, docs/testing.md). The global kernel has no
 * heaps: there the boot heap pays, as before.
 */
#define SEED_HEAP_FRAMES 64
static uint32_t seed_heap = BURSAR_SLOT_HEAP;
#define PARTNER_EVERY 8             /* one call in this many also goes to the partner */

static uint32_t calls_per_seed = CALLS_PER_SEED;
static uint32_t random_state;

static uint32_t next_random(void)
{
    return test_random(&random_state);
}

static uint32_t pick(const uint32_t *values, unsigned count)
{
    return values[next_random() % count];
}

static const struct bursar_boot_info *boot;

static uint32_t random_slot(void)
{
    static const uint32_t edges[] = { 0, 1, 2, 3, 7, FUZZ_LAST_SLOT, BURSAR_ROOT_SLOTS - 1, BURSAR_ROOT_SLOTS,
                                      0xffff, 0x10000, 0xffffffff };
    if (next_random() % 4 == 0)
        return pick(edges, sizeof edges / sizeof edges[0]);
    return FUZZ_FIRST_SLOT + next_random() % (FUZZ_LAST_SLOT - FUZZ_FIRST_SLOT + 1);
}

static uint32_t random_address(void)
{
    static const uint32_t edges[] = { 0, 0x1000, 0x400000, 0x400001, SCRATCH_BASE, SCRATCH_BASE + 0x1000,
                                      0xbfffe000, 0xbffff000, 0xc0000000, 0xc0100000, 0xfffff000, 0xffffffff };
    uint32_t value = pick(edges, sizeof edges / sizeof edges[0]);

    return next_random() % 3 ? value | (next_random() % 4) : value;   /* rights bits, or misalignment */
}

static uint32_t random_frame(void)
{
    const struct bursar_frame_range *range = &boot->free_ranges[next_random() % boot->range_count];
    static const uint32_t edges[] = { 0, 1, 256, 0xfffff, 0xffffffff };

    if (next_random() % 4 == 0)
        return pick(edges, sizeof edges / sizeof edges[0]);
    return range->first_frame + next_random() % (range->frames < 64 ? range->frames : 64);
}

/* A frame the boot information gave as free: never one of the fuzzer's own pages. */
static bool in_free_range(uint32_t frame)
{
    for (uint32_t i = 0; i < boot->range_count; i++)
        if (frame - boot->free_ranges[i].first_frame < boot->free_ranges[i].frames)
            return true;
    return false;
}

static uint32_t random_word(void)
{
    switch (next_random() % 7) {
    case 0: return 0;
    case 1: return next_random() % 8;
    case 2: return random_slot();
    case 3: return random_address();
    case 4: return next_random();
    case 5: return random_frame();
    default: return 0xffffffff;
    }
}

/* Counts and kinds at the edges of what the calls take: 0, 1, a few, the largest, one more, and huge. */
static uint32_t random_count(void)
{
    static const uint32_t edges[] = { 0, 1, 2, 3, BURSAR_HEAP_KIND_COUNT, BURSAR_HEAP_KIND_COUNT + 1, 4096, 4097,
                                      0xffff, 0x10000, 0x80000000u, 0xffffffff };

    return next_random() % 2 ? next_random() % 8 : pick(edges, sizeof edges / sizeof edges[0]);
}

/* I/O ports: the kernel's own, COM1's, the last ones, and past them. */
static uint32_t random_port(void)
{
    static const uint32_t edges[] = { 0, 0x20, 0x21, 0x40, 0x43, 0x80, 0x92, 0xa0, 0xf4, 0x3f8, 0x4d0, 0xcf9,
                                      0xfff0, 0xffff, 0x10000, 0xffffffff };

    return next_random() % 4 ? pick(edges, sizeof edges / sizeof edges[0]) : next_random() % 0x10000;
}

/*
 * The message registers past the two in registers: what SYS_HEAP_RESERVE
 * with BURSAR_HEAP_RESERVE_MANY reads its counts from (and a long
 * message's words), counts at the edges or anything.
 */
static void random_message_registers(void)
{
    for (unsigned i = 0; i < BURSAR_HEAP_KIND_COUNT + 2; i++)
        l4_mr_set(i, next_random() % 3 ? (next_random() % 3 ? 0 : next_random() % 4) : random_count());
}

static uint32_t fuzz_slot(void)
{
    return FUZZ_FIRST_SLOT + next_random() % (FUZZ_LAST_SLOT - FUZZ_FIRST_SLOT + 1);
}

static uint32_t scratch_page(void)
{
    return SCRATCH_BASE + (next_random() % SCRATCH_PAGES) * 0x1000;
}

/*
 * Half the calls get arguments shaped for their system call, so they pass
 * the first checks and reach the deeper ones (IPC on real endpoints, copies
 * with fewer rights, donations of real frames, mappings of mapped pages).
 */
static void shape_arguments(uint32_t number, uint32_t a[4])
{
    switch (number) {
    case SYS_CREATE:
        a[0] = next_random() % 4 ? seed_heap : fuzz_slot();
        a[1] = 1 + next_random() % 6;
        a[2] = fuzz_slot();
        a[3] = a[1] == BURSAR_OBJECT_TASK ? 1 + next_random() % 300
             : a[1] == BURSAR_OBJECT_THREAD ? fuzz_slot() : 0;
        break;
    case SYS_SEND: case SYS_CALL: case SYS_RECEIVE: case SYS_REPLY: case SYS_REPLY_WAIT:
        a[0] = fuzz_slot() | (next_random() % 2 ? fuzz_slot() << 16 : 0xffff0000u);
        a[1] = BURSAR_TAG(next_random(), next_random() % 70, next_random() % 3);
        break;
    case SYS_CAP_COPY:
        a[0] = fuzz_slot();
        a[1] = fuzz_slot() | (next_random() % 3 ? 0xffff0000u : fuzz_slot() << 16);
        a[2] = (next_random() & BURSAR_RIGHTS_ALL) | (next_random() % 4) << BURSAR_TRANSFER_MODE_SHIFT;
        break;   /* survivable() turns a grant into another task into a copy */
    case SYS_HEAP_DONATE:
        a[0] = fuzz_slot();
        a[1] = BURSAR_SLOT_MEMORY;
        a[2] = random_frame();
        a[3] = 1 + next_random() % 4;
        break;
    case SYS_FRAME_MAP:
        a[0] = BURSAR_SLOT_MEMORY;
        a[1] = random_frame();
        a[2] = scratch_page() | 1 | (next_random() % 2) * 2;
        break;
    case SYS_FRAME_UNMAP:
    case SYS_FRAME_STATE:
        a[0] = BURSAR_SLOT_MEMORY;
        a[1] = random_frame();
        a[2] = 1 + next_random() % (BURSAR_FRAME_STATE_MAX + 64);
        break;
    case SYS_MAP:
        a[0] = fuzz_slot();
        a[1] = scratch_page();
        a[2] = scratch_page() | 1 | (next_random() % 2) * 2;
        a[3] = 1 + next_random() % 3;
        break;
    case SYS_THREAD_CONFIGURE:
        a[0] = fuzz_slot();
        a[1] = next_random() % 6;
        break;
    case SYS_CAP_COMPARE:           /* any two slots, the boot objects' among them: it only reads */
        a[0] = next_random() % 4 ? fuzz_slot() : next_random() % FUZZ_FIRST_SLOT;
        a[1] = next_random() % 4 ? fuzz_slot() : random_slot();
        break;
    case SYS_HEAP_RESERVE:          /* one kind, or several with their counts in the message registers */
        a[0] = next_random() % 4 ? fuzz_slot() : BURSAR_NO_CAPABILITY;
        a[1] = next_random() % 2 ? BURSAR_HEAP_RESERVE_MANY : next_random() % (BURSAR_HEAP_KIND_COUNT + 1);
        a[2] = random_count();
        random_message_registers();
        break;
    case SYS_HEAP_RECLAIM:
        a[0] = fuzz_slot();
        a[1] = next_random() % 4 ? 1 + next_random() % 4 : random_count();
        break;
    case SYS_IO_PORTS_CREATE:
    case SYS_IRQ_CLAIM:
        a[0] = next_random() % 8 ? BURSAR_SLOT_DEVICES : fuzz_slot();
        a[1] = number == SYS_IRQ_CLAIM ? next_random() % 18 : BURSAR_IO_PORTS(random_port() & 0xffff, random_count());
        a[2] = next_random() % 4 ? seed_heap : fuzz_slot();
        a[3] = fuzz_slot();
        break;
    case SYS_IO_PORT:               /* reads only (survivable): a written byte could reset the machine */
        a[0] = fuzz_slot();
        a[1] = random_port();
        a[2] = next_random() % 8 ? 0 : next_random() % 4;
        a[3] = next_random() % 4 ? next_random() % 0x100 : random_word();
        break;
    case SYS_IRQ_SET_ENDPOINT:
    case SYS_IRQ_ACK:
        a[0] = fuzz_slot();
        a[1] = next_random() % 4 ? fuzz_slot() : BURSAR_NO_CAPABILITY;
        a[2] = next_random() % 2 ? 0 : next_random();
        break;
    case SYS_PREEMPT_STATS:         /* the debug capability or another object, with reset 0, 1 or a bad one */
    case SYS_DEBUG_DUMP:            /* the check, or a tree of a bad slot or frame (which prints nothing) */
        a[0] = next_random() % 4 ? BURSAR_SLOT_DEBUG : fuzz_slot();
        a[1] = number == SYS_PREEMPT_STATS ? next_random() % 3 : BURSAR_DUMP_CHECK + next_random() % 4;
        a[2] = a[1] == BURSAR_DUMP_FRAME_TREE ? 0xfffff000u | next_random() : 0x10000u | next_random();
        break;
    default:
        a[0] = fuzz_slot();
        break;
    }
}

static bool cpu_slot(uint32_t slot)
{
    return (slot & 0xffff) >= CPU_FIRST_SLOT && (slot & 0xffff) <= CPU_LAST_SLOT;
}

/* A call the fuzzer may make without ending or starving itself; false to skip it. */
static bool survivable(uint32_t number, uint32_t a[4])
{
    bool own_capability = (a[0] & 0xffff) <= BURSAR_SLOT_DEBUG;

    /*
     * The CPU-state machinery's objects are left alone entirely (its heap would be reclaimed, say); the
     * seed's heap only pays for creations (it is destroyed, with all it paid for, at the seed's end).
     */
    if ((cpu_slot(a[0]) && !(number == SYS_CREATE && (a[0] & 0xffff) == SEED_HEAP)) ||
        (number == SYS_CAP_COPY && cpu_slot(a[1] >> 16)))
        return false;

    /*
     * What a call would make on the root's own heap is made on the seed's: an object whose every
     * capability a random delete removed would stay there for good (the root cannot destroy its boot heap).
     */
    if (number == SYS_CREATE && (a[0] & 0xffff) == BURSAR_SLOT_HEAP)
        a[0] = (a[0] & ~0xffffu) | seed_heap;
    if ((number == SYS_IO_PORTS_CREATE || number == SYS_IRQ_CLAIM) && (a[2] & 0xffff) == BURSAR_SLOT_HEAP)
        a[2] = (a[2] & ~0xffffu) | seed_heap;

    switch (number) {
    case SYS_THREAD_EXIT: case SYS_THREAD_START:
        return false;
    case SYS_DESTROY: case SYS_CAP_DELETE: case SYS_CAP_REVOKE:
        return !own_capability;
    case SYS_CAP_COPY:
        /*
         * A grant into another task would leave an object the fuzzer cannot
         * reach to destroy (deleting the last capability destroys nothing; its
         * payer's destroy or reclaim does).
         */
        if ((a[1] >> 16) != BURSAR_OWN_TASK && (a[2] >> BURSAR_TRANSFER_MODE_SHIFT) == BURSAR_GRANT)
            a[2] &= ~(0xffu << BURSAR_TRANSFER_MODE_SHIFT);
        return !own_capability;
    case SYS_THREAD_CONFIGURE:
        return a[0] != BURSAR_SLOT_THREAD;
    case SYS_HEAP_CONFIGURE:
        /* A heap's faults go to its bank with no timeout by default: nobody here would answer. */
        return !own_capability && a[1] != BURSAR_HEAP_BANK;
    case SYS_IO_PORT:       /* a byte written to a random port could reset the machine */
        return a[2] != 1;
    case SYS_DEBUG_DUMP:    /* the listings are long; the check is what matters */
        return a[1] >= BURSAR_DUMP_CHECK;
    case SYS_FRAME_UNMAP:   /* its own image, stack and UTCB are frames of the memory object too */
        return (a[0] & 0xffff) != BURSAR_SLOT_MEMORY || in_free_range(a[1]);
    case SYS_UNMAP:         /* its own program and stack stay mapped */
        return a[0] >= SCRATCH_BASE && a[0] < 0xbfff0000u && a[1] <= SCRATCH_PAGES;
    case SYS_DEBUG_PUTS:
        return a[1] == 0 || a[1] > BURSAR_DEBUG_PUTS_MAX || a[0] >= BURSAR_USER_TOP;
    default:
        return true;
    }
}

/* ---- CPU state around every call ---- */

/* What the CPU-state machinery saw: every count is checked after each seed. */
static struct cpu_seen {
    uint32_t calls, bad_returns, fpu_changed, partner_calls, faulted_loads, unfaulted_loads, steps;
    uint32_t last_flags, last_selectors;
    volatile uint32_t unexpected_vector, unexpected_eip;
} cpu_seen;

/* The exception handler (a thread of this task): single steps go on; a faulting selector load is skipped. */
static void cpu_exception_handler(void *unused)
{
    uint32_t tag = 0, mr0 = 0, mr1 = 0;

    (void)unused;
    for (;;) {
        int error = l4_receive(CPU_HANDLER_ENDPOINT, CPU_HANDLER_REPLY, 0, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
        if (error || BURSAR_TAG_LABEL(tag) != BURSAR_LABEL_EXCEPTION)
            continue;
        uint32_t state[BURSAR_EXCEPTION_WORDS] = { mr0, mr1 };
        for (unsigned i = 2; i < BURSAR_EXCEPTION_WORDS; i++)
            state[i] = l4_mr_get(i);
        const uint8_t *code = (const uint8_t *)state[2];
        if (mr0 == 1) {
            cpu_seen.steps++;
            l4_reply(CPU_HANDLER_REPLY, BURSAR_TAG(BURSAR_LABEL_RESUME, 0, 0), 0, 0);
        } else if (mr0 == 13 && code[0] == 0x8e && code[1] >= 0xc0) {   /* mov %reg, %sreg: 2 bytes */
            cpu_seen.faulted_loads++;
            state[2] += 2;
            for (unsigned i = 2; i < BURSAR_EXCEPTION_WORDS; i++)
                l4_mr_set(i, state[i]);
            l4_reply(CPU_HANDLER_REPLY, BURSAR_TAG(BURSAR_LABEL_RESUME, BURSAR_EXCEPTION_WORDS, 0), state[0],
                     state[1]);
        } else {
            cpu_seen.unexpected_vector = mr0;
            cpu_seen.unexpected_eip = state[2];
            printf("fuzz: unexpected exception %u at %x\n", mr0, state[2]);
            l4_reply(CPU_HANDLER_REPLY, BURSAR_TAG(BURSAR_LABEL_KILL, 0, 0), 0, 0);
        }
    }
}

/* Selectors a user cannot load (LDT, kernel, TSS, beyond the GDT): each load faults. */
static void load_unloadable_selector(void)
{
    static const uint32_t selectors[] = { 0x07, 0x0f, 0x0b, 0x13, 0x2b, 0x33, 0x43, 0xfffb };
    uint32_t selector = pick(selectors, sizeof selectors / sizeof selectors[0]), before = cpu_seen.faulted_loads;

    switch (next_random() % 5) {
    case 0: __asm__ volatile("movl %0, %%ds" : : "r"(selector) : "memory"); break;
    case 1: __asm__ volatile("movl %0, %%es" : : "r"(selector) : "memory"); break;
    case 2: __asm__ volatile("movl %0, %%fs" : : "r"(selector) : "memory"); break;
    case 3: __asm__ volatile("movl %0, %%gs" : : "r"(selector) : "memory"); break;
    default: __asm__ volatile("movl %0, %%ss" : : "r"(selector) : "memory"); break;
    }
    if (cpu_seen.faulted_loads == before)
        cpu_seen.unfaulted_loads++;
}

/* Random loadable selectors and flags a user can set; TF only now and then (each step is an IPC). */
static void cpu_probe_random(struct cpu_probe *p)
{
    static const uint32_t selectors[] = { 0, BURSAR_SELECTOR_USER_DATA, BURSAR_SELECTOR_UTCB,
                                          BURSAR_SELECTOR_USER_CODE, BURSAR_SELECTOR_USER_DATA & ~3u,
                                          BURSAR_SELECTOR_UTCB & ~2u, BURSAR_SELECTOR_USER_CODE & ~1u };
    uint32_t settable = FLAG_CF | 0x4 | 0x10 | FLAG_ZF | 0x80 | FLAG_OF | FLAG_DF | FLAG_NT | FLAG_AC | FLAG_ID;
    unsigned count = sizeof selectors / sizeof selectors[0];

    *p = (struct cpu_probe){
        .flags_in = BURSAR_USER_EFLAGS | (next_random() & settable) | (next_random() % 32 == 0 ? FLAG_TF : 0),
        .ds_in = pick(selectors, count), .es_in = pick(selectors, count),
        .fs_in = pick(selectors, count), .gs_in = pick(selectors, count),
    };
}

/* Random x87 and SSE values and control words (exceptions stay masked). */
static void fpu_values_random(struct fpu_values *v)
{
    v->control = (uint16_t)(0x007f | (next_random() & 0x0f00));
    v->mxcsr = 0x1f80u | (next_random() & 0xe03fu);
    for (unsigned i = 0; i < 8; i++) {
        v->x87[i] = (uint64_t)next_random() << 32 | next_random();
        for (unsigned j = 0; j < 4; j++)
            v->xmm[i][j] = next_random();
    }
}

/*
 * One system call with random CPU state around it: the state going in, the
 * flags and selectors coming out (exactly the documented ones) and the FPU
 * registers before and after (unchanged).
 */
static int cpu_state_call(uint32_t eax, struct l4_words *w)
{
    static struct fpu_values values;
    static struct fpu_image before, after;
    struct cpu_probe probe;
    bool by_int = next_random() % 4 == 0;
    int status;

    cpu_seen.calls++;
    if (next_random() % 2) {
        fpu_values_random(&values);
        fpu_load(&values);
    }
    if (next_random() % 32 == 0)
        load_unloadable_selector();
    cpu_probe_random(&probe);
    fpu_save(&before);
    if (next_random() % 64 == 0)                /* TF from here: the probe's own instructions step */
        __asm__ volatile("pushfl\n\t"
                         "orl %0, (%%esp)\n\t"
                         "popfl" : : "i"(FLAG_TF) : "memory", "cc");
    status = cpu_probe_call(by_int, eax, w, &probe);
    fpu_save(&after);
    if (!cpu_probe_out_clean(&probe)) {
        cpu_seen.bad_returns++;
        cpu_seen.last_flags = probe.flags_out;
        cpu_seen.last_selectors = (probe.ds_out & 0xff) << 24 | (probe.es_out & 0xff) << 16 |
                                  (probe.fs_out & 0xff) << 8 | (probe.gs_out & 0xff);
    }
    if (!fpu_same(&before, &after))
        cpu_seen.fpu_changed++;
    return status;
}

/* ---- the partner in another task ---- */

#define PARTNER_BY_INT 1u           /* label bits: how the partner answers */
#define PARTNER_LONG 2u

/* Shared with the partner's task: its stack and UTCB, its own FPU values, and what it found. */
static struct partner_region {
    uint8_t stack[4096];
    struct bursar_utcb utcb __attribute__((aligned(BURSAR_UTCB_SIZE)));
    struct fpu_values values;
    struct fpu_image reference, seen;
    uint32_t random_state;
    volatile uint32_t arrivals, bad_arrivals, fpu_changed, last_flags;
} partner __attribute__((aligned(4096)));

/*
 * In another task: after every message it receives its flags and
 * selectors must be the documented ones and its FPU registers its own; it
 * answers with random flags and selectors of its own, by sysenter or
 * int $0x80, two words or three, as the label says.
 */
static void partner_main(void *argument)
{
    struct partner_region *r = argument;
    struct l4_words w = { l4_receive_word(L4_SERVER_ENDPOINT, L4_SERVER_REPLY), 0, 0, 0 };
    struct cpu_probe probe;
    int status;

    fpu_load(&r->values);
    fpu_save(&r->reference);
    cpu_probe_clean(&probe, BURSAR_USER_EFLAGS);
    status = cpu_probe_call(false, l4_eax(SYS_RECEIVE, 0, BURSAR_TIMEOUT_NEVER), &w, &probe);
    for (;;) {
        if (status == 0) {
            r->arrivals++;
            if (!cpu_probe_out_clean(&probe)) {
                r->bad_arrivals++;
                r->last_flags = probe.flags_out;
            }
            fpu_save(&r->seen);
            if (!fpu_same(&r->seen, &r->reference))
                r->fpu_changed++;
        }
        uint32_t label = BURSAR_TAG_LABEL(w.esi);
        if (label & PARTNER_LONG)
            l4_mr_set(2, w.edi);
        w = (struct l4_words){ l4_receive_word(L4_SERVER_ENDPOINT, L4_SERVER_REPLY),
                               BURSAR_TAG(label, label & PARTNER_LONG ? 3 : 2, 0), w.edi + 1, w.ebp + 1 };
        cpu_probe_dirty(&probe, test_random(&r->random_state) % 4);
        probe.flags_in ^= test_random(&r->random_state) & (FLAG_CF | FLAG_ZF | FLAG_OF | FLAG_DF | FLAG_AC);
        status = cpu_probe_call(label & PARTNER_BY_INT,
                                l4_eax(status == 0 ? SYS_REPLY_WAIT : SYS_RECEIVE, BURSAR_TIMEOUT_ZERO,
                                       BURSAR_TIMEOUT_NEVER), &w, &probe);
    }
}

/*
 * Its own heap pays for the partner and the handler thread (frames past
 * those the fuzzer uses); on the global-allocator kernel, which has no
 * heaps but its pool (NOT_SUPPORTED), the boot heap's capability does.
 */
static int cpu_state_start(void)
{
    const struct bursar_frame_range *range = &boot->free_ranges[0];
    unsigned payer = CPU_HEAP;
    struct l4_thread_spec handler = {
        .task = BURSAR_SLOT_TASK, .slot = CPU_HANDLER_THREAD,
        .stack = partner.stack, .stack_size = 0, .priority = BURSAR_ROOT_PRIORITY,
        .entry = cpu_exception_handler,
    };
    static uint8_t handler_stack[4096] __attribute__((aligned(16)));
    static struct bursar_utcb handler_utcb __attribute__((aligned(BURSAR_UTCB_SIZE)));
    struct l4_server_spec server = {
        .task = { .slot = CPU_PARTNER_TASK, .capability_slots = 8,
                  .shared = &partner, .shared_size = sizeof partner },
        .endpoint = CPU_PARTNER_ENDPOINT, .reply = CPU_PARTNER_REPLY, .thread = CPU_PARTNER_THREAD,
        .stack = partner.stack, .stack_size = sizeof partner.stack, .utcb = (uintptr_t)&partner.utcb,
        .priority = BURSAR_ROOT_PRIORITY, .entry = partner_main, .argument = &partner,
    };
    int error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, CPU_HEAP, 0);

    if (range->frames < 64 + CPU_HEAP_FRAMES)
        return -BURSAR_E_OUT_OF_MEMORY;
    if (error == -BURSAR_E_NOT_SUPPORTED)
        payer = BURSAR_SLOT_HEAP, error = 0;
    else if (!error)
        error = l4_heap_donate_range(CPU_HEAP, BURSAR_SLOT_MEMORY, range->first_frame + 64, CPU_HEAP_FRAMES);
    handler.heap = server.task.heap = payer;
    handler.stack = handler_stack;
    handler.stack_size = sizeof handler_stack;
    handler.utcb = (uintptr_t)&handler_utcb;
    if (!error)
        error = l4_create(payer, BURSAR_OBJECT_ENDPOINT, CPU_HANDLER_ENDPOINT, 0);
    if (!error)
        error = l4_create(payer, BURSAR_OBJECT_REPLY, CPU_HANDLER_REPLY, 0);
    if (!error)
        error = l4_thread_spawn(&handler);
    if (!error)
        error = l4_thread_configure(BURSAR_SLOT_THREAD, BURSAR_THREAD_EXCEPTION_HANDLER, CPU_HANDLER_ENDPOINT);
    fpu_values_make(&partner.values, 77);
    partner.random_state = 0x9a27e7;
    if (!error)
        error = l4_server_start_in_new_task(&server);
    return error;
}

/* A call to the partner with random state (any path: two words or three, either entry, either answer). */
static void cpu_state_partner_call(void)
{
    uint32_t label = next_random() % 4, words = label & PARTNER_LONG ? 3 : 2;
    struct l4_words w = { CPU_PARTNER_ENDPOINT, BURSAR_TAG(label, next_random() % 2 ? words : 2, 0), 1, 2 };

    l4_mr_set(2, 3);
    cpu_seen.partner_calls++;
    if (cpu_state_call(l4_eax(SYS_CALL, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER), &w) != 0 || w.edi != 2 ||
        w.ebp != 3)
        cpu_seen.bad_returns++;
}

/* After each seed: nothing of anybody's state crossed, and the exotic parts really happened. */
static void cpu_state_check(struct test_result *result, uint32_t seed)
{
    printf("seed %u: %u calls with random CPU state (%u to the partner in another task, which took %u), "
           "%u single steps, %u selector loads faulted\n", seed, cpu_seen.calls, cpu_seen.partner_calls,
           partner.arrivals, cpu_seen.steps, cpu_seen.faulted_loads);
    TEST_CHECK(cpu_seen.unexpected_vector == 0, "seed %u: exception %u at %x", seed, cpu_seen.unexpected_vector,
               cpu_seen.unexpected_eip);
    TEST_CHECK(cpu_seen.bad_returns == 0, "seed %u: %u calls came back with other state (last eflags %x, "
               "ds es fs gs %x)", seed, cpu_seen.bad_returns, cpu_seen.last_flags, cpu_seen.last_selectors);
    TEST_CHECK(cpu_seen.fpu_changed == 0, "seed %u: the fuzzer's FPU registers changed across %u calls", seed,
               cpu_seen.fpu_changed);
    TEST_CHECK(partner.bad_arrivals == 0 && partner.fpu_changed == 0,
               "seed %u: the partner came back with other flags or selectors %u times (last eflags %x), "
               "other FPU registers %u times", seed, partner.bad_arrivals, partner.last_flags, partner.fpu_changed);
    TEST_CHECK(cpu_seen.unfaulted_loads == 0, "seed %u: %u unloadable selectors loaded", seed,
               cpu_seen.unfaulted_loads);
    TEST_CHECK(partner.arrivals >= cpu_seen.partner_calls && cpu_seen.partner_calls > cpu_seen.calls / (2 * PARTNER_EVERY)
               && cpu_seen.steps > 0 && cpu_seen.faulted_loads > 0,
               "seed %u: too little CPU state exercised", seed);
}

static bool documented(int result)
{
    return result == 0 || (result < 0 && -result < BURSAR_ERROR_COUNT);
}

/*
 * Destroy what the fuzzer made, in rounds: a heap refuses (BUSY) while it
 * still pays for something, so it goes in a later round. A capability is
 * deleted only once its object is gone (or when it names a boot object —
 * memory, devices, debug — which cannot be destroyed), so nothing is left
 * unreachable.
 */
/* The longest interrupt-off window so far, and the call after which it was seen (the stress row). */
static struct {
    uint64_t longest;
    const char *after;                /* "a fuzzed call", or the step between calls */
    uint32_t seed, call, number, argument[4];
} worst_window;

static void note_window(const char *after, uint32_t seed, uint32_t call, uint32_t number, const uint32_t a[4])
{
    struct l4_preempt_stats stats;

    if (l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 0) != 0 || stats.longest_interrupts_off <= worst_window.longest)
        return;
    worst_window.longest = stats.longest_interrupts_off;
    worst_window.after = after;
    worst_window.seed = seed;
    worst_window.call = call;
    worst_window.number = number;
    for (int i = 0; i < 4; i++)
        worst_window.argument[i] = a[i];
}

static void clean_up(void)
{
    for (int round = 0; round < 8; round++) {
        bool held = false;
        for (uint32_t slot = FUZZ_FIRST_SLOT; slot < BURSAR_ROOT_SLOTS; slot++) {
            struct l4_cap_info info;
            if (cpu_slot(slot))
                continue;
            if (l4_cap_inspect(slot, &info) != 0 || info.type == BURSAR_OBJECT_NONE) {
                l4_cap_delete(slot);        /* a revoked slot: clear it */
                continue;
            }
            int error = l4_destroy(slot);
            note_window("a clean-up destroy (arguments: slot, object type)", 0, 0, SYS_DESTROY,
                        (const uint32_t[4]){ slot, info.type, 0, 0 });
            if (error == 0 || info.type == BURSAR_OBJECT_MEMORY || info.type == BURSAR_OBJECT_DEVICES ||
                info.type == BURSAR_OBJECT_DEBUG || error == -BURSAR_E_NO_RIGHTS)
                l4_cap_delete(slot);
            else
                held = true;
        }
        if (!held)
            break;
    }
    l4_unmap(SCRATCH_BASE, SCRATCH_PAGES);
    note_window("the clean-up's unmap", 0, 0, SYS_UNMAP, (const uint32_t[4]){ 0 });
}

/* The calls whose arguments the fuzzer shapes well enough that some must succeed in every seed. */
static bool must_succeed(uint32_t number)
{
    switch (number) {
    case SYS_CREATE: case SYS_CAP_COPY: case SYS_CAP_COMPARE: case SYS_FRAME_MAP: case SYS_FRAME_UNMAP:
    case SYS_FRAME_STATE: case SYS_HEAP_RESERVE: case SYS_IO_PORTS_CREATE: case SYS_PREEMPT_STATS:
    case SYS_DEBUG_DUMP:
        return true;
    default:
        return false;
    }
}

/*
 * Every system call number is made (all but the two the fuzzer never
 * makes, THREAD_EXIT and THREAD_START), the numbers with no call and past
 * the last answer INVALID_SYSCALL only, and the shaped calls get through.
 */
static void check_every_number(struct test_result *result, uint32_t seed, const uint32_t *made_of,
                               const uint32_t *succeeded_of)
{
    printf("seed %u: calls that never succeeded:", seed);
    for (uint32_t number = 0; number < SYS_COUNT + 2; number++)
        if (!succeeded_of[number] && number != SYS_THREAD_EXIT && number != SYS_THREAD_START)
            printf(" %u", number);
    printf("\n");
    for (uint32_t number = 0; number < SYS_COUNT + 2; number++) {
        if (number == SYS_THREAD_EXIT || number == SYS_THREAD_START)
            continue;
        TEST_CHECK(made_of[number] > 0, "seed %u: system call %u never made", seed, number);
        TEST_CHECK(succeeded_of[number] > 0 || !must_succeed(number), "seed %u: system call %u never succeeded "
                   "(%u made)", seed, number, made_of[number]);
    }
}

/* SEED_HEAP, funded; *own false on the global kernel (no heaps: the boot heap pays). */
static void seed_heap_create(struct test_result *result, bool *own)
{
    const struct bursar_frame_range *range = &boot->free_ranges[0];
    int error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, SEED_HEAP, 0);

    seed_heap = BURSAR_SLOT_HEAP;
    *own = false;
    if (error == -BURSAR_E_NOT_SUPPORTED)
        return;
    TEST_CHECK_EQUAL(error, 0, "the seed's heap");
    TEST_CHECK(range->frames >= 64 + CPU_HEAP_FRAMES + SEED_HEAP_FRAMES, "room for the seed's heap");
    TEST_CHECK_EQUAL(l4_heap_donate_range(SEED_HEAP, BURSAR_SLOT_MEMORY, range->first_frame + 64 + CPU_HEAP_FRAMES,
                                          SEED_HEAP_FRAMES), 0, "fund the seed's heap");
    seed_heap = SEED_HEAP;
    *own = true;
}

static void seed_heap_destroy(struct test_result *result)
{
    TEST_CHECK_EQUAL(l4_destroy(SEED_HEAP), 0, "destroy the seed's heap and what it pays for");
    l4_cap_delete(SEED_HEAP);       /* the destroy may have emptied the slot already */
    seed_heap = BURSAR_SLOT_HEAP;
}

static void fuzz_one_seed(struct test_result *result, uint32_t seed)
{
    bool own_heap;
    struct bursar_system_info before, after;
    unsigned made = 0, succeeded = 0, kinds = 0;
    bool seen[BURSAR_ERROR_COUNT] = { false };
    uint32_t made_of[SYS_COUNT + 2] = { 0 }, succeeded_of[SYS_COUNT + 2] = { 0 };

    random_state = seed;
    TEST_CHECK_EQUAL(l4_system_info(&before), 0, "system info");
    seed_heap_create(result, &own_heap);
    note_window("the seed's heap create", seed, 0, 0, (const uint32_t[4]){ 0 });
    if (result->failed)
        return;
    cpu_seen = (struct cpu_seen){ 0 };
    partner.arrivals = partner.bad_arrivals = partner.fpu_changed = 0;
    for (unsigned call = 1; call <= calls_per_seed; call++) {
        uint32_t number = next_random() % (SYS_COUNT + 2);     /* a few beyond the last */
        uint32_t a[4] = { random_word(), random_word(), random_word(), random_word() };
        if (next_random() % 2)
            shape_arguments(number, a);
        /* Every timeout zero: nothing may block the fuzzer for good. */
        uint32_t eax = number | (BURSAR_TIMEOUT_ZERO << BURSAR_SYSCALL_SEND_TIMEOUT_SHIFT) |
                       (BURSAR_TIMEOUT_ZERO << BURSAR_SYSCALL_RECEIVE_TIMEOUT_SHIFT);
        if (!survivable(number, a))
            continue;
        struct l4_words w = { a[0], a[1], a[2], a[3] };
        int status = cpu_state_call(eax, &w);
        note_window("a fuzzed call", seed, call, number, a);
        TEST_CHECK(documented(status), "seed %u call %u: system call %u returned %d", seed, call, number, status);
        made++;
        made_of[number]++;
        if (status == 0) {
            succeeded++;
            succeeded_of[number]++;
        }
        else if (!seen[-status]) {
            seen[-status] = true;
            kinds++;
        }
        if (call % PARTNER_EVERY == 0) {
            cpu_state_partner_call();
            note_window("a partner call", seed, call, 0, (const uint32_t[4]){ 0 });
        }
        if (call % CHECK_EVERY == 0) {
            TEST_CHECK(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0) == 0,
                       "seed %u call %u: kernel self-check failed", seed, call);
            note_window("a self-check", seed, call, 0, (const uint32_t[4]){ 0 });
        }
    }
    printf("seed %u: %u calls made, %u succeeded, %u kinds of error:", seed, made, succeeded, kinds);
    for (int e = 1; e < BURSAR_ERROR_COUNT; e++)
        if (seen[e])
            printf(" %d", e);
    printf("\n");
    check_every_number(result, seed, made_of, succeeded_of);
    /* A fuzzer whose calls all bounce off the first check would prove nothing. */
    TEST_CHECK(made > calls_per_seed / 2 && succeeded > 100 && kinds >= 10,
               "seed %u: too few calls got anywhere (%u made, %u succeeded, %u kinds of error)", seed, made,
               succeeded, kinds);
    cpu_state_check(result, seed);
    if (result->failed)
        return;
    clean_up();
    note_window("the clean-up", seed, 0, 0, (const uint32_t[4]){ 0 });
    if (own_heap)
        seed_heap_destroy(result);
    note_window("the seed's heap destroy", seed, 0, 0, (const uint32_t[4]){ 0 });
    TEST_CHECK(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0) == 0,
               "seed %u: kernel self-check failed after clean-up", seed);
    TEST_CHECK_EQUAL(l4_system_info(&after), 0, "system info");
    TEST_CHECK(after.fixed_reservation_frames + after.heap_frames + after.bank_frames == after.usable_frames,
               "seed %u: accounting identity broken", seed);
    /*
     * Objects whose every capability a random delete removed stay alive and
     * paid for (the identity above holds) until their payer reclaims or
     * destroys them. The seed's heap was destroyed with all it paid for, so
     * nothing of the seed may be left; on the global kernel (no heaps) they
     * are only counted.
     */
    printf("seed %u: unreachable after clean-up: %d threads, %d tasks, %d heaps\n", seed,
           (int)(after.threads - before.threads), (int)(after.tasks - before.tasks),
           (int)(after.heaps - before.heaps));
    if (own_heap)
        TEST_CHECK(after.threads == before.threads && after.tasks == before.tasks && after.heaps == before.heaps &&
                   after.heap_frames == before.heap_frames,
                   "seed %u: left behind: %d threads, %d tasks, %d heaps, %d heap frames", seed,
                   (int)(after.threads - before.threads), (int)(after.tasks - before.tasks),
                   (int)(after.heaps - before.heaps), (int)(after.heap_frames - before.heap_frames));
}

USER_TEST(300, random_system_calls_seed_1) { fuzz_one_seed(result, 1); }
USER_TEST(301, random_system_calls_seed_2) { fuzz_one_seed(result, 0x9e3779b9u); }
USER_TEST(302, random_system_calls_seed_3) { fuzz_one_seed(result, 0xdeadbeefu); }
USER_TEST(303, random_system_calls_seed_4) { fuzz_one_seed(result, 12345); }

/* `fuzz-calls=N` anywhere on the kernel command line: N calls per seed. */
static void read_command_line(void)
{
    static const char key[] = "fuzz-calls=";
    const char *line = boot->command_line;

    for (uint32_t i = 0; i < sizeof boot->command_line && line[i]; i++) {
        uint32_t k = 0;
        while (key[k] && i + k < sizeof boot->command_line && line[i + k] == key[k])
            k++;
        if (key[k])
            continue;
        uint32_t n = 0;
        for (i += k; i < sizeof boot->command_line && line[i] >= '0' && line[i] <= '9'; i++)
            n = n * 10 + (uint32_t)(line[i] - '0');
        if (n)
            calls_per_seed = n;
        return;
    }
}

int main(const struct bursar_boot_info *boot_info)
{
    int error;

    boot = boot_info;
    read_command_line();
    printf("fuzz: %u calls per seed\n", calls_per_seed);
    error = cpu_state_start();
    if (error) {
        printf("fuzz: cannot start the CPU-state handler and partner: %d\n", error);
        return 1;
    }
    struct l4_preempt_stats stats;
    l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 1);
    bool passed = user_tests_run_all();
    l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 0);
    printf("bench interrupts-off.stress.syscall-fuzz instructions=%llu points=%u switches=%u calls-per-seed=%u "
           "worst-call=%u\n", (unsigned long long)stats.longest_interrupts_off, stats.points, stats.switches,
           calls_per_seed, worst_window.number);
    printf("fuzz: the longest window, %llu, was first seen after %s (seed %u call %u: system call %u "
           "%x %x %x %x)\n", (unsigned long long)worst_window.longest, worst_window.after, worst_window.seed,
           worst_window.call,
           worst_window.number, worst_window.argument[0], worst_window.argument[1], worst_window.argument[2],
           worst_window.argument[3]);
    return passed ? 0 : 1;
}
