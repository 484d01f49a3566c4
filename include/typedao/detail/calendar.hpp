#ifndef TYPEDAO_DETAIL_CALENDAR_HPP
#define TYPEDAO_DETAIL_CALENDAR_HPP

// The proleptic Gregorian calendar in days since 1970-01-01, in 64 bits so that every int64
// microsecond timestamp converts (Howard Hinnant's civil_from_days / days_from_civil).

#include <cstdint>

namespace typedao::detail {

struct civil_date {
  std::int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

constexpr civil_date civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<std::uint64_t>(z - era * 146097);
  const std::uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::uint64_t mp = (5 * doy + 2) / 153;
  const auto d = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  const auto m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
  return {y, m, d};
}

constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<std::uint64_t>(y - era * 400);
  const std::uint64_t mp = m > 2 ? m - 3 : m + 9;
  const std::uint64_t doy = (153 * mp + 2) / 5 + d - 1;
  const std::uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  constexpr unsigned len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
  return m == 2 && leap ? 29 : len[m - 1];
}

static_assert(days_from_civil(1970, 1, 1) == 0 && civil_from_days(0).year == 1970);
static_assert(days_from_civil(2000, 1, 1) == 10957 && civil_from_days(10957).month == 1);

}  // namespace typedao::detail

#endif
