-- :AuroSearch - `auro/search` results in the quickfix list (or a vim.ui.select picker).
--
-- Messages from the server are typed with LuaLS annotations (`---@param x auro.Name`, the
-- names of docs/protocol.schema.json); tests/lsp/test_protocol_clients.py checks every field
-- this plugin reads from them against that schema.

local lsp = require('auro.lsp')
local echo = require('auro.echo')

local M = {}

-- the last search: {query, done, results, items, error}
M.last = nil

local function first_line(text)
  for line in tostring(text or ''):gmatch('[^\n]+') do
    local trimmed = vim.trim(line)
    if trimmed ~= '' then
      return trimmed
    end
  end
  return ''
end

---@param r auro.SearchHit
local function result_file(r)
  if type(r.location) == 'table' and type(r.location.uri) == 'string' then
    return vim.uri_to_fname(r.location.uri)
  end
  if type(r.root) == 'string' then
    return r.root .. '/' .. r.path
  end
  return r.path
end

---@param r auro.SearchHit
local function search_item(r)
  local text = first_line(r.snippet)
  if type(r.symbol) == 'string' and r.symbol ~= '' then
    text = r.symbol .. ': ' .. text
  end
  return {
    filename = result_file(r),
    lnum = r.startLine or 1,
    end_lnum = r.endLine,
    col = 1,
    text = text,
  }
end

--- Quickfix items for `auro/search` results.
function M.items(results)
  local items = {}
  for _, r in ipairs(results or {}) do
    table.insert(items, search_item(r))
  end
  return items
end

local function pick(items, title)
  vim.ui.select(items, {
    prompt = title,
    format_item = function(item)
      return string.format('%s:%d  %s', vim.fn.fnamemodify(item.filename, ':~:.'), item.lnum, item.text)
    end,
  }, function(choice)
    if choice then
      vim.cmd('edit ' .. vim.fn.fnameescape(choice.filename))
      pcall(vim.api.nvim_win_set_cursor, 0, { choice.lnum, 0 })
    end
  end)
end

--- Searches the codebase; results go to the quickfix list (or a picker).
--- opts: {k, paths, languages, picker, on_done = fn(M.last)}
function M.search(query, opts)
  opts = opts or {}
  query = vim.trim(query or '')
  if query == '' then
    vim.ui.input({ prompt = 'Auro search: ' }, function(input)
      if input and vim.trim(input) ~= '' then
        M.search(input, opts)
      end
    end)
    return
  end
  local config = require('auro').config.search
  local state = { query = query, done = false }
  M.last = state
  ---@type auro.SearchParams
  local params = { query = query, k = opts.k or config.k, paths = opts.paths, languages = opts.languages }
  lsp.with_client(0, function(client, err)
    local function done()
      state.done = true
      if opts.on_done then
        opts.on_done(state)
      end
    end
    if not client then
      state.error = err
      echo.text('Auro: ' .. err, 'ErrorMsg')
      return done()
    end
    ---@param result auro.SearchResult
    lsp.request(client, 'auro/search', params, function(e, result)
      if e then
        state.error = e.message or tostring(e.code)
        echo.text('Auro search failed: ' .. state.error, 'ErrorMsg')
        return done()
      end
      state.results = result and result.results or {}
      state.items = M.items(state.results)
      local title = 'Auro search: ' .. query
      vim.fn.setqflist({}, ' ', { title = title, items = state.items })
      if #state.items == 0 then
        local note = ''
        if result and result.complete == false then
          note = ' (the index is still being built)'
        end
        echo.text('Auro: no results for "' .. query .. '"' .. note, 'WarningMsg')
      elseif opts.picker or config.picker then
        pick(state.items, title)
      else
        if config.open_quickfix then
          vim.cmd('botright copen')
        end
        echo.text(string.format('Auro: %d result(s) for "%s"', #state.items, query), nil, false)
      end
      for _, w in ipairs(result and result.warnings or {}) do
        echo.text('Auro: ' .. tostring(w), 'WarningMsg')
      end
      done()
    end, 0)
  end)
end

return M
