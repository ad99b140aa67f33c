/*
 * ledger.c — the demo's figures, in words. The kernel's ledger is the
 * accounting identity every frame obeys (docs/abi.md §6, SYS_SYSTEM_INFO):
 *
 *   fixed reservation + frames in kernel heaps + frames held by banks = usable frames
 *
 * where "held by banks" is the boot memory the bank server owns: frames it
 * sells (free or mapped to users) and the ones it uses itself. A bank's
 * figures (bank_stats) say what the bank is charged, by kind; a heap's
 * (SYS_HEAP_INFO) what lives in it, by kind.
 */
#include "demo/demo.h"

#include "libl4/l4.h"
#include "libl4/printf.h"

static const char *const kind_names[BURSAR_HEAP_KIND_COUNT] = {
    [BURSAR_HEAP_TASK] = "task", [BURSAR_HEAP_THREAD] = "thread", [BURSAR_HEAP_ENDPOINT] = "endpoint",
    [BURSAR_HEAP_REPLY] = "reply object", [BURSAR_HEAP_HEAP] = "heap", [BURSAR_HEAP_MEMORY] = "memory object",
    [BURSAR_HEAP_PAGE_DIRECTORY] = "page directory", [BURSAR_HEAP_PAGE_TABLE] = "page table",
    [BURSAR_HEAP_SHADOW] = "mapping shadow", [BURSAR_HEAP_CAPABILITY_TABLE] = "capability table",
    [BURSAR_HEAP_RECORD] = "mapping record", [BURSAR_HEAP_IRQ] = "IRQ object",
    [BURSAR_HEAP_IO_PORTS] = "I/O port range",
};

const char *kind_name(unsigned kind)
{
    return kind < BURSAR_HEAP_KIND_COUNT ? kind_names[kind] : "object";
}

void ledger_print(const char *when)
{
    struct bursar_system_info info;
    struct l4_bank_stats root;

    l4_system_info(&info);
    printf("  ledger %-24s fixed %u + heaps %u + banks %u = %u of %u usable frames", when,
           info.fixed_reservation_frames, info.heap_frames, info.bank_frames,
           info.fixed_reservation_frames + info.heap_frames + info.bank_frames, info.usable_frames);
    if (l4_bank_stats(ROOT_BANK, &root) == 0)
        printf("; the root bank can sell %u", root.available);
    printf("\n");
}

uint32_t bank_available(unsigned bank)
{
    struct l4_bank_stats f;

    return l4_bank_stats(bank, &f) == 0 ? f.available : 0;
}

uint32_t bank_charged(unsigned bank)
{
    struct l4_bank_stats f;

    return l4_bank_stats(bank, &f) == 0 ? f.charged : 0;
}

/* "alice's bank: 48 of its limit 48 frames: heap pages 16, filled by the pager 31 (1 region bank), ..." */
void bank_print(const char *who, unsigned bank)
{
    struct l4_bank_stats f;
    uint32_t below;
    int error = l4_bank_stats(bank, &f);

    if (error) {
        printf("  %s's bank: %s\n", who, bank_error_name(error));
        return;
    }
    /* Its children are the pager's region banks: what they hold is what the pager filled. */
    below = f.charged - f.sold - f.heap_pages - f.bookkeeping;
    printf("  %s's bank: %u of its limit %u frames: heap pages %u, filled by the pager %u (%u region bank%s), "
           "bought itself %u, the bank server's records %u; can buy %u more\n", who, f.charged, f.limit,
           f.heap_pages, below, f.children, f.children == 1 ? "" : "s", f.sold, f.bookkeeping, f.available);
}

/* "bob's lent heap: 3 pages; live: endpoint 60" */
void heap_print(const char *who, unsigned heap)
{
    struct bursar_heap_info info;
    bool any = false;
    int error = l4_heap_info(heap, &info);

    if (error) {
        printf("  %s: %s\n", who, l4_error_name(error));
        return;
    }
    printf("  %s: %u pages (%u free); live:", who, info.pages_held, info.pages_free);
    for (unsigned kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++)
        if (info.live_by_type[kind]) {
            printf("%s %s %u", any ? "," : "", kind_name(kind), info.live_by_type[kind]);
            any = true;
        }
    printf("%s\n", any ? "" : " nothing");
}
