-- Draws a suggestion as ghost text: the first line inline at the cursor, the following lines as virtual lines.
local M = {}

M.namespace = vim.api.nvim_create_namespace('hunch.ghost')

function M.clear(bufnr)
  if bufnr and vim.api.nvim_buf_is_valid(bufnr) then
    vim.api.nvim_buf_clear_namespace(bufnr, M.namespace, 0, -1)
  end
end

-- Shows `text` at (row, col), 0-based byte position. Returns the extmark id.
function M.show(bufnr, row, col, text, hl_group)
  M.clear(bufnr)
  local lines = vim.split(text, '\n', { plain = true })
  local options = {
    virt_text = { { lines[1], hl_group } },
    virt_text_pos = 'inline',
    hl_mode = 'combine',
    priority = 200,
  }
  if #lines > 1 then
    local virt_lines = {}
    for i = 2, #lines do
      virt_lines[#virt_lines + 1] = lines[i] == '' and {} or { { lines[i], hl_group } }
    end
    options.virt_lines = virt_lines
  end
  return vim.api.nvim_buf_set_extmark(bufnr, M.namespace, row, col, options)
end

-- The ghost text currently drawn in `bufnr`, joined back with newlines (for tests and :HunchStatus).
function M.text(bufnr)
  local marks = vim.api.nvim_buf_get_extmarks(bufnr, M.namespace, 0, -1, { details = true })
  if #marks == 0 then return nil end
  local details = marks[1][4]
  local parts = {}
  for _, chunk in ipairs(details.virt_text or {}) do parts[#parts + 1] = chunk[1] end
  local lines = { table.concat(parts) }
  for _, line in ipairs(details.virt_lines or {}) do
    local chunks = {}
    for _, chunk in ipairs(line) do chunks[#chunks + 1] = chunk[1] end
    lines[#lines + 1] = table.concat(chunks)
  end
  return table.concat(lines, '\n'), marks[1][2], marks[1][3]
end

return M
