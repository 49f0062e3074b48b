#!lua flags=no-writes
--[[
  STATE: where pending deliveries stand (GET …/events/{E}). Reads only, with the same rules TAKE
  applies (limits.lua), so what it says is what TAKE would do now.

  KEYS[1] index    KEYS[2] claims    KEYS[3] running    KEYS[4] accountRunning
  KEYS[5] config   KEYS[6] pace      KEYS[7] circuits   KEYS[8] calls
  KEYS[9] callQueue

  ARGV[1] now (ms; '' = Redis's clock)
  ARGV[2] a webhook's cap when it sets none
  ARGV[3] an account's cap
  ARGV[4] a rate limit's burst (ms' worth)
  ARGV[5…] triples: webhook, account, delivery

  Returns one state per delivery: 'in_flight' | 'scheduled' (a retry not yet due) |
  'circuit_open' | 'throttled' | 'at_capacity' (its webhook's or its account's cap) | 'queued' |
  'behind_call' (an earlier event of its call goes first) | 'unknown' (not in Redis: the
  reconciler puts it back).
]]
local INDEX, CLAIMS, RUNNING, ACCOUNT_RUNNING = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local CONFIG, PACE, CIRCUITS, CALLS = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local CALL_QUEUE = KEYS[9]
--- @include "clock"
--- @include "limits"

local defaultCap = tonumber(ARGV[2])
local accountCap = tonumber(ARGV[3])
local burstMs = tonumber(ARGV[4])
local reported = {
  circuit_open = 'circuit_open',
  at_capacity = 'at_capacity',
  account_at_capacity = 'at_capacity',
  throttled = 'throttled',
}

-- Claims that expired still count until the next TAKE frees them: discount them here.
local expired = { w = {}, a = {} }
for _, m in ipairs(redis.call('ZRANGE', CLAIMS, '-inf', now, 'BYSCORE', 'LIMIT', 0, 10000)) do
  local w, a = string.match(m, '^([^|]*)|([^|]*)|')
  expired.w[w] = (expired.w[w] or 0) + 1
  expired.a[a] = (expired.a[a] or 0) + 1
end

local states = {}
for i = 5, #ARGV, 3 do
  local w, a, id = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local expiry = redis.call('ZSCORE', CLAIMS, w .. '|' .. a .. '|' .. id)
  local member = redis.call('HGET', INDEX, id)
  local state
  if expiry and tonumber(expiry) > now then
    state = 'in_flight'
  elseif not member and not expiry then
    local call = redis.call('HGET', CALLS, id)
    local c, seq = string.match(call or '', '^([^|]*)|(.*)$')
    if c and redis.call('ZSCORE', CALL_QUEUE, w .. '|' .. c .. '|' .. seq .. '|' .. id) then
      state = 'behind_call'
    else
      state = 'unknown'
    end
  elseif member and tonumber(string.sub(member, #w + 2, #w + 16)) > now then
    state = 'scheduled'
  else
    -- Due in line, or claimed by a run that stopped renewing: the next TAKE puts that one back
    -- in line, due now (take-14.lua).
    local reason = holdOf(w, now, defaultCap, accountCap, burstMs, expired)
    state = reported[reason] or 'queued'
  end
  states[#states + 1] = state
end
return states
