-- :checkhealth hunch — the binary, its models, and the running server's status.
local M = {}

local health = vim.health

local function run(cmd, timeout_ms)
  local ok, process = pcall(vim.system, cmd, { text = true })
  if not ok then return nil, tostring(process) end
  local result = process:wait(timeout_ms)
  if result.signal ~= 0 and result.code == 0 then return nil, 'timed out' end
  return result
end

function M.check()
  local hunch = require('hunch')
  local config = require('hunch.config')

  health.start('hunch: binary')
  if vim.fn.has('nvim-0.10') == 0 then health.error('Neovim 0.10 or newer is needed') end
  local cmd, problem = hunch.resolve_cmd()
  if not cmd then
    health.error(problem, { 'Put `hunch` on PATH or pass `cmd = { "/path/to/hunch", "serve", "--stdio" }` to setup()' })
    return
  end
  health.ok(('server command: %s'):format(table.concat(cmd, ' ')))
  if not hunch.did_setup then health.warn("require('hunch').setup() has not been called") end
  if hunch.uses_builtin() then
    health.info('ghost text: Neovim\'s built-in vim.lsp.inline_completion')
  else
    health.info(('ghost text: Hunch (debounce %d ms)'):format(config.options.ghost.debounce_ms))
  end

  health.start('hunch: models')
  local result, err = run({ cmd[1], 'models', 'list' }, 10000)
  if not result then
    health.error('`hunch models list` failed: ' .. tostring(err))
  elseif result.code ~= 0 then
    health.error(('`hunch models list` exited with %d: %s'):format(result.code, vim.trim(result.stderr or '')))
  else
    local any_pulled = false
    for _, line in ipairs(vim.split(vim.trim(result.stdout or ''), '\n', { plain = true })) do
      if line:find('pulled', 1, true) and not line:find('not pulled', 1, true) then
        any_pulled = true
        health.ok(line)
      elseif line ~= '' then
        health.info(line)
      end
    end
    if not any_pulled then health.warn('no model is pulled', { 'Run `hunch models pull`' }) end
  end

  health.start('hunch: server')
  local clients = vim.lsp.get_clients({ name = 'hunch' })
  if #clients == 0 then
    health.info('no hunch client is running (open a source file to start one)')
    return
  end
  for _, client in ipairs(clients) do
    health.ok(('client %d: root %s, positions %s'):format(client.id, client.root_dir or '?',
      client.offset_encoding or '?'))
  end
  local status, status_err = hunch.server_status(nil, 3000)
  if not status then
    health.error('hunch.status failed: ' .. tostring(status_err))
    return
  end
  local keys = vim.tbl_keys(status)
  table.sort(keys)
  for _, key in ipairs(keys) do health.info(('%s: %s'):format(key, vim.inspect(status[key]))) end
  if status.state and status.state ~= 'running' then health.warn('server state is ' .. tostring(status.state)) end
  local stats = require('hunch.suggestion').stats
  health.info(('plugin: %d requests, %d shown, %d accepted'):format(stats.requests, stats.shown, stats.accepted))
end

return M
