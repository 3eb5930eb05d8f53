-- miltertest script: drives OpenDMARC as Postfix would, MAIL FROM and HELO from
-- MT_FROM and MT_HELO, and prints the Authentication-Results fields it adds, top first.
local from = os.getenv("MT_FROM")
local helo = os.getenv("MT_HELO")
local conn = mt.connect(os.getenv("MT_SOCKET"))
if conn == nil then error("mt.connect() failed") end
mt.macro(conn, SMFIC_CONNECT, "j", "mx.coop.example", "{daemon_name}", "mx.coop.example")
if mt.conninfo(conn, "unknown", "192.0.2.25") ~= nil then error("conninfo") end
if mt.helo(conn, helo) ~= nil then error("helo") end
mt.macro(conn, SMFIC_MAIL, "i", "4XyZAbC")
if mt.mailfrom(conn, from) ~= nil then error("mailfrom") end
if mt.rcptto(conn, "<room@coop.example>") ~= nil then error("rcpt") end
for _, h in ipairs({{"From", "Alice Member <alice@coop.example>"}, {"To", "room@coop.example"},
  {"Subject", "Weekly meeting"}, {"Date", "Sat, 05 Dec 2026 10:00:00 +0000"}, {"Message-ID", "<test-1@coop.example>"}}) do
  if mt.header(conn, h[1], h[2]) ~= nil then error("header") end
end
if mt.eoh(conn) ~= nil then error("eoh") end
pcall(mt.bodystring, conn, "Hello.\r\n") -- OpenDMARC negotiates SMFIP_NOBODY
if mt.eom(conn) ~= nil then error("eom") end
local n = 0
while true do
  local v = mt.getheader(conn, "Authentication-Results", n)
  if v == nil then break end
  print("Authentication-Results: " .. v)
  n = n + 1
end
if n == 0 then print("NO FIELD") end
mt.disconnect(conn)
