// missive/core/cpu_relax.hpp - the spin-wait hint of the CPU (the one copy every layer uses).
//
// Tells the core that this thread is busy-waiting (x86 PAUSE, ARM YIELD): it
// saves power, yields pipeline resources to a sibling hyperthread and avoids
// the memory-order misspeculation penalty when the awaited line changes.
#pragma once

namespace missive {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  asm volatile("yield" ::: "memory");
#else
  asm volatile("" ::: "memory");
#endif
}

}  // namespace missive
