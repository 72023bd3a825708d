-- hmac.lua: HMAC-SHA256 in wrk's LuaJIT, through OpenSSL's one-shot HMAC() in libcrypto (FFI).
--
--   local hmac = require("hmac")
--   hmac.sha256_hex(key, message) --> 64 lowercase hex characters
--
-- libcrypto is found as "crypto" (libcrypto.so, the link-time name libssl-dev installs) or, without
-- the -dev package, by its runtime soname libcrypto.so.3 (OpenSSL 3, Debian 12).
local ffi = require("ffi")

ffi.cdef [[
typedef struct evp_md_st EVP_MD;
const EVP_MD *EVP_sha256(void);
unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len,
                    const unsigned char *d, size_t n, unsigned char *md,
                    unsigned int *md_len);
]]

local crypto
for _, name in ipairs({ "crypto", "libcrypto.so.3" }) do
  local ok, lib = pcall(ffi.load, name)
  if ok then
    crypto = lib
    break
  end
end
if not crypto then error("hmac.lua: cannot load libcrypto (tried libcrypto.so, libcrypto.so.3)") end

local M = {}

local md = ffi.new("unsigned char[64]")
local md_len = ffi.new("unsigned int[1]")
local sha256 = crypto.EVP_sha256()
local hex = {}
for i = 0, 255 do hex[i] = string.format("%02x", i) end

function M.sha256_hex(key, message)
  if crypto.HMAC(sha256, key, #key, message, #message, md, md_len) == nil then
    error("hmac.lua: HMAC() failed")
  end
  local out = {}
  for i = 0, md_len[0] - 1 do out[i + 1] = hex[md[i]] end
  return table.concat(out)
end

return M
