/*
 * hostile.c — wrapper tests 1120-1129: clients that misbehave, and banks
 * that do not pay, stop nobody else. Malformed requests, a bank that is
 * not one, a create whose answer the client refuses, a flood of creates, a
 * target that never answers, a flood of callers, a bank at its limit, a
 * caller that refuses what the target answers, an item too big for the
 * wrapper's window, random messages, threads whose pager is the service
 * or a wrapper.
 */
#include "wrapper_tests.h"

#include "libl4/utcb.h"

#define WG (BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT)

static int echo_once(unsigned endpoint, uint32_t word)
{
    uint32_t tag = BURSAR_TAG(TARGET_LABEL, 1, 0), mr0 = word, mr1 = 0;
    int error = l4_call(endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(2000));

    if (error)
        return error;
    error = l4_reply_check(tag, BURSAR_TAG(TARGET_LABEL, 1, 0));
    return error ? error : mr0 == word + 1 ? 0 : -BURSAR_E_INVALID_MESSAGE;
}

/* A create by hand: `items` capability items (bank then target) and `words` words. */
static int create_by_hand(unsigned service, unsigned first, unsigned second, unsigned items, unsigned words)
{
    struct l4_msg m;

    l4_msg_start(&m, WRAPPER_LABEL_CREATE);
    for (unsigned i = 0; i < words; i++)
        l4_msg_append(&m, i);
    if (items > 0)
        l4_msg_append_capability(&m, first, BURSAR_RIGHT_WRITE, BURSAR_COPY, 0);
    if (items > 1)
        l4_msg_append_capability(&m, second, BURSAR_RIGHT_WRITE, BURSAR_COPY, 0);
    return l4_rpc(service, &m, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(2000));
}

USER_TEST(1120, malformed_requests_get_their_error_and_change_nothing)
{
    struct wt_client client;
    struct wt_target target = { .mode = TARGET_ECHO };
    struct l4_bank_stats before, after;
    unsigned wrapper, fake = wt_slot(), heap = WT_ACTOR_HEAP;
    uint32_t handle, tag, mr0 = 0, mr1 = 0;
    struct l4_msg m;

    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    TEST_CHECK_EQUAL(l4_bank_stats(client.bank, &before), 0, "the bank before");
    TEST_CHECK_EQUAL(create_by_hand(client.service, client.bank, 0, 1, 0), -BURSAR_E_INVALID_MESSAGE, "one item");
    TEST_CHECK_EQUAL(create_by_hand(client.service, client.bank, target.endpoint, 2, 1), -BURSAR_E_INVALID_MESSAGE,
                     "a word too many");
    TEST_CHECK_EQUAL(create_by_hand(client.service, client.bank, heap, 2, 0), -BURSAR_E_WRONG_TYPE,
                     "a heap as the target");
    l4_msg_start(&m, WRAPPER_LABEL_CREATE);
    l4_msg_append_memory(&m, 0x00400000, 12, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY);
    TEST_CHECK_EQUAL(l4_rpc(client.service, &m, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(2000)),
                     -BURSAR_E_NO_RECEIVE_WINDOW, "memory instead of capabilities: the service opens no window");
    tag = BURSAR_TAG(0x0c7f, 0, 0);
    TEST_CHECK_EQUAL(l4_call(client.service, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(2000)), 0,
                     "an unknown label");
    TEST_CHECK_EQUAL(l4_reply_check(tag, 0), -BURSAR_E_UNKNOWN_OPERATION, "its answer");
    /* The brand check: an endpoint of another server, badged like a bank, is no bank. */
    TEST_CHECK_EQUAL(l4_cap_copy(target.endpoint, fake, WG, 0x10001), 0, "a look-alike bank");
    TEST_CHECK_EQUAL(wrapper_create(client.service, fake, target.endpoint, wt_slot(), &handle),
                     -WRAPPER_E_NOT_A_BANK, "a create paid by it");
    TEST_CHECK_EQUAL(target.calls, 0u, "the look-alike was never called");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, 0x12345), -WRAPPER_E_NO_SUCH_WRAPPER, "a destroy of nothing");
    TEST_CHECK_EQUAL(l4_bank_stats(client.bank, &after), 0, "the bank after");
    TEST_CHECK(after.charged == before.charged && after.bought == before.bought, "nothing was bought: charged %u->%u",
               before.charged, after.charged);
    TEST_CHECK_EQUAL(wt_live_wrappers(), 0u, "no wrapper");
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &wrapper, &handle), 0, "a good create");
    TEST_CHECK_EQUAL(echo_once(wrapper, 3), 0, "works");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "destroy");
}

