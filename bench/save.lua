-- wrk script: each request saves page 2 (two integers) of one participant's draft, cycling
-- through all participants in bench/links.txt-style input (URL and CSRF token per line).
-- MAMORI_LOAD_THINK_MS: each connection pauses after a response before its next request (a
-- respondent reading the next page), a random time between 0 and twice this mean so that the
-- respondents do not march in step; 0 = a closed loop, always a request in flight.
local entries = {}
local think = tonumber(os.getenv("MAMORI_LOAD_THINK_MS") or "0")

function delay()
  if think == 0 then
    return 0
  end
  return math.random(0, 2 * think)
end
local next_entry = 1

function init(args)
  for line in io.lines(os.getenv("MAMORI_LOAD_ENTRIES")) do
    local url, csrf = line:match("^(%S+)%s+(%S+)$")
    if url then
      local path = url:match("^https?://[^/]+(/.*)$")
      table.insert(entries, { path = path .. "/p/2", csrf = csrf })
    end
  end
  next_entry = math.random(#entries)
end

function request()
  local e = entries[next_entry]
  next_entry = next_entry % #entries + 1
  local total = math.random(1, 50)
  local body = "_csrf=" .. e.csrf .. "&products_total=" .. total .. "&products_done=" .. math.random(0, total) .. "&_go=next"
  return wrk.format("POST", e.path, { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

local statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
