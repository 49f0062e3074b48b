-- A webhook's line: its members of QUEUE, `w|due|id`, scored 0 and so ordered by due time
-- (15 digits of ms) then id. Needs the locals QUEUE and INDEX.

local function memberOf(w, due, id)
  return w .. '|' .. string.format('%015d', math.floor(due)) .. '|' .. id
end

local function dueOf(w, member)
  return tonumber(string.sub(member, #w + 2, #w + 16))
end

local function idOf(w, member)
  return string.sub(member, #w + 18)
end

-- The head of w's line: member, due, and whether another waits behind it; nil when empty.
local function headOf(w)
  local two = redis.call('ZRANGEBYLEX', QUEUE, '[' .. w .. '|', '(' .. w .. '}', 'LIMIT', 0, 2)
  local m = two[1]
  if not m then return nil end
  return m, dueOf(w, m), two[2] ~= nil
end

-- Puts delivery id in w's line, due then; a delivery already waiting keeps its place. → 1 if added.
local function enqueue(w, id, due)
  if redis.call('HEXISTS', INDEX, id) == 1 then return 0 end
  local m = memberOf(w, due, id)
  redis.call('ZADD', QUEUE, 0, m)
  redis.call('HSET', INDEX, id, m)
  return 1
end

-- Puts delivery id in w's line due then, moving it if it waits already (a retry).
local function requeue(w, id, due)
  local old = redis.call('HGET', INDEX, id)
  if old then redis.call('ZREM', QUEUE, old) end
  local m = memberOf(w, due, id)
  redis.call('ZADD', QUEUE, 0, m)
  redis.call('HSET', INDEX, id, m)
end

local function dequeue(w, member)
  redis.call('ZREM', QUEUE, member)
  redis.call('HDEL', INDEX, idOf(w, member))
end
