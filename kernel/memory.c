/*
 * memory.c — user mappings through the mapping database.
 *
 * Every present user page-table entry has a record: the frame's root record
 * (the bank's own mapping, made by memory_map_frame) or a child record (a
 * mapping derived from another task's, made by memory_map). Next to every
 * page table the task keeps a shadow page holding, per entry, the record
 * that owns it; the record's mapping value is the address of that shadow
 * slot, so a revoke anywhere in the tree can find and clear the entry. Page
 * tables and shadows come from the task's heap and go back when empty.
 */
#include "bursar/errors.h"
#include "bursar/syscall.h"
#include "kernel/console.h"
#include "kernel/cspace.h"
#include "kernel/frame_table.h"
#include "kernel/heap.h"
#include "kernel/machine.h"
#include "kernel/memory.h"
#include "kernel/preempt.h"
#include "kernel/task.h"

#define ENTRIES_PER_TABLE 1024u
#define USER_DIRECTORY_ENTRIES (MACHINE_USER_TOP / MACHINE_LARGE_PAGE)
/* Preemption units (kernel/preempt.h) of work that is not a mapdb step. */
#define TABLE_RELEASE_UNITS 2   /* a page table and its shadow freed */
#define TABLE_CREATE_UNITS 12   /* a page table and its shadow taken and zeroed */
#define MAP_PAGE_UNITS 3        /* one page of SYS_MAP: its checks, a record, the entry */
#define TRANSFER_PAGE_UNITS 5   /* one page of a memory item: its checks, both heaps asked, a record, the entry */
#define UNMAP_UNITS 3           /* one mapping removed, besides the mapdb units of its subtree */
#define LEAF_UNMAP_UNITS 2      /* a mapping nothing was derived from: its record freed, its entry cleared (about 300) */
#define CHECK_PAGES_PER_UNIT 4  /* pages SYS_MAP checks before it maps any */
#define ENTRIES_PER_UNIT 16     /* empty table entries a task's teardown looks at */
#define DIRECTORY_ENTRIES_PER_UNIT 16   /* empty directory entries it looks at */

int memory_create(struct heap *payer, struct memory **out)
{
    struct memory *memory = heap_allocate(payer, BURSAR_HEAP_MEMORY);

    if (!memory)
        return -BURSAR_E_OUT_OF_MEMORY;
    object_init(&memory->header, payer, BURSAR_OBJECT_MEMORY);
    *out = memory;
    return BURSAR_OK;
}

static uint32_t directory_index(uint32_t address) { return address / MACHINE_LARGE_PAGE; }
static uint32_t table_index(uint32_t address)     { return (address / MACHINE_PAGE_SIZE) % ENTRIES_PER_TABLE; }

/* The shadow of the page table covering `address`, or NULL. */
static struct mapdb_record **shadow_of(struct task *task, uint32_t address)
{
    return task->table_records[directory_index(address)];
}

/*
 * A page table (and its shadow) to cover `address`, where none is yet
 * (ensure_page_table, its one caller, looked); both come from the
 * task's heap. Fails without change when the heap cannot pay.
 */
static int create_page_table(struct task *task, uint32_t address)
{
    uint32_t *table;
    struct mapdb_record **shadow;
    struct heap *payer = task->header.payer;

    if (!heap_can_allocate(payer, BURSAR_HEAP_PAGE_TABLE, 1) || !heap_can_allocate(payer, BURSAR_HEAP_SHADOW, 1))
        return -BURSAR_E_OUT_OF_MEMORY;
    table = heap_allocate(payer, BURSAR_HEAP_PAGE_TABLE);
    shadow = heap_allocate(payer, BURSAR_HEAP_SHADOW);
    if (!shadow) {                  /* one free page passes both checks above, but pays for only one */
        heap_free(table);
        return -BURSAR_E_OUT_OF_MEMORY;
    }
    frame_zero_page(table);
    frame_zero_page(shadow);        /* NULL is all-zero bits on this machine, as everywhere the kernel runs */
    frame_of_virtual(table)->paired_page = shadow;
    frame_of_virtual(table)->entries_in_use = 0;
    frame_of_virtual(shadow)->paired_page = table;
    frame_of_virtual(shadow)->directory_index = (uint16_t)directory_index(address);
    task_own_page(task, table);
    task_own_page(task, shadow);
    machine_page_table_install(task->page_directory, address, table);
    task->table_records[directory_index(address)] = shadow;
    return BURSAR_OK;
}

