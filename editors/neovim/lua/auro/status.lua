-- What the user sees of the server's state: the :AuroStatus report, the sidecar's address,
-- and the indexing progress as a statusline item.

local lsp = require('auro.lsp')
local echo = require('auro.echo')
local index = require('auro.index')

local M = {}

--- The last `auro/status` payload ({version, http = {url, host, port, token}, workspaces}).
function M.server(client_id)
  if client_id then
    return lsp.status[client_id]
  end
  local client = lsp.clients(0)[1] or lsp.clients()[1]
  return client and lsp.status[client.id] or nil
end

--- The HTTP sidecar's {url, host, port, token}, or nil.
function M.http()
  ---@type auro.ServerStatus
  local status = M.server()
  return status and type(status.http) == 'table' and status.http or nil
end

---@param root auro.RootIndexStatus
local function root_line(root)
  return '  ' .. root.root .. ': ' .. index.line(root)
end

--- :AuroStatus - the version, the index (and each root), the sidecar URL and any progress.
function M.report(opts)
  opts = opts or {}
  ---@param result auro.IndexStatus
  index.status(function(result, err, client)
    if not result then
      echo.text('Auro: ' .. tostring(err), 'ErrorMsg')
      if opts.on_done then
        opts.on_done(nil, err)
      end
      return
    end
    ---@type auro.ServerStatus
    local server = lsp.status[client.id] or {}
    local lines = {
      string.format('Auro-PAI %s (client %d)', server.version or '?', client.id),
      'index: ' .. index.line(result),
    }
    for _, root in ipairs(result.roots or {}) do
      table.insert(lines, root_line(root))
    end
    ---@type auro.HttpInfo
    local http = type(server.http) == 'table' and server.http or nil
    if http then
      table.insert(lines, 'sidecar: ' .. tostring(http.url) .. ' (web UI at /; token: require("auro").http().token)')
    else
      table.insert(lines, 'sidecar: not running')
    end
    local p = lsp.active_progress()
    if p then
      local text = lsp.progress_text(p):gsub('%%%%', '%%')
      table.insert(lines, 'progress: ' .. text)
    end
    echo.lines(lines)
    if opts.on_done then
      opts.on_done(result, nil, lines)
    end
  end)
end

--- The indexing progress as one short line, `Auro: indexing repo: embedding 42%` ('' when
--- idle): the server's title names the root and the phase; without a percentage (a phase
--- whose total is not known yet) the message says how far it is.
function M.text()
  local p = lsp.active_progress()
  if not p then
    return ''
  end
  local text = (p.title or 'Auro'):gsub('^Auro: ', '')
  if p.percentage then
    text = text .. string.format(' %d%%', p.percentage)
  elseif p.message and p.message ~= '' then
    text = text .. ' ' .. p.message
  end
  return 'Auro: ' .. text
end

--- `text()` as a 'statusline' item: every `%` doubled, since 'statusline' (and
--- `%{%...%}`, `%!`, lualine) read the text as format items. See |auro.statusline()|.
function M.statusline()
  return (M.text():gsub('%%', '%%%%'))
end

return M
