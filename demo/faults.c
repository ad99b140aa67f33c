/*
 * faults.c — the demo's two kinds of fault served in user space, by one
 * thread of the root task that is both its pager and a heap's bank:
 *
 *   6. the root thread writes to a page nobody mapped; the kernel sends the
 *      fault to the pager, which maps a frame and resumes it;
 *   7. a new heap with no pages is asked for an endpoint; the kernel sends a
 *      heap fault to the heap's bank, which donates a frame, and the create
 *      goes on as if the heap had never been empty.
 */
#include "bursar/fault.h"
#include "demo/demo.h"
#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/thread.h"

#define UNMAPPED_PAGE 0x30000000u   /* nothing is mapped here until the pager says so */

static char service_stack[4096] __attribute__((aligned(16)));
static struct bursar_utcb service_utcb __attribute__((aligned(BURSAR_UTCB_SIZE)));
static uint32_t page_frame, heap_frame;     /* frames of the root's memory, one for each fault */

/* A page fault: map the frame where the thread faulted and let it retry. */
static void serve_page_fault(uint32_t address, uint32_t eip, uint32_t access, uint32_t *tag)
{
    uint32_t page = address & ~0xfffu;
    int error = l4_frame_map(BURSAR_SLOT_MEMORY, page_frame, page, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE);

    printf("  pager: page fault at %x (eip %x, %s); mapping frame %x there (%s)\n", address, eip,
           access & BURSAR_ACCESS_WRITE ? "write" : "read", page_frame, l4_error_name(error));
    *tag = BURSAR_TAG(BURSAR_LABEL_RESUME, 0, 0);
}

/* A heap fault: MR0 heap id, MR1 object kind, MR2 pages needed. Give one frame. */
static void serve_heap_fault(uint32_t heap_id, uint32_t kind, uint32_t *tag, uint32_t *mr0, uint32_t *mr1)
{
    printf("  bank: heap %u is out of pages for an object of kind %u (%u page(s) needed); donating frame %x\n",
           heap_id, kind, l4_mr_get(2), heap_frame);
    *tag = BURSAR_TAG(0, 2, 0);
    *mr0 = BURSAR_HEAP_FAULT_REPLY(1, BURSAR_SLOT_MEMORY);
    *mr1 = heap_frame;
}

/* Receives the faults the kernel sends on others' behalf and answers each. */
static void pager_and_bank(void *unused)
{
    uint32_t tag = 0, mr0 = 0, mr1 = 0;
    int error;

    (void)unused;
    error = l4_receive(SERVICE_ENDPOINT, SERVICE_REPLY, 0, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    while (!error) {
        if (BURSAR_TAG_LABEL(tag) == BURSAR_LABEL_PAGE_FAULT)
            serve_page_fault(mr0, mr1, l4_mr_get(BURSAR_PAGE_FAULT_ACCESS), &tag);
        else if (BURSAR_TAG_LABEL(tag) == BURSAR_LABEL_HEAP_FAULT)
            serve_heap_fault(mr0, mr1, &tag, &mr0, &mr1);
        else
            tag = BURSAR_TAG(BURSAR_LABEL_KILL, 0, 0);
        error = l4_reply_wait(SERVICE_ENDPOINT, SERVICE_REPLY, 0, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
    printf("  pager and bank: receive failed (%s)\n", l4_error_name(error));
}

int start_pager_and_bank(void)
{
    struct l4_thread_spec spec = {
        .heap = BURSAR_SLOT_HEAP, .task = BURSAR_SLOT_TASK, .slot = SERVICE_THREAD, .stack = service_stack,
        .stack_size = sizeof service_stack, .utcb = (uintptr_t)&service_utcb,
        .priority = BURSAR_ROOT_PRIORITY, .entry = pager_and_bank,
    };
    int error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, SERVICE_ENDPOINT, 0);

    if (!error)
        error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, SERVICE_REPLY, 0);
    if (!error)
        error = l4_thread_spawn(&spec);
    return error;
}

void show_page_fault(const struct bursar_boot_info *boot_info)
{
    volatile uint32_t *page = (volatile uint32_t *)UNMAPPED_PAGE;
    int error;

    page_frame = boot_info->free_ranges[0].first_frame;
    error = l4_thread_configure(BURSAR_SLOT_THREAD, BURSAR_THREAD_PAGER, SERVICE_ENDPOINT);
    printf("  my pager is now the pager thread (%s); writing 42 to %x, which is not mapped\n",
           l4_error_name(error), UNMAPPED_PAGE);
    *page = 42;
    printf("  resumed: the write went through, and reading %x gives %u\n", UNMAPPED_PAGE, *page);
}

void show_heap_fault(const struct bursar_boot_info *boot_info)
{
    struct bursar_heap_info info;
    int error;

    heap_frame = boot_info->free_ranges[0].first_frame + 1;
    error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, CHILD_HEAP, 0);
    if (!error)
        error = l4_heap_configure(CHILD_HEAP, BURSAR_HEAP_BANK, SERVICE_ENDPOINT, 0);
    l4_heap_info(CHILD_HEAP, &info);
    printf("  a new heap with the bank thread as its bank (%s): %u pages, %u faults so far\n",
           l4_error_name(error), info.pages_held, info.faults);
    printf("  creating an endpoint paid by that empty heap...\n");
    error = l4_create(CHILD_HEAP, BURSAR_OBJECT_ENDPOINT, CHILD_OBJECT, 0);
    l4_heap_info(CHILD_HEAP, &info);
    printf("  the create returned %s; the heap now holds %u page(s) after %u fault(s)\n", l4_error_name(error),
           info.pages_held, info.faults);
}
