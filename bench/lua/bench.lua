-- wrk script for every closed-loop benchmark of bench/run.py.
--
--   wrk -t2 -c32 -d15s -s bench/lua/bench.lua http://127.0.0.1:8800 -- MODE ZIPS_TSV TAG
--
-- MODE    hello   GET  /bench/hello                       (bare baseline)
--         insert  POST /bench/insert   form, one INSERT   (bare baseline)
--         lookup  GET  /api/v1/districts/lookup           random points in the US
--         signup  POST /api/v1/signups/ JSON             fresh people at real ZIPs
--         form    POST /run/ with CSRF (token fetched once per wrk thread, then reused)
--         csrfinsert POST /bench/form with CSRF, one INSERT (bare baseline of form)
--         public_page  GET /coverage/                     the public coverage page
--         public_json  GET /api/v1/public/coverage/       its JSON
--         finder       GET /api/v1/public/districts/      random points, as lookup
--         finder_zip   GET /api/v1/public/districts/?zip= random ZIP codes
-- ZIPS_TSV  zip<TAB>state<TAB>lat<TAB>lng lines (active residential ZIPs, from the bench database)
-- TAG     makes every email address of this run unique (fresh people only)
--
-- Every request says X-Forwarded-Proto: https, as the TLS-terminating proxy in front
-- of gunicorn would, so the production settings (secure cookies, CSRF origin check,
-- HSTS) are exercised. done() prints one JSON line for bench/run.py.

