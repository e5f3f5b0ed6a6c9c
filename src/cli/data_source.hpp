#pragma once
// data_source moved into the library (train/data_source.hpp). This forwarder keeps compare.cpp and
// serve.cpp, which other branches move out of src/cli, building until they include it from there.
#include "minicnn/train/data_source.hpp"
