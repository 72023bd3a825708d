-- holds_limited.lua: POST /api/holds on a product with a per-buyer limit (max_per_buyer), each
-- request for another buyer: {"product_id": P, "quantity": 1, "buyer_id": "<run>-<thread>-<n>"}.
--
--   wrk -s holds_limited.lua http://127.0.0.1:PORT -- <window_s> <product_id> <run_id>
--
-- Every hold takes its buyer's lock (a new buyer_locks row each time, the dearest case), sums
-- the buyer's units and reserves, so the scenario measures what the limit costs beside `holds`.
-- 201 is a hold; anything else (a 409 buyer_limit_exceeded would mean two requests shared a
-- buyer) is `unexpected`. Drained (see bench.lua), so the database can be compared with the
-- 201s seen.
local bench = require("bench")

local template
local seq = 0

function init(args)
  args = bench.init(args)
  local product = tonumber(args[1]) or error("holds_limited.lua: product id argument missing")
  local run_id = args[2] or tostring(os.time())
  template = string.format('{"product_id":%d,"quantity":1,"buyer_id":"b-%s-%d-%%d"}', product,
                           run_id, thread_index or 0)
end

bench.enable_drain()

function request()
  seq = seq + 1
  return wrk.format("POST", "/api/holds", { ["Content-Type"] = "application/json" },
                    string.format(template, seq))
end

function response(status, headers, body_)
  bench.count(status)
  if status ~= 201 or not body_:find('"status"%s*:%s*"active"') then
    bench.unexpected(status, body_)
  end
end
