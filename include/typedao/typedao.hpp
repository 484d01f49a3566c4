#ifndef TYPEDAO_TYPEDAO_HPP
#define TYPEDAO_TYPEDAO_HPP

// Umbrella: the core and the libpq backend.

#include <typedao/core.hpp>
#include <typedao/pg.hpp>

#endif
