/*
 * task_creation.c — a task's creation passes preemption points (issue 10,
 * finding 9; kernel/task.c) and is stopped at one of them while others
 * change what it depends on [1250-1253]:
 *
 *   - its heap is destroyed: the creation fails with DESTROYED [1250];
 *   - its heap is reclaimed whole: the creation fails with OUT_OF_MEMORY,
 *     or, if it had taken every page already, it ends and the reclaim
 *     destroys the new task like any other [1251];
 *   - its destination slot is filled: SLOT_IN_USE [1252];
 *   - the calling thread is destroyed: it never returns [1253].
 *
 * Each time nothing is left of the half-made task: the heap's ledger by
 * kind is back to what it was, and the accounting identity and the
 * kernel's own check hold.
 *
 * How a creation is caught at a point: a thread of a guest task (sharing
 * this program, libl4/task_sharing_program.h), below the root's priority, creates and
 * destroys 2048-slot tasks in a loop, paid by a heap of its own. The root
 * wakes every tick and looks: a task object live in that heap while the
 * kernel counts no task for it is one being made, and since the root runs
 * only when that thread is stopped at a preemption point or in user mode,
 * the creation is stopped at a point. A kernel that made tasks with
 * interrupts off throughout is never caught so (the test fails with
 * "never caught").
 */
#include "core.h"
#include "heap_tests.h"

#include "libl4/printf.h"
#include "libl4/task_sharing_program.h"
#include "libl4/thread_spawn.h"

#define DEADLINE_MS 4000u      /* of the kernel's ticks: only stops a search that would go on for good */
#define NEW_TASK_SLOTS 2048u   /* the most: 16 capability pages, 19 pages with the directory and shadow */
#define CREATION_FRAMES 20u

/* Slots of the guest task's capability space. */
enum { GUEST_HEAP, GUEST_NEW, GUEST_SLOTS = 8 };

struct creation_area {
    volatile bool stop, returned;
    volatile int create_result, destroy_result;
    volatile unsigned created;
    struct bursar_utcb utcb __attribute__((aligned(BURSAR_UTCB_SIZE)));
    char stack[4096] __attribute__((aligned(16)));
} __attribute__((aligned(4096)));

static struct creation_area area;
static uint32_t search_ms;      /* how long the last search took, for the log */

/* In the guest task: only its stack, UTCB and `area`. Ends at the first failure or when told to. */
static void create_in_a_loop(void *unused)
{
    (void)unused;
    while (!area.stop) {
        area.create_result = l4_create(GUEST_HEAP, BURSAR_OBJECT_TASK, GUEST_NEW, NEW_TASK_SLOTS);
        if (area.create_result != 0)
            break;
        area.destroy_result = l4_destroy(GUEST_NEW);
        if (area.destroy_result != 0)
            break;
        area.created++;
    }
    area.returned = true;
}

struct creation_scene {
    unsigned heap, guest, thread;
    struct bursar_system_info before;       /* the guest task and its thread counted */
};

static uint32_t live_of(unsigned heap, unsigned kind)
{
    struct bursar_heap_info info = { 0 };

    return l4_heap_info(heap, &info) == 0 ? info.live_by_type[kind] : UINT32_MAX;
}

/* Everything a task is made of, live in the heap: 0 when nothing is left of any task. */
static uint32_t task_parts_live(unsigned heap)
{
    return live_of(heap, BURSAR_HEAP_TASK) + live_of(heap, BURSAR_HEAP_PAGE_DIRECTORY) +
           live_of(heap, BURSAR_HEAP_SHADOW) + live_of(heap, BURSAR_HEAP_CAPABILITY_TABLE);
}

