/*
 * selector_matrix.c — every selector a user can name (each GDT entry and
 * the first past the table, with the LDT bit and every RPL) loaded into
 * each segment register (docs/security.md, "Segment and selector
 * registers"). What ring 3 may load loads; the rest faults in user mode,
 * a general-protection exception with the selector as its error code,
 * which the root (the handler) resumes past the load. With a loadable one
 * in place the thread then enters the kernel three ways: sysenter and
 * int $0x80 come back with the documented selectors, an int3 resumed with
 * no words gives the thread back exactly its own (a null selector with RPL
 * 1-3 in %ds or %es may come back as 0, still null: the CPU's iret to ring
 * 3 nulls a data register whose descriptor's DPL is below 3, and a null
 * selector popped in ring 0 counts as DPL 0; QEMU keeps %fs and %gs).
 */
#include "fault_pager.h"

#include "bursar/cpu.h"
#include "libl4/printf.h"

#define SELECTORS 0x50u                 /* GDT entries 0-9: the table's 8 and two past it */
#define FAULTED 0xfa17edu               /* eax as the handler resumes a faulting load */
#define LOAD_LENGTH 2                   /* movl %eax, %<sreg>: 8e /r */
#define VECTOR_GENERAL_PROTECTION 13
#define VECTOR_BREAKPOINT 3

enum { DS, ES, FS, GS, SS, REGISTERS };
static const char *const register_names[REGISTERS] = { "ds", "es", "fs", "gs", "ss" };

/* What one load did: out[0] FAULTED or not; then the register after sysenter, int $0x80 and int3. */
struct probe_out {
    uint32_t faulted, after_sysenter, after_int80, after_int3;
};

/*
 * Load `selector` into one register; if that did not fault, enter the
 * kernel three ways with it loaded, reading the register back after each
 * and loading it again. The selectors C code needs are back at the end.
 * The selector and `out` wait on the stack (every system call clobbers
 * ebx, esi, edi, ebp; sysenter ecx and edx too); memory only through %ss.
 */
#define SELECTOR_PROBE(name, sreg)                                                            \
    static void probe_##name(uint32_t selector, struct probe_out *out)                       \
    {                                                                                         \
        __asm__ volatile("movl %[sel], %%eax\n\t"                                             \
                         "movl %[out], %%edx\n\t"                                             \
                         "pushl %%ebp\n\t"                                                    \
                         "pushl %%edx\n\t"                  /* 4(%%esp): out */                \
                         "pushl %%eax\n\t"                  /* 0(%%esp): the selector */       \
                         "movl %%eax, %%" #sreg "\n\t"     /* faults: eax FAULTED, on */      \
                         "movl 4(%%esp), %%edi\n\t"                                           \
                         "movl %%eax, %%ss:0(%%edi)\n\t"                                      \
                         "cmpl %[faulted], %%eax\n\t"                                         \
                         "je 1f\n\t"                                                          \
                         "movl %[null], %%eax\n\t"                                            \
                         "movl $0xffff, %%ebx\n\t"                                            \
                         "movl %%esp, %%ecx\n\t"                                              \
                         "movl $2f, %%edx\n\t"                                                \
                         "sysenter\n"                                                         \
                         "2:\n\t"                                                             \
                         "movl %%" #sreg ", %%eax\n\t"                                        \
                         "movl 4(%%esp), %%edi\n\t"                                           \
                         "movl %%eax, %%ss:4(%%edi)\n\t"                                      \
                         "movl 0(%%esp), %%eax\n\t"                                           \
                         "movl %%eax, %%" #sreg "\n\t"                                        \
                         "movl %[null], %%eax\n\t"                                            \
                         "movl $0xffff, %%ebx\n\t"                                            \
                         "int $0x80\n\t"                                                      \
                         "movl %%" #sreg ", %%eax\n\t"                                        \
                         "movl 4(%%esp), %%edi\n\t"                                           \
                         "movl %%eax, %%ss:8(%%edi)\n\t"                                      \
                         "movl 0(%%esp), %%eax\n\t"                                           \
                         "movl %%eax, %%" #sreg "\n\t"                                        \
                         "int3\n\t"                                                           \
                         "movl %%" #sreg ", %%eax\n\t"                                        \
                         "movl 4(%%esp), %%edi\n\t"                                           \
                         "movl %%eax, %%ss:12(%%edi)\n"                                        \
                         "1:\n\t"                                                             \
                         "movl %[data], %%eax\n\t"                                            \
                         "movl %%eax, %%ds\n\t"                                               \
                         "movl %%eax, %%es\n\t"                                               \
                         "movl %%eax, %%fs\n\t"                                               \
                         "movl %[utcb], %%eax\n\t"                                            \
                         "movl %%eax, %%gs\n\t"                                               \
                         "addl $8, %%esp\n\t"                                                 \
                         "popl %%ebp"                                                         \
                         : : [sel] "m"(selector), [out] "m"(out), [faulted] "i"(FAULTED),     \
                             [null] "i"(SYS_NULL), [data] "i"(BURSAR_SELECTOR_USER_DATA),     \
                             [utcb] "i"(BURSAR_SELECTOR_UTCB)                                 \
                         : "eax", "ebx", "ecx", "edx", "esi", "edi", "memory", "cc");         \
    }

SELECTOR_PROBE(ds, ds)
SELECTOR_PROBE(es, es)
SELECTOR_PROBE(fs, fs)
SELECTOR_PROBE(gs, gs)

