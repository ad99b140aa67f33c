/*
 * authority_compare.c — the brand check, SYS_CAP_COMPARE (docs/abi.md §6)
 * [870-871]: whether two capabilities name one object, and nothing else.
 * A server (a space bank) uses it to tell its own endpoint from a
 * look-alike that answers the same protocol with the same badge, rights
 * and type.
 */
#include "authority.h"
#include "proxy.h"

static int compare(unsigned a, unsigned b, uint32_t *same)
{
    struct l4_words w = { a, b, 0, 0 };
    int error = l4_sysenter_inline(SYS_CAP_COMPARE, &w);

    *same = w.ebx;
    /* The other result registers carry nothing. */
    return error == 0 && (w.esi | w.edi | w.ebp) != 0 ? -1 : error;
}

USER_TEST(870, the_brand_check_tells_one_object_from_another_and_nothing_more)
{
    unsigned endpoint = core_slot(), copy = core_slot(), badged = core_slot(), revocable = core_slot();
    unsigned other = core_slot(), empty = core_slot(), revoked = core_slot(), source = core_slot();
    unsigned same_slots[] = { endpoint, copy, badged, revocable };
    static struct core_snapshot before, after;
    uint32_t same = 2;
    bool alike;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "an endpoint");
    TEST_CHECK_EQUAL(l4_cap_copy(endpoint, copy, BURSAR_RIGHT_WRITE, 0), 0, "a COPY with fewer rights");
    TEST_CHECK_EQUAL(l4_cap_copy(endpoint, badged, BURSAR_RIGHT_WRITE, 0x77), 0, "a badged COPY");
    TEST_CHECK_EQUAL(l4_cap_transfer(endpoint, BURSAR_OWN_TASK, revocable, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY, 0),
                     0, "a revocable copy");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, other, 0), 0, "another endpoint");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, source, 0), 0, "a source to revoke");
    TEST_CHECK_EQUAL(l4_cap_transfer(source, BURSAR_OWN_TASK, revoked, BURSAR_RIGHTS_ALL, BURSAR_REVOCABLE_COPY, 0),
                     0, "its revocable copy");
    TEST_CHECK_EQUAL(l4_cap_revoke(source), 0, "revoked");
    /* A per-test slot may say REVOKED from an earlier test until it is reused: fill it, then empty it. */
    TEST_CHECK_EQUAL(l4_cap_copy(endpoint, empty, BURSAR_RIGHT_READ, 0), 0, "fill a slot");
    TEST_CHECK_EQUAL(l4_cap_delete(empty), 0, "and empty it");
    core_snapshot_take(&before);
    for (unsigned i = 0; i < 4; i++)
        for (unsigned j = 0; j < 4; j++) {
            TEST_CHECK_EQUAL_FMT(compare(same_slots[i], same_slots[j], &same), 0, "compare %u with %u", i, j);
            TEST_CHECK_EQUAL_FMT(same, 1, "derived capabilities %u and %u name one object", i, j);
        }
    TEST_CHECK_EQUAL(compare(badged, other, &same), 0, "compare with another endpoint");
    TEST_CHECK_EQUAL(same, 0, "two endpoints");
    TEST_CHECK_EQUAL(compare(BURSAR_SLOT_HEAP, endpoint, &same), 0, "compare a heap with an endpoint");
    TEST_CHECK_EQUAL(same, 0, "a heap and an endpoint");
    TEST_CHECK_EQUAL(compare(BURSAR_SLOT_TASK, BURSAR_SLOT_THREAD, &same), 0, "compare the task with its thread");
    TEST_CHECK_EQUAL(same, 0, "a task and its thread");
    TEST_CHECK(l4_cap_compare(BURSAR_SLOT_MEMORY, BURSAR_SLOT_MEMORY, &alike) == 0 && alike, "a slot with itself");
    /* Either slot's lookup errors, in order. */
    TEST_CHECK_EQUAL(compare(empty, endpoint, &same), -BURSAR_E_EMPTY_SLOT, "first slot empty");
    TEST_CHECK_EQUAL(compare(endpoint, empty, &same), -BURSAR_E_EMPTY_SLOT, "second slot empty");
    TEST_CHECK_EQUAL(compare(revoked, endpoint, &same), -BURSAR_E_REVOKED, "first slot revoked");
    TEST_CHECK_EQUAL(compare(endpoint, revoked, &same), -BURSAR_E_REVOKED, "second slot revoked");
    TEST_CHECK_EQUAL(compare(BURSAR_ROOT_SLOTS, endpoint, &same), -BURSAR_E_INVALID_CAPABILITY, "first past the end");
    TEST_CHECK_EQUAL(compare(endpoint, 0xffff, &same), -BURSAR_E_INVALID_CAPABILITY, "second past the end");
    core_snapshot_take(&after);
    TEST_CHECK_EQUAL(core_snapshot_compare(&before, &after), 0, "comparing changed something");
}

