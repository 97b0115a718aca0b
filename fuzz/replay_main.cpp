// SPDX-License-Identifier: MIT
// Replay main: runs LLVMFuzzerTestOneInput over every file of the directories (or files) given,
// so each fuzz target builds with any compiler and its corpus is a regression test.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

static int run_file(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::vector<char> buf((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    return LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(buf.data()), buf.size());
}

int main(int argc, char** argv) {
    std::size_t n = 0;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path arg{argv[i]};
        if (std::filesystem::is_directory(arg)) {
            for (const auto& e : std::filesystem::recursive_directory_iterator(arg))
                if (e.is_regular_file()) {
                    (void)run_file(e.path());
                    ++n;
                }
        } else if (std::filesystem::exists(arg)) {
            (void)run_file(arg);
            ++n;
        } else {
            std::fprintf(stderr, "no such corpus: %s\n", argv[i]);
            return 1;
        }
    }
    // The empty input is always worth a run.
    (void)LLVMFuzzerTestOneInput(nullptr, 0);
    std::printf("replayed %zu inputs\n", n);
    return 0;
}
