// SPDX-License-Identifier: MIT
// The subcommands of `pqike` (one file each) and their help texts.
#pragma once

namespace pqike_cli {

int cmd_decode(int argc, char** argv);  // argv[0] = "decode"
int cmd_derive(int argc, char** argv);
int cmd_mlkem(int argc, char** argv);
int cmd_escape(int argc, char** argv);

}  // namespace pqike_cli
