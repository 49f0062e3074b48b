--[[
  RELEASE: ends deliveries' turns.

  KEYS[1] ready     KEYS[2] queue      KEYS[3] index    KEYS[4] claims
  KEYS[5] running   KEYS[6] accountRunning   KEYS[7] held   KEYS[8] circuits
  KEYS[9] open      KEYS[10] counters   KEYS[11] calls   KEYS[12] callQueue
  KEYS[13] callHolders   KEYS[14] claimRuns   KEYS[15] config

  ARGV[1] now (ms; '' = Redis's clock)
  ARGV[2] json [[webhook, account, delivery, health, retryAt|null, over|null, run], …]
  ARGV[3] timeouts or connection errors in a row that open a circuit
  ARGV[4] how long a circuit first stays open (ms); doubles per reopening
  ARGV[5] the longest it stays open (ms)

  Returns the number of circuits opened.

  Each delivery's claim ends (a second report of the same turn, carrying only its retry or its
  end, finds it ended already), a retry goes back in line due then (unless Redis no longer knows
  its webhook: the reconciler puts it back, with the webhook's config), and what the end unblocks
  is woken. A report of a run whose claim had expired takes nothing out of line: a copy its
  expiry put back, or another run's retry, is judged by the run that takes it (the lease in
  Postgres has the last word); nor does it end the claim of a later run of the same delivery (''
  as the run: whichever holds it), put back in line a delivery such a run holds, or pass its
  call on. Health 'down' (a timeout or connection error) counts towards opening the webhook's
  circuit (and reopens a half-open one, for twice as long); 'up' (the endpoint answered) closes
  it; '' leaves it.
  `over` (the delivery is delivered, failed or skipped) passes an ordered delivery's call on to
  its next delivery, if it has gone out (lua/includes/calls.lua, endOrdered); a retry keeps the
  call, unless an earlier one of it has arrived meanwhile.
]]
local READY, QUEUE, INDEX, CLAIMS = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local RUNNING, ACCOUNT_RUNNING, HELD, CIRCUITS = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local OPEN, COUNTERS, CALLS, CALL_QUEUE = KEYS[9], KEYS[10], KEYS[11], KEYS[12]
local CALL_HOLDERS, CLAIM_RUNS, CONFIG = KEYS[13], KEYS[14], KEYS[15]
--- @include "clock"
--- @include "lines"
--- @include "runs"
--- @include "claims"
--- @include "calls"

local items = cjson.decode(ARGV[2])
local failuresToOpen = tonumber(ARGV[3])
local openMs = tonumber(ARGV[4])
local maxOpenMs = tonumber(ARGV[5])

local function circuitOf(w)
  local v = redis.call('HGET', CIRCUITS, w)
  if not v then return 'closed', 0, 0 end
  local s, _, f, o = string.match(v, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
  return s, tonumber(f) or 0, tonumber(o) or 0
end

local opened = 0
for _, r in ipairs(items) do
  local w, a, id, health, retry, over, run = r[1], r[2], r[3], r[4], r[5], r[6], r[7]
  -- Ending the claim wakes w; a retry put back in line may make it due sooner or later.
  local member = w .. '|' .. a .. '|' .. id
  local mine = heldBy(member, run or '')
  local ended = mine and unclaim(member, now)
  -- A late report of a run whose delivery another run has taken since puts nothing back in line:
  -- that run reports its own outcome.
  local takenOver = not mine and redis.call('ZSCORE', CLAIMS, member)
  -- Nor does a retry of a webhook Redis no longer knows (forgotten when it was disabled or
  -- deleted, or lost with Redis): without its config it would go with none of its limits. The
  -- reconciler puts back a delivery still pending, with its webhook's config.
  local retried = retry ~= cjson.null and not takenOver and redis.call('HEXISTS', CONFIG, w) == 1
  if retried then
    requeue(w, id, tonumber(retry))
    local c = callOfDelivery(id)
    if c then yieldToEarlier(w, c, now) end
  elseif over == true and not takenOver then
    endOrdered(w, id, now)
  end
  if health == 'down' then
    local state, fails, opens = circuitOf(w)
    fails = fails + 1
    if state == 'half_open' or (state == 'closed' and fails >= failuresToOpen) then
      opens = opens + 1
      local untilMs = now + math.min(openMs * 2 ^ (opens - 1), maxOpenMs)
      redis.call('HSET', CIRCUITS, w, 'open|' .. tostring(untilMs) .. '|' .. fails .. '|' .. opens)
      redis.call('ZADD', OPEN, untilMs, w)
      redis.call('HINCRBY', COUNTERS, 'opened', 1)
      opened = opened + 1
    elseif state == 'closed' then
      redis.call('HSET', CIRCUITS, w, 'closed|0|' .. fails .. '|' .. opens)
    end
  elseif health == 'up' then
    if redis.call('HDEL', CIRCUITS, w) == 1 then redis.call('ZREM', OPEN, w) end
  end
  if retried or not ended then wake(w, now) end
end
return opened