/* Make sure a page table covers `address`: a test a page, the creation once a table. */
static inline int ensure_page_table(struct task *task, uint32_t address)
{
    return shadow_of(task, address) ? BURSAR_OK : create_page_table(task, address);
}

/* The entry a shadow slot stands for, and the page it maps. */
static uint32_t *entry_of_shadow_slot(struct mapdb_record **slot, uint32_t *address)
{
    uintptr_t base = (uintptr_t)slot & ~(uintptr_t)(MACHINE_PAGE_SIZE - 1);
    struct frame *shadow_frame = frame_of_virtual((void *)base);
    uint32_t *table = shadow_frame->paired_page;
    uint32_t index = (uint32_t)(slot - (struct mapdb_record **)base);

    *address = shadow_frame->directory_index * MACHINE_LARGE_PAGE + index * MACHINE_PAGE_SIZE;
    return &table[index];
}

/* The table's frame counts its entries: unmapping stays O(1) a page. */
static struct frame *table_frame_of_shadow(const void *shadow)
{
    return frame_of_virtual(frame_of_virtual(shadow)->paired_page);
}

static bool table_is_empty(const struct mapdb_record *const *shadow)
{
    return table_frame_of_shadow(shadow)->entries_in_use == 0;
}

/* The task whose directory holds this shadow's table at `address`, found through the shadow's frame. */
static struct task *task_of_shadow(const struct mapdb_record *const *shadow, uint32_t address)
{
    struct task *task = task_of_page(shadow);

    return task && (const void *)task->table_records[directory_index(address)] == (const void *)shadow ? task : NULL;
}

/*
 * The page table of `shadow`, now empty, goes back to the heap with its
 * shadow: the preemption units that cost (0 if the table is no live
 * task's, which cannot be: a task's teardown frees its tables itself).
 */
static uint32_t release_table(struct mapdb_record **shadow, uint32_t address)
{
    struct task *task = task_of_shadow((const struct mapdb_record *const *)shadow, address);
    uint32_t *table;

    if (!task)
        return 0;
    table = machine_page_table_of(task->page_directory, address);
    machine_page_table_remove(task->page_directory, address);
    task->table_records[directory_index(address)] = NULL;
    heap_free_to(task->header.payer, table);     /* the task's payer paid for both (SYS_MAP) */
    heap_free_to(task->header.payer, shadow);
    return TABLE_RELEASE_UNITS;
}

/* An empty page table goes back to the heap: the preemption units it cost (0 if it stays). */
static uint32_t release_table_if_empty(struct mapdb_record **shadow, uint32_t address)
{
    if (!table_is_empty((const struct mapdb_record *const *)shadow))
        return 0;
    return release_table(shadow, address);
}

bool memory_mapping_place(uintptr_t mapping, uint32_t *task_id, uint32_t *address)
{
    struct mapdb_record **slot = (struct mapdb_record **)mapping;
    const struct mapdb_record *const *shadow =
        (const struct mapdb_record *const *)((uintptr_t)slot & ~(uintptr_t)(MACHINE_PAGE_SIZE - 1));
    struct task *task;

    entry_of_shadow_slot(slot, address);
    task = task_of_shadow(shadow, *address);
    if (task)
        *task_id = task->id;
    return task != NULL;
}

/*
 * Every mapping a revoke destroys comes here: the shadow slot's page gives
 * the table, the entry and the address in one look at the shadow's frame.
 * (It repeats entry_of_shadow_slot's arithmetic on purpose: calling it, and
 * finding the table's frame from the entry, costs 18 instructions a record
 * of revoke.memory and of unmap.page.)
 */