USER_TEST(1121, a_create_whose_answer_the_client_refuses_is_undone)
{
    struct wt_client client;
    struct wt_target target = { .mode = TARGET_ECHO };
    struct l4_bank_stats before, after;
    unsigned wrapper;
    uint32_t handle;

    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    TEST_CHECK_EQUAL(l4_bank_stats(client.bank, &before), 0, "the bank before");
    /* No receive window for the wrapper: the kernel refuses the answer's capability. */
    l4_set_receive_windows(BURSAR_NO_CAPABILITY, 0, 0, 0);
    TEST_CHECK_EQUAL(create_by_hand(client.service, client.bank, target.endpoint, 2, 0),
                     -BURSAR_E_NO_RECEIVE_WINDOW, "the client hears why it got nothing");
    TEST_CHECK_EQUAL(wt_live_wrappers(), 0u, "the server took the wrapper down");
    TEST_CHECK_EQUAL(l4_bank_stats(client.bank, &after), 0, "the bank after");
    TEST_CHECK(after.charged == before.charged && after.bought > before.bought,
               "bought %u then paid back: charged %u, before %u", after.bought - before.bought, after.charged,
               before.charged);
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &wrapper, &handle), 0, "the next create");
    TEST_CHECK_EQUAL(echo_once(wrapper, 1), 0, "works");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "destroy");
}

USER_TEST(1122, a_flood_of_creates_stops_at_the_clients_quota_and_others_keep_theirs)
{
    struct wt_client flooder, other;
    struct wt_target target = { .mode = TARGET_ECHO };
    unsigned wrappers[16], wrapper;
    uint32_t handles[16], handle, quota = 0, made = 0;
    int error = 0;

    TEST_CHECK_EQUAL(wt_client(&flooder, BANK_NO_LIMIT), 0, "a flooding client");
    TEST_CHECK_EQUAL(wt_client(&other, BANK_NO_LIMIT), 0, "another client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    TEST_CHECK_EQUAL(wrapper_info(flooder.service, NULL, NULL, NULL, &quota), 0, "info");
    while (made < 16 && (error = wt_wrap(&flooder, target.endpoint, &wrappers[made], &handles[made])) == 0)
        made++;
    TEST_CHECK_EQUAL(error, -WRAPPER_E_FULL, "the flood ends");
    TEST_CHECK_EQUAL(made, quota, "at the client's quota");
    TEST_CHECK_EQUAL(wt_wrap(&other, target.endpoint, &wrapper, &handle), 0, "another client still gets one");
    TEST_CHECK_EQUAL(echo_once(wrapper, 5), 0, "which works");
    TEST_CHECK_EQUAL(echo_once(wrappers[made - 1], 6), 0, "so do the flooder's");
    for (unsigned i = 0; i < made; i++)
        TEST_CHECK_EQUAL_FMT(wrapper_destroy(flooder.service, handles[i]), 0, "destroy %u", i);
    TEST_CHECK_EQUAL(wrapper_destroy(other.service, handle), 0, "destroy");
}

static int held_call(struct wt_job *job)
{
    return echo_once(job->arguments[0], 1);
}

USER_TEST(1123, a_target_that_never_answers_holds_up_its_own_wrapper_only)
{
    struct wt_client hostile, client;
    struct wt_target silent = { .mode = TARGET_HOLD }, target = { .mode = TARGET_ECHO };
    struct wt_job stuck = { .run = held_call };
    unsigned trap, wrapper;
    uint32_t trap_handle, handle;

    TEST_CHECK_EQUAL(wt_client(&hostile, BANK_NO_LIMIT), 0, "a hostile client");
    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "a client");
    TEST_CHECK_EQUAL(wt_target_start(&silent), 0, "a target that never answers");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "a target");
    TEST_CHECK_EQUAL(wt_wrap(&hostile, silent.endpoint, &trap, &trap_handle), 0, "a wrapper around it");
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &wrapper, &handle), 0, "another wrapper");
    stuck.arguments[0] = trap;
    TEST_CHECK_EQUAL(wt_job_start(&stuck), 0, "a caller of the trap");
    root_sleep_ms(30);
    TEST_CHECK(stuck.started && !stuck.done && silent.calls == 1, "it is held (done %u, calls %u)", stuck.done,
               silent.calls);
    for (uint32_t i = 0; i < 5; i++)
        TEST_CHECK_EQUAL_FMT(echo_once(wrapper, i), 0, "a call through the other wrapper meanwhile, %u", i);
    TEST_CHECK_EQUAL(wrapper_destroy(hostile.service, trap_handle), 0, "destroy the trap");
    TEST_CHECK(wt_job_wait(&stuck, 1000), "the held caller woke");
    TEST_CHECK_EQUAL(stuck.result, -BURSAR_E_DESTROYED, "with DESTROYED");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "destroy");
}

