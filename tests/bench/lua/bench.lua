-- bench.lua: what every wrk script of `make bench` shares (loaded with require "bench"; run.sh
-- puts tests/bench/lua/ on LUA_PATH).
--
-- wrk runs one Lua state per thread (init/request/response/delay run there) plus one for
-- setup/done. Each thread keeps its counters in the global table `stats`; done() collects them
-- with thread:get and prints ONE line
--
--   BENCH_RESULT {"requests":..,"window_s":..,"s201":..,"w201":..,"p50_ms":..,...}
--
-- which run.sh parses. Keys: sNNN = responses with status NNN (whole run), wNNN = the same but
-- only those completed inside the measuring window; `done_in_window` = all statuses in window;
-- socket errors from wrk; latency percentiles from wrk's histogram in ms. Scripts add their own
-- counters with bench.add(name) (summed over threads); names starting with min_/max_ are
-- combined with min/max instead, and are absolute CLOCK_MONOTONIC seconds.
--
-- THE WINDOW AND THE DRAIN
-- The rate is measured over a window of `window_s` seconds that starts when the thread starts
-- (script init, right before wrk opens its connections). For read scenarios wrk's -d equals the
-- window. Write scenarios must let the database be checked against what the client saw: when
-- wrk stops at the end of -d, the requests still in flight are abandoned, but the server still
-- commits them, so "holds rows == 201s seen" would be off by up to one per connection. They
-- therefore call bench.enable_drain(): past the window, delay() parks each connection as soon
-- as its response has arrived (wrk asks delay() before every request), and wrk runs a couple of
-- seconds longer than the window, so when it stops nothing is in flight and every committed
-- write has been seen. Responses that land during the drain count in sNNN but not in wNNN.
local ffi = require("ffi")

ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]

local M = {}

local CLOCK_MONOTONIC = 1
local ts = ffi.new("bench_timespec")

function M.now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

-- Per-thread state. Globals, so that thread:get("stats") can copy them out in done().
stats = {}
local deadline = math.huge
local window_s = 0

-- Call from init(args). wrk hands init the words after its options, starting at index 0 with
-- the URL, so the script's own arguments (after `--`) begin at args[1]. The first of them is the
-- window in seconds; the rest are returned as a plain list (rest[1] = the script's first).
function M.init(args)
  local first = 1
  if args[0] and not tostring(args[0]):find("://", 1, true) then first = 0 end
  window_s = tonumber(args[first]) or error("bench.lua: first script argument must be the window in seconds")
  local rest = {}
  local i = first + 1
  while args[i] ~= nil do
    rest[#rest + 1] = args[i]
    i = i + 1
  end
  local t0 = M.now()
  deadline = t0 + window_s
  stats.window_s = window_s
  stats.min_start = t0
  stats.min_deadline = deadline
  return rest
end

function M.in_window(t)
  return (t or M.now()) <= deadline
end

function M.deadline()
  return deadline
end

function M.add(name, n)
  stats[name] = (stats[name] or 0) + (n or 1)
end

-- Counts a response the scenario did not expect; the first few are shown on stderr.
function M.unexpected(status, body)
  M.add("unexpected")
  if stats.unexpected <= 3 then
    io.stderr:write(string.format("unexpected response %d: %s\n", status, (body or ""):sub(1, 200)))
  end
end

-- Records one response; returns the completion time and whether it is inside the window.
function M.count(status)
  local t = M.now()
  local key = tostring(status)
  stats["s" .. key] = (stats["s" .. key] or 0) + 1
  local inside = t <= deadline
  if inside then
    stats["w" .. key] = (stats["w" .. key] or 0) + 1
    stats.done_in_window = (stats.done_in_window or 0) + 1
  end
  return t, inside
end

-- Parks connections once the window is over (see THE WINDOW AND THE DRAIN). `busy` is an
-- optional function: while it returns true the connection keeps going (the checkout uses it to
-- finish the hold -> order -> webhook chains it has started).
function M.enable_drain(busy)
  delay = function()
    if M.now() <= deadline or (busy and busy()) then return 0 end
    return 3600 * 1000  -- ms; wrk stops long before
  end
end

-- ---- setup / done: run in wrk's main Lua state -------------------------------------------------

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_index", #threads)
end

local function fmt(v)
  if v == math.huge or v == -math.huge or v ~= v then return "null" end
  if v == math.floor(v) and math.abs(v) < 1e15 then return string.format("%d", v) end
  return string.format("%.6f", v)
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("stats") or {}
    for k, v in pairs(s) do
      if type(v) == "number" then
        if k:sub(1, 4) == "min_" then
          total[k] = total[k] and math.min(total[k], v) or v
        elseif k:sub(1, 4) == "max_" then
          total[k] = total[k] and math.max(total[k], v) or v
        elseif k == "window_s" then
          total[k] = v
        else
          total[k] = (total[k] or 0) + v
        end
      end
    end
  end
  local e = summary.errors
  total.requests = summary.requests
  total.duration_s = summary.duration / 1e6
  total.err_connect = e.connect
  total.err_read = e.read
  total.err_write = e.write
  total.err_timeout = e.timeout
  total.socket_errors = e.connect + e.read + e.write + e.timeout
  -- wrk's histogram, microseconds -> ms (includes wrk's coordinated-omission correction).
  total.p50_ms = latency:percentile(50) / 1000
  total.p90_ms = latency:percentile(90) / 1000
  total.p99_ms = latency:percentile(99) / 1000
  total.max_ms = latency.max / 1000
  total.mean_ms = latency.mean / 1000

  local keys = {}
  for k in pairs(total) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = string.format("%q:%s", k, fmt(total[k])) end
  io.write("BENCH_RESULT {", table.concat(parts, ","), "}\n")
end

return M