/*
 * The bank's verify: a server (the proxy) holds its own endpoint; clients
 * hand it capabilities, one a genuine badged copy of that endpoint, one a
 * look-alike — another server's endpoint, badged the same, with the same
 * rights. Inspecting them cannot tell them apart; the brand check does.
 */
USER_TEST(871, a_server_rejects_a_look_alike_of_its_own_endpoint)
{
    static struct proxy bank;
    unsigned genuine = core_slot(), impostor = core_slot(), genuine_copy = core_slot(), fake_copy = core_slot();
    const unsigned own = PROXY_FIRST_FREE, handed = PROXY_FIRST_FREE + 1, other_handed = PROXY_FIRST_FREE + 2;
    const uint32_t badge = 0xb4;
    struct l4_words out, inspect_genuine, inspect_fake;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, genuine, 0), 0, "the bank's endpoint");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, impostor, 0), 0, "a look-alike's endpoint");
    TEST_CHECK_EQUAL(proxy_start(&bank, 0), 0, "the bank's task");
    TEST_CHECK_EQUAL(proxy_give(&bank, genuine, own, BURSAR_RIGHT_READ), 0, "the bank holds its endpoint");
    TEST_CHECK_EQUAL(l4_cap_copy(genuine, genuine_copy, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, badge), 0,
                     "a client's bank capability");
    TEST_CHECK_EQUAL(l4_cap_copy(impostor, fake_copy, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, badge), 0,
                     "the look-alike, badged the same");
    TEST_CHECK_EQUAL(proxy_give(&bank, genuine_copy, handed, BURSAR_RIGHT_WRITE), 0, "handed to the bank");
    TEST_CHECK_EQUAL(proxy_give(&bank, fake_copy, other_handed, BURSAR_RIGHT_WRITE), 0, "the look-alike handed over");
    TEST_CHECK_EQUAL(proxy_syscall(&bank, SYS_CAP_INSPECT, handed, 0, 0, 0, &inspect_genuine), 0, "inspect");
    TEST_CHECK_EQUAL(proxy_syscall(&bank, SYS_CAP_INSPECT, other_handed, 0, 0, 0, &inspect_fake), 0, "inspect");
    TEST_CHECK(inspect_genuine.ebx == inspect_fake.ebx && inspect_genuine.esi == inspect_fake.esi &&
               inspect_genuine.edi == inspect_fake.edi && inspect_genuine.ebp == inspect_fake.ebp,
               "inspection alone already tells them apart: type %u/%u rights %x/%x badge %x/%x", inspect_genuine.ebx,
               inspect_fake.ebx, inspect_genuine.esi, inspect_fake.esi, inspect_genuine.edi, inspect_fake.edi);
    TEST_CHECK_EQUAL(proxy_syscall(&bank, SYS_CAP_COMPARE, handed, own, 0, 0, &out), 0, "verify the genuine one");
    TEST_CHECK_EQUAL(out.ebx, 1, "the genuine capability is the bank's");
    TEST_CHECK_EQUAL(proxy_syscall(&bank, SYS_CAP_COMPARE, other_handed, own, 0, 0, &out), 0, "verify the look-alike");
    TEST_CHECK_EQUAL(out.ebx, 0, "the look-alike is not");
}