local threads = {}
local mode, tag, host
local zips = {}
local counter = 0
statuses = {} -- global: done() reads it from each thread
local csrf_cookie, csrf_token
local hidden_fields = {} -- the form's other hidden inputs (its time-trap stamp), sent back as they came
tid = 0 -- global: set per thread by setup()

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("tid", #threads)
end

function init(args)
  mode = args[1] or "hello"
  tag = args[3] or tostring(os.time())
  host = wrk.host .. ":" .. tostring(wrk.port)
  if args[2] then
    for line in io.lines(args[2]) do
      local zip, state, lat, lng = line:match("^(%d+)\t(%u%u)\t([%-%d%.]+)\t([%-%d%.]+)")
      if zip then
        zips[#zips + 1] = { zip = zip, state = state, lat = tonumber(lat), lng = tonumber(lng) }
      end
    end
  end
  math.randomseed(os.time() * 1000 + tid)
  statuses = {}
end

local FIRST = { "Ana", "Luis", "Maya", "Omar", "Grace", "Tomás", "Aisha", "John", "Mei", "Ravi" }
local LAST = { "Ruiz", "Smith", "Nguyen", "O'Neil", "Okafor", "Kowalski", "García", "Lee", "Brown", "Patel" }
local OFFICES = { "school_board", "city_council", "county", "state_house", "state_senate", "us_house" }

-- wrk.format() ignores wrk.headers once a request passes headers of its own, so every
-- request gets the full set from here.
local function headers(extra)
  local h = { ["Host"] = host, ["X-Forwarded-Proto"] = "https" }
  for k, v in pairs(extra or {}) do
    h[k] = v
  end
  return h
end

local function pick(list)
  return list[math.random(#list)]
end

local function jitter()
  return (math.random() - 0.5) * 0.02
end

local function email()
  counter = counter + 1
  return string.format("%s-t%d-%d@bench.example.org", tag, tid, counter)
end

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

local function signup_body()
  local z = pick(zips)
  local location = "null"
  -- Half give an exact point near the ZIP centre (the browser's location), half a ZIP only;
  -- neither needs the Census Geocoder.
  if math.random() < 0.5 then
    location = string.format('{"lat": %.5f, "lng": %.5f}', z.lat + jitter(), z.lng + jitter())
  end
  return string.format(
    '{"kind": "run", "first_name": "%s", "last_name": "%s", "email": "%s", '
      .. '"address": {"state": "%s", "zip": "%s"}, "location": %s, '
      .. '"offices": ["%s"], "timeframe": "next", "consent_email": true}',
    pick(FIRST), pick(LAST), email(), z.state, z.zip, location, pick(OFFICES)
  )
end

local function form_body()
  local z = pick(zips)
  local fields = {
    "csrfmiddlewaretoken=" .. urlencode(csrf_token),
    table.concat(hidden_fields, "&"),
    "first_name=" .. urlencode(pick(FIRST)),
    "last_name=" .. urlencode(pick(LAST)),
    "email=" .. urlencode(email()),
    "state=" .. z.state,
    "zip=" .. z.zip,
    "offices=" .. pick(OFFICES),
    "timeframe=next",
    "ballot_line=undecided",
    "consent_email=on",
  }
  if math.random() < 0.5 then
    fields[#fields + 1] = string.format("lat=%.5f", z.lat + jitter())
    fields[#fields + 1] = string.format("lng=%.5f", z.lng + jitter())
  end
  return table.concat(fields, "&")
end

function request()
  if mode == "hello" then
    return wrk.format("GET", "/bench/hello", headers())
  elseif mode == "insert" then
    local body = "name=" .. urlencode(pick(FIRST)) .. "&email=" .. urlencode(email()) .. "&zip=" .. pick(zips).zip
    return wrk.format("POST", "/bench/insert", headers({ ["Content-Type"] = "application/x-www-form-urlencoded" }), body)
  elseif mode == "lookup" then
    local z = pick(zips)
    local path = string.format("/api/v1/districts/lookup?lat=%.5f&lng=%.5f", z.lat + jitter() * 5, z.lng + jitter() * 5)
    return wrk.format("GET", path, headers())
  elseif mode == "public_page" then
    return wrk.format("GET", "/coverage/", headers())
  elseif mode == "public_json" then
    return wrk.format("GET", "/api/v1/public/coverage/", headers())
  elseif mode == "finder" then
    local z = pick(zips)
    local path = string.format("/api/v1/public/districts/?lat=%.5f&lng=%.5f", z.lat + jitter() * 5, z.lng + jitter() * 5)
    return wrk.format("GET", path, headers())
  elseif mode == "finder_zip" then
    return wrk.format("GET", "/api/v1/public/districts/?zip=" .. pick(zips).zip, headers())
  elseif mode == "signup" then
    return wrk.format("POST", "/api/v1/signups/", headers({ ["Content-Type"] = "application/json" }), signup_body())
  elseif mode == "csrfinsert" then
    if not csrf_token then
      return wrk.format("GET", "/bench/form", headers())
    end
    local body = "csrfmiddlewaretoken=" .. urlencode(csrf_token) .. "&name=" .. urlencode(pick(FIRST))
      .. "&email=" .. urlencode(email()) .. "&zip=" .. pick(zips).zip
    return wrk.format("POST", "/bench/form", headers({
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Cookie"] = "csrftoken=" .. csrf_cookie,
      ["Origin"] = "https://" .. host,
      ["Referer"] = "https://" .. host .. "/bench/form",
    }), body)
  elseif mode == "form" then
    if not csrf_token then
      return wrk.format("GET", "/run/", headers())
    end
    return wrk.format("POST", "/run/", headers({
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Cookie"] = "csrftoken=" .. csrf_cookie,
      ["Origin"] = "https://" .. host,
      ["Referer"] = "https://" .. host .. "/run/",
    }), form_body())
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if (mode == "form" or mode == "csrfinsert") and not csrf_token and status == 200 then
    local cookie = (headers["Set-Cookie"] or ""):match("csrftoken=([^;]+)")
    local token = (body or ""):match('name="csrfmiddlewaretoken" value="([^"]+)"')
    if cookie and token then
      csrf_cookie, csrf_token = cookie, token
      for tag in body:gmatch("<input[^>]*>") do
        local name = tag:match('name="([^"]*)"')
        local value = tag:match('value="([^"]*)"')
        local skip = { csrfmiddlewaretoken = true, lat = true, lng = true, next = true }
        if tag:find('type="hidden"', 1, true) and name and value and not skip[name] then
          hidden_fields[#hidden_fields + 1] = name .. "=" .. urlencode(value)
        end
      end
    end
  end
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(total) do
    parts[#parts + 1] = string.format('"%d": %d', status, n)
  end
  local e = summary.errors
  io.write(string.format(
    '\nBENCH_JSON {"requests": %d, "duration_us": %d, "statuses": {%s}, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p99": %d, "p999": %d, "max": %d}}\n',
    summary.requests, summary.duration, table.concat(parts, ", "),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max
  ))
end
