-- For Neovim 0.11's vim.lsp.enable('hunch') without the plugin's setup(): popup completions only (the ghost text
-- needs require('hunch').setup()).
return {
  cmd = { 'hunch', 'serve', '--stdio' },
  root_markers = { '.hunch.json', '.git' },
}
