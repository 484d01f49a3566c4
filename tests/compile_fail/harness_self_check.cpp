// expect: typedao-harness-check
// The compile-fail harness itself: a failing build passes only when the
// compiler prints the message named on the first line.
static_assert(false, "typedao-harness-check: the harness reports our message");

int main() { return 0; }
