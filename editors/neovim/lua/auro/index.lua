-- Index control: asks for the index's state and runs the server's reindex / pause /
-- resume commands, reporting each outcome in one line.

local lsp = require('auro.lsp')
local echo = require('auro.echo')

local M = {}

--- One line for the whole index or for one root.
---@param s auro.IndexStatus|auro.RootIndexStatus
function M.line(s)
  return string.format(
    '%s%s: %d/%d files keyword-indexed, %d embedded, %d chunks',
    s.state or '?',
    s.complete and ' (complete)' or '',
    s.filesKeywordIndexed or 0,
    s.filesTotal or 0,
    s.filesEmbedded or 0,
    s.chunks or 0
  )
end

--- Calls `cb(status, err, client)` with the server's `auro/indexStatus` answer.
function M.status(cb)
  lsp.with_client(0, function(client, err)
    if not client then
      return cb(nil, err)
    end
    ---@param result auro.IndexStatus
    lsp.request(client, 'auro/indexStatus', vim.empty_dict(), function(e, result)
      cb(result, e and (e.message or tostring(e.code)) or nil, client)
    end, 0)
  end)
end

local function command(name, opts)
  lsp.with_client(0, function(client, err)
    if not client then
      echo.text('Auro: ' .. err, 'ErrorMsg')
      return
    end
    ---@param result auro.IndexStatus
    lsp.request(client, 'workspace/executeCommand', { command = name, arguments = {} }, function(e, result)
      if e then
        echo.text('Auro: ' .. name .. ' failed: ' .. tostring(e.message or e.code), 'ErrorMsg')
      elseif type(result) == 'table' then
        echo.text('Auro: ' .. name .. ' -> ' .. M.line(result), nil, false)
      end
      if opts and opts.on_done then
        opts.on_done(result, e)
      end
    end, 0)
  end)
end

function M.reindex(opts)
  command('auro.reindex', opts)
end

function M.pause(opts)
  command('auro.pauseIndexing', opts)
end

function M.resume(opts)
  command('auro.resumeIndexing', opts)
end

return M
