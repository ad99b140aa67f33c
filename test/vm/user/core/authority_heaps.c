/*
 * authority_heaps.c — a heap's rights, split (docs/abi.md §3) [840-842]:
 * CHARGE (the WRITE bit) creates objects paid by the heap and nothing
 * else; CONTROL donates, reclaims, configures, reserves and destroys; READ
 * reads the ledger. A client gives a server a charge-only capability to one
 * of its heaps: the server allocates on the client's charge, cannot touch
 * the heap otherwise, never waits on the client's bank, and the client
 * takes it all back by revoking and reclaiming.
 */
#include "authority.h"
#include "proxy.h"
#include "transfer.h"

#include "libl4/devices.h"
#include "libl4/string.h"

/* A line nothing in core_tests uses (not the timer, the cascade or COM1's). */
#define SPARE_IRQ_LINE 7

USER_TEST(840, a_charge_only_heap_capability_creates_and_does_nothing_else)
{
    unsigned heap = core_slot(), charge = core_slot(), controller = core_slot(), endpoint = core_slot();
    unsigned irq = core_slot(), upgraded = core_slot(), spare = core_slot();
    uint32_t frame = 0;

    TEST_CHECK_EQUAL(core_heap_create(heap, 2), 0, "a heap of two pages");
    TEST_CHECK_EQUAL(l4_cap_copy(heap, charge, BURSAR_RIGHT_CHARGE, 0), 0, "charge only");
    TEST_CHECK_EQUAL(l4_cap_copy(heap, controller, BURSAR_RIGHT_CONTROL | BURSAR_RIGHT_READ, 0), 0,
                     "control and read, no charge");
    TEST_CHECK_EQUAL(l4_create(charge, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "create through CHARGE");
    TEST_CHECK_EQUAL(heap_live(heap, BURSAR_HEAP_ENDPOINT), 1, "paid by the heap");
    TEST_CHECK_EQUAL(l4_irq_claim(BURSAR_SLOT_DEVICES, SPARE_IRQ_LINE, charge, irq), 0, "claim a line through CHARGE");
    TEST_CHECK_EQUAL(heap_live(heap, BURSAR_HEAP_IRQ), 1, "the IRQ object paid by the heap");
    TEST_CHECK_EQUAL(l4_destroy(irq), 0, "give the line back");

    frame = core_frame();
    authority_refused(result, "donate through CHARGE", SYS_HEAP_DONATE, charge, BURSAR_SLOT_MEMORY, frame, 1,
                      BURSAR_E_NO_RIGHTS, heap);
    authority_refused(result, "reclaim through CHARGE", SYS_HEAP_RECLAIM, charge, 1, 0, 0, BURSAR_E_NO_RIGHTS, heap);
    authority_refused(result, "configure through CHARGE", SYS_HEAP_CONFIGURE, charge, BURSAR_HEAP_WATERMARKS, 0, 1,
                      BURSAR_E_NO_RIGHTS, heap);
    authority_refused(result, "set the bank through CHARGE", SYS_HEAP_CONFIGURE, charge, BURSAR_HEAP_BANK, endpoint,
                      0, BURSAR_E_NO_RIGHTS, heap);
    authority_refused(result, "reserve through CHARGE", SYS_HEAP_RESERVE, charge, BURSAR_HEAP_ENDPOINT, 1, 0,
                      BURSAR_E_NO_RIGHTS, heap);
    authority_refused(result, "info through CHARGE", SYS_HEAP_INFO, charge, 0, 0, 0, BURSAR_E_NO_RIGHTS, heap);
    authority_refused(result, "destroy through CHARGE", SYS_DESTROY, charge, 0, 0, 0, BURSAR_E_NO_RIGHTS, heap);
    authority_refused(result, "a copy with more rights", SYS_CAP_COPY, charge, upgraded | BURSAR_OWN_TASK << 16,
                      BURSAR_RIGHT_CHARGE | BURSAR_RIGHT_CONTROL, 0, BURSAR_E_NO_RIGHTS, heap);
    /* CONTROL without CHARGE: it funds and manages, but creates nothing. */
    authority_refused(result, "create without CHARGE", SYS_CREATE, controller, BURSAR_OBJECT_ENDPOINT, spare, 0,
                      BURSAR_E_NO_RIGHTS, heap);
    authority_refused(result, "claim a line without CHARGE", SYS_IRQ_CLAIM, BURSAR_SLOT_DEVICES, SPARE_IRQ_LINE,
                      controller, spare, BURSAR_E_NO_RIGHTS, heap);
    TEST_CHECK_EQUAL(l4_heap_donate(controller, BURSAR_SLOT_MEMORY, frame, 1), 0, "donate through CONTROL");
    TEST_CHECK_EQUAL(l4_heap_reserve(controller, BURSAR_HEAP_ENDPOINT, 1), 0, "reserve through CONTROL");
}

/* A server (the proxy) gets a charge-only capability to its client's (the root's) heap. */
USER_TEST(841, a_server_charges_its_clients_heap_and_the_client_takes_it_back)
{
    static struct proxy server;
    static struct core_snapshot before, after;
    unsigned heap = core_slot(), given = core_slot();
    const unsigned charge = PROXY_FIRST_FREE, endpoint = PROXY_FIRST_FREE + 1, child = PROXY_FIRST_FREE + 2;
    const unsigned other = PROXY_FIRST_FREE + 3;
    struct bursar_heap_info heap_before, heap_after;
    struct l4_words out;

    TEST_CHECK_EQUAL(core_heap_create(heap, 2), 0, "the client's heap");
    TEST_CHECK_EQUAL(proxy_start(&server, 0), 0, "the server's task");
    TEST_CHECK_EQUAL(l4_cap_transfer(heap, BURSAR_OWN_TASK, given, BURSAR_RIGHT_CHARGE | BURSAR_RIGHT_GRANT,
                                     BURSAR_REVOCABLE_COPY, 0), 0, "a revocable charge-only copy");
    TEST_CHECK_EQUAL(proxy_give(&server, given, charge, BURSAR_RIGHT_CHARGE), 0, "given to the server");

    TEST_CHECK_EQUAL(proxy_syscall(&server, SYS_CREATE, charge, BURSAR_OBJECT_ENDPOINT, endpoint, 0, 0), 0,
                     "the server creates an endpoint on the client's charge");
    TEST_CHECK_EQUAL(proxy_syscall(&server, SYS_CREATE, charge, BURSAR_OBJECT_HEAP, child, 0, 0), 0,
                     "and a heap");
    TEST_CHECK_EQUAL(heap_live(heap, BURSAR_HEAP_ENDPOINT), 1, "the endpoint is the client's to pay");
    TEST_CHECK_EQUAL(heap_live(heap, BURSAR_HEAP_HEAP), 1, "so is the heap");
    TEST_CHECK_EQUAL(proxy_syscall(&server, SYS_CAP_INSPECT, endpoint, 0, 0, 0, &out), 0, "inspect");
    TEST_CHECK(out.ebx == BURSAR_OBJECT_ENDPOINT && out.esi == BURSAR_RIGHTS_ALL, "the server's endpoint: type %u "
               "rights %x", out.ebx, out.esi);

    /* Everything else on that heap is refused, and changes nothing on either side. */
    static const struct {
        const char *what;
        uint32_t number, a1, a2, a3;
    } calls[] = {
        { "donate", SYS_HEAP_DONATE, other, 1, 1 },
        { "reclaim", SYS_HEAP_RECLAIM, 1, 0, 0 },
        { "configure", SYS_HEAP_CONFIGURE, BURSAR_HEAP_WATERMARKS, 0, 1 },
        { "set its bank", SYS_HEAP_CONFIGURE, BURSAR_HEAP_BANK, PROXY_FIRST_FREE + 1, 0 },
        { "reserve", SYS_HEAP_RESERVE, BURSAR_HEAP_RECORD, 1, 0 },
        { "read its ledger", SYS_HEAP_INFO, 0, 0, 0 },
        { "destroy it", SYS_DESTROY, 0, 0, 0 },
        { "copy it with CONTROL", SYS_CAP_COPY, other | BURSAR_OWN_TASK << 16,
          BURSAR_RIGHT_CHARGE | BURSAR_RIGHT_CONTROL, 0 },
    };
    for (unsigned i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        TEST_CHECK_EQUAL(l4_heap_info(heap, &heap_before), 0, "heap info");
        core_snapshot_take(&before);
        TEST_CHECK_EQUAL_FMT(proxy_syscall(&server, calls[i].number, charge, calls[i].a1, calls[i].a2, calls[i].a3, 0),
                             -BURSAR_E_NO_RIGHTS, "the server tries to %s the client's heap", calls[i].what);
        core_snapshot_take(&after);
        TEST_CHECK_EQUAL(l4_heap_info(heap, &heap_after), 0, "heap info");
        TEST_CHECK_EQUAL_FMT(core_snapshot_compare(&before, &after), 0, "%s: the client's side changed", calls[i].what);
        TEST_CHECK(memcmp(&heap_before, &heap_after, sizeof heap_before) == 0, "%s: the heap's ledger changed",
                   calls[i].what);
        TEST_CHECK_EQUAL(proxy_syscall(&server, SYS_CAP_INSPECT, other, 0, 0, 0, &out), 0, "inspect");
        TEST_CHECK_EQUAL_FMT(out.ebx, BURSAR_OBJECT_NONE, "%s: the server's spare slot", calls[i].what);
    }

    /* The client takes it back: its revoke ends the charging, its reclaim the objects. */
    TEST_CHECK_EQUAL(l4_cap_revoke(heap), 0, "the client revokes what it gave");
    TEST_CHECK_EQUAL(proxy_syscall(&server, SYS_CREATE, charge, BURSAR_OBJECT_ENDPOINT, other, 0, 0),
                     -BURSAR_E_REVOKED, "the server's charge capability");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &heap_before), 0, "heap info");
    TEST_CHECK_EQUAL(l4_heap_reclaim(heap, heap_before.pages_held, 0), 0, "the client reclaims every page");
    TEST_CHECK_EQUAL(proxy_syscall(&server, SYS_CAP_INSPECT, endpoint, 0, 0, 0, &out), 0, "inspect");
    TEST_CHECK(out.ebx == BURSAR_OBJECT_NONE && out.ebp == 1, "the server's endpoint: type %u revoked %u", out.ebx,
               out.ebp);
    TEST_CHECK_EQUAL(proxy_syscall(&server, SYS_CAP_INSPECT, child, 0, 0, 0, &out), 0, "inspect");
    TEST_CHECK(out.ebx == BURSAR_OBJECT_NONE && out.ebp == 1, "the server's heap: type %u revoked %u", out.ebx,
               out.ebp);
    TEST_CHECK_EQUAL(l4_heap_info(heap, &heap_after), 0, "heap info");
    TEST_CHECK(heap_after.live_by_type[BURSAR_HEAP_ENDPOINT] == 0 && heap_after.live_by_type[BURSAR_HEAP_HEAP] == 0 &&
               heap_after.pages_held == 0, "the client's heap: %u endpoints, %u heaps, %u pages left",
               heap_after.live_by_type[BURSAR_HEAP_ENDPOINT], heap_after.live_by_type[BURSAR_HEAP_HEAP],
               heap_after.pages_held);
}

