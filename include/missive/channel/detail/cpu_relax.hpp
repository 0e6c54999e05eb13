// missive/channel/detail/cpu_relax.hpp - the spin-loop hint.
//
// `pause` on x86 (tells the core a spin-wait is running: saves power, frees
// the sibling hyperthread and avoids the memory-order mis-speculation exit
// penalty), `yield` on ARMv8. Any thread; no memory ordering implied.
#pragma once

namespace missive::detail {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield" ::: "memory");
#else
  __asm__ __volatile__("" ::: "memory");
#endif
}

}  // namespace missive::detail
