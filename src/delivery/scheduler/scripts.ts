/**
 * The scheduler's atomic transitions, as Redis Lua scripts (docs/delivery-scheduling.md explains
 * the design). Every worker process runs them against the same Redis, so caps, rate limits and
 * circuits hold cluster-wide; each script runs alone, so no two workers can both take the last
 * slot of a webhook.
 *
 * Keys, under the prefix P (ARGV[1]):
 *   P..'q:'..W      zset  deliveries of webhook W waiting for their turn, score = due time (ms)
 *   P..'run:'..W    zset  deliveries of W in flight, score = when their claim expires (ms)
 *   P..'arun:'..A   zset  deliveries of account A's webhooks in flight, score = claim expiry
 *   P..'await:'..A  set   webhooks held back by A's cap, to wake when one of A's deliveries ends
 *   P..'cfg:'..W    hash  a = W's account, cap = its max in flight, rate = its deliveries/s
 *   P..'tat:'..W    string  W's rate limit state (GCRA "theoretical arrival time", ms)
 *   P..'brk:'..W    hash  W's circuit: state (open | half_open), until, fails, opens
 *   P..'ready'      zset  every webhook with waiting deliveries, score = the earliest time it
 *                         may be served; the lowest score ≤ now is served next (round robin:
 *                         a webhook just served goes behind every webhook already waiting)
 *   P..'open'       zset  webhooks whose circuit is open or half open, score = until
 *   P..'opened'     counter of circuits opened
 *   P..'wake'       pub/sub channel: new work was pushed
 *
 * Times are milliseconds; ARGV[2] is "now" (tests drive a clock), or '' for Redis's own clock.
 */

const COMMON = `
local P = ARGV[1]
local now = tonumber(ARGV[2])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local READY = P .. 'ready'
local OPEN = P .. 'open'
local function qk(w) return P .. 'q:' .. w end
local function rk(w) return P .. 'run:' .. w end
local function ak(a) return P .. 'arun:' .. a end
local function wk(a) return P .. 'await:' .. a end
local function ck(w) return P .. 'cfg:' .. w end
local function tk(w) return P .. 'tat:' .. w end
local function bk(w) return P .. 'brk:' .. w end
`;

/**
 * PUSH(P, now, json, onlyIfAbsent) → deliveries added.
 * json = {"w": {W: [account, cap|null, rate|null]}, "d": [[W, delivery, due], …]}. A delivery
 * already waiting keeps its place. With onlyIfAbsent = '1' (the reconciler), a delivery that is
 * in flight under a live claim is not added either.
 */
export const PUSH =
  COMMON +
  `
local input = cjson.decode(ARGV[3])
local onlyIfAbsent = ARGV[4] == '1'
for w, c in pairs(input.w) do
  local cap = c[2]; if cap == cjson.null then cap = '' end
  local rate = c[3]; if rate == cjson.null then rate = '' end
  redis.call('HSET', ck(w), 'a', c[1], 'cap', cap, 'rate', rate)
  redis.call('PEXPIRE', ck(w), 604800000)
end
local added = 0
for _, d in ipairs(input.d) do
  local w, id, due = d[1], d[2], tonumber(d[3])
  local running = onlyIfAbsent and redis.call('ZSCORE', rk(w), id)
  if not (running and tonumber(running) > now) then
    added = added + redis.call('ZADD', qk(w), 'NX', due, id)
    redis.call('ZADD', READY, 'LT', due, w)
  end
end
if added > 0 then redis.call('PUBLISH', P .. 'wake', added) end
return added
`;

/**
 * TAKE(P, now, max, claimMs, defaultCap, accountCap, burstMs) → {[delivery, webhook, account, …], next}.
 * Serves webhooks in the order of their ready score, one delivery per visit, skipping (and
 * re-scoring to when they may go) those that are at their cap, over their account's cap, over
 * their rate limit, or whose circuit is open; a half-open circuit lets one probe through. Each
 * delivery taken is claimed until now + claimMs. `next` is the earliest ready score left.
 */