/*
 * The client's heap is empty and its bank never answers (no timeout): a
 * server charging it gets OUT_OF_MEMORY at once instead of waiting on the
 * client's bank; only a holder of CONTROL waits there.
 */
USER_TEST(842, a_charge_only_holder_never_waits_on_the_heaps_bank)
{
    static struct proxy server;
    unsigned heap = core_slot(), bank = core_slot(), charge = core_slot(), spare = core_slot();
    uint32_t since;

    TEST_CHECK_EQUAL(core_heap_create(heap, 0), 0, "an empty heap");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, bank, 0), 0, "its bank's endpoint");
    TEST_CHECK_EQUAL(l4_heap_configure(heap, BURSAR_HEAP_BANK, bank, 0), 0, "a bank nobody serves");
    TEST_CHECK_EQUAL(l4_cap_copy(heap, charge, BURSAR_RIGHT_CHARGE | BURSAR_RIGHT_GRANT, 0), 0, "charge only");
    TEST_CHECK_EQUAL(proxy_start(&server, 0), 0, "the server's task");
    TEST_CHECK_EQUAL(proxy_give(&server, charge, PROXY_FIRST_FREE, BURSAR_RIGHT_CHARGE), 0, "given to the server");

    since = core_ticks();
    TEST_CHECK_EQUAL(proxy_syscall(&server, SYS_CREATE, PROXY_FIRST_FREE, BURSAR_OBJECT_ENDPOINT, PROXY_FIRST_FREE + 1,
                                   0, 0), -BURSAR_E_OUT_OF_MEMORY, "the server's create, at once");
    TEST_CHECK_EQUAL(l4_create(charge, BURSAR_OBJECT_ENDPOINT, spare, 0), -BURSAR_E_OUT_OF_MEMORY,
                     "the root's own create through the charge-only copy");
    TEST_CHECK(core_ticks_elapsed_ms(since) < 500, "took %u ms", core_ticks_elapsed_ms(since));
    TEST_CHECK_EQUAL(l4_receive(bank, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_ZERO), -BURSAR_E_TIMEOUT,
                     "no heap fault waits at the bank");

    /* With CONTROL the caller does wait on the bank: here for the 30 ms the heap allows. */
    TEST_CHECK_EQUAL(l4_heap_configure(heap, BURSAR_HEAP_FAULT_TIMEOUT, BURSAR_TIMEOUT_MS(30), 0), 0, "timeout");
    since = core_ticks();
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_ENDPOINT, spare, 0), -BURSAR_E_OUT_OF_MEMORY,
                     "the controller's create, after its bank failed it");
    TEST_CHECK(core_ticks_elapsed_ms(since) >= 30, "the controller waited only %u ms", core_ticks_elapsed_ms(since));
}
