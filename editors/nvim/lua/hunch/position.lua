-- Converts between byte columns (what Neovim's API uses) and LSP character offsets in the negotiated encoding.
local M = {}

-- Length in bytes of the UTF-8 sequence starting with `byte`.
local function sequence_length(byte)
  if byte < 0x80 then return 1 end
  if byte >= 0xF0 then return 4 end
  if byte >= 0xE0 then return 3 end
  if byte >= 0xC0 then return 2 end
  return 1 -- a stray continuation byte counts on its own
end

local function units(length, encoding)
  if encoding == 'utf-16' then return length == 4 and 2 or 1 end
  return 1
end

-- Byte column `col` (0-based) of `line` as an LSP character offset.
function M.to_lsp(line, col, encoding)
  if encoding == 'utf-8' then return col end
  local offset, i = 0, 1
  while i <= col and i <= #line do
    local length = sequence_length(line:byte(i))
    offset = offset + units(length, encoding)
    i = i + length
  end
  return offset
end

-- LSP character offset `character` on `line` as a byte column (0-based), clamped to the line.
function M.to_byte(line, character, encoding)
  if encoding == 'utf-8' then return math.min(character, #line) end
  local offset, i = 0, 1
  while offset < character and i <= #line do
    local length = sequence_length(line:byte(i))
    offset = offset + units(length, encoding)
    i = i + length
  end
  return i - 1
end

return M