/* %ss is the stack: only the load, put back at once (only 0x23 loads; anything else faults first). */
static void probe_ss(uint32_t selector, struct probe_out *out)
{
    __asm__ volatile("movl %[sel], %%eax\n\t"
                     "movl %%ss, %%ecx\n\t"
                     "movl %%eax, %%ss\n\t"
                     "movl %%ecx, %%ss\n\t"
                     "movl %%eax, %%ss:0(%%edi)"
                     : : [sel] "m"(selector), "D"(out) : "eax", "ecx", "memory");
    /* (A load that succeeds leaves ss as it was: only 0x23 loads.) */
}

static void (*const probes[REGISTERS])(uint32_t, struct probe_out *) = {
    probe_ds, probe_es, probe_fs, probe_gs, probe_ss,
};

static struct probe_out results[REGISTERS][SELECTORS];
static volatile uint32_t matrix_stage, matrix_at;

static void run_matrix(void *argument)
{
    (void)argument;
    matrix_stage = 1;
    for (unsigned r = 0; r < REGISTERS; r++)
        for (uint32_t selector = 0; selector < SELECTORS; selector++)
        {
            matrix_at = r << 16 | selector;
            probes[r](selector, &results[r][selector]);
        }
    matrix_stage = 2;
}

/* What ring 3 may load: null into a data register, or a DPL-3 data or readable code segment; %ss only 0x23. */
static bool loadable(unsigned reg, uint32_t selector)
{
    uint32_t index = selector >> 3;
    bool ldt = selector & 4;

    if (reg == SS)
        return selector == BURSAR_SELECTOR_USER_DATA;
    if (selector < 4)
        return true;
    return !ldt && (index == BURSAR_SELECTOR_USER_CODE >> 3 || index == BURSAR_SELECTOR_USER_DATA >> 3 ||
                    index == BURSAR_SELECTOR_UTCB >> 3);
}

static uint32_t after_system_call(unsigned reg)
{
    return reg == GS ? BURSAR_SELECTOR_UTCB : BURSAR_SELECTOR_USER_DATA;
}

USER_TEST(1208, every_selector_in_every_segment_register)
{
    struct fault_server handler;
    struct received_fault fault;
    unsigned thread, faults = 0, breakpoints = 0, loaded = 0;

    for (unsigned r = 0; r < REGISTERS; r++)
        for (uint32_t s = 0; s < SELECTORS; s++)
            results[r][s] = (struct probe_out){ ~0u, ~0u, ~0u, ~0u };
    matrix_stage = 0;
    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler");
    TEST_CHECK_EQUAL(core_spawn(run_matrix, 0, CORE_LOW_PRIORITY, &thread), 0, "the prober");
    TEST_CHECK_EQUAL(l4_thread_configure(thread, BURSAR_THREAD_EXCEPTION_HANDLER, handler.endpoint), 0, "handler");
    for (;;) {
        struct bursar_exception_state state;
        int error = fault_receive(&handler, &fault, 200);
        if (error == -BURSAR_E_TIMEOUT && matrix_stage == 2)
            break;                       /* the last probe is done */
        TEST_CHECK_EQUAL_FMT(error, 0, "the next exception (at %s = %x)", register_names[matrix_at >> 16],
                             matrix_at & 0xffff);
        TEST_CHECK_EQUAL(fault.label, BURSAR_LABEL_EXCEPTION, "an exception");
        state = exception_state_of(&fault);
        if (state.vector == VECTOR_BREAKPOINT) {
            breakpoints++;
            TEST_CHECK_EQUAL(l4_reply(handler.reply, BURSAR_TAG(BURSAR_LABEL_RESUME, 0, 0), 0, 0), 0, "resume");
            continue;
        }
        TEST_CHECK(state.vector == VECTOR_GENERAL_PROTECTION, "vector %u at %x", state.vector, state.eip);
        TEST_CHECK(state.error_code == (state.eax & ~3u), "loading %x: error code %x", state.eax, state.error_code);
        faults++;
        state.eip += LOAD_LENGTH;
        state.eax = FAULTED;
        TEST_CHECK_EQUAL(exception_reply_with_state(&handler, &state, BURSAR_LABEL_RESUME), 0, "resume past it");
    }
    for (unsigned r = 0; r < REGISTERS; r++)
        for (uint32_t s = 0; s < SELECTORS; s++) {
            const struct probe_out *o = &results[r][s];
            if (!loadable(r, s)) {
                TEST_CHECK(o->faulted == FAULTED, "%s = %x loaded in ring 3", register_names[r], s);
                continue;
            }
            loaded++;
            TEST_CHECK(o->faulted == s, "%s = %x did not load", register_names[r], s);
            if (r == SS)
                continue;
            TEST_CHECK((o->after_sysenter & 0xffff) == after_system_call(r) &&
                       (o->after_int80 & 0xffff) == after_system_call(r),
                       "%s = %x: %x after sysenter, %x after int $0x80", register_names[r], s, o->after_sysenter,
                       o->after_int80);
            /* A null selector may come back with RPL 0 (the CPU's iret nulls it: still null). */
            TEST_CHECK((o->after_int3 & 0xffff) == s || (s < 4 && (o->after_int3 & 0xffff) < 4),
                       "%s = %x: %x after an exception", register_names[r], s, o->after_int3);
        }
    printf("  %u selector loads, %u faulted in user mode, %u breakpoints resumed\n", REGISTERS * SELECTORS, faults,
           breakpoints);
    TEST_CHECK_EQUAL(breakpoints, loaded - 1, "breakpoints: one per loadable data-register selector");
    TEST_CHECK_EQUAL(l4_destroy(thread), 0, "the prober");
}