uint32_t memory_mapping_removed(uintptr_t mapping)
{
    struct mapdb_record **slot = (struct mapdb_record **)mapping;
    struct mapdb_record **shadow = (struct mapdb_record **)(mapping & ~(uintptr_t)(MACHINE_PAGE_SIZE - 1));
    struct frame *shadow_frame = frame_of_virtual(shadow);
    uint32_t *table = shadow_frame->paired_page;
    uint32_t index = (uint32_t)(slot - shadow);
    uint32_t address = shadow_frame->directory_index * MACHINE_LARGE_PAGE + index * MACHINE_PAGE_SIZE;

    machine_pte_clear(&table[index]);
    machine_tlb_flush_page(address);
    *slot = NULL;
    if (--frame_of_virtual(table)->entries_in_use != 0)
        return 0;
    return release_table(shadow, address);
}

static int check_user_range(uint32_t address, uint32_t pages)
{
    if (address % MACHINE_PAGE_SIZE)
        return -BURSAR_E_MISALIGNED;
    if (pages == 0 || pages > MACHINE_USER_TOP / MACHINE_PAGE_SIZE || address < MACHINE_PAGE_SIZE ||
        address >= MACHINE_USER_TOP || (MACHINE_USER_TOP - address) / MACHINE_PAGE_SIZE < pages)
        return -BURSAR_E_INVALID_ADDRESS;
    return BURSAR_OK;
}

/* The record of the mapping at `address`, or NULL. */
static struct mapdb_record *record_at(struct task *task, uint32_t address)
{
    struct mapdb_record **shadow = shadow_of(task, address);

    return shadow ? shadow[table_index(address)] : NULL;
}

/* A shadow's page table: they name each other through their frames, no walk of the directory. */
static uint32_t *table_of_shadow(struct mapdb_record *const *shadow)
{
    return frame_of_virtual(shadow)->paired_page;
}

/* The physical page a present entry at `address` maps (its record says it is present). */
static uint64_t physical_at(struct task *task, uint32_t address)
{
    return machine_pte_physical(table_of_shadow(shadow_of(task, address))[table_index(address)]);
}

static void install_entry(struct task *task, uint32_t address, uint64_t physical, bool writable,
                          struct mapdb_record *record)
{
    struct mapdb_record **shadow = shadow_of(task, address);
    uint32_t *table = table_of_shadow(shadow);
    uint32_t index = table_index(address);

    machine_pte_set(&table[index], physical, writable);
    shadow[index] = record;
    frame_of_virtual(table)->entries_in_use++;
}

static uintptr_t mapping_of(struct task *task, uint32_t address)
{
    return (uintptr_t)&shadow_of(task, address)[table_index(address)];
}

int memory_map_frame(struct task *task, struct memory *memory, uint32_t frame_index, uint32_t address,
                     uint32_t rights)
{
    struct frame *frame;
    int status = check_user_range(address, 1);

    if (status != BURSAR_OK)
        return status;
    if (frame_index >= frame_table.frame_count)
        return -BURSAR_E_BAD_FRAME;
    frame = &frame_table.frames[frame_index];
    if (frame->type != FRAME_BANK || frame->owner != memory)
        return -BURSAR_E_BAD_FRAME;
    /* Mapped anywhere: its root mapping, or what is left of a tree whose root mapping another unmap took. */
    if (!mapdb_root_is_empty(&frame->mappings))
        return -BURSAR_E_ALREADY_MAPPED;
    if (record_at(task, address))
        return -BURSAR_E_ALREADY_MAPPED;
    status = ensure_page_table(task, address);
    if (status != BURSAR_OK)
        return status;
    frame->mappings.rights = rights & (BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE);
    KERNEL_ASSERT(mapdb_map_root(&authority, &frame->mappings, mapping_of(task, address)) == MAPDB_OK);
    install_entry(task, address, frame_physical(frame), rights & BURSAR_RIGHT_WRITE, &frame->mappings);
    return BURSAR_OK;
}

