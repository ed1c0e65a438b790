// Replays a fuzzer's corpus without libFuzzer: the ordinary (gcc) build runs
// every seed and regression input through the same checks the fuzzer makes,
// so a fixed parser bug cannot come back unnoticed between fuzzing runs.
// Usage: <fuzzer>_replay DIR...   (exit 0 when every input passes)
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
    int replayed = 0;
    for (int i = 1; i < argc; ++i) {
        for (const auto& entry : std::filesystem::directory_iterator(argv[i])) {
            std::ifstream in(entry.path(), std::ios::binary);
            const std::string input((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
            // A failed check aborts inside the call, naming the property.
            LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()),
                                   input.size());
            ++replayed;
        }
    }
    std::cout << "replayed " << replayed << " inputs, all passed" << std::endl;
    return replayed > 0 ? 0 : 1;
}
