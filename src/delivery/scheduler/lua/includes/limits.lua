-- What may hold a webhook back: its circuit, its cap, its account's cap, its rate limit. Reads
-- only; TAKE applies what it decides, STATE reports it. Needs the locals RUNNING,
-- ACCOUNT_RUNNING, CONFIG, PACE and CIRCUITS.

-- `account|cap|rate` → account ('' if unknown), cap (nil: the default), rate (0: none).
local function configOf(w)
  local v = redis.call('HGET', CONFIG, w)
  if not v then return '', nil, 0 end
  local a, cap, rate = string.match(v, '^([^|]*)|([^|]*)|([^|]*)$')
  return a or '', tonumber(cap), tonumber(rate) or 0
end

-- `state|until|failures|opens` → a table; closed when absent.
local function circuitOf(w)
  local v = redis.call('HGET', CIRCUITS, w)
  if not v then return { state = 'closed', untilMs = 0, fails = 0, opens = 0 } end
  local s, u, f, o = string.match(v, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
  return { state = s, untilMs = tonumber(u) or 0, fails = tonumber(f) or 0, opens = tonumber(o) or 0 }
end

local function runningOf(w)
  return tonumber(redis.call('HGET', RUNNING, w)) or 0
end

local function accountRunningOf(a)
  return tonumber(redis.call('HGET', ACCOUNT_RUNNING, a)) or 0
end

-- GCRA: one delivery every 1000/rate ms, after a burst of burstMs' worth.
-- → the theoretical arrival time now, the interval, and the time before which nothing may go.
local function paceOf(w, rate, burstMs, now)
  local interval = 1000 / rate
  local tolerance = (math.max(1, math.ceil(rate * burstMs / 1000)) - 1) * interval
  local tat = math.max(tonumber(redis.call('HGET', PACE, w)) or now, now)
  return tat, interval, tat - tolerance
end

-- Why w may not send a delivery now, or nil when it may. `expired` (optional) counts claims that
-- have expired but are still counted in RUNNING / ACCOUNT_RUNNING, by webhook and by account:
-- TAKE frees them before it looks; a reader that cannot must discount them. Returns
--   reason ('circuit_open' | 'at_capacity' | 'account_at_capacity' | 'throttled' | nil),
--   until (ms, when the reason says when it ends), the account, and a table of what TAKE needs:
--   { probe = a half-open circuit lets this one through, tat, interval (when rate limited) }.
local function holdOf(w, now, defaultCap, accountCap, burstMs, expired)
  expired = expired or { w = {}, a = {} }
  local a, cap, rate = configOf(w)
  cap = cap or defaultCap
  local circuit = circuitOf(w)
  local probe = false
  if circuit.state == 'open' then
    if circuit.untilMs > now then return 'circuit_open', circuit.untilMs, a, {} end
    probe = true
  elseif circuit.state == 'half_open' then
    probe = true
  end
  if probe then cap = 1 end
  if runningOf(w) - (expired.w[w] or 0) >= cap then return 'at_capacity', nil, a, {} end
  if a ~= '' and accountRunningOf(a) - (expired.a[a] or 0) >= accountCap then
    return 'account_at_capacity', nil, a, {}
  end
  local go = { probe = probe }
  if rate > 0 then
    local tat, interval, earliest = paceOf(w, rate, burstMs, now)
    if earliest > now then return 'throttled', earliest, a, {} end
    go.tat = tat
    go.interval = interval
  end
  return nil, nil, a, go
end
