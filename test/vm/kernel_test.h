/*
 * kernel_test.h — in-VM tests that run inside the kernel image:
 * KERNEL_TEST(id, name) registers a test (lib/test.h has the checks and the
 * line format); the runner (runner.c) runs them all.
 */
#ifndef TEST_VM_KERNEL_TEST_H
#define TEST_VM_KERNEL_TEST_H

#include "lib/test.h"

/* Tests live in the section .kernel_tests, which arch/ia32/kernel.ld gathers. */
#define KERNEL_TEST(id_, name_) TEST_CASE(".kernel_tests", id_, name_)

#endif
