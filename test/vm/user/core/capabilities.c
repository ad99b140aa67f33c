/*
 * capabilities.c — the three transfer modes and what each costs: COPY
 * allocates nothing and cannot be revoked by its source; REVOCABLE COPY
 * takes one mapping-database record from the caller's heap and dies with
 * its source's revoke; GRANT moves. Rights only shrink, and destroying an
 * object revokes every capability to it.
 */
#include "core.h"

#include "libl4/string.h"

static int live(unsigned kind, uint32_t *out)
{
    struct bursar_heap_info info;
    int error = l4_heap_info(BURSAR_SLOT_HEAP, &info);

    *out = info.live_by_type[kind];
    return error;
}

USER_TEST(170, copy_allocates_nothing_and_its_source_cannot_revoke_it)
{
    unsigned endpoint = core_slot(), copy = core_slot();
    struct bursar_heap_info before, after;
    struct bursar_system_info system_before, system_after;
    struct l4_cap_info cap;
    bool revoked;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_heap_info(BURSAR_SLOT_HEAP, &before), 0, "heap info");
    TEST_CHECK_EQUAL(l4_system_info(&system_before), 0, "system info");
    TEST_CHECK_EQUAL(l4_cap_copy(endpoint, copy, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_READ, 5), 0, "copy");
    TEST_CHECK_EQUAL(l4_heap_info(BURSAR_SLOT_HEAP, &after), 0, "heap info");
    TEST_CHECK_EQUAL(l4_system_info(&system_after), 0, "system info");
    TEST_CHECK(memcmp(&before, &after, sizeof before) == 0, "the boot heap changed");
    TEST_CHECK(system_before.heap_frames == system_after.heap_frames &&
               system_before.bank_frames == system_after.bank_frames, "memory moved");
    TEST_CHECK_EQUAL(l4_cap_inspect(copy, &cap), 0, "inspect");
    TEST_CHECK(cap.type == BURSAR_OBJECT_ENDPOINT && cap.rights == (BURSAR_RIGHT_WRITE | BURSAR_RIGHT_READ) &&
               cap.badge == 5, "copy: type %u rights %x badge %u", cap.type, cap.rights, cap.badge);
    /* The source's revoke reaches only revocable children: the copy stays. */
    TEST_CHECK_EQUAL(l4_cap_revoke(endpoint), 0, "revoke the source");
    TEST_CHECK_EQUAL(core_inspect(copy, &cap, &revoked), 0, "inspect");
    TEST_CHECK(cap.type == BURSAR_OBJECT_ENDPOINT && !revoked, "copy after the revoke: type %u revoked %u",
               cap.type, revoked);
    /* Deleting the copy leaves the source alone. */
    TEST_CHECK_EQUAL(l4_cap_delete(copy), 0, "delete the copy");
    TEST_CHECK_EQUAL(l4_cap_inspect(endpoint, &cap), 0, "inspect");
    TEST_CHECK_EQUAL(cap.type, BURSAR_OBJECT_ENDPOINT, "source after the copy's delete");
}

