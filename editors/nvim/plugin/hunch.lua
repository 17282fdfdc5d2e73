-- Commands of the Hunch plugin. Nothing starts until require('hunch').setup() is called.
if vim.g.loaded_hunch then return end
vim.g.loaded_hunch = true

if vim.fn.has('nvim-0.10') == 0 then
  vim.api.nvim_echo({ { 'hunch: Neovim 0.10 or newer is needed', 'WarningMsg' } }, true, {})
  return
end

vim.api.nvim_create_user_command('HunchEnable', function() require('hunch').enable() end,
  { desc = 'Show Hunch suggestions' })
vim.api.nvim_create_user_command('HunchDisable', function() require('hunch').disable() end,
  { desc = 'Stop showing Hunch suggestions' })
vim.api.nvim_create_user_command('HunchToggle', function() require('hunch').toggle() end,
  { desc = 'Toggle Hunch suggestions' })
vim.api.nvim_create_user_command('HunchStatus', function()
  local status, err = require('hunch').server_status(0)
  if not status then
    vim.notify('hunch: ' .. tostring(err), vim.log.levels.WARN)
    return
  end
  local stats = require('hunch.suggestion').stats
  vim.notify(('hunch server: %s\nplugin: %s'):format(vim.inspect(status), vim.inspect(stats)))
end, { desc = 'Show the Hunch server status' })
