-- Ghost-text suggestions: asks the server for textDocument/inlineCompletion after a pause in insert mode, keeps
-- the suggestion while the user types it, and inserts it (or its next word or line) on request.
local config = require('hunch.config')
local ghost = require('hunch.ghost')
local position = require('hunch.position')

local M = {}

-- Counters for tests and :HunchStatus.
M.stats = { requests = 0, responses = 0, shown = 0, kept_while_typing = 0, accepted = 0, dismissed = 0 }

-- The suggestion on screen: { bufnr, row, col, prefix, suffix, tick, items = { { text, tail } }, index }.
-- `prefix`/`suffix` are the cursor line's text before/after the ghost; `tail` is how many bytes after the cursor
-- the item replaces when accepted whole.
local current = nil
-- The request in flight: { client, id }.
local pending = nil
local sequence = 0
local timer = nil
local enabled = true

local has_011 = vim.fn.has('nvim-0.11') == 1

local function client_request(client, method, params, handler, bufnr)
  if has_011 then return client:request(method, params, handler, bufnr) end
  return client.request(method, params, handler, bufnr)
end

local function client_cancel(client, id)
  if has_011 then return client:cancel_request(id) end
  return client.cancel_request(id)
end

local function is_stopped(client)
  if has_011 then return client:is_stopped() end
  return client.is_stopped()
end

function M.client_for(bufnr)
  local clients = vim.lsp.get_clients({ bufnr = bufnr, name = 'hunch' })
  return clients[1]
end

local function in_insert_mode()
  return vim.api.nvim_get_mode().mode:sub(1, 1) == 'i'
end

-- Where the cursor is and what its line holds (0-based row, byte column).
local function snapshot()
  local bufnr = vim.api.nvim_get_current_buf()
  local cursor = vim.api.nvim_win_get_cursor(0)
  local row, col = cursor[1] - 1, cursor[2]
  local line = vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ''
  return { bufnr = bufnr, row = row, col = col, line = line, tick = vim.api.nvim_buf_get_changedtick(bufnr) }
end

local function same_place(a, b)
  return a.bufnr == b.bufnr and a.row == b.row and a.col == b.col and a.tick == b.tick
end

local function stop_timer()
  if timer then
    timer:stop()
    timer:close()
    timer = nil
  end
end

local function cancel_pending()
  sequence = sequence + 1 -- any answer still on its way is stale now
  if pending then
    pcall(client_cancel, pending.client, pending.id)
    pending = nil
  end
end

local function render()
  local item = current.items[current.index]
  ghost.show(current.bufnr, current.row, current.col, item.text, config.options.ghost.hl_group)
end

function M.clear()
  if current then ghost.clear(current.bufnr) end
  current = nil
end

-- Clears the ghost text and forgets any request and timer.
function M.reset()
  stop_timer()
  cancel_pending()
  M.clear()
end

-- The items of the shown suggestion (tests look at how many there are).
function M._items()
  return current and current.items or {}
end

function M.current()
  if not current then return nil end
  return current.items[current.index].text
end

