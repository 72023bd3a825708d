// Domain results as the contract's JSON shapes. Money goes through util::MoneyValue so it is
// written with exactly two decimals.
#pragma once

#include <json/value.h>

#include "domain/log_service.h"
#include "domain/payment_service.h"
#include "store/product_cache.h"
#include "store/records.h"

namespace flashsale::api {

// GET /api/products/{id} is the hottest read: its body is written straight into a string,
// without building a Json::Value.
std::string RenderProductBody(const store::ProductSnapshot& product);
Json::Value RenderHold(const store::HoldRecord& hold);
Json::Value RenderOrder(const store::OrderRecord& order);
Json::Value RenderPayment(const domain::PaymentResult& result);
Json::Value RenderLogPage(const domain::LogPage& page);

}  // namespace flashsale::api