USER_TEST(171, revocable_copy_costs_one_record_and_its_source_revokes_it)
{
    unsigned endpoint = core_slot(), copy = core_slot(), grandchild = core_slot();
    uint32_t records_before, records;
    struct l4_cap_info cap;
    bool revoked;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(live(BURSAR_HEAP_RECORD, &records_before), 0, "heap info");
    TEST_CHECK_EQUAL(l4_cap_transfer(endpoint, BURSAR_OWN_TASK, copy, BURSAR_RIGHTS_ALL, BURSAR_REVOCABLE_COPY, 9),
                     0, "revocable copy");
    TEST_CHECK_EQUAL(live(BURSAR_HEAP_RECORD, &records), 0, "heap info");
    TEST_CHECK_EQUAL(records, records_before + 1, "records in the caller's heap");
    /* A plain COPY of the revocable copy shares its record: no new one. */
    TEST_CHECK_EQUAL(l4_cap_copy(copy, grandchild, BURSAR_RIGHT_WRITE, 0), 0, "copy of the copy");
    TEST_CHECK_EQUAL(live(BURSAR_HEAP_RECORD, &records), 0, "heap info");
    TEST_CHECK_EQUAL(records, records_before + 1, "records after a COPY of it");
    /* The copy cannot revoke its source: revoking it touches only what came from it. */
    TEST_CHECK_EQUAL(l4_cap_revoke(copy), 0, "revoke through the copy");
    TEST_CHECK_EQUAL(l4_cap_inspect(endpoint, &cap), 0, "inspect");
    TEST_CHECK(cap.type == BURSAR_OBJECT_ENDPOINT && cap.rights == BURSAR_RIGHTS_ALL, "source: type %u rights %x",
               cap.type, cap.rights);
    TEST_CHECK_EQUAL(l4_cap_inspect(copy, &cap), 0, "inspect");
    TEST_CHECK_EQUAL(cap.type, BURSAR_OBJECT_ENDPOINT, "the copy itself");
    /* The source's revoke clears the copy and everything sharing its record, and frees the record. */
    TEST_CHECK_EQUAL(l4_cap_revoke(endpoint), 0, "revoke the source");
    TEST_CHECK_EQUAL(core_inspect(copy, &cap, &revoked), 0, "inspect");
    TEST_CHECK(cap.type == BURSAR_OBJECT_NONE && revoked, "copy: type %u revoked %u", cap.type, revoked);
    TEST_CHECK_EQUAL(core_inspect(grandchild, &cap, &revoked), 0, "inspect");
    TEST_CHECK(cap.type == BURSAR_OBJECT_NONE && revoked, "its copy: type %u revoked %u", cap.type, revoked);
    TEST_CHECK_EQUAL(l4_send(copy, 0, 0, 0, BURSAR_TIMEOUT_ZERO), -BURSAR_E_REVOKED, "send through it");
    TEST_CHECK_EQUAL(live(BURSAR_HEAP_RECORD, &records), 0, "heap info");
    TEST_CHECK_EQUAL(records, records_before, "record back in the heap");
    TEST_CHECK_EQUAL(l4_cap_inspect(endpoint, &cap), 0, "inspect");
    TEST_CHECK_EQUAL(cap.type, BURSAR_OBJECT_ENDPOINT, "the source after its revoke");
    /* A revoked slot takes a new capability. */
    TEST_CHECK_EQUAL(l4_cap_copy(endpoint, copy, BURSAR_RIGHT_READ, 0), 0, "reuse the revoked slot");
}

USER_TEST(172, grant_moves_the_capability_and_empties_the_source)
{
    unsigned endpoint = core_slot(), moved = core_slot();
    struct bursar_heap_info before, after;
    struct l4_cap_info cap;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_heap_info(BURSAR_SLOT_HEAP, &before), 0, "heap info");
    TEST_CHECK_EQUAL(l4_cap_transfer(endpoint, BURSAR_OWN_TASK, moved, BURSAR_RIGHTS_ALL & ~BURSAR_RIGHT_GRANT,
                                     BURSAR_GRANT, 77), 0, "grant");
    TEST_CHECK_EQUAL(l4_heap_info(BURSAR_SLOT_HEAP, &after), 0, "heap info");
    TEST_CHECK(memcmp(&before, &after, sizeof before) == 0, "a grant changed the heap");
    TEST_CHECK_EQUAL(l4_cap_inspect(endpoint, &cap), 0, "inspect");
    TEST_CHECK_EQUAL(cap.type, BURSAR_OBJECT_NONE, "source after the grant");
    TEST_CHECK_EQUAL(l4_cap_inspect(moved, &cap), 0, "inspect");
    TEST_CHECK(cap.type == BURSAR_OBJECT_ENDPOINT && cap.rights == (BURSAR_RIGHTS_ALL & ~BURSAR_RIGHT_GRANT) &&
               cap.badge == 77, "granted: type %u rights %x badge %u", cap.type, cap.rights, cap.badge);
    TEST_CHECK_EQUAL(l4_send(endpoint, 0, 0, 0, BURSAR_TIMEOUT_ZERO), -BURSAR_E_EMPTY_SLOT, "send through the source");
}