/*
 * Everything is checked before the first page changes, so a failure
 * changes nothing. The check of a long range passes preemption points;
 * *stale says whether it did, and then map_pages checks every page again
 * as it maps it (what was seen before a point may have changed since).
 */
static int check_map(struct task *source, uint32_t source_address, struct task *destination,
                     uint32_t destination_address, uint32_t pages, uint32_t rights, struct heap *payer,
                     bool *stale)
{
    int status = check_user_range(source_address, pages);
    uint32_t new_tables = 0, last_directory = 0xffffffffu;

    *stale = false;
    if (status == BURSAR_OK)
        status = check_user_range(destination_address, pages);
    if (status != BURSAR_OK)
        return status;
    if (rights & ~(BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE))
        return -BURSAR_E_INVALID_ARGUMENT;
    for (uint32_t i = 0; i < pages; i++) {
        if (i % CHECK_PAGES_PER_UNIT == CHECK_PAGES_PER_UNIT - 1 && preempt_work(1)) {
            if (preempt_destroyed())
                return -BURSAR_E_DESTROYED;        /* never seen: it does not return to user mode */
            *stale = true;
        }
        struct mapdb_record *record = record_at(source, source_address + i * MACHINE_PAGE_SIZE);
        uint32_t target = destination_address + i * MACHINE_PAGE_SIZE;
        if (!record)
            return -BURSAR_E_NOT_MAPPED;
        if ((record->rights & rights) != rights)
            return -BURSAR_E_NO_RIGHTS;
        if (record_at(destination, target))
            return -BURSAR_E_ALREADY_MAPPED;
        if (!shadow_of(destination, target) && directory_index(target) != last_directory) {
            new_tables++;
            last_directory = directory_index(target);
        }
    }
    /*
     * A cheap early answer; memory_map still undoes its work if the two
     * demands together (one heap may pay for records and tables) run short.
     */
    if (!heap_can_allocate(payer, BURSAR_HEAP_RECORD, pages) ||
        !heap_can_allocate(destination->header.payer, BURSAR_HEAP_PAGE_TABLE, new_tables))
        return -BURSAR_E_OUT_OF_MEMORY;
    return BURSAR_OK;
}

/* Take back the first `pages` pages a failed memory_map installed. */
static void undo_map(struct task *destination, uint32_t destination_address, uint32_t pages)
{
    if (pages)
        memory_unmap(destination, destination_address, pages);
}

/*
 * After a preemption point, what check_map saw may have changed: the caller
 * destroyed (its task may be gone: stop), the destination being destroyed,
 * the source page unmapped, the destination page taken.
 */
static int recheck_page(struct task *source, uint32_t from, struct task *destination, uint32_t to, uint32_t rights)
{
    struct mapdb_record *record;

    if (destination->header.dying)
        return -BURSAR_E_DESTROYED;
    record = record_at(source, from);
    if (!record)
        return -BURSAR_E_NOT_MAPPED;
    if ((record->rights & rights) != rights)
        return -BURSAR_E_NO_RIGHTS;
    return record_at(destination, to) ? -BURSAR_E_ALREADY_MAPPED : BURSAR_OK;
}

