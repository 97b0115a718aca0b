// The main example (placeholder until the exchange helpers land): prints the library version.
#include <pqike/pqike.hpp>

#include <cstdio>

int main() {
    std::printf("pqike %s\n", pqike::version_string);
    return 0;
}