/* The heap, the guest task holding it, and the creating thread (paid by the boot heap) started. */
static int scene_start(struct creation_scene *scene)
{
    struct l4_task_spec task = { .heap = BURSAR_SLOT_HEAP, .slot = scene->guest = core_slot(),
                                 .capability_slots = GUEST_SLOTS, .shared = &area, .shared_size = sizeof area };
    struct l4_thread_spec thread = {
        .heap = BURSAR_SLOT_HEAP, .task = scene->guest, .slot = scene->thread = core_slot(), .stack = area.stack,
        .stack_size = sizeof area.stack, .utcb = (uintptr_t)&area.utcb, .priority = CORE_LOW_PRIORITY,
        .entry = create_in_a_loop, .argument = NULL,
    };
    int error;

    area = (struct creation_area){ 0 };
    scene->heap = core_slot();
    if ((error = core_heap_create(scene->heap, CREATION_FRAMES)) ||
        (error = l4_task_create_sharing_program(&task)) ||
        (error = l4_cap_transfer(scene->heap, scene->guest, GUEST_HEAP, BURSAR_RIGHTS_ALL, BURSAR_COPY, 0)))
        return error;
    error = l4_thread_spawn(&thread);
    if (!error)
        error = l4_system_info(&scene->before);
    return error;
}

/* Wakes tick by tick until the guest's thread is stopped inside a creation: true then, false at the deadline. */
static bool caught_inside_a_creation(const struct creation_scene *scene)
{
    uint32_t start = core_ticks();
    struct bursar_system_info now;

    while (core_ticks_elapsed_ms(start) < DEADLINE_MS && !area.returned) {
        core_sleep_ms(1);
        search_ms = core_ticks_elapsed_ms(start);
        if (live_of(scene->heap, BURSAR_HEAP_TASK) == 1 && l4_system_info(&now) == 0 &&
            now.tasks == scene->before.tasks)
            return true;
    }
    return false;
}

static void wait_for_the_guest(void)
{
    uint32_t start = core_ticks();

    while (!area.returned && core_ticks_elapsed_ms(start) < DEADLINE_MS)
        core_sleep_ms(1);
}

static void scene_end(struct creation_scene *scene)
{
    area.stop = true;
    l4_destroy(scene->thread);
    l4_destroy(scene->guest);
    l4_destroy(scene->heap);
}

#define CATCH(scene)                                                                                     \
    do {                                                                                                 \
        TEST_CHECK_EQUAL(scene_start(&(scene)), 0, "the heap, the guest task and its creating thread"); \
        TEST_CHECK(caught_inside_a_creation(&(scene)),                                                   \
                   "never caught inside a creation in %u ms (%u tasks made; it returned %d)", DEADLINE_MS, \
                   area.created, area.create_result);                                                    \
    } while (0)

USER_TEST(1250, a_task_creation_stopped_at_a_point_while_its_heap_is_destroyed)
{
    struct creation_scene scene;
    struct bursar_system_info after;

    CATCH(scene);
    TEST_CHECK_EQUAL(l4_destroy(scene.heap), 0, "destroying the heap under the creation");
    wait_for_the_guest();
    TEST_CHECK(area.returned, "the creating thread did not return");
    TEST_CHECK_EQUAL(area.create_result, -BURSAR_E_DESTROYED, "the creation's result");
    TEST_CHECK_EQUAL(l4_system_info(&after), 0, "system info");
    TEST_CHECK(after.heaps == scene.before.heaps - 1 && after.tasks == scene.before.tasks,
               "%u heaps, %u tasks; before %u, %u", after.heaps, after.tasks, scene.before.heaps,
               scene.before.tasks);
    TEST_CHECK(heap_ledger_exact(), "ledger");
    printf("  caught after %u ms, %u tasks made; the creation answered DESTROYED\n", search_ms, area.created);
    scene_end(&scene);
}