static int map_pages(struct task *source, uint32_t source_address, struct task *destination,
                     uint32_t destination_address, uint32_t pages, uint32_t rights, struct heap *payer, bool stale)
{
    int status = BURSAR_OK;

    for (uint32_t i = 0; i < pages; i++) {
        uint32_t from = source_address + i * MACHINE_PAGE_SIZE, to = destination_address + i * MACHINE_PAGE_SIZE;
        /* Counted before the work: a new page table costs as much as several pages. */
        uint32_t units = MAP_PAGE_UNITS + (shadow_of(destination, to) ? 0 : TABLE_CREATE_UNITS);

        /* After a point every page left was checked before it: each is checked again as it comes. */
        stale = preempt_before(units) || stale;
        if (stale) {
            if (preempt_destroyed())
                return -BURSAR_E_DESTROYED;        /* never seen: it does not return to user mode */
            status = recheck_page(source, from, destination, to, rights);
        }
        if (status != BURSAR_OK) {
            if (!destination->header.dying)
                undo_map(destination, destination_address, i);
            return status;
        }
        struct mapdb_record *source_record = record_at(source, from), *record;
        uint64_t physical = physical_at(source, from);

        status = ensure_page_table(destination, to);
        if (status == BURSAR_OK &&
            mapdb_map(&authority, source_record, rights, payer, mapping_of(destination, to), &record) != MAPDB_OK)
            status = -BURSAR_E_OUT_OF_MEMORY;
        if (status != BURSAR_OK) {
            if (shadow_of(destination, to))
                release_table_if_empty(shadow_of(destination, to), to);
            undo_map(destination, destination_address, i);
            return status;
        }
        install_entry(destination, to, physical, rights & BURSAR_RIGHT_WRITE, record);
    }
    return BURSAR_OK;
}

/*
 * Preemption points in the check and every few pages; the destination is
 * pinned meanwhile (a destroy empties it but leaves the structure) and each
 * page is checked again after a point. A failure takes back the pages
 * mapped so far.
 */
int memory_map(struct task *source, uint32_t source_address, struct task *destination,
               uint32_t destination_address, uint32_t pages, uint32_t rights, struct heap *payer)
{
    bool stale;
    int status;

    task_pin(destination);
    status = check_map(source, source_address, destination, destination_address, pages, rights, payer, &stale);
    if (status == BURSAR_OK)
        status = map_pages(source, source_address, destination, destination_address, pages, rights, payer, stale);
    task_unpin(destination);
    return status;
}

/*
 * mapdb_delete_mapping revokes what was derived from the mapping but, by its
 * contract, leaves the entry itself to us. We clear it (and its shadow slot)
 * right after the first chunk, before any preemption point: from then on
 * the page is simply not mapped here, and what is left is the orphaned
 * subtree, which only the tree knows about (and mapdb keeps our cursor
 * right if someone else revokes it meanwhile). A mapping nothing was
 * derived from (most) goes in one step, without a cursor.
 *
 * Returns the preemption units the caller still has to count with its
 * own, so that a leaf costs one preempt_work a page.
 */
static uint32_t unmap_record(struct mapdb_record *record)
{
    uintptr_t mapping = record->mapping;
    struct mapdb_cursor cursor;
    int status = mapdb_delete_leaf_mapping(&authority, record);

    if (status == MAPDB_OK)
        return LEAF_UNMAP_UNITS + memory_mapping_removed(mapping);
    KERNEL_ASSERT(status == MAPDB_E_NOT_LEAF);
    mapdb_cursor_init(&cursor);
    status = mapdb_delete_mapping(&authority, record, &cursor, preempt_budget());
    KERNEL_ASSERT(status >= 0);
    /* The entry is gone: a point may come. A revoke's start and end cost more than its one unit. */
    preempt_work(UNMAP_UNITS + memory_mapping_removed(mapping));
    status = preempt_finish(&cursor, status);
    KERNEL_ASSERT(status == MAPDB_OK);
    return 0;
}

static uint32_t unmap_page(struct task *task, uint32_t page, struct mapdb_record *record)
{
    KERNEL_ASSERT(record->mapping == mapping_of(task, page));
    return unmap_record(record);
}

/*
 * The caller's own pages, with preemption points between pages and inside
 * big subtrees. A caller destroyed while stopped stops after the page in
 * hand: its task may be gone.
 */
int memory_unmap(struct task *task, uint32_t address, uint32_t pages)
{
    int status = check_user_range(address, pages);

    if (status != BURSAR_OK)
        return status;
    for (uint32_t i = 0; i < pages && !preempt_destroyed(); i++) {
        uint32_t page = address + i * MACHINE_PAGE_SIZE;
        struct mapdb_record *record = record_at(task, page);
        preempt_work(1 + (record ? unmap_page(task, page, record) : 0));
    }
    return BURSAR_OK;
}

