-- Claims of deliveries in flight: CLAIMS holds `w|a|id` → expiry, CLAIM_RUNS `w|a|id` → the run
-- that holds it (the take that made the claim), RUNNING and ACCOUNT_RUNNING count them per webhook
-- and per account. Needs the locals READY, QUEUE, INDEX, CLAIMS, CLAIM_RUNS, RUNNING,
-- ACCOUNT_RUNNING and HELD, and lines.lua.

local function claimOf(w, a, id)
  return w .. '|' .. a .. '|' .. id
end

-- One delivery of w (of account a) fewer in flight; counts at zero are removed.
local function countDown(w, a)
  if redis.call('HINCRBY', RUNNING, w, -1) <= 0 then redis.call('HDEL', RUNNING, w) end
  if a ~= '' and redis.call('HINCRBY', ACCOUNT_RUNNING, a, -1) <= 0 then
    redis.call('HDEL', ACCOUNT_RUNNING, a)
  end
end

-- w goes back in turn at once if its head is due (else when it is).
local function wake(w, now)
  local m, due = headOf(w)
  if m then redis.call('ZADD', READY, 'LT', math.max(due, now), w) end
end

-- The webhooks a's cap held back are woken: one of a's deliveries has ended.
local function wakeHeld(a, now)
  local from, to = '[' .. a .. '|', '(' .. a .. '}'
  local held = redis.call('ZRANGEBYLEX', HELD, from, to)
  for _, m in ipairs(held) do wake(string.sub(m, #a + 2), now) end
  if #held > 0 then redis.call('ZREMRANGEBYLEX', HELD, from, to) end
end

local function claim(w, a, id, untilMs, run)
  local member = claimOf(w, a, id)
  redis.call('HSET', CLAIM_RUNS, member, run)
  -- A claim another run still holds (its delivery put back in line meanwhile) is taken over, and
  -- counted once: the run that holds it last ends it.
  if redis.call('ZADD', CLAIMS, untilMs, member) == 0 then return end
  redis.call('HINCRBY', RUNNING, w, 1)
  if a ~= '' then redis.call('HINCRBY', ACCOUNT_RUNNING, a, 1) end
end

-- Ends a claim (once: a second report of the same turn finds it ended). → true if it was held.
local function unclaim(member, now)
  if redis.call('ZREM', CLAIMS, member) == 0 then return false end
  redis.call('HDEL', CLAIM_RUNS, member)
  local w, a = string.match(member, '^([^|]*)|([^|]*)|')
  countDown(w, a)
  if a ~= '' then wakeHeld(a, now) end
  wake(w, now)
  return true
end
