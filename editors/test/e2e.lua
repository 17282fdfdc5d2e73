-- End-to-end test of the Neovim plugin against a real `hunch` (HUNCH_BIN): a headless Neovim driven over RPC,
-- then a Neovim in tmux whose screen is read back. Run through editors/test/run.sh, or directly:
--   HUNCH_BIN=... nvim -l editors/test/e2e.lua [headless|tmux]...
local here = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h')
local init = here .. '/minimal_init.lua'
local fixture = here .. '/fixtures/fib.py'
local timeout_ms = (tonumber(vim.env.HUNCH_TEST_TIMEOUT_S or '') or 60) * 1000
local nvim = vim.v.progpath

local passed, failed, skipped = 0, 0, 0

local function check(name, condition, detail)
  if condition then
    passed = passed + 1
    print('ok   ' .. name)
  else
    failed = failed + 1
    print('FAIL ' .. name .. (detail and (': ' .. detail) or ''))
  end
  return condition
end

local function skip(name, why)
  skipped = skipped + 1
  print('skip ' .. name .. ': ' .. why)
end

local function repr(value) return vim.inspect(value) end

-- The suggestion rules the plugin documents, restated here so the test checks them rather than reuses them.
local function expected_word(text)
  return text:match('^%s*[%w_\128-\255]+') or text:match('^%s*[^%s%w_\128-\255]+') or text:match('^%s+') or text
end
local function expected_line(text)
  return text:match('^[^\n]+') or text:match('^\n[^\n]*') or text
end

local function copy_fixture(directory)
  vim.fn.mkdir(directory, 'p')
  local target = directory .. '/fib.py'
  vim.fn.writefile(vim.fn.readfile(fixture, 'b'), target, 'b')
  return target
end