export const TAKE =
  COMMON +
  `
local max = tonumber(ARGV[3])
local claim = tonumber(ARGV[4])
local defaultCap = tonumber(ARGV[5])
local accountCap = tonumber(ARGV[6])
local burstMs = tonumber(ARGV[7])
local out = {}
local taken = 0
local visits = 0
-- A webhook served goes back in line a microsecond-step after now, behind every webhook already
-- waiting and every one served before it in this call, yet still within this call's reach: one
-- busy webhook can fill the call, many webhooks share it in turn.
local reach = now + 0.999
while taken < max and visits < max * 4 + 16 do
  local top = redis.call('ZRANGE', READY, '-inf', reach, 'BYSCORE', 'LIMIT', 0, 1)
  if #top == 0 then break end
  local w = top[1]
  visits = visits + 1
  local head = redis.call('ZRANGE', qk(w), 0, 0, 'WITHSCORES')
  if #head == 0 then
    redis.call('ZREM', READY, w)
  elseif tonumber(head[2]) > now then
    redis.call('ZADD', READY, head[2], w)
  else
    local cfg = redis.call('HMGET', ck(w), 'a', 'cap', 'rate')
    local a = cfg[1] or ''
    local cap = tonumber(cfg[2]) or defaultCap
    local rate = tonumber(cfg[3]) or 0
    local wait = nil
    local circuit = redis.call('HMGET', bk(w), 'state', 'until')
    if circuit[1] == 'open' then
      if tonumber(circuit[2]) > now then
        wait = tonumber(circuit[2])
      else
        redis.call('HSET', bk(w), 'state', 'half_open')
        cap = 1
      end
    elseif circuit[1] == 'half_open' then
      cap = 1
    end
    if not wait then
      redis.call('ZREMRANGEBYSCORE', rk(w), '-inf', now)
      if redis.call('ZCARD', rk(w)) >= cap then
        wait = tonumber(redis.call('ZRANGE', rk(w), 0, 0, 'WITHSCORES')[2])
      end
    end
    if not wait and a ~= '' then
      redis.call('ZREMRANGEBYSCORE', ak(a), '-inf', now)
      if redis.call('ZCARD', ak(a)) >= accountCap then
        redis.call('SADD', wk(a), w)
        wait = tonumber(redis.call('ZRANGE', ak(a), 0, 0, 'WITHSCORES')[2])
      end
    end
    local tat = nil
    local interval = 0
    if not wait and rate > 0 then
      -- GCRA: one delivery every 1000/rate ms, after a burst of burstMs' worth (as rateTolerance).
      interval = 1000 / rate
      local tolerance = (math.max(1, math.ceil(rate * burstMs / 1000)) - 1) * interval
      tat = math.max(tonumber(redis.call('GET', tk(w)) or now), now)
      if tat - tolerance > now then wait = tat - tolerance end
    end
    if wait then
      redis.call('ZADD', READY, wait, w)
    else
      if tat then
        redis.call('SET', tk(w), tostring(tat + interval), 'PX', math.ceil(tat + interval - now) + 1000)
      end
      local id = redis.call('ZPOPMIN', qk(w))[1]
      redis.call('ZADD', rk(w), now + claim, id)
      if a ~= '' then redis.call('ZADD', ak(a), now + claim, id) end
      out[#out + 1] = id
      out[#out + 1] = w
      out[#out + 1] = a
      taken = taken + 1
      if redis.call('EXISTS', qk(w)) == 1 then
        redis.call('ZADD', READY, now + math.min(taken, 999) * 0.001, w)
      else
        redis.call('ZREM', READY, w)
      end
    end
  end
end
local first = redis.call('ZRANGE', READY, 0, 0, 'WITHSCORES')
return {out, first[2] or false}
`;

/**
 * RELEASE(P, now, json, failuresToOpen, openMs, maxOpenMs) → circuits opened.
 * json = [[W, account, delivery, health, retryAt|null], …]. Ends each delivery's claim (a second
 * report of the same turn, carrying only its retry, finds it ended already), puts it back in line
 * when it is to be retried, wakes what its end unblocks, and moves W's circuit:
 * health 'down' (a timeout or connection error) counts towards opening it (and reopens a
 * half-open one, for twice as long); 'up' (the endpoint answered) closes it; '' leaves it.
 */
export const RELEASE =
  COMMON +
  `
local items = cjson.decode(ARGV[3])
local failuresToOpen = tonumber(ARGV[4])
local openMs = tonumber(ARGV[5])
local maxOpenMs = tonumber(ARGV[6])
local opened = 0
for _, r in ipairs(items) do
  local w, a, id, health, retry = r[1], r[2], r[3], r[4], r[5]
  redis.call('ZREM', rk(w), id)
  if a ~= '' then
    redis.call('ZREM', ak(a), id)
    local held = redis.call('SMEMBERS', wk(a))
    for _, other in ipairs(held) do
      if redis.call('EXISTS', qk(other)) == 1 then redis.call('ZADD', READY, 'LT', now, other) end
    end
    if #held > 0 then redis.call('DEL', wk(a)) end
  end
  if retry ~= cjson.null then redis.call('ZADD', qk(w), tonumber(retry), id) end
  if health == 'down' then
    local c = redis.call('HMGET', bk(w), 'state', 'fails', 'opens')
    local state = c[1] or 'closed'
    local fails = (tonumber(c[2]) or 0) + 1
    local opens = tonumber(c[3]) or 0
    if state == 'half_open' or (state == 'closed' and fails >= failuresToOpen) then
      opens = opens + 1
      local untilMs = now + math.min(openMs * 2 ^ (opens - 1), maxOpenMs)
      redis.call('HSET', bk(w), 'state', 'open', 'until', untilMs, 'fails', fails, 'opens', opens)
      redis.call('ZADD', OPEN, untilMs, w)
      redis.call('INCR', P .. 'opened')
      opened = opened + 1
    elseif state == 'closed' then
      redis.call('HSET', bk(w), 'fails', fails)
    end
  elseif health == 'up' then
    if redis.call('DEL', bk(w)) == 1 then redis.call('ZREM', OPEN, w) end
  end
  if redis.call('EXISTS', qk(w)) == 1 then redis.call('ZADD', READY, 'LT', now, w) end
end
return opened
`;

/** FORGET(P, now, W…): a webhook disabled or deleted: its line goes (its deliveries ended in Postgres). */
export const FORGET =
  COMMON +
  `
for i = 3, #ARGV do
  local w = ARGV[i]
  redis.call('DEL', qk(w), bk(w), tk(w), ck(w))
  redis.call('ZREM', READY, w)
  redis.call('ZREM', OPEN, w)
end
return 0
`;