static int many_calls(struct wt_job *job)
{
    for (uint32_t i = 0; i < job->arguments[1]; i++) {
        int error = echo_once(job->arguments[0], 1000 * job->arguments[2] + i);
        if (error)
            return error;
    }
    return 0;
}

USER_TEST(1124, a_flood_of_callers_on_one_wrapper_is_served_in_turn_and_others_meanwhile)
{
    struct wt_client client;
    struct wt_target target = { .mode = TARGET_ECHO }, other = { .mode = TARGET_ECHO };
    struct wt_job callers[4];
    unsigned flooded, wrapper;
    uint32_t flooded_handle, handle;

    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    TEST_CHECK_EQUAL(wt_target_start(&other), 0, "another target");
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &flooded, &flooded_handle), 0, "the flooded wrapper");
    TEST_CHECK_EQUAL(wt_wrap(&client, other.endpoint, &wrapper, &handle), 0, "another wrapper");
    for (unsigned i = 0; i < 4; i++) {
        callers[i] = (struct wt_job){ .run = many_calls, .arguments = { flooded, 50, i } };
        TEST_CHECK_EQUAL_FMT(wt_job_start(&callers[i]), 0, "caller %u", i);
    }
    for (uint32_t i = 0; i < 20; i++)
        TEST_CHECK_EQUAL_FMT(echo_once(wrapper, i), 0, "a call through the other wrapper, %u", i);
    for (unsigned i = 0; i < 4; i++) {
        TEST_CHECK_EQUAL_FMT(wt_job_wait(&callers[i], 3000), true, "caller %u finished", i);
        TEST_CHECK_EQUAL_FMT(callers[i].result, 0, "caller %u's calls", i);
    }
    TEST_CHECK_EQUAL(target.calls, 200u, "the flooded target saw every call");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, flooded_handle), 0, "destroy");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "destroy");
}

