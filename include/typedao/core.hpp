#ifndef TYPEDAO_CORE_HPP
#define TYPEDAO_CORE_HPP

// Everything but the libpq backend (never includes libpq-fe.h).

#include <typedao/codec.hpp>
#include <typedao/connector.hpp>
#include <typedao/dao.hpp>
#include <typedao/database.hpp>
#include <typedao/dialect.hpp>
#include <typedao/entity.hpp>
#include <typedao/error.hpp>
#include <typedao/events.hpp>
#include <typedao/metrics.hpp>
#include <typedao/sql.hpp>
#include <typedao/types.hpp>

#endif
