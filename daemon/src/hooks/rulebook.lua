-- The declarative rule library (docs/lua-api.md, "Rules"), after hMailServer's rules:
-- every rule has criteria (all or any must match) and actions. It is part of the daemon and
-- runs inside each script's sandbox before the script itself; a script calls rule{...} and
-- the library installs the on_<event> handler that evaluates that script's rules in order.
local rules_by_event = {}
local dispatchers = {}

local fields = {}   -- name -> function(ev) returning a value or a list of values

local function lower(v)
  if type(v) == "string" then return string.lower(v) end
  return v
end

local function list_or_empty(v)
  if v == nil then return {} end
  if type(v) == "table" then return v end
  return { v }
end

local function header_addresses(name, part)
  return function(ev)
    local out = {}
    for _, a in ipairs(ev:addresses(name)) do out[#out + 1] = a[part] end
    return out
  end
end

fields.sender = function(ev) return ev.sender end
fields.recipient = function(ev)
  if ev.rcpt then return { ev.rcpt } end
  return ev.recipients
end
fields.from = header_addresses("From", "address")
fields.from_name = header_addresses("From", "name")
fields.to = header_addresses("To", "address")
fields.cc = header_addresses("Cc", "address")
fields.subject = function(ev) return ev.subject end
fields.size = function(ev) return ev.size end
fields.client_ip = function(ev) return ev.client_ip end
fields.helo = function(ev) return ev.helo end
fields.authenticated = function(ev) return ev.authenticated end
fields.internal = function(ev) return ev.internal end
fields.tls = function(ev) return ev.tls end
fields.score = function(ev) return ev.score end
fields.symbol = function(ev)
  local out = {}
  for name in pairs(ev.symbols) do out[#out + 1] = name end
  return out
end
fields.body = function(ev)
  -- The first 256 KiB of the body, read in bounded chunks.
  local parts, offset = {}, 0
  while offset < 262144 do
    local chunk = ev:body(offset, 65536)
    if chunk == nil or #chunk == 0 then break end
    parts[#parts + 1] = chunk
    offset = offset + #chunk
  end
  return table.concat(parts)
end
-- True when the From display name claims an internal identity while the address is outside:
-- the name carries an address of one of our domains, or is one of the names listed in the
-- setting internal-display-names (comma-separated, case-insensitive).
fields.impersonates_internal = function(ev)
  local names = {}
  for n in string.gmatch(lower(ev:setting("internal-display-names") or ""), "[^,]+") do
    names[(n:gsub("^%s+", ""):gsub("%s+$", ""))] = true
  end
  for _, a in ipairs(ev:addresses("From")) do
    local domain = addr.domain(a.address)
    if domain and not ev:is_our_domain(domain) then
      local name = lower(a.name)
      if names[name] then return true end
      for d in string.gmatch(name, "@([%w%.%-]+)") do
        if ev:is_our_domain(d) then return true end
      end
    end
  end
  return false
end

-- A field's value, computed once per event (`seen` is the event's own table): a body read by
-- two criteria is read once.
local NONE = {}  -- a field whose value is nil, in `seen`

local function field_value(ev, field, seen)
  local known = seen[field]
  if known == NONE then return nil end
  if known ~= nil then return known end
  local value
  local header = field:match("^header:(.+)$")
  if header then
    value = ev:headers(header)
  else
    local f = fields[field]
    if not f then error("rule: unknown criterion field '" .. field .. "'", 0) end
    value = f(ev)
  end
  if value == nil then seen[field] = NONE else seen[field] = value end
  return value
end

local function resolve(ev, v)
  if type(v) == "function" then return v(ev) end
  return v
end

local ops = {}
ops["is"] = function(a, b) return lower(a) == lower(b) end
ops["contains"] = function(a, b)
  return type(a) == "string" and string.find(string.lower(a), string.lower(tostring(b)), 1, true) ~= nil
end
ops["regex"] = function(a, b) return type(a) == "string" and string.find(a, b) ~= nil end
ops["less than"] = function(a, b) return type(a) == "number" and a < b end
ops["greater than"] = function(a, b) return type(a) == "number" and a > b end
ops["in"] = function(a, b)
  if type(a) ~= "string" then return false end
  for _, item in ipairs(list_or_empty(b)) do
    if ip.is_valid(a) and type(item) == "string" and item:find("[/:%.]") and not item:find("@") then
      if ip.in_cidr(a, item) then return true end
    elseif lower(a) == lower(item) then
      return true
    end
  end
  return false
end

local function criterion_matches(ev, c, seen)
  local field, op, expected = c[1], c[2], c[3]
  local negate = false
  if type(op) == "string" and op:sub(1, 4) == "not " then negate, op = true, op:sub(5) end
  local test = ops[op]
  if not test then error("rule: unknown operator '" .. tostring(c[2]) .. "'", 0) end
  expected = resolve(ev, expected)
  local value = field_value(ev, field, seen)
  local any = false
  for _, v in ipairs(type(value) == "table" and value or { value }) do
    if test(v, expected) then any = true break end
  end
  if negate then return not any end
  return any
end

local function matches(ev, r, seen)
  if #r.criteria == 0 then return true end
  for _, c in ipairs(r.criteria) do
    local m = criterion_matches(ev, c, seen)
    if r.match == "any" and m then return true end
    if r.match == "all" and not m then return false end
  end
  return r.match == "all"
end

local function text(ev, v, what)
  v = resolve(ev, v)
  if v == nil or v == "" then return nil end
  return tostring(v)
end

local actions = {}
actions.reject = function(ev, a) return reject(text(ev, a[2]) or "Rejected by local policy") end
actions.tempfail = function(ev, a) return tempfail(text(ev, a[2]) or "Local policy: try again later") end
actions.discard = function(ev, a) return discard() end
actions.accept = function(ev, a) return accept() end
actions.quarantine = function(ev, a) return quarantine(text(ev, a[2]) or "rule") end
actions.stop = function(ev, a) return "stop" end
actions.redirect = function(ev, a, r)
  local to = text(ev, a[2])
  if not to then log.warn("rule action skipped: no address", { rule = r.name, action = "redirect" }) return end
  ev:redirect(to)
end
actions.add_recipient = function(ev, a, r)
  local to = text(ev, a[2])
  if not to then log.warn("rule action skipped: no address", { rule = r.name, action = "add_recipient" }) return end
  ev:add_recipient(to)
end
actions.add_header = function(ev, a) ev:add_header(a[2], text(ev, a[3]) or "") end
actions.set_header = function(ev, a) ev:set_header(a[2], text(ev, a[3]) or "") end
actions.remove_header = function(ev, a) ev:remove_header(a[2]) end
actions.tag_subject = function(ev, a)
  local tag = text(ev, a[2])
  local subject = ev.subject or ""
  if tag and subject:sub(1, #tag) ~= tag then ev:set_header("Subject", tag .. " " .. subject) end
end
actions.score = function(ev, a) ev:add_score(a[2], a[3]) end
actions.symbol = function(ev, a) ev:add_symbol(a[2], a[3] or 0) end
actions.route = function(ev, a) ev:set_route(text(ev, a[2])) end

local function evaluate(event)
  return function(ev)
    local seen = {}
    for _, r in ipairs(rules_by_event[event]) do
      if matches(ev, r, seen) then
        ev:add_symbol("RULE_" .. r.symbol, 0)
        for _, a in ipairs(r.actions) do
          local result = actions[a[1]](ev, a, r)
          if result == "stop" then return nil end
          if result ~= nil then return result end
        end
      end
    end
  end
end

local known_events = { connect = true, helo = true, mail = true, rcpt = true, data = true, deliver_start = true }

function rule(def)
  if type(def) ~= "table" then error("rule{...} takes a table", 2) end
  local name = def.name or ("rule " .. tostring(#(rules_by_event[def.event or "data"] or {}) + 1))
  local event = def.event or "data"
  if not known_events[event] then error("rule '" .. name .. "': unknown event '" .. tostring(event) .. "'", 2) end
  local match = def.match or "all"
  if match ~= "all" and match ~= "any" then error("rule '" .. name .. "': match is 'all' or 'any'", 2) end
  local criteria = def.criteria or {}
  for i, c in ipairs(criteria) do
    if type(c) ~= "table" or type(c[1]) ~= "string" or type(c[2]) ~= "string" then
      error("rule '" .. name .. "': criterion " .. i .. " is { field, operator, value }", 2)
    end
    local op = c[2]:gsub("^not ", "")
    if not ops[op] then error("rule '" .. name .. "': unknown operator '" .. c[2] .. "'", 2) end
    if not c[1]:match("^header:.+") and not fields[c[1]] then
      error("rule '" .. name .. "': unknown criterion field '" .. c[1] .. "'", 2)
    end
  end
  local acts = def.actions or {}
  if #acts == 0 then error("rule '" .. name .. "': no actions", 2) end
  for i, a in ipairs(acts) do
    if type(a) ~= "table" or not actions[a[1]] then
      error("rule '" .. name .. "': action " .. i .. " is unknown", 2)
    end
  end
  local symbol = (def.symbol or name):upper():gsub("[^%w]+", "_"):gsub("^_+", ""):gsub("_+$", ""):sub(1, 40)
  rules_by_event[event] = rules_by_event[event] or {}
  table.insert(rules_by_event[event], {
    name = name, match = match, criteria = criteria, actions = acts, symbol = symbol })
  local handler = "on_" .. event
  if _ENV[handler] ~= nil and _ENV[handler] ~= dispatchers[event] then
    error("rule '" .. name .. "': this script also defines " .. handler .. " itself", 2)
  end
  if not dispatchers[event] then
    dispatchers[event] = evaluate(event)
    _ENV[handler] = dispatchers[event]
  end
end

-- A value read from the store's settings when the rule runs: setting("admin-email").
function setting(name)
  return function(ev) return ev:setting(name) end
end

-- Run by the host after the script's top level: the name of a handler that rule{} installed
-- and the script then replaced with its own function (which would silently disable its
-- rules), else nil.
return function()
  for event, dispatcher in pairs(dispatchers) do
    if _ENV["on_" .. event] ~= dispatcher then return "on_" .. event end
  end
  return nil
end