USER_TEST(1125, a_bank_that_will_not_pay_gets_BANK_REFUSED_and_keeps_nothing)
{
    struct wt_client rich, poor;
    struct wt_target target = { .mode = TARGET_ECHO };
    struct l4_bank_stats before, with, fresh, after;
    unsigned wrapper;
    uint32_t handle, cost;

    TEST_CHECK_EQUAL(wt_client(&rich, BANK_NO_LIMIT), 0, "a client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    TEST_CHECK_EQUAL(l4_bank_stats(rich.bank, &before), 0, "its bank");
    TEST_CHECK_EQUAL(wt_wrap(&rich, target.endpoint, &wrapper, &handle), 0, "a wrapper");
    TEST_CHECK_EQUAL(l4_bank_stats(rich.bank, &with), 0, "its bank with it");
    TEST_CHECK_EQUAL(wrapper_destroy(rich.service, handle), 0, "destroy");
    cost = with.charged - before.charged;
    /* One frame short at each purchase: the heap fits but not the page, then not even the heap. */
    for (uint32_t limit = cost - 1; limit + 3 >= cost && limit < cost; limit--) {
        TEST_CHECK_EQUAL_FMT(wt_client(&poor, limit), 0, "a client with a bank of %u frames", limit);
        TEST_CHECK_EQUAL(l4_bank_stats(poor.bank, &fresh), 0, "the bank before");
        TEST_CHECK_EQUAL_FMT(wt_wrap(&poor, target.endpoint, &wrapper, &handle), -WRAPPER_E_BANK_REFUSED,
                             "a create on %u frames (a wrapper costs %u)", limit, cost);
        TEST_CHECK_EQUAL(l4_bank_stats(poor.bank, &after), 0, "the bank after");
        /*
         * The wrapper's purchases are all undone. (A bank that refuses a heap for want of room may keep
         * the bookkeeping page it readied for the heap object: that one is the bank's, not counted here.)
         */
        TEST_CHECK(after.charged - after.bookkeeping == fresh.charged - fresh.bookkeeping && after.heaps == 0 &&
                   after.sold == 0 && after.heap_pages == 0,
                   "nothing kept at limit %u of %u: charged %u (before %u), heaps %u, sold %u, heap pages %u, bookkeeping %u",
                   limit, cost, after.charged, fresh.charged, after.heaps, after.sold, after.heap_pages, after.bookkeeping);
    }
    TEST_CHECK_EQUAL(wt_live_wrappers(), 0u, "no wrapper");
}

USER_TEST(1126, a_caller_that_refuses_the_answer_hears_why_and_the_wrapper_goes_on)
{
    struct wt_client client;
    struct wt_target target = { .mode = TARGET_REPLY_CAPABILITY, .reply_rights = WG, .reply_mode = BURSAR_COPY };
    unsigned wrapper;
    uint32_t handle, tag, mr0 = 0, mr1 = 0;

    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    target.reply_slot = target.endpoint;
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &wrapper, &handle), 0, "create");
    l4_set_receive_windows(BURSAR_NO_CAPABILITY, 0, 0, 0);
    tag = BURSAR_TAG(TARGET_LABEL, 1, 0);
    TEST_CHECK_EQUAL(l4_call(wrapper, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(2000)), 0,
                     "a call whose answer carries a capability, with no window for it");
    TEST_CHECK_EQUAL(l4_reply_check(tag, 0), -BURSAR_E_NO_RECEIVE_WINDOW, "an error reply says why");
    target.mode = TARGET_ECHO;
    TEST_CHECK_EQUAL(echo_once(wrapper, 4), 0, "the wrapper goes on");
    target.mode = TARGET_REPLY_CAPABILITY;
    l4_set_receive_windows(wt_slot(), 1, 0, 0);
    tag = BURSAR_TAG(TARGET_LABEL, 1, 0);
    TEST_CHECK_EQUAL(l4_call(wrapper, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(2000)), 0,
                     "the same call with a window");
    TEST_CHECK(BURSAR_TAG_TYPED(tag) == 1 && !(tag & BURSAR_TAG_ERROR), "the capability arrives: tag %x", tag);
    l4_set_receive_windows(BURSAR_NO_CAPABILITY, 0, 0, 0);
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "destroy");
}

USER_TEST(1127, memory_beyond_the_wrappers_window_is_refused_by_the_kernel_before_anything_moves)
{
    struct wt_client client;
    struct wt_target target = { .mode = TARGET_ECHO };
    unsigned wrapper;
    uintptr_t pages = wt_pages(32);
    uint32_t handle, frames[32];
    struct l4_msg m;

    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &wrapper, &handle), 0, "create");
    TEST_CHECK_EQUAL(l4_bank_buy(client.bank, pages, 32, frames), 0, "128 KiB");
    l4_msg_start(&m, TARGET_LABEL);
    l4_msg_append_memory(&m, pages, 17, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE, BURSAR_GRANT);
    TEST_CHECK_EQUAL(wt_call(wrapper, &m), -BURSAR_E_NO_RECEIVE_WINDOW, "128 KiB through a 64 KiB window");
    TEST_CHECK_EQUAL(target.calls, 0u, "the target saw nothing");
    TEST_CHECK(((volatile uint8_t *)pages)[4096 * 31] == 0, "the pages are still the sender's");
    l4_msg_start(&m, TARGET_LABEL);
    l4_msg_append_memory(&m, pages, 16, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY);
    TEST_CHECK_EQUAL(l4_rpc(wrapper, &m, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(2000)), 0, "64 KiB goes through");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "destroy");
    TEST_CHECK_EQUAL(l4_bank_return(client.bank, frames, 32), 0, "the pages back");
}

