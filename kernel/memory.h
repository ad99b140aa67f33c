/*
 * memory.h — memory authority and user mappings.
 *
 * A memory object is a bank's authority over frames: the frames whose
 * frame-table owner is that object. Each user mapping of a frame is a record
 * in the frame's mapping tree; the record's "mapping" is the address of its
 * slot in the page table's shadow, which names the page-table entry.
 */
#ifndef KERNEL_MEMORY_H
#define KERNEL_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/object.h"

struct task;
struct heap;

/* The frames it holds are those whose frame-table owner is this object. */
struct memory {
    struct object header;
};

int memory_create(struct heap *payer, struct memory **out);

/* Map a frame the memory object holds into `task` at `address` (the root mapping). */
int memory_map_frame(struct task *task, struct memory *memory, uint32_t frame, uint32_t address,
                     uint32_t rights);
/* Map `pages` of the source task's pages into the destination (REVOCABLE COPY, records paid by `payer`). */
int memory_map(struct task *source, uint32_t source_address, struct task *destination,
               uint32_t destination_address, uint32_t pages, uint32_t rights, struct heap *payer);
/* Remove the source's own mappings of these pages (and what was derived from them). */
int memory_unmap(struct task *task, uint32_t address, uint32_t pages);
/* Revoke what was derived from these pages, keeping the own mappings and direct memory COPYs. */
int memory_unmap_derived(struct task *task, uint32_t address, uint32_t pages);
/* Typed memory items (kernel/transfer.c): the record of a mapping, whether a page table covers an address. */
struct mapdb_record *memory_mapping_record(struct task *task, uint32_t address);
bool memory_has_page_table(struct task *task, uint32_t address);
/* The source page of a memory item: mapped, with the rights the item passes on (all of them for GRANT)? */
int memory_transfer_source_check(struct task *source, uint32_t from, uint32_t rights, uint32_t mode);
/* Preemption units moving the page at `to` costs (more if a page table must be made). */
uint32_t memory_transfer_units(struct task *destination, uint32_t to);
/*
 * Transfer one page by `mode` (enum bursar_transfer_mode), checked as it
 * goes: the source page (as above), the destination free, the heaps able
 * to pay (the receiver's: RECEIVER_HEAP_EMPTY; the sender's: OUT_OF_MEMORY).
 * On an error nothing of this page has changed. `checked`: the caller
 * checked all that with nothing between (a message of a few pages,
 * transfer.c), and it cannot fail.
 */
int memory_transfer_page(struct task *source, uint32_t from, struct task *destination, uint32_t to,
                         uint32_t rights, uint32_t mode, struct heap *sender_heap, bool checked);
/*
 * Unmap `pages` pages a failed transfer moved into `task` (pinned), with
 * preemption points; to its end even if the caller was destroyed
 * meanwhile, unless the task is being destroyed (its destroyer empties it).
 */
void memory_take_back(struct task *task, uint32_t address, uint32_t pages);
/* Remove every user mapping of a frame (a bank's donation in answer to a heap fault); passes preemption points. */
void memory_unmap_frame(uint32_t frame);
/* Remove every mapping of a frame the memory object holds, its own included (SYS_FRAME_UNMAP). */
int memory_revoke_frame(struct memory *memory, uint32_t frame, bool *was_mapped);
/* Whether the memory object holds the frame and nothing maps it (SYS_FRAME_STATE). */
bool memory_frame_is_free(const struct memory *memory, uint32_t frame);
/* Take a frame the memory object holds, for a heap donation: it must be unmapped. */
int memory_take_frame(struct memory *memory, uint32_t frame);

/*
 * The physical page behind a user address in `task`, or MEMORY_NOT_MAPPED
 * (not 0: physical frame 0 may be a user's page like any other).
 */
#define MEMORY_NOT_MAPPED (~(uint64_t)0)
uint64_t memory_translate(struct task *task, uint32_t address, bool need_write);

/* Which task and page a record's mapping (a shadow slot) is; false if no task holds it. */
bool memory_mapping_place(uintptr_t mapping, uint32_t *task_id, uint32_t *address);
/*
 * mapdb calls this when a record's mapping is revoked. Returns the
 * preemption units it cost beyond a mapdb step (a page table freed).
 */
uint32_t memory_mapping_removed(uintptr_t mapping);
/* Remove every mapping and page table of a task (task destruction). */
void memory_release_task(struct task *task);
/*
 * Reclaim destroys a page table (is_table) or a page table's shadow: every
 * mapping in that table is removed, which frees both. false if no task
 * holds it (then it is not a page table's).
 */
bool memory_release_table(const void *table_or_shadow, bool is_table);
/* Reclaim moved a mapping record: the shadow slot naming its entry follows it. */
void memory_record_moved(struct mapdb_record *record);

#endif /* KERNEL_MEMORY_H */
