/*
 * revoke.c — wrapper tests 1110-1115: revoking is destroying the wrapper.
 * Every copy then answers REVOKED (the kernel's, as for a revoked
 * capability), a caller waiting in it or on it gets DESTROYED, handles go
 * stale, a wrapper around a wrapper and a wrapper whose target is gone
 * answer with the error the forwarded call got, and a client's bank taking
 * everything back leaves the server consistent.
 */
#include "wrapper_tests.h"

#define WG (BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT)

/* A register-only call; its IPC result, or the reply's error, or 0 for the echo. */
static int call_once(unsigned endpoint)
{
    uint32_t tag = BURSAR_TAG(TARGET_LABEL, 1, 0), mr0 = 10, mr1 = 0;
    int error = l4_call(endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(2000));

    return error ? error : l4_reply_check(tag, BURSAR_TAG(TARGET_LABEL, 1, 0));
}

/* Like call_once, but telling the kernel's refusal (its IPC error) from a reply carrying an error. */
static int call_raw(unsigned endpoint, uint32_t *tag)
{
    uint32_t mr0 = 10, mr1 = 0;

    *tag = BURSAR_TAG(TARGET_LABEL, 1, 0);
    return l4_call(endpoint, tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(2000));
}

USER_TEST(1110, destroy_revokes_every_copy_of_the_wrapper_with_the_kernels_REVOKED)
{
    struct wt_client client;
    struct wt_target target = { .mode = TARGET_ECHO };
    struct l4_cap_info cap;
    unsigned wrapper, copy = wt_slot();
    uint32_t handle, tag;

    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &wrapper, &handle), 0, "create");
    TEST_CHECK_EQUAL(l4_cap_copy(wrapper, copy, BURSAR_RIGHT_WRITE, 0), 0, "a COPY of the wrapper");
    TEST_CHECK_EQUAL(call_once(copy), 0, "a call through the copy");
    TEST_CHECK_EQUAL(wt_remote_call(wrapper), 0, "another task's call through its COPY");
    TEST_CHECK_EQUAL(target.calls, 2u, "the target saw both");

    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "destroy");
    TEST_CHECK_EQUAL(call_raw(wrapper, &tag), -BURSAR_E_REVOKED, "the client's own: the kernel refuses the call");
    TEST_CHECK_EQUAL(call_raw(copy, &tag), -BURSAR_E_REVOKED, "the copy");
    TEST_CHECK_EQUAL(wt_remote_call(wrapper), -BURSAR_E_REVOKED, "a COPY given to another task after the destroy");
    TEST_CHECK_EQUAL(l4_cap_inspect(copy, &cap), 0, "inspect the copy");
    TEST_CHECK(cap.type == BURSAR_OBJECT_NONE && cap.revoked, "it says revoked: type %u revoked %u", cap.type,
               cap.revoked);
    TEST_CHECK_EQUAL(target.calls, 2u, "the target saw no more");
}

/* An actor's call through arguments[0], its result in job->result. */
static int blocked_call(struct wt_job *job)
{
    uint32_t tag = BURSAR_TAG(TARGET_LABEL, 1, 0), mr0 = 1, mr1 = 0;

    return l4_call(job->arguments[0], &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
}

USER_TEST(1111, callers_waiting_in_or_on_a_wrapper_when_it_is_destroyed_get_DESTROYED)
{
    struct wt_client client;
    struct wt_target target = { .mode = TARGET_HOLD };
    struct wt_job in_it = { .run = blocked_call }, queued = { .run = blocked_call };
    unsigned wrapper;
    uint32_t handle;

    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &wrapper, &handle), 0, "create");
    in_it.arguments[0] = queued.arguments[0] = wrapper;
    TEST_CHECK_EQUAL(wt_job_start(&in_it), 0, "a caller");
    root_sleep_ms(30);
    TEST_CHECK(in_it.started && !in_it.done && target.calls == 1,
               "its call reached the target, which holds it (started %u, done %u, calls %u)", in_it.started,
               in_it.done, target.calls);
    TEST_CHECK_EQUAL(wt_job_start(&queued), 0, "a second caller, queued behind it");
    root_sleep_ms(30);
    TEST_CHECK(queued.started && !queued.done, "it waits");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "destroy");
    TEST_CHECK(wt_job_wait(&in_it, 1000) && wt_job_wait(&queued, 1000), "both callers woke");
    TEST_CHECK_EQUAL(in_it.result, -BURSAR_E_DESTROYED, "the call in the wrapper");
    TEST_CHECK_EQUAL(queued.result, -BURSAR_E_DESTROYED, "the call queued on it");
}

USER_TEST(1112, a_handle_is_its_clients_alone_and_goes_stale_with_its_wrapper)
{
    struct wt_client client, other;
    struct wt_target target = { .mode = TARGET_ECHO };
    unsigned first, second;
    uint32_t handle, reused;

    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "client");
    TEST_CHECK_EQUAL(wt_client(&other, BANK_NO_LIMIT), 0, "another client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &first, &handle), 0, "create");
    TEST_CHECK_EQUAL(wrapper_destroy(other.service, handle), -WRAPPER_E_NO_SUCH_WRAPPER, "another client's destroy");
    TEST_CHECK_EQUAL(call_once(first), 0, "the wrapper lives on");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "its own client's destroy");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), -WRAPPER_E_NO_SUCH_WRAPPER, "a second destroy");
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &second, &reused), 0, "a new wrapper");
    TEST_CHECK((reused & 0xff) == (handle & 0xff) && reused != handle,
               "the new one has the entry again, another generation: %x then %x", handle, reused);
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), -WRAPPER_E_NO_SUCH_WRAPPER, "the stale handle");
    TEST_CHECK_EQUAL(call_once(second), 0, "the new wrapper lives on");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, 0xffffffffu), -WRAPPER_E_NO_SUCH_WRAPPER, "a made-up handle");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, reused), 0, "destroy");
}

