// The compile-fail harness itself: a valid program compiles cleanly
// (proves the include paths and flags are right, so a failure elsewhere
// is the library's, not the harness's).
#include <boost/describe.hpp>

struct harness_point {
  int x;
  int y;
};
BOOST_DESCRIBE_STRUCT(harness_point, (), (x, y))

static_assert(true);

int main() { return 0; }
