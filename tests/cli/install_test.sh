#!/usr/bin/env bash
# `cmake --install` and find_package(minicnn) (issue 18): installs the build to a temporary prefix,
# builds examples/custom_layer.cpp as an outside CMake project that only knows the prefix, and runs
# it: it builds "conv 4 3 pad=1, swish, maxpool 2, flatten, linear 2" from a spec, so conv, maxpool,
# flatten and linear must come from the library's own registry (the static archive's registrations
# survived linking). The same program built with pkg-config, and the installed tool, run too.
#   install_test.sh BUILD_DIR SOURCE_DIR
BUILD=$(realpath "$1")
HERE=$(dirname "$(realpath "$0")")
source "$HERE/cli_lib.sh" "$BUILD/minicnn" "$2"

P="$T/prefix"
cmake --install "$BUILD" --prefix "$P" > install.log 2>&1 || { cat install.log; fail "cmake --install"; }
for f in bin/minicnn include/minicnn/minicnn.hpp include/minicnn/io/onnx.hpp include/minicnn/web/live.hpp \
         include/minicnn/experiment/compare.hpp lib/libminicnn.a \
         lib/cmake/minicnn/minicnnConfig.cmake lib/cmake/minicnn/minicnnConfigVersion.cmake lib/pkgconfig/minicnn.pc; do
  [ -e "$P/$f" ] || { cat install.log; fail "$f was not installed"; }
done
if grep -rqE '#include *[<"](onnx/|google/protobuf|httplib)' "$P/include/minicnn"; then
  fail "an installed header includes ONNX, protobuf or httplib"
fi
ok "installed: the tool, the headers, libminicnn.a, the CMake package and minicnn.pc"
# The Python module, when the build has it: under the prefix's dist-packages, importable from there.
if ls "$BUILD"/python/minicnn*.so > /dev/null 2>&1; then
  module=$(find "$P/lib" -path '*dist-packages/minicnn*.so' | head -1)
  [ -n "$module" ] || { cat install.log; fail "the Python module was not installed under $P/lib/*/dist-packages"; }
  PYTHONPATH=$(dirname "$module") /usr/bin/python3 -c "import minicnn; assert 'lenet5' in minicnn.presets()" ||
    fail "the installed Python module does not import"
  ok "installed: the Python module ($module), importable"
fi

mkdir outside
cp "$SRC/examples/custom_layer.cpp" outside/
cat > outside/CMakeLists.txt <<'EOF'
cmake_minimum_required(VERSION 3.24)
project(outside LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 17)
find_package(minicnn 0.2 REQUIRED)
add_executable(custom_layer custom_layer.cpp)
target_link_libraries(custom_layer PRIVATE minicnn::minicnn)
EOF
cmake -S outside -B outside/build -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$P" > configure.log 2>&1 ||
  { cat configure.log; fail "find_package(minicnn) in an outside project"; }
cmake --build outside/build -j2 > build.log 2>&1 || { cat build.log; fail "building the outside project"; }
(cd outside && ./build/custom_layer) > run.log 2>&1 || { cat run.log; fail "the outside program"; }
grep -q "saved and reloaded conv 4 3 pad=1, swish, maxpool 2, flatten, linear 2" run.log || { cat run.log; fail "its output"; }
ok "find_package(minicnn): examples/custom_layer.cpp built outside the tree uses conv, maxpool, flatten and linear from the library"

export PKG_CONFIG_PATH="$P/lib/pkgconfig"
g++ -std=c++17 -O1 outside/custom_layer.cpp $(pkg-config --cflags --libs minicnn) -o pc_custom_layer > pc.log 2>&1 ||
  { cat pc.log; fail "building with pkg-config"; }
(cd outside && ../pc_custom_layer) > pc_run.log 2>&1 || { cat pc_run.log; fail "the pkg-config program"; }
ok "pkg-config --cflags --libs minicnn builds and links it too"

"$P/bin/minicnn" --help > help.log 2>&1 || { cat help.log; fail "the installed tool"; }
grep -q "export" help.log && grep -q "import" help.log || fail "the installed tool lists no export/import"
ok "the installed minicnn runs"
echo "$pass passed"