-- Turns one InlineCompletionItem into the text still to be inserted at the cursor, or nil when it does not fit.
local function parse_item(item, snap, encoding)
  local text = item.insertText
  if type(text) == 'table' then text = text.value end -- a StringValue (snippet); shown as is
  if type(text) ~= 'string' then return nil end
  text = text:gsub('\r\n', '\n')
  local tail = 0
  if type(item.range) == 'table' then
    local first, last = item.range.start, item.range['end']
    if first.line ~= snap.row or last.line ~= snap.row then return nil end
    local start_col = position.to_byte(snap.line, first.character, encoding)
    local end_col = position.to_byte(snap.line, last.character, encoding)
    if start_col > snap.col or end_col < snap.col then return nil end
    -- The item may repeat the part of the word already typed; the ghost shows only what is new.
    local typed = snap.line:sub(start_col + 1, snap.col)
    if text:sub(1, #typed) ~= typed then return nil end
    text = text:sub(#typed + 1)
    tail = end_col - snap.col
  end
  if text == '' then return nil end
  return { text = text, tail = tail }
end

local function show(snap, items)
  if #items == 0 then return end
  current = {
    bufnr = snap.bufnr, row = snap.row, col = snap.col, tick = snap.tick,
    prefix = snap.line:sub(1, snap.col), suffix = snap.line:sub(snap.col + 1),
    items = items, index = 1,
  }
  M.stats.shown = M.stats.shown + 1
  render()
end

-- Asks the server now. `trigger_kind` is 1 (invoked by a key) or 2 (automatic).
function M.request(trigger_kind)
  stop_timer()
  cancel_pending()
  if not in_insert_mode() then return end
  local snap = snapshot()
  local client = M.client_for(snap.bufnr)
  if not client or is_stopped(client) then return end
  local encoding = client.offset_encoding or 'utf-16'
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(snap.bufnr) },
    position = { line = snap.row, character = position.to_lsp(snap.line, snap.col, encoding) },
    context = { triggerKind = trigger_kind or 2 },
  }
  local mine = sequence
  M.stats.requests = M.stats.requests + 1
  local ok, id = client_request(client, 'textDocument/inlineCompletion', params, function(err, result)
    if mine ~= sequence then return end -- superseded or cancelled
    pending = nil
    M.stats.responses = M.stats.responses + 1
    if err or type(result) ~= 'table' then return end
    if not in_insert_mode() or not same_place(snap, snapshot()) then return end
    local raw = result.items or result -- InlineCompletionList or a bare item array
    local items = {}
    for _, item in ipairs(raw) do
      local parsed = parse_item(item, snap, encoding)
      if parsed then items[#items + 1] = parsed end
    end
    M.clear()
    show(snap, items)
  end, snap.bufnr)
  if ok and id then pending = { client = client, id = id } end
end

-- Starts (or restarts) the pause after which a suggestion is requested.
function M.schedule()
  stop_timer()
  if not enabled or not config.options.ghost.enabled then return end
  local bufnr = vim.api.nvim_get_current_buf()
  if not M.client_for(bufnr) then return end
  timer = vim.uv.new_timer()
  timer:start(config.options.ghost.debounce_ms, 0, vim.schedule_wrap(function()
    stop_timer()
    if vim.api.nvim_get_current_buf() == bufnr then M.request(2) end
  end))
end

-- Called on every cursor move and text change in insert mode: keeps the suggestion when the user typed exactly
-- its beginning, otherwise clears it and waits for the next pause.
function M.on_change()
  if not current then
    cancel_pending()
    M.schedule()
    return
  end
  local snap = snapshot()
  if snap.bufnr == current.bufnr and snap.row == current.row and snap.col == current.col
    and snap.tick == current.tick then
    return
  end
  if snap.bufnr == current.bufnr and snap.row == current.row and snap.col > current.col
    and snap.line:sub(1, current.col) == current.prefix and snap.line:sub(snap.col + 1) == current.suffix then
    local typed = snap.line:sub(current.col + 1, snap.col)
    local kept = {}
    for _, item in ipairs(current.items) do
      if #item.text > #typed and item.text:sub(1, #typed) == typed then
        kept[#kept + 1] = { text = item.text:sub(#typed + 1), tail = item.tail }
      end
    end
    if #kept > 0 then
      current.items, current.index = kept, 1
      current.col, current.tick, current.prefix = snap.col, snap.tick, snap.line:sub(1, snap.col)
      M.stats.kept_while_typing = M.stats.kept_while_typing + 1
      render()
      return
    end
  end
  M.clear()
  cancel_pending()
  M.schedule()
end

local word_byte = '[%w_\128-\255]'

-- The next word of `text`: leading blanks (newlines included) and then a run of word characters, or of
-- punctuation.
local function next_word(text)
  return text:match('^%s*' .. word_byte .. '+') or text:match('^%s*[^%s%w_\128-\255]+') or text:match('^%s+')
    or text
end

-- The rest of the current suggested line, or the next line when the suggestion starts with a line break.
local function next_line(text)
  return text:match('^[^\n]+') or text:match('^\n[^\n]*') or text
end

-- Inserts the whole suggestion ('all'), its next word ('word') or line ('line'). Returns false when nothing is
-- shown. The insertion is one nvim_buf_set_text call, so it is a single change for undo.
function M.accept(kind)
  if not current or current.bufnr ~= vim.api.nvim_get_current_buf() then return false end
  local item = current.items[current.index]
  local piece = item.text
  if kind == 'word' then piece = next_word(item.text) elseif kind == 'line' then piece = next_line(item.text) end
  local rest = item.text:sub(#piece + 1)
  local lines = vim.split(piece, '\n', { plain = true })
  local bufnr, row, col = current.bufnr, current.row, current.col
  -- Only the whole suggestion replaces what the item covered after the cursor.
  local end_col = col + (rest == '' and item.tail or 0)
  ghost.clear(bufnr)
  vim.api.nvim_buf_set_text(bufnr, row, col, row, end_col, lines)
  local new_row = row + #lines - 1
  local new_col = (#lines == 1 and col or 0) + #lines[#lines]
  vim.api.nvim_win_set_cursor(0, { new_row + 1, new_col })
  M.stats.accepted = M.stats.accepted + 1
  if rest == '' then
    current = nil
    return true
  end
  local line = vim.api.nvim_buf_get_lines(bufnr, new_row, new_row + 1, false)[1] or ''
  current = {
    bufnr = bufnr, row = new_row, col = new_col, tick = vim.api.nvim_buf_get_changedtick(bufnr),
    prefix = line:sub(1, new_col), suffix = line:sub(new_col + 1),
    items = { { text = rest, tail = item.tail } }, index = 1,
  }
  render()
  return true
end

function M.dismiss()
  if not current then return false end
  M.stats.dismissed = M.stats.dismissed + 1
  M.reset()
  return true
end

-- Shows the next (step 1) or previous (step -1) suggestion; asks the server when none is shown.
function M.cycle(step)
  if not current then
    M.request(1)
    return true
  end
  local count = #current.items
  if count < 2 then return true end
  current.index = (current.index - 1 + step) % count + 1
  render()
  return true
end

function M.set_enabled(value)
  enabled = value
  if not value then M.reset() end
end

function M.is_enabled()
  return enabled
end

return M
