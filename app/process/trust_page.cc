#include "process/trust_page.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <new>

#include "process/listener.h"
#include "util/log.h"

namespace flashsale::process {
namespace {

struct Layout {
  uint64_t stamp;
  store::CacheTrust trust;
};

// Changes whenever CacheTrust's size or alignment does; the high bits say what this is.
constexpr uint64_t kStamp = 0x666c617368747275ULL ^ (sizeof(store::CacheTrust) << 8) ^
                            alignof(store::CacheTrust);

Layout* Map(int fd) {
  void* p = mmap(nullptr, sizeof(Layout), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  return p == MAP_FAILED ? nullptr : static_cast<Layout*>(p);
}

}  // namespace

TrustPage MapTrustPage(int inherited_fd) {
  TrustPage page;
  if (inherited_fd >= 0) {
    struct stat st {};
    Layout* layout = nullptr;
    if (::fstat(inherited_fd, &st) == 0 && st.st_size == static_cast<off_t>(sizeof(Layout))) {
      layout = Map(inherited_fd);
    }
    if (layout != nullptr && layout->stamp == kStamp) {
      page.trust = &layout->trust;
      page.fd = inherited_fd;
      SetInheritable(page.fd, false);
      return page;
    }
    if (layout != nullptr) munmap(layout, sizeof(Layout));
    ::close(inherited_fd);
    LOG4CPLUS_WARN(util::ProcessLog(), "the previous cache-trust page has another layout; the cache "
                                       "stays untrusted until the old workers are gone");
    page.fresh_after_reload = true;
  }
  int fd = memfd_create("flashsale-cache-trust", MFD_CLOEXEC);
  if (fd < 0 || ::ftruncate(fd, sizeof(Layout)) != 0) {
    if (fd >= 0) ::close(fd);
    return page;
  }
  Layout* layout = Map(fd);
  if (layout == nullptr) {
    ::close(fd);
    return page;
  }
  layout->stamp = kStamp;
  page.trust = new (&layout->trust) store::CacheTrust();
  page.fd = fd;
  if (page.fresh_after_reload) MarkUntrusted(*page.trust);
  return page;
}

void MarkUntrusted(store::CacheTrust& trust) { trust.dirty.fetch_add(1); }

}  // namespace flashsale::process
