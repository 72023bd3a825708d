#include "domain/health.h"

namespace flashsale::domain {

Health CheckHealth(Deps& deps) { return Health{deps.db.Ping(), deps.cache.Healthy()}; }

}  // namespace flashsale::domain
