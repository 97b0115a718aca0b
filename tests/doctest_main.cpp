// SPDX-License-Identifier: MIT
// The main of every doctest suite: doctest's own run, plus the skip bookkeeping of
// support/skip.hpp (a listener counts the test cases that ran and those that called PQIKE_SKIP).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <iostream>

#include "support/skip.hpp"

namespace {

int g_cases_run = 0;
int g_cases_skipped = 0;
bool g_current_skipped = false;

struct skip_listener : doctest::IReporter {
    explicit skip_listener(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats&) override {}
    void test_case_start(const doctest::TestCaseData&) override { g_current_skipped = false; }
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {
        ++g_cases_run;
        if (g_current_skipped) ++g_cases_skipped;
    }
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};

}  // namespace

DOCTEST_REGISTER_LISTENER("pqike_skips", 1, skip_listener);

namespace pqike::test {
void mark_skipped() noexcept { g_current_skipped = true; }
int skip_exit_code() noexcept { return g_cases_run > 0 && g_cases_skipped == g_cases_run ? 77 : 0; }
}  // namespace pqike::test

// doctest counts a skipped case as passed; this line after its summary says what was skipped.
int main(int argc, char** argv) {
    doctest::Context context(argc, argv);
    const int rc = context.run();
    if (context.shouldExit()) return rc;
    if (g_cases_skipped > 0)
        std::cout << "[pqike] test cases skipped: " << g_cases_skipped << " of " << g_cases_run
                  << (rc == 0 && g_cases_skipped == g_cases_run ? " (all: exit code 77)" : "") << '\n';
    return rc != 0 ? rc : pqike::test::skip_exit_code();
}
