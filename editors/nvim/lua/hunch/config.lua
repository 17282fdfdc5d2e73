-- Settings of the Hunch plugin: defaults, merged with what the user passes to setup().
local M = {}

M.defaults = {
  -- The language server command; the first element is looked up on PATH.
  cmd = { 'hunch', 'serve', '--stdio' },
  -- Filetypes to attach to; nil means every normal file buffer that has a filetype.
  filetypes = nil,
  -- Filetypes never to attach to (even when `filetypes` is nil).
  exclude_filetypes = { 'help', 'gitcommit', 'gitrebase', 'TelescopePrompt', 'qf', 'netrw' },
  -- Markers that mark a project root (the server reads `.hunch.json` there); fallback is the current directory.
  root_markers = { '.hunch.json', '.git' },
  -- Sent as initializationOptions and with workspace/didChangeConfiguration, e.g. { debounceMilliseconds = 20 }.
  settings = {},
  ghost = {
    -- Show suggestions as ghost text automatically while typing.
    enabled = true,
    -- Milliseconds of quiet in insert mode before asking for a suggestion.
    debounce_ms = 150,
    -- Highlight group of the ghost text (linked to Comment unless the colour scheme defines it).
    hl_group = 'HunchSuggestion',
  },
  -- Insert-mode keys; false disables one. When no suggestion is shown, accept keys fall back to their usual meaning.
  keymaps = {
    accept = '<Tab>',
    accept_word = '<M-w>',
    accept_line = '<M-l>',
    dismiss = '<C-]>',
    next = '<M-n>',
    prev = '<M-p>',
  },
  -- Neovim 0.12 brings vim.lsp.inline_completion. true: use it instead of this plugin's ghost text; 'auto': use it
  -- when it exists; false: always use this plugin's ghost text.
  builtin_inline_completion = false,
}

local function deep_merge(base, override)
  if type(base) ~= 'table' or type(override) ~= 'table' or vim.islist(override) then
    if override == nil then return base end
    return override
  end
  local merged = {}
  for key, value in pairs(base) do merged[key] = value end
  for key, value in pairs(override) do merged[key] = deep_merge(base[key], value) end
  return merged
end

M.options = vim.deepcopy(M.defaults)

function M.apply(user)
  M.options = deep_merge(vim.deepcopy(M.defaults), user or {})
  if type(M.options.cmd) == 'string' then M.options.cmd = { M.options.cmd, 'serve', '--stdio' } end
  return M.options
end

return M