/*
 * §4's REVOKE of a memory range: the own mappings stay, what was derived
 * from them goes, except memory COPYs made directly from them (their
 * receivers paid for the records; the sender's own grantors still reach them).
 */
int memory_unmap_derived(struct task *task, uint32_t address, uint32_t pages)
{
    int status = check_user_range(address, pages);

    if (status != BURSAR_OK)
        return status;
    for (uint32_t i = 0; i < pages && !preempt_destroyed(); i++) {
        struct mapdb_record *record = record_at(task, address + i * MACHINE_PAGE_SIZE);
        struct mapdb_cursor cursor;
        if (record) {
            mapdb_cursor_init(&cursor);
            status = preempt_finish(&cursor, mapdb_unmap(&authority, record, &cursor, preempt_budget()));
            KERNEL_ASSERT(status == MAPDB_OK);
        }
        preempt_work(1);
    }
    return BURSAR_OK;
}

struct mapdb_record *memory_mapping_record(struct task *task, uint32_t address)
{
    return record_at(task, address);
}

bool memory_has_page_table(struct task *task, uint32_t address)
{
    return shadow_of(task, address) != NULL;
}

int memory_transfer_source_check(struct task *source, uint32_t from, uint32_t rights, uint32_t mode)
{
    struct mapdb_record *record = record_at(source, from);

    if (!record)
        return -BURSAR_E_NOT_MAPPED;
    if ((rights & record->rights) != rights)
        return -BURSAR_E_NO_RIGHTS;
    /* GRANT moves the mapping as it is: it cannot shrink its rights (its children keep theirs). */
    if (mode == BURSAR_GRANT && rights != record->rights)
        return -BURSAR_E_NO_RIGHTS;
    return BURSAR_OK;
}

uint32_t memory_transfer_units(struct task *destination, uint32_t to)
{
    return TRANSFER_PAGE_UNITS + (shadow_of(destination, to) ? 0 : TABLE_CREATE_UNITS);
}

/* What the heaps must pay for this page: its record by mode, and a page table (with its shadow) if none. */
static int transfer_page_payers(struct task *destination, uint32_t to, uint32_t mode, struct heap *sender_heap)
{
    struct heap *receiver_heap = destination->header.payer;
    uint32_t receiver[BURSAR_HEAP_KIND_COUNT] = { 0 }, sender[BURSAR_HEAP_KIND_COUNT] = { 0 };

    if (!shadow_of(destination, to)) {
        receiver[BURSAR_HEAP_PAGE_TABLE]++;
        receiver[BURSAR_HEAP_SHADOW]++;
    }
    if (mode == BURSAR_COPY || (mode == BURSAR_REVOCABLE_COPY && sender_heap == receiver_heap))
        receiver[BURSAR_HEAP_RECORD]++;
    else if (mode == BURSAR_REVOCABLE_COPY)
        sender[BURSAR_HEAP_RECORD]++;
    /* Asked only for what they pay: this runs for every page. */
    if ((receiver[BURSAR_HEAP_RECORD] || receiver[BURSAR_HEAP_PAGE_TABLE]) && !heap_can_allocate_all(receiver_heap, receiver))
        return -BURSAR_E_RECEIVER_HEAP_EMPTY;
    return !sender[BURSAR_HEAP_RECORD] || heap_can_allocate_all(sender_heap, sender) ? BURSAR_OK : -BURSAR_E_OUT_OF_MEMORY;
}

/*
 * One page of a typed memory item (kernel/transfer.c), checked here as it
 * moves: REVOCABLE COPY takes a record from the sender's heap, COPY from
 * the receiver's (flagged so the sender's own revoke skips it), GRANT moves
 * the sender's record and entry. A new page table is the receiver's.
 */
