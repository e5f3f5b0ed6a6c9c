#include "minicnn/data/idx.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace minicnn {

namespace {

constexpr std::uint32_t kImagesMagic = 0x00000803, kLabelsMagic = 0x00000801;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

[[noreturn]] void fail(const std::string& name, const std::string& what) { throw std::runtime_error(name + ": " + what); }

// A source of bytes: raw memory, or a gzip stream inflated on the fly. Both report how many
// bytes they actually delivered, so a short file is caught rather than padded.
class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size, std::string name) : data_(data), size_(size), name_(std::move(name)) {
    gz_ = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    if (gz_ != ends_with(name_, ".gz"))
      fail(name_, gz_ ? "is gzip-compressed but its name does not end in .gz (rename it or gunzip it)"
                      : "is named .gz but is not gzip-compressed");
    if (gz_) {
      std::memset(&z_, 0, sizeof z_);
      if (inflateInit2(&z_, 15 + 16) != Z_OK) fail(name_, "zlib could not start");  // 16: expect a gzip header
      z_.next_in = const_cast<Bytef*>(data_);
      z_.avail_in = static_cast<uInt>(std::min<std::size_t>(size_, UINT32_MAX));
      consumed_ = z_.avail_in;
    }
  }
  ~Reader() {
    if (gz_) inflateEnd(&z_);
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  bool gz() const { return gz_; }
  // Raw bytes left after what has been read (only meaningful for raw input).
  std::size_t raw_left() const { return size_ - pos_; }

  // Reads up to n bytes into out; returns how many were read (fewer at the end of the data).
  std::size_t read(std::uint8_t* out, std::size_t n) {
    if (!gz_) {
      const std::size_t k = std::min(n, size_ - pos_);
      std::memcpy(out, data_ + pos_, k);
      pos_ += k;
      return k;
    }
    std::size_t got = 0;
    while (got < n && !ended_) {
      if (z_.avail_in == 0 && consumed_ < size_) {  // files over 4 GiB feed zlib in pieces
        const std::size_t k = std::min<std::size_t>(size_ - consumed_, UINT32_MAX);
        z_.next_in = const_cast<Bytef*>(data_ + consumed_);
        z_.avail_in = static_cast<uInt>(k);
        consumed_ += k;
      }
      z_.next_out = out + got;
      z_.avail_out = static_cast<uInt>(std::min<std::size_t>(n - got, UINT32_MAX));
      const std::size_t before = z_.avail_out;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      got += before - z_.avail_out;
      if (rc == Z_STREAM_END) ended_ = true;
      else if (rc == Z_BUF_ERROR && z_.avail_in == 0 && consumed_ >= size_) ended_ = true, truncated_ = true;
      else if (rc != Z_OK) fail(name_, std::string("corrupt gzip data (zlib: ") + (z_.msg ? z_.msg : "error") + ")");
    }
    return got;
  }
  bool gzip_truncated() const { return truncated_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_, pos_ = 0, consumed_ = 0;
  std::string name_;
  bool gz_ = false, ended_ = false, truncated_ = false;
  z_stream z_{};
};

std::uint32_t read_u32(Reader& r, const std::string& name, const char* field) {
  std::uint8_t b[4];
  if (r.read(b, 4) != 4) fail(name, std::string("truncated: the file ends inside the header (") + field + ")");
  return (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) | (std::uint32_t(b[2]) << 8) | b[3];
}

std::string hex(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// Reads exactly `bytes` payload bytes. A plain file holds exactly that many (checked first), so
// the vector is sized once; from a gzip stream, memory grows in steps as data arrives (each step
// at most doubling, never past `bytes`), so a header that lies costs at most what the stream holds.
std::vector<std::uint8_t> read_payload(Reader& r, std::size_t bytes, const std::string& name, const std::string& what) {
  if (!r.gz() && r.raw_left() != bytes)
    fail(name, (r.raw_left() < bytes ? "truncated: " : "wrong size: ") + what + " (" + std::to_string(bytes) +
                   " bytes) but the file holds " + std::to_string(r.raw_left()) + " bytes of data");
  std::vector<std::uint8_t> out;
  if (!r.gz()) out.reserve(bytes);
  constexpr std::size_t kStep = 8u << 20;
  while (out.size() < bytes) {
    const std::size_t old = out.size(), want = std::min(kStep, bytes - old);
    if (old + want > out.capacity()) out.reserve(std::min(bytes, std::max(old + want, 2 * out.capacity())));
    out.resize(old + want);
    const std::size_t got = r.read(out.data() + old, want);
    if (got < want)
      fail(name, "truncated: " + what + " (" + std::to_string(bytes) + " bytes) but the " +
                     (r.gzip_truncated() ? "gzip stream is cut off after " : "file holds only ") +
                     std::to_string(old + got) + " bytes of data");
  }
  if (r.gz()) {
    std::uint8_t extra;
    if (r.read(&extra, 1) != 0) fail(name, "wrong size: " + what + " but the file holds more data than that");
  }
  return out;
}

void check_magic(std::uint32_t magic, std::uint32_t want, const std::string& name) {
  if (magic == want) return;
  const char* kind = want == kImagesMagic ? "an IDX image file" : "an IDX label file";
  std::string hint;
  if (magic == kImagesMagic) hint = " (this is an image file)";
  else if (magic == kLabelsMagic) hint = " (this is a label file)";
  fail(name, std::string("not ") + kind + ": magic number " + hex(magic) + hint + ", expected " + hex(want) + " (" +
                 std::to_string(want) + ")");
}

// A read-only memory map of a whole file: no heap copy, and the OS pages it in as we read.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      fail(path, "not a regular file");
    }
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        ::close(fd);
        fail(path, std::string("cannot map: ") + std::strerror(errno));
      }
      data_ = static_cast<const std::uint8_t*>(p);
    }
    ::close(fd);
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const std::uint8_t* data() const { return data_ ? data_ : reinterpret_cast<const std::uint8_t*>(""); }
  std::size_t size() const { return size_; }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace

