-- checkout.lua: the whole purchase, over and over: hold -> order -> signed payment webhook.
--
--   wrk -s checkout.lua http://127.0.0.1:PORT -- <window_s> <product_id> <webhook_secret> <run_id>
--
-- HOW THE STATE MACHINE WORKS IN WRK
-- wrk calls request() when a connection is ready to send and response() when one has answered,
-- but neither says which connection, and other connections' events run in between, so per-
-- connection state cannot be kept. It is not needed either: HTTP is stateless, so any
-- connection may carry any step. response() works out from the answer which step it was
-- (a 201 with "order_id" is an order, a 201 with "hold_id" only is a hold, a 200 with
-- "applied":true is a paid webhook), and queues the next step of that checkout; request() sends
-- the oldest queued step, or starts a new checkout with a hold when nothing is queued. Every
-- response is followed by exactly one request() on its connection, so the queue stays short
-- (at most one step per connection) and each checkout advances as soon as a connection is free.
--
-- The webhook carries a unique idempotency_key and X-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
-- "<t>.<body>" with the stack's secret> (hmac.lua). When the window is over the drain (see
-- bench.lua) keeps a connection going while steps are queued, so started checkouts finish
-- and the database can be compared with what was seen; no new checkout starts after the window.
local bench = require("bench")
local hmac = require("hmac")

local hold_request, filler_request
local secret, run_id
local queue, head, tail = {}, 1, 0
local key_seq = 0

local function push(req)
  tail = tail + 1
  queue[tail] = req
end

function init(args)
  args = bench.init(args)
  local product = tonumber(args[1]) or error("checkout.lua: product id argument missing")
  secret = args[2] or error("checkout.lua: webhook secret argument missing")
  run_id = args[3] or tostring(os.time())
  hold_request = wrk.format("POST", "/api/holds", { ["Content-Type"] = "application/json" },
                            string.format('{"product_id":%d,"quantity":1}', product))
  filler_request = wrk.format("GET", "/api/products/" .. product)
end

bench.enable_drain(function() return head <= tail end)

function request()
  if head <= tail then
    local req = queue[head]
    queue[head] = nil
    head = head + 1
    return req
  end
  if bench.in_window() then return hold_request end
  -- Past the window no new checkout may start, or one could still be in flight when wrk stops.
  -- delay() let this connection go because a step was queued, but another connection took it
  -- meanwhile; wrk needs a request all the same, so send a read that changes nothing.
  return filler_request
end

local function order_request(hold_id)
  return wrk.format("POST", "/api/orders", { ["Content-Type"] = "application/json" },
                    '{"hold_id":' .. hold_id .. '}')
end

local function webhook_request(order_id)
  key_seq = key_seq + 1
  local body = string.format('{"idempotency_key":"bench-%s-%d-%d","order_id":%s,"status":"success"}',
                             run_id, thread_index or 0, key_seq, order_id)
  local t = tostring(os.time())
  local signature = "t=" .. t .. ",v1=" .. hmac.sha256_hex(secret, t .. "." .. body)
  return wrk.format("POST", "/api/payments/webhook",
                    { ["Content-Type"] = "application/json", ["X-Signature"] = signature }, body)
end

function response(status, headers, body)
  local _, inside = bench.count(status)
  if status == 201 then
    local order_id = body:match('"order_id"%s*:%s*(%d+)')
    if order_id then
      bench.add("orders")
      push(webhook_request(order_id))
      return
    end
    local hold_id = body:match('"hold_id"%s*:%s*(%d+)')
    if hold_id then
      bench.add("holds")
      push(order_request(hold_id))
      return
    end
  elseif status == 200 and body:find('"applied"%s*:%s*true') and body:find('"status"%s*:%s*"paid"') then
    bench.add("paid")
    if inside then bench.add("paid_in_window") end
    return
  elseif status == 200 and body:find('"available"', 1, true) then
    bench.add("drain_reads")  -- the filler of request()
    return
  end
  -- Anything else breaks this checkout's chain; the connection starts a new one.
  bench.unexpected(status, body)
end