-- A connected Neovim: `exec` runs Lua in it, `input` types keys.
local function remote(channel)
  local self = { channel = channel }
  function self.exec(code, ...)
    local result = vim.rpcrequest(channel, 'nvim_exec_lua', code, { ... })
    if result == vim.NIL then return nil end
    return result
  end
  function self.input(keys) return vim.rpcrequest(channel, 'nvim_input', keys) end
  function self.mode() return vim.rpcrequest(channel, 'nvim_get_mode').mode end
  function self.lines() return self.exec('return vim.api.nvim_buf_get_lines(0, 0, -1, false)') end
  function self.suggestion() return self.exec("return require('hunch.suggestion').current()") end
  function self.stats() return self.exec("return require('hunch.suggestion').stats") end
  function self.ghost()
    return self.exec([[
      local text, row, col = require('hunch.ghost').text(0)
      local marks = vim.api.nvim_buf_get_extmarks(0, require('hunch.ghost').namespace, 0, -1, { details = true })
      local cursor = vim.api.nvim_win_get_cursor(0)
      return { text = text, row = row, col = col, count = #marks, cursor_row = cursor[1] - 1, cursor_col = cursor[2],
        pos = marks[1] and marks[1][4].virt_text_pos or nil,
        virt_lines = marks[1] and marks[1][4].virt_lines and #marks[1][4].virt_lines or 0 }
    ]])
  end
  function self.wait(predicate, ms) return vim.wait(ms or 5000, predicate, 50) end
  function self.wait_mode(prefix) return self.wait(function() return self.mode():sub(1, #prefix) == prefix end) end
  function self.wait_suggestion(ms)
    local started = vim.uv.hrtime()
    local ok = self.wait(function() return self.suggestion() ~= nil end, ms or timeout_ms)
    if ok then print(('#   ghost text after %d ms'):format((vim.uv.hrtime() - started) / 1e6)) end
    return ok
  end
  function self.wait_attached()
    return self.wait(function()
      return self.exec([[
        local client = vim.lsp.get_clients({ bufnr = 0, name = 'hunch' })[1]
        return client ~= nil and client.initialized == true
      ]])
    end, 30000)
  end
  return self
end

local function keys_for(text)
  return (text:gsub('<', '<lt>'))
end

local function headless(directory)
  print('# headless Neovim over RPC')
  local file = copy_fixture(directory .. '/headless')
  local original = vim.fn.readfile(file)
  local channel = vim.fn.jobstart({ nvim, '--embed', '--headless', '-n', '-i', 'NONE', '-u', init, file },
    { rpc = true })
  if not check('child Neovim starts', channel > 0, tostring(channel)) then return end
  local nv = remote(channel)
  check('Neovim 0.10+ runs the test', nv.exec("return vim.fn.has('nvim-0.10')") == 1)
  if not check('hunch client attaches to the Python buffer', nv.wait_attached()) then
    vim.fn.jobstop(channel)
    return
  end
  local last = #original -- 1-based number of the `    return` line

  -- Ghost text after a pause in insert mode.
  nv.input('G$a ')
  nv.wait_mode('i')
  local shown = nv.wait_suggestion()
  if not check('a suggestion appears within the timeout', shown, 'stats ' .. repr(nv.stats())) then
    vim.fn.jobstop(channel)
    return
  end
  local suggestion = nv.suggestion()
  local ghost = nv.ghost()
  print('#   suggestion: ' .. repr(suggestion))
  check('one extmark holds the whole suggestion', ghost.count == 1 and ghost.text == suggestion, repr(ghost))
  check('the ghost text sits inline at the cursor',
    ghost.pos == 'inline' and ghost.row == ghost.cursor_row and ghost.col == ghost.cursor_col, repr(ghost))
  local suggested_lines = vim.split(suggestion, '\n', { plain = true })
  check('following lines are virtual lines', ghost.virt_lines == #suggested_lines - 1, repr(ghost))
  check('the buffer is untouched while the ghost shows', vim.deep_equal(nv.lines()[last], '    return '))
  -- The cursor sits after a blank: a suggestion that starts with another blank would leave two.
  check('the suggestion does not repeat the blank before the cursor', not suggestion:match('^[ \t]'),
    repr(suggestion))

  -- Typing the suggestion's first character keeps it, shortened, without a new request.
  local first = suggestion:sub(1, 1)
  local typed = ''
  if first:match('[%w%p ]') and #suggestion > 1 then
    local requests = nv.stats().requests
    nv.input(keys_for(first))
    nv.wait(function() return nv.lines()[last] == '    return ' .. first end)
    vim.wait(300) -- longer than the debounce: a new request would have gone out by now
    check('typing a matching character shortens the ghost', nv.suggestion() == suggestion:sub(2),
      repr(nv.suggestion()))
    check('…without a new request', nv.stats().requests == requests, repr(nv.stats()))
    typed = first
  else
    skip('typing through', 'the suggestion starts with ' .. repr(first))
  end
  local rest = suggestion:sub(#typed + 1)

  -- Accept all.
  nv.input('<Tab>')
  local expected = vim.list_slice(original, 1, last - 1)
  local accepted = vim.split('    return ' .. typed .. rest, '\n', { plain = true })
  vim.list_extend(expected, accepted)
  nv.wait(function() return vim.deep_equal(vim.list_slice(nv.lines(), 1, #expected), expected) end)
  local lines = nv.lines()
  check('Tab inserts exactly the suggestion', vim.deep_equal(vim.list_slice(lines, 1, #expected), expected),
    repr(lines))
  check('no ghost text is left after accepting', nv.ghost().count == 0)
  local cursor = nv.exec('return vim.api.nvim_win_get_cursor(0)')
  check('the cursor ends after the inserted text',
    cursor[1] == #expected and cursor[2] == #expected[#expected], repr(cursor))

  -- One undo step takes the accepted text away.
  nv.input('<Esc>')
  nv.wait_mode('n')
  nv.input('u')
  nv.wait(function() return #nv.lines() == #original end)
  local after_undo = nv.lines()
  local before_accept = vim.deepcopy(original)
  before_accept[last] = '    return ' .. typed
  print('#   after one undo the line is ' .. repr(after_undo[last]))
  check('one undo removes the accepted suggestion',
    vim.deep_equal(after_undo, before_accept) or vim.deep_equal(after_undo, original), repr(after_undo))

  -- Accept word, then line, then dismiss.
  nv.exec('vim.api.nvim_buf_set_lines(0, 0, -1, false, ...)', original)
  nv.input('G$a ')
  nv.wait_mode('i')
  if check('the suggestion comes back', nv.wait_suggestion()) then
    local full = nv.suggestion()
    local word = expected_word(full)
    nv.input('<M-w>')
    nv.wait(function() return nv.lines()[last] ~= '    return ' end)
    local word_lines = vim.split('    return ' .. word, '\n', { plain = true })
    check('accept-word inserts the next word', vim.deep_equal(vim.list_slice(nv.lines(), last, last + #word_lines - 1),
      word_lines), repr(nv.lines()) .. ' word ' .. repr(word))
    local remainder = full:sub(#word + 1)
    if remainder ~= '' then
      check('the rest of the suggestion stays on screen', nv.suggestion() == remainder and nv.ghost().text == remainder,
        repr(nv.ghost()))
      local line_piece = expected_line(remainder)
      local before = nv.lines()
      nv.input('<M-l>')
      nv.wait(function() return not vim.deep_equal(nv.lines(), before) end)
      local joined = table.concat(nv.lines(), '\n')
      check('accept-line inserts the rest of the line',
        joined == table.concat(original, '\n', 1, last - 1) .. '\n    return ' .. word .. line_piece ..
          (last < #original and '\n' .. table.concat(original, '\n', last + 1) or ''), repr(joined))
      if nv.suggestion() then
        local kept = nv.lines()
        nv.input('<C-]>')
        nv.wait(function() return nv.ghost().count == 0 end)
        check('dismiss removes the ghost text', nv.ghost().count == 0 and nv.suggestion() == nil)
        vim.wait(300)
        check('dismiss leaves the buffer as it was', vim.deep_equal(nv.lines(), kept))
      else
        skip('dismiss after accept-line', 'nothing left of the suggestion')
      end
    else
      skip('accept-line', 'the suggestion was a single word')
    end
  end

  -- Cursor moves and leaving insert mode clear the ghost; next/previous cycle when there are several items.
  nv.exec('vim.api.nvim_buf_set_lines(0, 0, -1, false, ...)', original)
  nv.input('<Esc>G$a ')
  nv.wait_mode('i')
  if nv.wait_suggestion() then
    local count = nv.exec("return #require('hunch.suggestion')._items()")
    if count > 1 then
      local one = nv.suggestion()
      nv.input('<M-n>')
      nv.wait(function() return nv.suggestion() ~= one end, 2000)
      local two = nv.suggestion()
      check('next shows another suggestion', two ~= nil and two ~= one and nv.ghost().text == two, repr(two))
      nv.input('<M-p>')
      nv.wait(function() return nv.suggestion() == one end, 2000)
      check('previous goes back', nv.suggestion() == one)
    else
      skip('next/previous', 'the server gave one item')
    end
    -- A change elsewhere in the buffer (a formatter, another window) clears the ghost.
    nv.exec('vim.api.nvim_buf_set_lines(0, 0, 1, false, { "def add(a, b):  # changed" })')
    nv.wait(function() return nv.ghost().count == 0 end, 2000)
    check('a change elsewhere in the buffer clears the ghost', nv.ghost().count == 0)
    check('…and a new suggestion follows', nv.wait_suggestion())
    -- Dismiss, and the ghost stays away until the user does something.
    local before_dismiss = nv.lines()
    local requests = nv.stats().requests
    nv.input('<C-]>')
    nv.wait(function() return nv.ghost().count == 0 end, 2000)
    check('dismiss removes the ghost text', nv.ghost().count == 0 and nv.suggestion() == nil)
    vim.wait(500)
    check('dismiss leaves the buffer and asks nothing new',
      vim.deep_equal(nv.lines(), before_dismiss) and nv.stats().requests == requests and nv.ghost().count == 0,
      repr(nv.stats()))
    -- The next-suggestion key asks at once when nothing is shown.
    nv.input('<M-n>')
    check('the next key brings a suggestion back', nv.wait_suggestion())
    nv.input('<Left>')
    nv.wait(function() return nv.ghost().count == 0 end, 2000)
    check('moving the cursor clears the ghost', nv.ghost().count == 0)
    nv.input('<End>')
    nv.wait_suggestion()
    nv.input('<Esc>')
    nv.wait_mode('n')
    nv.wait(function() return nv.ghost().count == 0 end, 2000)
    check('leaving insert mode clears the ghost', nv.ghost().count == 0)
  else
    check('the suggestion comes back a third time', false)
  end

  -- :checkhealth hunch
  nv.exec('vim.cmd("checkhealth hunch")')
  local report = table.concat(nv.lines(), '\n')
  check('checkhealth reports the server command', report:find('server command:', 1, true) ~= nil, report)
  check('checkhealth lists a pulled model', report:find('pulled', 1, true) ~= nil, report)
  check('checkhealth shows hunch.status', report:find('state: "running"', 1, true) ~= nil, report)
  check('checkhealth has no errors', report:find('ERROR', 1, true) == nil, report)
  vim.fn.jobstop(channel)
end

local function tmux(arguments)
  local output = vim.fn.system(vim.list_extend({ 'tmux' }, arguments))
  return output, vim.v.shell_error
end

local function in_tmux(directory)
  print('# Neovim in tmux')
  if vim.fn.executable('tmux') == 0 then
    check('tmux is installed', false)
    return
  end
  local file = copy_fixture(directory .. '/tmux')
  local socket = directory .. '/tmux-nvim.sock'
  local session = 'hunch-e2e-' .. vim.fn.getpid()
  local command = table.concat(vim.tbl_map(vim.fn.shellescape,
    { nvim, '--listen', socket, '-n', '-i', 'NONE', '-u', init, file }), ' ')
  local _, code = tmux({ 'new-session', '-d', '-s', session, '-x', '120', '-y', '40',
    'env TERM=xterm-256color HUNCH_BIN=' .. vim.fn.shellescape(vim.env.HUNCH_BIN or 'hunch') .. ' ' .. command })
  if not check('tmux session starts', code == 0) then return end
  local function send(...) tmux(vim.list_extend({ 'send-keys', '-t', session }, { ... })) end
  local function screen() return vim.split(tmux({ 'capture-pane', '-p', '-t', session }), '\n', { plain = true }) end
  local function cursor_row()
    local out = tmux({ 'display-message', '-p', '-t', session, '#{cursor_y}' })
    return tonumber(vim.trim(out)) or -1
  end

  local ok = vim.wait(10000, function() return vim.uv.fs_stat(socket) ~= nil end, 50)
  local channel = ok and vim.fn.sockconnect('pipe', socket, { rpc = true }) or 0
  if not check('Neovim in tmux listens', channel > 0) then
    tmux({ 'kill-session', '-t', session })
    return
  end
  local nv = remote(channel)
  if check('hunch client attaches in the terminal Neovim', nv.wait_attached()) then
    send('G', '$', 'a', 'Space')
    nv.wait_mode('i')
    if check('a suggestion appears in the terminal Neovim', nv.wait_suggestion()) then
      local suggestion = nv.suggestion()
      local first_line = vim.split(suggestion, '\n', { plain = true })[1]
      local expected_row = ('    return ' .. first_line):sub(1, 110):gsub('%s+$', '')
      local row, rows
      local visible = vim.wait(3000, function()
        rows, row = screen(), cursor_row()
        local text = rows[row + 1] or ''
        return text:sub(1, #expected_row) == expected_row
      end, 100)
      check('the suggestion is visible at the cursor', visible,
        ('row %d: %s; expected %s'):format(row, repr(rows and rows[row + 1]), repr(expected_row)))
      local later = vim.split(suggestion, '\n', { plain = true })
      local probe = nil
      for i = 2, #later do
        if vim.trim(later[i]) ~= '' then probe = { index = i, text = later[i]:sub(1, 110):gsub('%s+$', '') } break end
      end
      if probe then
        local shown_row = (rows or {})[row + probe.index]
        check('a following suggested line is drawn below the cursor line', shown_row ~= nil
          and shown_row:sub(1, #probe.text) == probe.text, repr(shown_row) .. ' expected ' .. repr(probe.text))
      else
        skip('virtual lines on screen', 'the suggestion has one line')
      end
      send('C-]')
      local gone = vim.wait(3000, function()
        rows, row = screen(), cursor_row()
        return (rows[row + 1] or ''):gsub('%s+$', '') == '    return'
      end, 100)
      check('dismiss clears the suggestion from the screen', gone, repr(rows and rows[row + 1]))
      check('dismiss leaves the buffer line as typed', nv.lines()[9] == '    return ')

      -- Bring it back (a change and a pause) and accept it with Tab.
      send('BSpace')
      vim.wait(200)
      send('Space')
      if nv.wait_suggestion() then
        local again = nv.suggestion()
        send('Tab')
        local expected = vim.split('    return ' .. again, '\n', { plain = true })
        local inserted = nv.wait(function()
          return vim.deep_equal(vim.list_slice(nv.lines(), 9, 8 + #expected), expected)
        end, 3000)
        check('Tab in the terminal inserts the suggestion', inserted, repr(nv.lines()))
        local screen_row = ('    return ' .. vim.split(again, '\n', { plain = true })[1]):sub(1, 110):gsub('%s+$', '')
        check('the accepted text is on screen', vim.wait(3000, function()
          for _, line in ipairs(screen()) do
            if line:sub(1, #screen_row) == screen_row then return true end
          end
          return false
        end, 100))
      else
        check('the suggestion comes back in the terminal', false)
      end
    end
  end
  pcall(vim.fn.chanclose, channel)
  tmux({ 'kill-session', '-t', session })
end

local parts = #_G.arg > 0 and _G.arg or { 'headless', 'tmux' }
local directory = vim.fn.tempname()
for _, part in ipairs(parts) do
  local ok, err = pcall(part == 'tmux' and in_tmux or headless, directory)
  check(part .. ' part ran to the end', ok, tostring(err))
end
vim.fn.delete(directory, 'rf')
if skipped > 0 then print(('%d skipped'):format(skipped)) end
print(('%d passed, %d failed'):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
