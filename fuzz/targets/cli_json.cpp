// SPDX-License-Identifier: MIT
// Fuzz the JSON and hex front ends of the pqike CLI (examples/cli/): request parsing for derive and
// escape, the key-table parser, hex arguments and the message-to-JSON decoder. The first input
// byte picks the front end, the rest is the input. Never crashes or throws; anything accepted
// runs to a result or an error value; an escape message the tool builds verifies with the same
// key (round trip), and every JSON produced serialises.
#include "../../examples/cli/derive.hpp"
#include "../../examples/cli/escape.hpp"
#include "../../examples/cli/keys_table.hpp"
#include "../../examples/cli/message_json.hpp"
#include "../../examples/cli/requests.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

using namespace pqike_cli;

void dump(const std::optional<json>& j) {
    if (j) (void)j->dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view text{reinterpret_cast<const char*>(data + 1), size - 1};
    failure f;
    switch (data[0] % 8) {
        case 0:
            if (auto r = parse_derive(text, f)) dump(run_derive(*r, f));
            break;
        case 1:
            if (auto r = parse_child(text, f)) dump(run_child(*r, f));
            break;
        case 2:
            if (auto r = parse_rekey(text, f)) dump(run_rekey(*r, f));
            break;
        case 3:
            if (auto r = parse_escape_build(text, f)) {
                auto built = run_escape_build(*r, f);
                dump(built);
                if (built) {
                    escape_verify_request v{r->key, {}};
                    auto m = parse_hex((*built)["message"].get<std::string>(), "message", f);
                    if (!m) std::abort();
                    v.message = std::move(*m);
                    if (!run_escape_verify(v, f)) std::abort();  // what we build must verify
                }
            }
            break;
        case 4:
            if (auto r = parse_escape_verify(text, f)) dump(run_escape_verify(*r, f));
            break;
        case 5:
            if (auto rows = parse_keys_table(text, f))
                for (const auto& row : *rows)
                    if (row.spi_i.size() != 8 || row.spi_r.size() != 8) std::abort();
            break;
        case 6:
            if (auto b = parse_hex(text, "hex", f)) dump(message_json(view(*b), f));
            break;
        default:
            dump(message_json(pqike::as_bytes_view(text.data(), text.size()), f));
            break;
    }
    return 0;
}
