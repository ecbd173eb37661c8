/**
 * Redis scripts. The profile merge runs inside Redis so concurrent app servers never lose each
 * other's update; it reproduces `mergeProfile` (src/persist/merge-profile.ts) exactly, which the conformance
 * suite checks on random patch sequences. Three details make "exactly" hold:
 *  - Numbers are written by our own encoder: cjson keeps only 14 significant digits
 *    (39.123456789012345 would come back as 39.123456789012), so the shortest of %.15g..%.17g that
 *    reads back as the same double is used instead.
 *  - Keys are compared in JavaScript's order (UTF-16 code units), byte by byte: Lua's `<` goes
 *    through strcoll, whose order depends on the locale Redis was started with.
 *  - Sorts break ties the way JavaScript's stable sort does (by position).
 * A stored profile is validated field by field with the same rules as the reader's schema
 * (src/persist/stored-json.ts); one that fails is replaced, never merged into, so a corrupt value
 * can neither crash the script nor survive a write.
 */

/** Shared Lua helpers: validation, JSON encoding with exact numbers, JavaScript key order. */
const HELPERS = `
local function finite(x) return type(x) == 'number' and x == x and x ~= math.huge and x ~= -math.huge end
local function is_string(x) return type(x) == 'string' end
local function is_bool(x) return type(x) == 'boolean' end
local function opt(x, check) return x == nil or check(x) end
local function is_count(x) return finite(x) and x >= 0 and x == math.floor(x) and x <= 9007199254740991 end

-- A JSON array as cjson decodes it: integer keys 1..n only (an object has string keys).
-- cjson decodes [] and {} alike; the reader's schema accepts {} as an empty list too.
local function is_list(x, check)
  if type(x) ~= 'table' then return false end
  local n = 0
  for k in pairs(x) do
    if type(k) ~= 'number' then return false end
    n = n + 1
  end
  if n ~= #x then return false end
  for i = 1, n do
    if not check(x[i]) then return false end
  end
  return true
end

local function num(x)
  local s = string.format('%.15g', x)
  if tonumber(s) == x then return s end
  s = string.format('%.16g', x)
  if tonumber(s) == x then return s end
  return string.format('%.17g', x)
end

-- obj(name, encoded-or-nil, name, encoded-or-nil, ...): nil values are left out. Varargs, not a
-- table: a nil inside a table constructor leaves a hole that # does not count past.
local function obj(...)
  local parts = {}
  for i = 1, select('#', ...), 2 do
    local value = select(i + 1, ...)
    if value ~= nil then parts[#parts + 1] = '"' .. select(i, ...) .. '":' .. value end
  end
  return '{' .. table.concat(parts, ',') .. '}'
end
local function jstr(x) if x == nil then return nil end return cjson.encode(x) end
local function jnum(x) if x == nil then return nil end return num(x) end
local function jbool(x) if x == nil then return nil end return x and 'true' or 'false' end
local function arr(items, encode)
  local out = {}
  for i, item in ipairs(items) do out[i] = encode(item) end
  return '[' .. table.concat(out, ',') .. ']'
end

-- JavaScript compares strings by UTF-16 code units. UTF-8 byte order equals code point order, which
-- differs only where a character above U+FFFF (lead byte F0-F4, a surrogate pair in UTF-16) meets
-- one in U+E000..U+FFFF (lead byte EE or EF): UTF-16 puts the surrogate pair first.
local function js_less(x, y)
  if x == y then return false end
  local lx, ly = #x, #y
  for i = 1, math.min(lx, ly) do
    local cx, cy = string.byte(x, i), string.byte(y, i)
    if cx ~= cy then
      if cx >= 240 and (cy == 238 or cy == 239) then return true end
      if cy >= 240 and (cx == 238 or cx == 239) then return false end
      return cx < cy
    end
  end
  return lx < ly
end
`;

/**
 * KEYS[1] profile key
 * ARGV[1] patch JSON, ARGV[2] limits JSON, ARGV[3] TTL ms (the retention window, a whole number)
 * Returns 0 when merged into a stored profile, 1 when created, 2 when a corrupt profile was replaced.
 */