USER_TEST(1251, a_task_creation_stopped_at_a_point_while_its_heap_is_reclaimed_whole)
{
    struct creation_scene scene;
    struct bursar_reclaim_info reclaim;
    struct bursar_heap_info info;

    CATCH(scene);
    TEST_CHECK_EQUAL(l4_heap_reclaim(scene.heap, CREATION_FRAMES, &reclaim), 0, "reclaiming every page");
    wait_for_the_guest();
    TEST_CHECK(area.returned, "the creating thread did not return");
    if (area.create_result == 0) {
        /* It had every page: it ended, and the reclaim destroyed the new task under its capability. */
        TEST_CHECK(area.destroy_result == -BURSAR_E_REVOKED || area.destroy_result == -BURSAR_E_DESTROYED,
                   "the destroy of the new task: %d", area.destroy_result);
        TEST_CHECK_EQUAL(reclaim.destroyed_by_type[BURSAR_HEAP_TASK], 1, "tasks the reclaim destroyed");
    } else {
        /* The pages it still needed went first (or it ended, destroyed its task itself and found none left). */
        TEST_CHECK_EQUAL(area.create_result, -BURSAR_E_OUT_OF_MEMORY, "the creation's result");
        TEST_CHECK_EQUAL(reclaim.destroyed_by_type[BURSAR_HEAP_TASK], 0, "tasks the reclaim destroyed");
    }
    TEST_CHECK_EQUAL(l4_heap_info(scene.heap, &info), 0, "heap info");
    TEST_CHECK(info.pages_held == 0 && task_parts_live(scene.heap) == 0, "the heap holds %u pages, %u task parts",
               info.pages_held, task_parts_live(scene.heap));
    TEST_CHECK(heap_ledger_exact(), "ledger");
    printf("  caught after %u ms, %u tasks made; the creation answered %d, %u pages reclaimed\n", search_ms, area.created,
           area.create_result, reclaim.pages_reclaimed);
    scene_end(&scene);
}

USER_TEST(1252, a_task_creation_stopped_at_a_point_while_its_destination_slot_is_filled)
{
    struct creation_scene scene;
    struct bursar_heap_info before, after;

    CATCH(scene);
    TEST_CHECK_EQUAL(l4_heap_info(scene.heap, &before), 0, "heap info");
    TEST_CHECK_EQUAL(l4_cap_transfer(scene.heap, scene.guest, GUEST_NEW, BURSAR_RIGHT_READ, BURSAR_COPY, 0), 0,
                     "a capability copied into the slot the creation is for");
    wait_for_the_guest();
    TEST_CHECK(area.returned, "the creating thread did not return");
    TEST_CHECK_EQUAL(area.create_result, -BURSAR_E_SLOT_IN_USE, "the creation's result");
    TEST_CHECK_EQUAL(l4_heap_info(scene.heap, &after), 0, "heap info");
    TEST_CHECK(task_parts_live(scene.heap) == 0 && after.pages_held == before.pages_held &&
               after.pages_free == after.pages_held,
               "%u task parts live; %u pages held (%u before), %u free", task_parts_live(scene.heap),
               after.pages_held, before.pages_held, after.pages_free);
    TEST_CHECK(heap_ledger_exact(), "ledger");
    printf("  caught after %u ms, %u tasks made; the creation answered SLOT_IN_USE\n", search_ms, area.created);
    scene_end(&scene);
}

USER_TEST(1253, a_task_creation_stopped_at_a_point_while_its_caller_is_destroyed)
{
    struct creation_scene scene;
    struct bursar_system_info after;
    uint32_t start;

    CATCH(scene);
    TEST_CHECK_EQUAL(l4_destroy(scene.thread), 0, "destroying the creating thread");
    start = core_ticks();
    do {
        core_sleep_ms(1);
        TEST_CHECK_EQUAL(l4_system_info(&after), 0, "system info");
    } while (after.threads != scene.before.threads - 1 && core_ticks_elapsed_ms(start) < DEADLINE_MS);
    TEST_CHECK(after.threads == scene.before.threads - 1 && after.tasks == scene.before.tasks,
               "%u threads, %u tasks; before %u, %u", after.threads, after.tasks, scene.before.threads,
               scene.before.tasks);
    TEST_CHECK(!area.returned, "the destroyed thread returned to user mode (%d)", area.create_result);
    TEST_CHECK_EQUAL(task_parts_live(scene.heap), 0, "task parts live in the heap");
    TEST_CHECK(heap_ledger_exact(), "ledger");
    printf("  caught after %u ms, %u tasks made; the caller is gone and so is all it took\n", search_ms, area.created);
    scene_end(&scene);
}