USER_TEST(1113, a_wrapper_around_a_wrapper_forwards_and_answers_its_inners_revocation)
{
    struct wt_client client, other;
    struct wt_target target = { .mode = TARGET_ECHO };
    unsigned inner, outer, badged = wt_slot();
    uint32_t inner_handle, outer_handle, tag;

    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "client");
    TEST_CHECK_EQUAL(wt_client(&other, BANK_NO_LIMIT), 0, "a second client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    TEST_CHECK_EQUAL(l4_cap_copy(target.endpoint, badged, WG, 0x66), 0, "a badged capability to the target");
    TEST_CHECK_EQUAL(wt_wrap(&client, badged, &inner, &inner_handle), 0, "the inner wrapper");
    TEST_CHECK_EQUAL(wt_wrap(&other, inner, &outer, &outer_handle), 0, "a wrapper around it, by another client");
    TEST_CHECK_EQUAL(call_once(outer), 0, "a call through both");
    TEST_CHECK(target.calls == 1 && target.badge == 0x66 && target.words[0] == 10,
               "the target saw %u calls, badge %x, word %u", target.calls, target.badge, target.words[0]);
    /* The inner one revoked: the outer answers with what its forwarded call got. */
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, inner_handle), 0, "destroy the inner one");
    TEST_CHECK_EQUAL(call_raw(outer, &tag), 0, "the outer wrapper takes the call");
    TEST_CHECK_EQUAL(l4_reply_check(tag, BURSAR_TAG(TARGET_LABEL, 1, 0)), -BURSAR_E_REVOKED,
                     "and answers the kernel's error for its own call: REVOKED");
    TEST_CHECK_EQUAL(wrapper_destroy(other.service, outer_handle), 0, "destroy the outer one");
    TEST_CHECK_EQUAL(call_raw(outer, &tag), -BURSAR_E_REVOKED, "now the kernel refuses the call itself");
}

USER_TEST(1114, a_wrapper_whose_target_is_destroyed_answers_REVOKED)
{
    struct wt_client client;
    struct wt_target target = { .mode = TARGET_ECHO };
    unsigned wrapper;
    uint32_t handle, tag;

    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &wrapper, &handle), 0, "create");
    TEST_CHECK_EQUAL(call_once(wrapper), 0, "a call");
    TEST_CHECK_EQUAL(l4_destroy(target.endpoint), 0, "the target's endpoint destroyed");
    TEST_CHECK_EQUAL(call_raw(wrapper, &tag), 0, "the wrapper takes the call");
    TEST_CHECK_EQUAL(l4_reply_check(tag, BURSAR_TAG(TARGET_LABEL, 1, 0)), -BURSAR_E_REVOKED,
                     "and answers REVOKED, its capability to the target being revoked");
    TEST_CHECK_EQUAL(call_once(wrapper), -BURSAR_E_REVOKED, "again");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "destroy");
}

USER_TEST(1115, a_bank_destroyed_under_its_wrapper_kills_it_and_the_server_stays_consistent)
{
    struct wt_client client, other;
    struct wt_target target = { .mode = TARGET_ECHO };
    struct l4_bank_stats root_before, root_after;
    unsigned wrapper, survivor;
    uint32_t handle, survivor_handle, tag, live = 0;

    TEST_CHECK_EQUAL(l4_bank_stats(WT_ROOT_BANK, &root_before), 0, "the root bank");
    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "client");
    TEST_CHECK_EQUAL(wt_client(&other, BANK_NO_LIMIT), 0, "another client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &wrapper, &handle), 0, "create");
    TEST_CHECK_EQUAL(wt_wrap(&other, target.endpoint, &survivor, &survivor_handle), 0, "another client's wrapper");
    /* The payer takes everything back, the wrapper's heap and page with it. */
    TEST_CHECK_EQUAL(bank_destroy(client.bank), 0, "the client destroys its bank");
    TEST_CHECK_EQUAL(call_raw(wrapper, &tag), -BURSAR_E_REVOKED, "the wrapper is gone: REVOKED");
    TEST_CHECK_EQUAL(call_once(survivor), 0, "the other client's wrapper goes on");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "the server forgets it when told");
    TEST_CHECK_EQUAL(wrapper_info(other.service, &live, NULL, NULL, NULL), 0, "info");
    TEST_CHECK_EQUAL(live, 1u, "one wrapper left");
    TEST_CHECK_EQUAL(wrapper_destroy(other.service, survivor_handle), 0, "destroy the other");
    bank_destroy(other.bank);
    TEST_CHECK_EQUAL(l4_bank_stats(WT_ROOT_BANK, &root_after), 0, "the root bank after");
    TEST_CHECK(root_after.charged == root_before.charged, "every frame back to the root: charged %u, before %u",
               root_after.charged, root_before.charged);
}
