// Compiles and links against typedao as an outside project would.
// Extend with a use of the public API once it settles.
#include <typedao/typedao.hpp>

int main() { return 0; }