export const MERGE_PROFILE_LUA = `${HELPERS}
local function valid_device(d)
  return type(d) == 'table' and is_string(d.key) and is_bool(d.fromToken) and is_string(d.classKey) and opt(d.osFamily, is_string)
    and is_string(d.deviceType) and finite(d.firstSeen) and finite(d.lastSeen) and is_bool(d.vouched) and is_count(d.count)
end
local function valid_location(l)
  return type(l) == 'table' and is_string(l.key) and is_string(l.country) and opt(l.region, is_string) and opt(l.lat, finite)
    and opt(l.lon, finite) and finite(l.firstSeen) and finite(l.lastSeen) and is_count(l.count)
end
local function valid_last(l)
  return type(l) == 'table' and finite(l.at) and opt(l.country, is_string) and opt(l.region, is_string) and opt(l.lat, finite)
    and opt(l.lon, finite) and opt(l.accuracyKm, finite)
end
local function valid_failed(f)
  return type(f) == 'table' and finite(f.at) and is_list(f.checks, is_string)
end
local function valid_profile(p)
  return type(p) == 'table' and p.v == 1 and opt(p.phoneHash, is_string) and is_list(p.devices, valid_device)
    and is_list(p.locations, valid_location) and opt(p.lastLogin, valid_last) and opt(p.ownerProofAt, finite)
    and opt(p.strongProofAt, finite) and is_list(p.failedStepUps, valid_failed) and finite(p.updatedAt)
end

local patch = cjson.decode(ARGV[1])
local limits = cjson.decode(ARGV[2])
local at = patch.at

local status = 0
local profile = nil
local raw = redis.call('GET', KEYS[1])
if raw then
  local ok, value = pcall(cjson.decode, raw)
  if ok and valid_profile(value) then profile = value else status = 2 end
else
  status = 1
end
if not profile then profile = { v = 1, devices = {}, locations = {}, failedStepUps = {}, updatedAt = at } end

local now = math.max(profile.updatedAt, at)
local horizon = now - limits.retentionMs

local same = profile.phoneHash == nil or profile.phoneHash == patch.phoneHash
if not same and type(patch.phoneHashAliases) == 'table' then
  for _, alias in ipairs(patch.phoneHashAliases) do
    if alias == profile.phoneHash then same = true end
  end
end
local newer = (not same) and at >= profile.updatedAt

local function upsert(list, item, build)
  local out = {}
  local found = false
  for i, entry in ipairs(list) do
    if entry.key == item.key then
      found = true
      out[i] = build(item, math.min(entry.firstSeen, at), math.max(entry.lastSeen, at), entry.count + 1, entry)
    else
      out[i] = entry
    end
  end
  if not found then out[#out + 1] = build(item, at, at, 1, nil) end
  return out
end

local function build_device(item, first, last, count, old)
  local family = item.osFamily
  if family == nil and old then family = old.osFamily end
  return { key = item.key, fromToken = item.fromToken, classKey = item.classKey, osFamily = family, deviceType = item.deviceType,
    firstSeen = first, lastSeen = last, vouched = item.vouched == true or (old ~= nil and old.vouched == true), count = count }
end

local function build_location(item, first, last, count, old)
  local region, lat, lon = item.region, item.lat, item.lon
  if region == nil and old then region = old.region end
  if lat == nil and old then lat = old.lat end
  if lon == nil and old then lon = old.lon end
  if lat == nil or lon == nil then lat = nil; lon = nil end
  return { key = item.key, country = item.country, region = region, lat = lat, lon = lon, firstSeen = first, lastSeen = last, count = count }
end

-- Inside the window, newest first (vouched devices first), key as the tie-break; at most max.
local function bound(list, max, vouched_first)
  local kept = {}
  for _, entry in ipairs(list) do
    if entry.lastSeen >= horizon then kept[#kept + 1] = entry end
  end
  table.sort(kept, function(x, y)
    if vouched_first and x.vouched ~= y.vouched then return x.vouched end
    if x.lastSeen ~= y.lastSeen then return x.lastSeen > y.lastSeen end
    return js_less(x.key, y.key)
  end)
  local out = {}
  for i = 1, math.min(#kept, max) do out[i] = kept[i] end
  return out
end

local devices = profile.devices
if type(patch.device) == 'table' then devices = upsert(devices, patch.device, build_device) end
local locations = profile.locations
if type(patch.location) == 'table' then locations = upsert(locations, patch.location, build_location) end

local owner = profile.ownerProofAt
if newer then owner = nil end
if patch.ownerProofAt ~= nil and (same or newer) then
  if owner == nil or patch.ownerProofAt > owner then owner = patch.ownerProofAt end
end
local strong = profile.strongProofAt
if patch.strongProofAt ~= nil and (strong == nil or patch.strongProofAt > strong) then strong = patch.strongProofAt end

local last = profile.lastLogin
if type(patch.lastLogin) == 'table' and (last == nil or patch.lastLogin.at >= last.at) then last = patch.lastLogin end

-- Newest first; equal times keep their order (JavaScript's sort is stable), the new entry last.
local failed = {}
for i, entry in ipairs(profile.failedStepUps) do
  if entry.at >= horizon then failed[#failed + 1] = { entry = entry, index = i } end
end
if type(patch.failedStepUp) == 'table' and patch.failedStepUp.at >= horizon then
  failed[#failed + 1] = { entry = patch.failedStepUp, index = #profile.failedStepUps + 1 }
end
table.sort(failed, function(x, y)
  if x.entry.at ~= y.entry.at then return x.entry.at > y.entry.at end
  return x.index < y.index
end)
local failedOut = {}
for i = 1, math.min(#failed, limits.maxFailedStepUps) do failedOut[i] = failed[i].entry end

local phoneHash = profile.phoneHash
if same or newer then phoneHash = patch.phoneHash end
if owner ~= nil and owner < horizon then owner = nil end

local function encode_device(d)
  return obj('key', jstr(d.key), 'fromToken', jbool(d.fromToken), 'classKey', jstr(d.classKey), 'osFamily', jstr(d.osFamily),
    'deviceType', jstr(d.deviceType), 'firstSeen', jnum(d.firstSeen), 'lastSeen', jnum(d.lastSeen), 'vouched', jbool(d.vouched), 'count', jnum(d.count))
end
local function encode_location(l)
  return obj('key', jstr(l.key), 'country', jstr(l.country), 'region', jstr(l.region), 'lat', jnum(l.lat), 'lon', jnum(l.lon),
    'firstSeen', jnum(l.firstSeen), 'lastSeen', jnum(l.lastSeen), 'count', jnum(l.count))
end
local function encode_failed(f)
  return obj('at', jnum(f.at), 'checks', arr(f.checks, cjson.encode))
end
local encodedLast = nil
if last ~= nil then
  encodedLast = obj('at', jnum(last.at), 'country', jstr(last.country), 'region', jstr(last.region), 'lat', jnum(last.lat), 'lon', jnum(last.lon),
    'accuracyKm', jnum(last.accuracyKm))
end

local json = obj(
  'v', '1',
  'phoneHash', jstr(phoneHash),
  'devices', arr(bound(devices, limits.maxDevices, true), encode_device),
  'locations', arr(bound(locations, limits.maxLocations, false), encode_location),
  'lastLogin', encodedLast,
  'ownerProofAt', jnum(owner),
  'strongProofAt', jnum(strong),
  'failedStepUps', arr(failedOut, encode_failed),
  'updatedAt', jnum(now)
)
redis.call('SET', KEYS[1], json, 'PX', ARGV[3])
return status
`;