int memory_transfer_page(struct task *source, uint32_t from, struct task *destination, uint32_t to,
                         uint32_t rights, uint32_t mode, struct heap *sender_heap, bool checked)
{
    struct mapdb_record *source_record, *record = NULL;
    uint64_t physical;
    int status = checked ? BURSAR_OK : memory_transfer_source_check(source, from, rights, mode);

    if (status == BURSAR_OK && !checked && record_at(destination, to))
        status = -BURSAR_E_ALREADY_MAPPED;
    if (status == BURSAR_OK && !checked)
        status = transfer_page_payers(destination, to, mode, sender_heap);
    if (status == BURSAR_OK)
        status = ensure_page_table(destination, to);
    if (status != BURSAR_OK)
        return status;
    source_record = record_at(source, from);
    physical = physical_at(source, from);
    switch (mode) {
    case BURSAR_REVOCABLE_COPY:
        status = mapdb_map(&authority, source_record, rights, sender_heap, mapping_of(destination, to), &record);
        break;
    case BURSAR_COPY:
        status = mapdb_map_copy(&authority, source_record, rights, destination->header.payer,
                                mapping_of(destination, to), &record);
        break;
    default:
        record = source_record;
        status = mapdb_grant_mapping(&authority, record, mapping_of(destination, to));
        break;
    }
    KERNEL_ASSERT(status == MAPDB_OK);          /* the heaps were asked, with nothing between */
    install_entry(destination, to, physical, record->rights & BURSAR_RIGHT_WRITE, record);
    if (mode == BURSAR_GRANT)
        memory_mapping_removed(mapping_of(source, from));   /* the sender's entry, and its table if now empty */
    return BURSAR_OK;
}

void memory_take_back(struct task *task, uint32_t address, uint32_t pages)
{
    for (uint32_t i = 0; i < pages && !task->header.dying; i++) {
        uint32_t page = address + i * MACHINE_PAGE_SIZE;
        struct mapdb_record *record = record_at(task, page);
        preempt_work(1 + (record ? unmap_page(task, page, record) : 0));
    }
}

/*
 * Every mapping of the frame goes: its root mapping (the bank's own) and
 * every mapping derived from it, in every task. From the root, as
 * SYS_FRAME_UNMAP does: a subtree whose root mapping another thread's
 * unmap has already taken, and which that thread is still tearing down
 * between preemption points, goes too. (The root mapping's flag alone
 * would miss it: the frame would become a heap page other tasks map.)
 * Preemptibly, as SYS_UNMAP takes a tree: someone may map the frame again
 * meanwhile, so the caller asks mapdb_root_is_empty afterwards.
 */
void memory_unmap_frame(uint32_t frame_index)
{
    struct frame *frame = &frame_table.frames[frame_index];
    struct mapdb_cursor cursor;
    int status;

    if (mapdb_root_is_empty(&frame->mappings))
        return;
    mapdb_cursor_init(&cursor);
    status = mapdb_destroy_resource(&authority, &frame->mappings, &cursor, preempt_budget());
    status = preempt_finish(&cursor, status);
    KERNEL_ASSERT(status == MAPDB_OK);
}

/* A frame the memory object holds (its frame-table owner), or NULL. */
static struct frame *frame_of_memory(const struct memory *memory, uint32_t frame_index)
{
    struct frame *frame;

    if (frame_index >= frame_table.frame_count)
        return NULL;
    frame = &frame_table.frames[frame_index];
    return frame->type == FRAME_BANK && frame->owner == memory ? frame : NULL;
}

/*
 * SYS_FRAME_UNMAP: the frame's whole tree goes, the root mapping included,
 * wherever it now is (a bank that GRANTed its own mapping away can still
 * take the frame back). The revoke starts at the root, so it also finishes
 * a subtree another thread's unmap of the root mapping has orphaned and is
 * still tearing down: when this returns, nothing maps the frame.
 * Preemptible like every revoke.
 */
