// Umbrella header: everything pqike offers without optional dependencies.
#pragma once

#include "version.hpp"
#include "result.hpp"
#include "bytes.hpp"
#include "secret.hpp"
#include "hex.hpp"