USER_TEST(173, rights_only_shrink)
{
    unsigned endpoint = core_slot(), reduced = core_slot(), attempt = core_slot();
    static const unsigned modes[] = { BURSAR_COPY, BURSAR_REVOCABLE_COPY, BURSAR_GRANT };
    struct l4_cap_info cap;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_cap_copy(endpoint, reduced, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, 0), 0, "reduced copy");
    for (unsigned m = 0; m < 3; m++) {
        TEST_CHECK_EQUAL(l4_cap_transfer(reduced, BURSAR_OWN_TASK, attempt, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_READ,
                                         modes[m], 0), -BURSAR_E_NO_RIGHTS, "escalation");
        TEST_CHECK_EQUAL(l4_cap_inspect(attempt, &cap), 0, "inspect");
        TEST_CHECK_EQUAL(cap.type, BURSAR_OBJECT_NONE, "destination after a refused escalation");
        TEST_CHECK_EQUAL(l4_cap_inspect(reduced, &cap), 0, "inspect");
        TEST_CHECK_EQUAL(cap.rights, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, "source rights unchanged");
    }
    TEST_CHECK_EQUAL(l4_cap_copy(reduced, attempt, BURSAR_RIGHT_WRITE, 0), 0, "a smaller copy is fine");
    TEST_CHECK_EQUAL(l4_receive(reduced, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_ZERO), -BURSAR_E_NO_RIGHTS,
                     "receive without READ");
    TEST_CHECK_EQUAL(l4_destroy(reduced), -BURSAR_E_NO_RIGHTS, "destroy without CONTROL");
    TEST_CHECK_EQUAL(l4_cap_inspect(endpoint, &cap), 0, "inspect");
    TEST_CHECK_EQUAL(cap.type, BURSAR_OBJECT_ENDPOINT, "the endpoint survived");
}

USER_TEST(174, destroy_revokes_every_capability_to_the_object)
{
    unsigned endpoint = core_slot(), copy = core_slot(), revocable = core_slot(), chained = core_slot();
    unsigned task = core_slot();
    unsigned slots[] = { endpoint, copy, revocable, chained };
    struct l4_cap_info cap;
    bool revoked;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_cap_copy(endpoint, copy, BURSAR_RIGHT_WRITE, 1), 0, "copy");
    TEST_CHECK_EQUAL(l4_cap_transfer(endpoint, BURSAR_OWN_TASK, revocable, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY, 2),
                     0, "revocable copy");
    TEST_CHECK_EQUAL(l4_cap_transfer(revocable, BURSAR_OWN_TASK, chained, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY, 0),
                     0, "revocable copy of it (a badged capability keeps its badge)");
    /* And one in another task's space. */
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_TASK, task, 8), 0, "task");
    TEST_CHECK_EQUAL(l4_cap_transfer(endpoint, task, 1, BURSAR_RIGHT_WRITE, BURSAR_COPY, 4), 0, "copy into the task");
    TEST_CHECK_EQUAL(l4_destroy(endpoint), 0, "destroy");
    for (unsigned i = 0; i < 4; i++) {
        TEST_CHECK_EQUAL(core_inspect(slots[i], &cap, &revoked), 0, "inspect");
        TEST_CHECK(cap.type == BURSAR_OBJECT_NONE && revoked, "slot %u: type %u revoked %u", slots[i], cap.type,
                   revoked);
    }
    /* The task's copy is gone too: its slot takes a new capability. */
    TEST_CHECK_EQUAL(l4_cap_transfer(task, task, 1, BURSAR_RIGHT_READ, BURSAR_COPY, 0), 0,
                     "the task's slot is free again");
}

USER_TEST(175, passing_a_capability_to_another_task_needs_the_grant_right)
{
    unsigned endpoint = core_slot(), no_grant = core_slot(), task = core_slot();
    struct l4_cap_info cap;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_cap_copy(endpoint, no_grant, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_READ, 0), 0, "copy");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_TASK, task, 8), 0, "task");
    TEST_CHECK_EQUAL(l4_cap_transfer(no_grant, task, 2, BURSAR_RIGHT_WRITE, BURSAR_COPY, 0), -BURSAR_E_NO_RIGHTS,
                     "copy out without GRANT");
    TEST_CHECK_EQUAL(l4_cap_transfer(no_grant, BURSAR_OWN_TASK, core_slot(), BURSAR_RIGHT_WRITE, BURSAR_COPY, 0), 0,
                     "copy within the own space");
    TEST_CHECK_EQUAL(l4_cap_transfer(endpoint, task, 2, BURSAR_RIGHT_WRITE, BURSAR_COPY, 0), 0, "copy out with GRANT");
    TEST_CHECK_EQUAL(l4_cap_transfer(endpoint, task, 2, BURSAR_RIGHT_WRITE, BURSAR_COPY, 0), -BURSAR_E_SLOT_IN_USE,
                     "the task's slot is now in use");
    TEST_CHECK_EQUAL(l4_cap_inspect(no_grant, &cap), 0, "inspect");
    TEST_CHECK_EQUAL(cap.type, BURSAR_OBJECT_ENDPOINT, "source intact");
}