/**
 * KEYS[1] events key; ARGV[1] events JSON, ARGV[2] max kept, ARGV[3] TTL ms.
 * Deduplicated by type and time, newest first with ties in arrival order (as the memory store),
 * bounded. Stored entries that fail validation are dropped rather than failing the ingest.
 */
export const ADD_EVENTS_LUA = `${HELPERS}
local TYPES = { disconnected = true, reissued = true, ported = true, sim_change = true }
local function valid_event(e)
  return type(e) == 'table' and is_string(e.type) and TYPES[e.type] == true and finite(e.at) and is_string(e.source)
end

local entries = {}
local seen = {}
local function add(event)
  if not valid_event(event) then return end
  local id = event.type .. '@' .. num(event.at)
  if seen[id] then return end
  seen[id] = true
  entries[#entries + 1] = { event = event, index = #entries + 1 }
end

local raw = redis.call('GET', KEYS[1])
if raw then
  local ok, value = pcall(cjson.decode, raw)
  if ok and type(value) == 'table' then
    for _, event in ipairs(value) do add(event) end
  end
end
for _, event in ipairs(cjson.decode(ARGV[1])) do add(event) end

table.sort(entries, function(x, y)
  if x.event.at ~= y.event.at then return x.event.at > y.event.at end
  return x.index < y.index
end)
local out = {}
for i = 1, math.min(#entries, tonumber(ARGV[2])) do
  local e = entries[i].event
  out[i] = obj('type', jstr(e.type), 'at', jnum(e.at), 'source', jstr(e.source))
end
redis.call('SET', KEYS[1], '[' .. table.concat(out, ',') .. ']', 'PX', tonumber(ARGV[3]))
return #out
`;

/** KEYS[1] pending key. GET and DEL as one step, for servers older than Redis 6.2 (no GETDEL). */
export const TAKE_LUA = `
local value = redis.call('GET', KEYS[1])
if value then redis.call('DEL', KEYS[1]) end
return value
`;

/**
 * KEYS[1] protection key, ARGV[1] protection JSON (stored as given, never re-encoded).
 * Returns {1, ARGV[1]} when it was set, {0, stored} when the account was protected already.
 */
export const PROTECT_LUA = `
local current = redis.call('GET', KEYS[1])
if current then return {0, current} end
redis.call('SET', KEYS[1], ARGV[1])
return {1, ARGV[1]}
`;

/** KEYS[1] counter key, ARGV[1] window ms. A fixed window: the first hit sets its expiry. */
export const HIT_LUA = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count
`;
