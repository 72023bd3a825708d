-- burst.lua: the burst scenario. Thousands of connections POST /api/holds {"product_id": P,
-- "quantity": 1} on a 1000-unit product, all at once, as when the link of a flash sale goes out.
--
--   wrk -s burst.lua http://127.0.0.1:PORT -- <window_s> <product_id>
--
-- Allowed answers: 201 (a hold), 409 insufficient_stock (sold out), 503 overloaded with
-- Retry-After (admission control: more requests at once than the service queues); anything else
-- is `unexpected`. The clients honour Retry-After, as the README asks of every client: after a
-- 503 the next request waits that many seconds. wrk's delay() is per thread and has no notion
-- of which connection asks, so each 503 adds one delay to the thread's `owed` count and the
-- next delay() call pays it; wrk calls delay() on the connection that just got its answer before
-- any other request is written on it, so in practice the delay lands on that same connection.
-- A client told to come back after the window stays parked instead (it would retry during the
-- drain, when nothing is counted any more). Drained like the other write scenarios (bench.lua),
-- so the database can be compared with the 201s seen.
local bench = require("bench")

local owed = 0          -- Retry-After delays this thread still has to make
local retry_ms = 1000   -- the last Retry-After seen, in ms

function init(args)
  args = bench.init(args)
  local product = tonumber(args[1]) or error("burst.lua: product id argument missing")
  wrk.method = "POST"
  wrk.path = "/api/holds"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = string.format('{"product_id":%d,"quantity":1}', product)
end

local function retry_after(headers)
  local v = headers["Retry-After"] or headers["retry-after"]
  return v and tonumber(v)
end

function response(status, headers, body)
  local t, inside = bench.count(status)
  if status == 201 then
    if not body:find('"status"%s*:%s*"active"') then bench.unexpected(status, body) end
  elseif status == 409 and body:find('"insufficient_stock"', 1, true) then
    bench.add("sold_out")
    if inside then bench.add("sold_out_in_window") end
  elseif status == 503 and body:find('"overloaded"', 1, true) and retry_after(headers) then
    bench.add("overloaded")
    owed = owed + 1
    retry_ms = retry_after(headers) * 1000
  else
    bench.unexpected(status, body)
  end
end

function delay()
  local now = bench.now()
  if now > bench.deadline() then return 3600 * 1000 end  -- drained: wrk stops long before
  if owed > 0 then
    owed = owed - 1
    if now + retry_ms / 1000 > bench.deadline() then
      bench.add("retries_after_window")
      return 3600 * 1000
    end
    bench.add("retries_delayed")
    return retry_ms
  end
  return 0
end
