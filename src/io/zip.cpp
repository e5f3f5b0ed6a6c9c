#include "minicnn/io/zip.hpp"

#include <zip.h>
#include <zlib.h>

#include <memory>
#include <stdexcept>

#include "minicnn/io/atomic_file.hpp"

namespace minicnn {

namespace {

[[noreturn]] void fail(const std::string& name, const std::string& what) { throw std::runtime_error(name + ": " + what); }

struct ZipCloser {
  void operator()(zip_t* z) const {
    if (z) zip_discard(z);
  }
};

}  // namespace

void zip_write(const std::string& path, const std::vector<ZipEntry>& entries) {
  write_file_atomic_with(path, [&](const std::string& temp) {
    int code = 0;
    std::unique_ptr<zip_t, ZipCloser> z(zip_open(temp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code));
    if (!z) {
      zip_error_t err;
      zip_error_init_with_code(&err, code);
      const std::string why = zip_error_strerror(&err);
      zip_error_fini(&err);
      fail(path, "cannot write: " + why);
    }
    for (const ZipEntry& e : entries) {
      std::vector<zip_buffer_fragment_t> fragments;
      for (const auto& [data, size] : e.pieces)
        if (size) fragments.push_back({static_cast<zip_uint8_t*>(const_cast<void*>(data)), size});  // only read
      // The source keeps its own copy of the fragment list, and points at the data.
      zip_source_t* src = zip_source_buffer_fragment(z.get(), fragments.data(), fragments.size(), 0);
      const zip_int64_t idx = src ? zip_file_add(z.get(), e.name.c_str(), src, ZIP_FL_ENC_UTF_8) : -1;
      if (idx < 0) {
        if (src) zip_source_free(src);
        fail(path, "libzip: cannot add " + e.name + ": " + zip_strerror(z.get()));
      }
      zip_set_file_compression(z.get(), static_cast<zip_uint64_t>(idx), ZIP_CM_STORE, 0);  // like numpy.savez
      // A fixed timestamp (1980-01-01, zip's epoch): the same contents give a byte-identical file.
      zip_file_set_mtime(z.get(), static_cast<zip_uint64_t>(idx), 315532800, 0);
    }
    if (zip_close(z.get()) != 0) fail(path, "write failed: " + std::string(zip_strerror(z.get())));  // z discards it
    z.release();  // closed: the archive is in temp
  });
}

void zip_for_each(const std::uint8_t* data, std::size_t size, const std::string& name, const ZipLimits& limits,
                  const std::function<void(const std::string&, const std::uint8_t*, std::size_t)>& f) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(data, size, 0, &err);
  if (!src) fail(name, "libzip: " + std::string(zip_error_strerror(&err)));
  std::unique_ptr<zip_t, ZipCloser> z(zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err));
  if (!z) {
    zip_source_free(src);
    fail(name, "not a valid .npz (zip) file: " + std::string(zip_error_strerror(&err)));
  }
  const zip_int64_t n = zip_get_num_entries(z.get(), 0);
  if (n < 0 || static_cast<std::size_t>(n) > limits.max_entries)
    fail(name, "holds " + std::to_string(n) + " entries; the limit is " + std::to_string(limits.max_entries));
  std::uint64_t total = 0;
  std::vector<std::uint8_t> buf;
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    if (zip_stat_index(z.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) ||
        !(st.valid & ZIP_STAT_SIZE))
      fail(name, "cannot read entry " + std::to_string(i) + " of the archive");
    const std::string entry = st.name;
    // Refuse by declared size before inflating anything: a zip bomb is stopped here.
    if (st.size > limits.max_entry_bytes)
      fail(name, "entry '" + entry + "' claims " + std::to_string(st.size) + " bytes, over the limit of " +
                     std::to_string(limits.max_entry_bytes));
    total += st.size;
    if (total > limits.max_total_bytes)
      fail(name, "entries claim more than " + std::to_string(limits.max_total_bytes) + " bytes in total");
    if ((st.valid & ZIP_STAT_COMP_SIZE) && st.comp_size > 0 && st.size / 1100 > st.comp_size)
      fail(name, "entry '" + entry + "' claims a compression ratio no deflate stream can reach (a zip bomb?)");
    if ((st.valid & ZIP_STAT_COMP_SIZE) && (st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method == ZIP_CM_STORE &&
        st.comp_size != st.size)
      fail(name, "entry '" + entry + "' is stored uncompressed but its sizes disagree");
    if ((st.valid & ZIP_STAT_COMP_SIZE) && st.comp_size > size) fail(name, "truncated: entry '" + entry + "' runs past the end");
    zip_file_t* zf = zip_fopen_index(z.get(), static_cast<zip_uint64_t>(i), 0);
    if (!zf) fail(name, "cannot open entry '" + entry + "': " + zip_strerror(z.get()));
    buf.resize(st.size);
    zip_int64_t got = 0;
    while (static_cast<zip_uint64_t>(got) < st.size) {
      const zip_int64_t r = zip_fread(zf, buf.data() + got, st.size - static_cast<zip_uint64_t>(got));
      if (r <= 0) break;
      got += r;
    }
    std::uint8_t extra;
    const bool more = static_cast<zip_uint64_t>(got) == st.size && zip_fread(zf, &extra, 1) > 0;
    const std::string ferr = zip_file_strerror(zf);
    zip_fclose(zf);
    if (static_cast<zip_uint64_t>(got) != st.size || more)
      fail(name, "entry '" + entry + "' is corrupt or truncated (read " + std::to_string(got) + " of " +
                     std::to_string(st.size) + " bytes: " + ferr + ")");
    // libzip does not check the CRC of stored (uncompressed) entries; a flipped bit must not load.
    if ((st.valid & ZIP_STAT_CRC) && crc32(0L, buf.data(), static_cast<uInt>(buf.size())) != st.crc)
      fail(name, "entry '" + entry + "' is corrupt (CRC-32 mismatch)");
    f(entry, buf.data(), buf.size());
  }
}

}  // namespace minicnn
