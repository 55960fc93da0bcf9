/*
 * sandbox_private.h: marks a header as private to worker/sandbox. Every
 * header of this folder except the public ones (sandbox.h, pool.h,
 * sandbox_knobs.h) includes it first; it compiles only where the build
 * defines AIRLOCK_SANDBOX_PRIVATE, i.e. in the airlock_sandbox library, its
 * helper programs and the white-box tests that link the
 * airlock_sandbox_private target (worker/sandbox/CMakeLists.txt). Anywhere
 * else including a private header fails to compile. Owns nothing.
 */
#ifndef AIRLOCK_SANDBOX_PRIVATE
#error "a private header of worker/sandbox: other subsystems include worker/sandbox/sandbox.h, pool.h or sandbox_knobs.h"
#endif
