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
 */
#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/test.h"

#define CALLS_PER_SEED 25000
#define CHECK_EVERY 250
#define FUZZ_FIRST_SLOT 8u
#define FUZZ_LAST_SLOT 40u
#define SCRATCH_BASE 0x30000000u        /* where the fuzzer maps frames into itself */
#define SCRATCH_PAGES 16u

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
        a[0] = next_random() % 4 ? BURSAR_SLOT_HEAP : fuzz_slot();
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
    default:
        a[0] = fuzz_slot();
        break;
    }
}

/* A call the fuzzer may make without ending or starving itself; false to skip it. */
static bool survivable(uint32_t number, uint32_t a[4])
{
    bool own_capability = (a[0] & 0xffff) <= BURSAR_SLOT_DEBUG;

    switch (number) {
    case SYS_THREAD_EXIT: case SYS_THREAD_START:
        return false;
    case SYS_DESTROY: case SYS_CAP_DELETE: case SYS_CAP_REVOKE:
        return !own_capability;
    case SYS_CAP_COPY:
        /*
         * A grant into another task would leave an object the fuzzer cannot
         * reach to destroy (deleting the last capability destroys nothing; the
         * payer's reclaim does, and that is not built yet).
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
    case SYS_UNMAP:         /* its own program and stack stay mapped */
        return a[0] >= SCRATCH_BASE && a[0] < 0xbfff0000u && a[1] <= SCRATCH_PAGES;
    case SYS_DEBUG_PUTS:
        return a[1] == 0 || a[1] > BURSAR_DEBUG_PUTS_MAX || a[0] >= BURSAR_USER_TOP;
    default:
        return true;
    }
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
static void clean_up(void)
{
    for (int round = 0; round < 8; round++) {
        bool held = false;
        for (uint32_t slot = FUZZ_FIRST_SLOT; slot < BURSAR_ROOT_SLOTS; slot++) {
            struct l4_cap_info info;
            if (l4_cap_inspect(slot, &info) != 0 || info.type == BURSAR_OBJECT_NONE) {
                l4_cap_delete(slot);        /* a revoked slot: clear it */
                continue;
            }
            int error = l4_destroy(slot);
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
}

static void fuzz_one_seed(struct test_result *result, uint32_t seed)
{
    struct bursar_system_info before, after;
    unsigned made = 0, succeeded = 0, kinds = 0;
    bool seen[BURSAR_ERROR_COUNT] = { false };

    random_state = seed;
    TEST_CHECK_EQUAL(l4_system_info(&before), 0, "system info");
    for (unsigned call = 1; call <= CALLS_PER_SEED; call++) {
        uint32_t number = next_random() % (SYS_COUNT + 2);     /* a few beyond the last */
        uint32_t a[4] = { random_word(), random_word(), random_word(), random_word() };
        if (next_random() % 2)
            shape_arguments(number, a);
        /* Every timeout zero: nothing may block the fuzzer for good. */
        uint32_t eax = number | (BURSAR_TIMEOUT_ZERO << BURSAR_SYSCALL_SEND_TIMEOUT_SHIFT) |
                       (BURSAR_TIMEOUT_ZERO << BURSAR_SYSCALL_RECEIVE_TIMEOUT_SHIFT);
        if (!survivable(number, a))
            continue;
        int status = l4_sysenter(eax, a[0], a[1], a[2], a[3]);
        TEST_CHECK(documented(status), "seed %u call %u: system call %u returned %d", seed, call, number, status);
        made++;
        if (status == 0)
            succeeded++;
        else if (!seen[-status]) {
            seen[-status] = true;
            kinds++;
        }
        if (call % CHECK_EVERY == 0)
            TEST_CHECK(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0) == 0,
                       "seed %u call %u: kernel self-check failed", seed, call);
    }
    printf("seed %u: %u calls made, %u succeeded, %u kinds of error:", seed, made, succeeded, kinds);
    for (int e = 1; e < BURSAR_ERROR_COUNT; e++)
        if (seen[e])
            printf(" %d", e);
    printf("\n");
    /* A fuzzer whose calls all bounce off the first check would prove nothing. */
    TEST_CHECK(made > CALLS_PER_SEED / 2 && succeeded > 100 && kinds >= 10,
               "seed %u: too few calls got anywhere (%u made, %u succeeded, %u kinds of error)", seed, made,
               succeeded, kinds);
    clean_up();
    TEST_CHECK(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0) == 0,
               "seed %u: kernel self-check failed after clean-up", seed);
    TEST_CHECK_EQUAL(l4_system_info(&after), 0, "system info");
    TEST_CHECK(after.fixed_reservation_frames + after.heap_frames + after.bank_frames == after.usable_frames,
               "seed %u: accounting identity broken", seed);
    /*
     * Objects whose every capability a random delete removed stay alive and
     * paid for (the identity above holds) until their payer reclaims them,
     * which the reclaim work adds; until then they are counted, not failed.
     */
    printf("seed %u: unreachable after clean-up: %d threads, %d tasks, %d heaps\n", seed,
           (int)(after.threads - before.threads), (int)(after.tasks - before.tasks),
           (int)(after.heaps - before.heaps));
}

USER_TEST(300, random_system_calls_seed_1) { fuzz_one_seed(result, 1); }
USER_TEST(301, random_system_calls_seed_2) { fuzz_one_seed(result, 0x9e3779b9u); }
USER_TEST(302, random_system_calls_seed_3) { fuzz_one_seed(result, 0xdeadbeefu); }
USER_TEST(303, random_system_calls_seed_4) { fuzz_one_seed(result, 12345); }

int main(const struct bursar_boot_info *boot_info)
{
    boot = boot_info;
    return user_tests_run_all() ? 0 : 1;
}
