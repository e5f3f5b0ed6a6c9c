#include "minicnn/io/zip.hpp"

#include <zip.h>
#include <zlib.h>

#include <memory>
#include <stdexcept>

namespace minicnn {

namespace {

[[noreturn]] void fail(const std::string& name, const std::string& what) { throw std::runtime_error(name + ": " + what); }

struct ZipCloser {
  void operator()(zip_t* z) const {
    if (z) zip_discard(z);
  }
};

}  // namespace

std::string zip_store(const std::vector<std::pair<std::string, std::string>>& entries, const std::string& name) {
  // Build the archive in a libzip memory source, then read its bytes back out.
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* mem = zip_source_buffer_create(nullptr, 0, 0, &err);
  if (!mem) fail(name, "libzip: " + std::string(zip_error_strerror(&err)));
  zip_source_keep(mem);
  std::unique_ptr<zip_t, ZipCloser> z(zip_open_from_source(mem, ZIP_TRUNCATE, &err));
  if (!z) {
    zip_source_free(mem);
    fail(name, "libzip: " + std::string(zip_error_strerror(&err)));
  }
  for (const auto& [entry, bytes] : entries) {
    zip_source_t* src = zip_source_buffer(z.get(), bytes.data(), bytes.size(), 0);
    const zip_int64_t idx = src ? zip_file_add(z.get(), entry.c_str(), src, ZIP_FL_ENC_UTF_8) : -1;
    if (idx < 0) {
      if (src) zip_source_free(src);
      zip_source_free(mem);
      fail(name, "libzip: cannot add " + entry + ": " + zip_strerror(z.get()));
    }
    zip_set_file_compression(z.get(), static_cast<zip_uint64_t>(idx), ZIP_CM_STORE, 0);  // like numpy.savez
    // A fixed timestamp (1980-01-01, zip's epoch): the same contents give a byte-identical file.
    zip_file_set_mtime(z.get(), static_cast<zip_uint64_t>(idx), 315532800, 0);
  }
  if (zip_close(z.get()) != 0) {
    const std::string why = zip_strerror(z.get());
    zip_source_free(mem);
    fail(name, "libzip: " + why);
  }
  z.release();  // closed
  zip_stat_t st;
  std::string out;
  if (zip_source_stat(mem, &st) == 0 && zip_source_open(mem) == 0) {
    out.resize(st.size);
    const zip_int64_t n = zip_source_read(mem, out.data(), st.size);
    zip_source_close(mem);
    if (n != static_cast<zip_int64_t>(st.size)) out.clear();
  }
  zip_source_free(mem);
  if (out.empty()) fail(name, "libzip: could not read back the archive it built");
  return out;
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
