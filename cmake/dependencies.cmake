# Every dependency comes from Debian packages installed by scripts/setup.sh.
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(GTest REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(PkgConfig REQUIRED)
# Debian's cpp-httplib is a compiled library built with OpenSSL/zlib/brotli support: its
# compile definitions must match the library's or class layouts disagree.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
# The broker's external session store (--cache-connection-string): hiredis's async API, driven
# by our own Asio loop.
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
if(MCPSIM_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