static uint32_t random_next(uint32_t *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

/*
 * Whether `error` is one a call through a wrapper may end with: the
 * kernel's refusals of the sender's items, or the wrapper's. Not
 * SLOT_IN_USE: the wrapper's windows are empty whenever it receives.
 */
static bool documented_result(int error)
{
    static const int documented[] = {
        0, -BURSAR_E_INVALID_ARGUMENT, -BURSAR_E_MISALIGNED, -BURSAR_E_INVALID_ADDRESS, -BURSAR_E_INVALID_CAPABILITY,
        -BURSAR_E_EMPTY_SLOT, -BURSAR_E_REVOKED, -BURSAR_E_NO_RIGHTS, -BURSAR_E_NOT_MAPPED,
        -BURSAR_E_NO_RECEIVE_WINDOW, -BURSAR_E_ALREADY_MAPPED,
        -BURSAR_E_RECEIVER_HEAP_EMPTY, -BURSAR_E_INVALID_MESSAGE, -WRAPPER_E_NOT_FORWARDED,
    };

    for (unsigned i = 0; i < sizeof documented / sizeof documented[0]; i++)
        if (error == documented[i])
            return true;
    return false;
}

USER_TEST(1128, random_messages_through_a_wrapper_get_documented_answers_and_cost_the_server_nothing)
{
    struct wt_client client;
    struct wt_target target = { .mode = TARGET_ECHO };
    struct bursar_heap_info before, after;
    unsigned wrapper, pool;
    uintptr_t pages = wt_pages(32);
    uint32_t handle, frames[32], state = 1128, answered = 0, refused = 0;
    struct l4_msg m;

    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &wrapper, &handle), 0, "create");
    TEST_CHECK_EQUAL(l4_bank_buy(client.bank, pages, 32, frames), 0, "128 KiB to send from");
    pool = wt_slots(5);         /* four endpoints to send, and an empty slot */
    for (unsigned i = 0; i < 4; i++)
        TEST_CHECK_EQUAL_FMT(l4_create(WT_ACTOR_HEAP, BURSAR_OBJECT_ENDPOINT, pool + i, 0), 0, "endpoint %u", i);
    TEST_CHECK_EQUAL(l4_heap_info(WT_WRAPPER_HEAP, &before), 0, "the wrapper server's heap before");
    for (unsigned round = 0; round < 300; round++) {
        unsigned words = random_next(&state) % 8 == 0 ? random_next(&state) % 65 : random_next(&state) % 4;
        unsigned items = random_next(&state) % 4 == 0 ? 0 : random_next(&state) % 5;
        uint32_t label = 1 + random_next(&state) % 0xfff0;
        int error;

        if (words + 2 * items > BURSAR_MESSAGE_REGISTERS)
            items = (BURSAR_MESSAGE_REGISTERS - words) / 2;
        l4_msg_start(&m, label);
        for (unsigned i = 0; i < words; i++)
            l4_msg_append(&m, random_next(&state));
        for (unsigned i = 0; i < items; i++) {
            unsigned mode = random_next(&state) % 3, rights = random_next(&state) % 16;
            if (random_next(&state) % 2)
                l4_msg_append_capability(&m, pool + random_next(&state) % 5, rights, mode,
                                         random_next(&state) % 4 == 0 ? random_next(&state) : 0);
            else {
                unsigned log2 = 12 + random_next(&state) % 6;
                l4_msg_append_memory(&m, pages + (random_next(&state) % 32 << 12 & ~((1u << log2) - 1)), log2,
                                     rights & 3, mode);
            }
        }
        error = l4_rpc(wrapper, &m, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(2000));
        TEST_CHECK(documented_result(error), "round %u (%u words, %u items): %s", round, words, items,
                   wrapper_error_name(error));
        if (error == 0) {
            answered++;
            TEST_CHECK(l4_msg_label(&m) == label && l4_msg_words(&m) == words && l4_msg_items(&m) == 0,
                       "round %u: the echo has label %x, %u words, %u items", round, l4_msg_label(&m),
                       l4_msg_words(&m), l4_msg_items(&m));
        } else {
            refused++;
        }
    }
    TEST_CHECK(answered > 30 && refused > 30, "both kinds of outcome: %u answered, %u refused", answered, refused);
    TEST_CHECK_EQUAL(l4_heap_info(WT_WRAPPER_HEAP, &after), 0, "the wrapper server's heap after");
    for (unsigned kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++)
        TEST_CHECK(after.live_by_type[kind] == before.live_by_type[kind],
                   "the server's heap holds %u of kind %u, %u before", after.live_by_type[kind], kind,
                   before.live_by_type[kind]);
    /* The pool's capabilities may all have been granted away: a fresh one. */
    l4_cap_delete(pool);
    TEST_CHECK_EQUAL(l4_create(WT_ACTOR_HEAP, BURSAR_OBJECT_ENDPOINT, pool, 0), 0, "an endpoint");
    l4_msg_start(&m, TARGET_LABEL);
    l4_msg_append(&m, 1);
    l4_msg_append_capability(&m, pool, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, BURSAR_COPY, 0);
    TEST_CHECK_EQUAL(l4_rpc(wrapper, &m, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(2000)), 0,
                     "a good item goes through after: the windows are clean");
    TEST_CHECK_EQUAL(echo_once(wrapper, 8), 0, "and words");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "destroy");
}

