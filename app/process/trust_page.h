// The page of store::CacheTrust that every worker of the pool shares, kept across reloads.
//
// Why it must survive a reload: a worker that cannot invalidate a cache entry marks the page
// "untrusted" (store/product_cache.h), and nobody reads from Redis until the entries have been
// retired. During a reload the old workers finish their last requests while the new ones
// already serve. Were the new generation given a fresh page, an old worker's mark set after the
// new generation had started (even one that started "untrusted" and retired every entry at
// once) would go to a page nobody reads any more, and a stale entry could be served. So the
// page lives in a memfd: the master maps it, its workers inherit the mapping, and a reload
// passes the descriptor to the new image (FLASHSALE_TRUST_FD), which maps the same memory. Old
// and new workers then share one page, exactly as workers of one generation do.
//
// The page starts with a layout stamp. A new binary that finds a different layout (CacheTrust
// changed between versions) cannot share it: it takes a fresh page marked untrusted, and the
// master marks it untrusted once more when the last old worker has exited (MarkUntrusted), so
// whatever an old worker failed to invalidate is retired before it can be read.
#pragma once

#include "store/product_cache.h"

namespace flashsale::process {

struct TrustPage {
  store::CacheTrust* trust = nullptr;  // nullptr: could not be mapped
  int fd = -1;                          // the memfd, close-on-exec
  bool fresh_after_reload = false;      // a reload could not share the previous page
};

// Maps the page of `inherited_fd` (a reload), or a new one.
TrustPage MapTrustPage(int inherited_fd);

void MarkUntrusted(store::CacheTrust& trust);

}  // namespace flashsale::process
