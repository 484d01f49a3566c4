#ifndef TYPEDAO_DETAIL_CONFIG_HPP
#define TYPEDAO_DETAIL_CONFIG_HPP

// Compiler-specific attributes, in one place. Includes nothing.

// Error paths: compiled for size and never inlined into the code that may call them.
#if defined(__GNUC__)
#define TYPEDAO_COLD [[gnu::cold]] [[gnu::noinline]]
#else
#define TYPEDAO_COLD
#endif

// The per-column step of decoding: inlined into the per-row loop, whatever the compiler's
// size heuristics say (one call per column is most of the cost of a small value otherwise).
#if defined(__GNUC__)
#define TYPEDAO_INLINE [[gnu::always_inline]] inline
#elif defined(_MSC_VER)
#define TYPEDAO_INLINE __forceinline
#else
#define TYPEDAO_INLINE inline
#endif

#endif
