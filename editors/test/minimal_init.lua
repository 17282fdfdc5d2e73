-- Minimal Neovim configuration for the Hunch editor tests: only this plugin, the server from HUNCH_BIN.
local here = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h')
local plugin = vim.fn.fnamemodify(here .. '/../nvim', ':p')
vim.opt.runtimepath:prepend(plugin)
vim.opt.swapfile = false
vim.opt.shortmess:append('IF')
vim.opt.cmdheight = 2
vim.opt.more = false
vim.opt.showmode = true

local bin = vim.env.HUNCH_BIN
if bin == nil or bin == '' then bin = 'hunch' end

require('hunch').setup({
  cmd = { bin, 'serve', '--stdio' },
  ghost = { debounce_ms = tonumber(vim.env.HUNCH_TEST_DEBOUNCE_MS or '') or 100 },
})
