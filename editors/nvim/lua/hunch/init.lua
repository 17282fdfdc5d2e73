-- Hunch for Neovim: starts `hunch serve --stdio` for source buffers and shows its suggestions as ghost text.
local config = require('hunch.config')

local M = {}

local group = nil
local warned_missing = false

-- The server command with its program resolved on PATH, or nil and the reason.
function M.resolve_cmd()
  local cmd = vim.deepcopy(config.options.cmd)
  local program = cmd[1]
  if type(program) ~= 'string' or program == '' then return nil, 'setting `cmd` is empty' end
  local path = vim.fn.exepath(vim.fn.expand(program))
  if path == '' then return nil, ('`%s` is not an executable on PATH'):format(program) end
  cmd[1] = path
  return cmd
end

local function settings_object()
  local settings = config.options.settings or {}
  if next(settings) == nil then return vim.empty_dict() end
  return settings
end

local function wanted(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= '' then return false end
  local filetype = vim.bo[bufnr].filetype
  if filetype == '' or vim.tbl_contains(config.options.exclude_filetypes or {}, filetype) then return false end
  if config.options.filetypes and not vim.tbl_contains(config.options.filetypes, filetype) then return false end
  return true
end

-- Starts the server for `bufnr` (or attaches the running one). Returns the client id, or nil.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if not wanted(bufnr) then return nil end
  local cmd, problem = M.resolve_cmd()
  if not cmd then
    if not warned_missing then
      warned_missing = true
      vim.notify('hunch: ' .. problem .. ' (see :checkhealth hunch)', vim.log.levels.WARN)
    end
    return nil
  end
  local capabilities = vim.lsp.protocol.make_client_capabilities()
  capabilities.textDocument = capabilities.textDocument or {}
  capabilities.textDocument.inlineCompletion = { dynamicRegistration = false }
  local root = vim.fs.root(bufnr, config.options.root_markers or {}) or vim.fn.getcwd()
  local settings = settings_object()
  return vim.lsp.start({
    name = 'hunch',
    cmd = cmd,
    root_dir = root,
    capabilities = capabilities,
    init_options = settings,
    settings = settings,
  }, { bufnr = bufnr })
end

-- Sends new settings to running servers (workspace/didChangeConfiguration).
function M.update_settings(settings)
  config.options.settings = vim.tbl_deep_extend('force', config.options.settings or {}, settings or {})
  for _, client in ipairs(vim.lsp.get_clients({ name = 'hunch' })) do
    local params = { settings = { hunch = settings_object() } }
    if vim.fn.has('nvim-0.11') == 1 then client:notify('workspace/didChangeConfiguration', params)
    else client.notify('workspace/didChangeConfiguration', params) end
  end
end

-- Whether the built-in vim.lsp.inline_completion (Neovim 0.12) is in charge instead of our ghost text.
function M.uses_builtin()
  local choice = config.options.builtin_inline_completion
  local available = vim.lsp.inline_completion ~= nil
  if choice == 'auto' then return available end
  return choice == true and available
end

local function termcodes(keys)
  return vim.api.nvim_replace_termcodes(keys, true, false, true)
end

-- Maps `lhs` in insert mode to `action`; when the action has nothing to do the key keeps its usual meaning.
local function map(lhs, action, description)
  if not lhs or lhs == '' then return end
  vim.keymap.set('i', lhs, function()
    if action() then return end
    vim.api.nvim_feedkeys(termcodes(lhs), 'n', false)
  end, { silent = true, desc = 'Hunch: ' .. description })
end

local function set_keymaps(builtin)
  local keys = config.options.keymaps or {}
  if builtin then
    local inline = vim.lsp.inline_completion
    map(keys.accept, function() return inline.get() end, 'accept suggestion')
    map(keys.next, function() inline.select({ count = 1 }) return true end, 'next suggestion')
    map(keys.prev, function() inline.select({ count = -1 }) return true end, 'previous suggestion')
    return
  end
  local suggestion = require('hunch.suggestion')
  map(keys.accept, function() return suggestion.accept('all') end, 'accept suggestion')
  map(keys.accept_word, function() return suggestion.accept('word') end, 'accept next word')
  map(keys.accept_line, function() return suggestion.accept('line') end, 'accept next line')
  map(keys.dismiss, suggestion.dismiss, 'dismiss suggestion')
  map(keys.next, function() return suggestion.cycle(1) end, 'next suggestion')
  map(keys.prev, function() return suggestion.cycle(-1) end, 'previous suggestion')
end

local function define_highlight()
  vim.api.nvim_set_hl(0, config.options.ghost.hl_group, { link = 'Comment', default = true })
end

function M.setup(options)
  if vim.fn.has('nvim-0.10') == 0 then
    vim.notify('hunch: Neovim 0.10 or newer is needed', vim.log.levels.WARN)
    return
  end
  config.apply(options)
  group = vim.api.nvim_create_augroup('hunch', { clear = true })
  define_highlight()
  vim.api.nvim_create_autocmd('ColorScheme', { group = group, callback = define_highlight })

  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    callback = function(event) M.attach(event.buf) end,
  })
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) then M.attach(bufnr) end
  end

  local builtin = M.uses_builtin()
  if config.options.builtin_inline_completion == true and not builtin then
    vim.notify('hunch: vim.lsp.inline_completion needs Neovim 0.12; using Hunch ghost text', vim.log.levels.WARN)
  end
  if builtin then
    vim.lsp.inline_completion.enable(true)
  else
    local suggestion = require('hunch.suggestion')
    vim.api.nvim_create_autocmd('InsertEnter', { group = group, callback = suggestion.on_change })
    vim.api.nvim_create_autocmd({ 'CursorMovedI', 'TextChangedI', 'TextChangedP' }, {
      group = group, callback = suggestion.on_change,
    })
    vim.api.nvim_create_autocmd({ 'InsertLeave', 'BufLeave', 'WinLeave' }, {
      group = group, callback = suggestion.reset,
    })
  end
  set_keymaps(builtin)
  M.did_setup = true
end

-- For :HunchStatus and tests: the server's answer to `hunch.status`, or nil and an error.
function M.server_status(bufnr, timeout_ms)
  local clients = vim.lsp.get_clients({ bufnr = bufnr, name = 'hunch' })
  if #clients == 0 then clients = vim.lsp.get_clients({ name = 'hunch' }) end
  local client = clients[1]
  if not client then return nil, 'no hunch client is running' end
  local params = { command = 'hunch.status', arguments = {} }
  local response, err
  if vim.fn.has('nvim-0.11') == 1 then
    response, err = client:request_sync('workspace/executeCommand', params, timeout_ms or 2000, bufnr or 0)
  else
    response, err = client.request_sync('workspace/executeCommand', params, timeout_ms or 2000, bufnr or 0)
  end
  if not response then return nil, err or 'no answer' end
  if response.err then return nil, response.err.message or vim.inspect(response.err) end
  return response.result
end

function M.enable() require('hunch.suggestion').set_enabled(true) end
function M.disable() require('hunch.suggestion').set_enabled(false) end
function M.toggle()
  local suggestion = require('hunch.suggestion')
  suggestion.set_enabled(not suggestion.is_enabled())
end

return M