/* Reads a page nothing maps: a page fault, which the kernel sends to the thread's pager as a call. */
static void faulting_thread(void *address)
{
    (void)*(volatile uint32_t *)address;
}

/*
 * A client makes its service capability one thread's pager and a wrapper
 * another's: their page faults are calls the kernel makes to the server's
 * loop and to the wrapper's thread. The service answers an unknown label,
 * the wrapper forwards the fault to its target and passes the echo on: the
 * kernel refuses both answers (a page fault takes RESUME, KILL or RAISE)
 * and each thread stays bound to a reply object, which must then be
 * answered with KILL. Before, each was answered with an error reply,
 * refused too, and every receive after it was BUSY, answered the same way:
 * the service loop and the wrapper's thread spun for good, and no client
 * could create a wrapper or call through that one.
 */
USER_TEST(1129, threads_whose_pager_is_the_service_or_a_wrapper_are_killed_and_both_serve_on)
{
    struct wt_client a, b;
    struct wt_target target;
    unsigned wrapper, other, first, second;
    uint32_t handle, other_handle;

    TEST_CHECK_EQUAL(wt_client(&a, BANK_NO_LIMIT), 0, "client A");
    TEST_CHECK_EQUAL(wt_client(&b, BANK_NO_LIMIT), 0, "client B");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "a target");
    TEST_CHECK_EQUAL(wt_wrap(&a, target.endpoint, &wrapper, &handle), 0, "A's wrapper");
    TEST_CHECK_EQUAL(wt_spawn(faulting_thread, (void *)wt_pages(1), WT_PRIORITY, &first), 0, "a thread");
    TEST_CHECK_EQUAL(l4_thread_configure(first, BURSAR_THREAD_PAGER, a.service), 0, "its pager: A's service");
    TEST_CHECK_EQUAL(wt_spawn(faulting_thread, (void *)wt_pages(1), WT_PRIORITY, &second), 0, "another thread");
    TEST_CHECK_EQUAL(l4_thread_configure(second, BURSAR_THREAD_PAGER, wrapper), 0, "its pager: A's wrapper");
    root_sleep_ms(50);
    TEST_CHECK_EQUAL(target.calls, 1, "the wrapper forwarded the fault");
    TEST_CHECK_EQUAL(wt_wrap(&b, target.endpoint, &other, &other_handle), 0, "B wraps after the service's fault");
    TEST_CHECK_EQUAL(echo_once(other, 5), 0, "through B's wrapper");
    TEST_CHECK_EQUAL(echo_once(wrapper, 7), 0, "through A's wrapper after its fault");
    TEST_CHECK_EQUAL(wrapper_destroy(a.service, handle), 0, "A's wrapper destroyed");
    TEST_CHECK_EQUAL(wrapper_destroy(b.service, other_handle), 0, "B's wrapper destroyed");
}
