-- holds.lua: POST /api/holds {"product_id": P, "quantity": 1} over and over (holds, flash_sale).
--
--   wrk -s holds.lua http://127.0.0.1:PORT -- <window_s> <product_id>
--
-- 201 is a hold; 409 with code insufficient_stock is a sold-out answer (flash_sale); anything
-- else is `unexpected`. For the flash sale, min_first_409 (the first sold-out answer any thread
-- saw) lets run.sh measure the sold-out rate from the moment the stock ran out, not from the
-- start, where the first 1000 holds are still being sold. Drained (see bench.lua), so the
-- database can be compared with the 201s seen.
local bench = require("bench")

local body

function init(args)
  args = bench.init(args)
  local product = tonumber(args[1]) or error("holds.lua: product id argument missing")
  body = string.format('{"product_id":%d,"quantity":1}', product)
  wrk.method = "POST"
  wrk.path = "/api/holds"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = body
end

bench.enable_drain()

function response(status, headers, body_)
  local t = bench.count(status)
  if status == 201 then
    if not body_:find('"status"%s*:%s*"active"') then bench.unexpected(status, body_) end
  elseif status == 409 and body_:find('"insufficient_stock"', 1, true) then
    bench.add("sold_out")
    if not stats.min_first_409 then stats.min_first_409 = t end
    if bench.in_window(t) then bench.add("sold_out_in_window") end
  else
    bench.unexpected(status, body_)
  end
end
