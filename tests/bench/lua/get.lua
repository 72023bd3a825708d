-- get.lua: GET one path, over and over (ceiling_static, ceiling_fcgi, product_get).
--
--   wrk -s get.lua http://127.0.0.1:PORT -- <window_s> <path> <expected status>
--
-- The request is static (no request() function): wrk formats it once, so the client spends as
-- little as possible per request. response() only counts statuses; a status other than the
-- expected one is counted as `unexpected`.
local bench = require("bench")

local expected

function init(args)
  args = bench.init(args)
  wrk.method = "GET"
  wrk.path = args[1] or error("get.lua: path argument missing")
  expected = tonumber(args[2] or "200")
end

function response(status, headers, body)
  bench.count(status)
  if status ~= expected then bench.unexpected(status, body) end
end
