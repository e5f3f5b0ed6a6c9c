# Cross-compiling minicnn for 64-bit ARM (aarch64) on a Debian x86-64 host with multiarch:
# Debian's g++-aarch64-linux-gnu, the arm64 libraries (libopenblas-dev:arm64, ...) in
# /usr/lib/aarch64-linux-gnu, and qemu-user-static to run what is built. scripts/cross-aarch64.sh
# installs these, configures with this file and runs the unit tests under the emulator.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# find_library and pkg-config look in the arm64 folders only, never in the host's x86-64 ones.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
# The header-only libraries (xtensor, xtensor-blas, xsimd) install their CMake packages under the
# host's architecture; their headers are the same for every architecture, so the host's are used.
foreach(pkg xtensor xtensor-blas xsimd)
  if(EXISTS /usr/lib/x86_64-linux-gnu/cmake/${pkg})
    set(${pkg}_DIR /usr/lib/x86_64-linux-gnu/cmake/${pkg} CACHE PATH "")
  endif()
endforeach()
# Programs run at build time (doctest's test discovery) and by CTest go through the emulator. No
# `-L /usr/aarch64-linux-gnu`: that prefix makes the program start with the cross toolchain's
# loader (libc6-arm64-cross, glibc 2.36-8cross1) but load the multiarch libc (libc6:arm64,
# 2.36-9+deb12u14); the two builds disagree on glibc's private interface, and the first
# pthread_create then spins for ever (every test that starts a thread "hung", the others passed).
# The multiarch libc6:arm64 has its own loader, /lib/ld-linux-aarch64.so.1, which qemu finds.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static)
