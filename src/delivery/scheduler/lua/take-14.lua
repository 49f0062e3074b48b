--[[
  TAKE: the next deliveries of this partition, served webhook by webhook in turn.

  KEYS[1] ready     KEYS[2] queue      KEYS[3] index    KEYS[4] claims
  KEYS[5] running   KEYS[6] accountRunning   KEYS[7] held   KEYS[8] config
  KEYS[9] pace      KEYS[10] circuits  KEYS[11] open     KEYS[12] counters
  KEYS[13] calls     KEYS[14] claimRuns

  ARGV[1] now (ms; '' = Redis's clock)
  ARGV[2] most deliveries to take
  ARGV[3] how long each is claimed (ms)
  ARGV[4] a webhook's cap when it sets none
  ARGV[5] an account's cap
  ARGV[6] a rate limit's burst (ms' worth)

  Returns { {delivery, webhook, account, ordered (1: ordered by call, else 0), …}, when the
            partition next needs a visit (its earliest ready score or its first claim's expiry)
            or false, webhooks that may be served now, the run the deliveries were claimed for
            (or false when none was taken) }.

  Webhooks go in the order of their ready score, one delivery per visit. One that is held (open
  circuit, at its cap or its account's, over its rate) is re-scored to when it may go, or, when
  only an ending delivery can free it, to when the partition's first claim expires (a worker
  that died renews none of its claims: its webhooks go on as soon as they expire); RELEASE wakes
  it sooner. A half-open circuit lets one probe through. Claims that expired put their deliveries
  back in line first (expireClaims, below). The claims of one call are made for one run, named
  by the partition's count of takes and the time: a later run of the same delivery holds a claim
  of its own (claims.lua).
]]
local READY, QUEUE, INDEX, CLAIMS = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local RUNNING, ACCOUNT_RUNNING, HELD, CONFIG = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local PACE, CIRCUITS, OPEN, COUNTERS = KEYS[9], KEYS[10], KEYS[11], KEYS[12]
local CALLS, CLAIM_RUNS = KEYS[13], KEYS[14]
--- @include "clock"
--- @include "lines"
--- @include "limits"
--- @include "claims"
--- @include "visit"

-- Claims that expired (their worker died, or stopped renewing, mid-delivery) free their slots,
-- and their deliveries go back in line, due now: Redis forgets a delivery only when a run reports
-- it. The run that takes one again learns from Postgres whether it still needs sending: ended,
-- it is let go; leased by another run, it comes back when that lease ends (delivery/deliver.ts);
-- else it is sent. A webhook forgotten meanwhile (disabled or deleted: no CONFIG entry) gets
-- nothing back. At most `limit` a call.
local function expireClaims(now, limit)
  local expired = redis.call('ZRANGE', CLAIMS, '-inf', now, 'BYSCORE', 'LIMIT', 0, limit)
  for _, m in ipairs(expired) do
    local w, id = string.match(m, '^([^|]*)|[^|]*|(.*)$')
    if unclaim(m, now) and redis.call('HEXISTS', CONFIG, w) == 1 then
      if enqueue(w, id, now) == 1 then
        redis.call('ZADD', READY, 'LT', now, w)
        redis.call('HINCRBY', COUNTERS, 'claimsExpired', 1)
      end
    end
  end
end

local max = tonumber(ARGV[2])
local claimMs = tonumber(ARGV[3])
local defaultCap = tonumber(ARGV[4])
local accountCap = tonumber(ARGV[5])
local burstMs = tonumber(ARGV[6])

expireClaims(now, 100)

-- When the partition's first claim expires, unless renewed (read once, when first needed).
local firstClaimEnd
local function firstClaimEnds()
  if not firstClaimEnd then
    local first = redis.call('ZRANGE', CLAIMS, 0, 0, 'WITHSCORES')
    firstClaimEnd = first[2] and math.max(tonumber(first[2]), now + 1) or (now + claimMs)
  end
  return firstClaimEnd
end

local out = {}
local run = false
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
  local head, due, more = headOf(w)
  if not head then
    redis.call('ZREM', READY, w)
  elseif due > now then
    redis.call('ZADD', READY, due, w)
  else
    local reason, untilMs, a, go = holdOf(w, now, defaultCap, accountCap, burstMs)
    if reason == 'account_at_capacity' then
      redis.call('ZADD', HELD, 0, a .. '|' .. w)
    end
    if reason then
      redis.call('ZADD', READY, untilMs or firstClaimEnds(), w)
    else
      if go.probe then
        local circuit = circuitOf(w)
        if circuit.state == 'open' then
          redis.call('HSET', CIRCUITS, w, 'half_open|' .. tostring(circuit.untilMs) .. '|' ..
            circuit.fails .. '|' .. circuit.opens)
        end
      end
      if go.tat then
        redis.call('HSET', PACE, w, tostring(go.tat + go.interval))
      end
      dequeue(w, head)
      local id = idOf(w, head)
      -- The count of takes, and the time (the count starts again if Redis loses it).
      if not run then run = redis.call('HINCRBY', COUNTERS, 'runs', 1) .. '@' .. now end
      claim(w, a, id, now + claimMs, run)
      out[#out + 1] = id
      out[#out + 1] = w
      out[#out + 1] = a
      out[#out + 1] = redis.call('HEXISTS', CALLS, id)
      taken = taken + 1
      if more then
        redis.call('ZADD', READY, now + math.min(taken, 999) * 0.001, w)
      else
        redis.call('ZREM', READY, w)
      end
    end
  end
end
return { out, nextVisit(), redis.call('ZCOUNT', READY, '-inf', now + 0.999), run }