IdxImages parse_idx_images(const std::uint8_t* data, std::size_t size, const std::string& name) {
  Reader r(data, size, name);
  check_magic(read_u32(r, name, "magic"), kImagesMagic, name);
  IdxImages img;
  img.count = read_u32(r, name, "image count");
  img.rows = read_u32(r, name, "rows");
  img.cols = read_u32(r, name, "cols");
  if (img.count > kIdxMaxItems)
    fail(name, "header claims " + std::to_string(img.count) + " images, more than the limit of " +
                   std::to_string(kIdxMaxItems));
  if (img.rows == 0 || img.cols == 0 || img.rows > kIdxMaxSide || img.cols > kIdxMaxSide)
    fail(name, "header claims images of " + std::to_string(img.rows) + "x" + std::to_string(img.cols) +
                   "; expected 1.." + std::to_string(kIdxMaxSide) + " on each side");
  const std::size_t bytes = img.count * img.rows * img.cols;
  if (bytes > kIdxMaxBytes) fail(name, "header claims " + std::to_string(bytes) + " bytes of pixels, over the 4 GiB limit");
  img.pixels = read_payload(r, bytes, name,
                            "header says " + std::to_string(img.count) + " images of " + std::to_string(img.rows) + "x" +
                                std::to_string(img.cols));
  return img;
}

std::vector<std::uint8_t> parse_idx_labels(const std::uint8_t* data, std::size_t size, const std::string& name) {
  Reader r(data, size, name);
  check_magic(read_u32(r, name, "magic"), kLabelsMagic, name);
  const std::size_t count = read_u32(r, name, "label count");
  if (count > kIdxMaxItems)
    fail(name, "header claims " + std::to_string(count) + " labels, more than the limit of " + std::to_string(kIdxMaxItems));
  return read_payload(r, count, name, "header says " + std::to_string(count) + " labels");
}

IdxImages read_idx_images(const std::string& path) {
  const MappedFile f(path);
  return parse_idx_images(f.data(), f.size(), path);
}

std::vector<std::uint8_t> read_idx_labels(const std::string& path) {
  const MappedFile f(path);
  return parse_idx_labels(f.data(), f.size(), path);
}

}  // namespace minicnn