int memory_revoke_frame(struct memory *memory, uint32_t frame_index, bool *was_mapped)
{
    struct frame *frame = frame_of_memory(memory, frame_index);

    if (!frame)
        return -BURSAR_E_BAD_FRAME;
    *was_mapped = !mapdb_root_is_empty(&frame->mappings);
    memory_unmap_frame(frame_index);        /* the same revoke from the root as a heap donation's */
    return BURSAR_OK;
}

bool memory_frame_is_free(const struct memory *memory, uint32_t frame_index)
{
    const struct frame *frame = frame_of_memory(memory, frame_index);

    return frame && mapdb_root_is_empty(&frame->mappings);
}

int memory_take_frame(struct memory *memory, uint32_t frame_index)
{
    struct frame *frame;

    if (frame_index >= frame_table.frame_count)
        return -BURSAR_E_BAD_FRAME;
    frame = &frame_table.frames[frame_index];
    if (frame->type != FRAME_BANK || frame->owner != memory)
        return -BURSAR_E_BAD_FRAME;
    if (!mapdb_root_is_empty(&frame->mappings))
        return -BURSAR_E_BUSY;
    return BURSAR_OK;
}

uint64_t memory_translate(struct task *task, uint32_t address, bool need_write)
{
    uint32_t *table;
    uint32_t entry;

    if (address >= MACHINE_USER_TOP || !task->page_directory)
        return MEMORY_NOT_MAPPED;
    table = machine_page_table_of(task->page_directory, address);
    if (!table)
        return MEMORY_NOT_MAPPED;
    entry = *machine_pte_of(table, address);
    if (!machine_pte_present(entry) || (need_write && !machine_pte_writable(entry)))
        return MEMORY_NOT_MAPPED;
    return machine_pte_physical(entry);
}

/*
 * Removing a table's last entry frees the table and its shadow, hence the
 * re-read (other threads' revokes may remove entries too, between
 * preemption points); a table that never held an entry is freed at the
 * end. The task is dying: only its destroyer frees it, so this runs to
 * the end even if that destroyer is itself destroyed meanwhile.
 */
static void release_directory_entry(struct task *task, uint32_t d)
{
    for (uint32_t i = 0; i < ENTRIES_PER_TABLE && task->table_records[d]; i++) {
        uint32_t page = d * MACHINE_LARGE_PAGE + i * MACHINE_PAGE_SIZE;
        uint32_t units = task->table_records[d][i] ? unmap_page(task, page, task->table_records[d][i]) : 0;
        if (i % ENTRIES_PER_UNIT == ENTRIES_PER_UNIT - 1)
            units++;
        if (units)
            preempt_work(units);
    }
    if (task->table_records[d])
        release_table_if_empty(task->table_records[d], d * MACHINE_LARGE_PAGE);
}

void memory_release_task(struct task *task)
{
    for (uint32_t d = 0; d < USER_DIRECTORY_ENTRIES; d++) {
        if (task->table_records[d])
            release_directory_entry(task, d);
        if (d % DIRECTORY_ENTRIES_PER_UNIT == DIRECTORY_ENTRIES_PER_UNIT - 1)
            preempt_work(1);
    }
}

/*
 * A live table and its shadow name each other through their frames, and the
 * shadow's frame says which directory entry it serves; the task is the one
 * whose directory holds that shadow there.
 */
bool memory_release_table(const void *table_or_shadow, bool is_table)
{
    const void *shadow = is_table ? frame_of_virtual(table_or_shadow)->paired_page : table_or_shadow;
    struct task *task;
    uint32_t d;

    if (!shadow)
        return false;
    d = frame_of_virtual(shadow)->directory_index;
    if (d >= USER_DIRECTORY_ENTRIES)
        return false;
    task = task_of_shadow(shadow, d * MACHINE_LARGE_PAGE);
    if (task)
        release_directory_entry(task, d);
    return task != NULL;
}

void memory_record_moved(struct mapdb_record *record)
{
    if ((record->flags & MAPDB_F_MEMORY) && (record->flags & MAPDB_F_MAPPED) && record->mapping)
        *(struct mapdb_record **)record->mapping = record;
}
