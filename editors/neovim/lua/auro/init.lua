-- Auro-PAI for Neovim (0.7.2 and later): the `auro-pai lsp` client plus :AuroChat,
-- :AuroSearch, :AuroReindex, :AuroStatus and a statusline function. See `:help auro`.

local lsp = require('auro.lsp')

local M = {}

M.defaults = {
  -- the server command; `lsp` is its subcommand
  cmd = { 'auro-pai', 'lsp' },
  -- extra environment for the server process (nil: Neovim's own)
  cmd_env = nil,
  -- server settings (camelCase keys); a flat table is wrapped in `auro`. They are sent as
  -- initializationOptions, the user-level source the server trusts for endpoints and paths,
  -- and also answer workspace/configuration (where the server applies only workspace-safe keys)
  settings = {},
  -- more initializationOptions, merged over `settings`
  init_options = nil,
  -- the workspace root is the nearest ancestor holding one of these
  root_markers = { '.git', '.hg', 'pyproject.toml', 'setup.py', 'package.json', 'Cargo.toml', 'go.mod' },
  -- nil: every file buffer; else a list of filetypes
  filetypes = nil,
  -- start the server when a matching buffer opens
  autostart = true,
  name = 'auro',
  capabilities = nil,
  on_attach = nil,
  flags = nil,
  start_timeout_ms = 30000,
  -- define :AuroChat, :AuroSearch, ...
  commands = true,
  chat = {
    include_rag = true,
    include_tools = false,
    -- how the chat window opens
    open = 'botright vsplit',
    -- move the cursor into the chat window
    focus = false,
  },
  search = {
    k = 20,
    -- open the quickfix window after a search
    open_quickfix = true,
    -- pick with vim.ui.select instead (also :AuroSearch!)
    picker = false,
  },
  progress = {
    -- echo indexing progress in the command line
    echo = true,
  },
  -- inline completion (ghost text) in insert mode; see :help auro-inline
  inline = require('auro.inline').defaults,
}

M.config = vim.deepcopy(M.defaults)

-- the last search: {query, done, results, items, error}
M.last_search = nil

local function echo(text, hl, history)
  vim.api.nvim_echo({ { text, hl } }, history ~= false, {})
end

local function echo_lines(lines)
  local chunks = {}
  for i, line in ipairs(lines) do
    table.insert(chunks, { line .. (i < #lines and '\n' or '') })
  end
  vim.api.nvim_echo(chunks, true, {})
end

local function first_line(text)
  for line in tostring(text or ''):gmatch('[^\n]+') do
    local trimmed = vim.trim(line)
    if trimmed ~= '' then
      return trimmed
    end
  end
  return ''
end

-- ---------------------------------------------------------------------------------------
-- search
--
-- Messages from the server are typed with LuaLS annotations (`---@param x auro.Name`, the
-- names of docs/protocol.schema.json); tests/lsp/test_protocol_clients.py checks every field
-- this plugin reads from them against that schema.

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
function M.search_items(results)
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
--- opts: {k, paths, languages, picker, on_done = fn(M.last_search)}
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
  local state = { query = query, done = false }
  M.last_search = state
  ---@type auro.SearchParams
  local params = { query = query, k = opts.k or M.config.search.k, paths = opts.paths, languages = opts.languages }
  lsp.with_client(0, function(client, err)
    local function done()
      state.done = true
      if opts.on_done then
        opts.on_done(state)
      end
    end
    if not client then
      state.error = err
      echo('Auro: ' .. err, 'ErrorMsg')
      return done()
    end
    ---@param result auro.SearchResult
    lsp.request(client, 'auro/search', params, function(e, result)
      if e then
        state.error = e.message or tostring(e.code)
        echo('Auro search failed: ' .. state.error, 'ErrorMsg')
        return done()
      end
      state.results = result and result.results or {}
      state.items = M.search_items(state.results)
      local title = 'Auro search: ' .. query
      vim.fn.setqflist({}, ' ', { title = title, items = state.items })
      if #state.items == 0 then
        local note = ''
        if result and result.complete == false then
          note = ' (the index is still being built)'
        end
        echo('Auro: no results for "' .. query .. '"' .. note, 'WarningMsg')
      elseif opts.picker or M.config.search.picker then
        pick(state.items, title)
      else
        if M.config.search.open_quickfix then
          vim.cmd('botright copen')
        end
        echo(string.format('Auro: %d result(s) for "%s"', #state.items, query), nil, false)
      end
      for _, w in ipairs(result and result.warnings or {}) do
        echo('Auro: ' .. tostring(w), 'WarningMsg')
      end
      done()
    end, 0)
  end)
end

-- ---------------------------------------------------------------------------------------
-- index control and status

---@param s auro.IndexStatus|auro.RootIndexStatus
local function index_line(s)
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

---@param root auro.RootIndexStatus
local function root_line(root)
  return '  ' .. root.root .. ': ' .. index_line(root)
end

--- Calls `cb(status, err)` with the server's `auro/indexStatus` answer.
function M.index_status(cb)
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

--- The last `auro/status` payload ({version, http = {url, host, port, token}, workspaces}).
function M.server_status(client_id)
  if client_id then
    return lsp.status[client_id]
  end
  local client = lsp.clients(0)[1] or lsp.clients()[1]
  return client and lsp.status[client.id] or nil
end

--- The HTTP sidecar's {url, host, port, token}, or nil.
function M.http()
  ---@type auro.ServerStatus
  local status = M.server_status()
  return status and type(status.http) == 'table' and status.http or nil
end

function M.status(opts)
  opts = opts or {}
  ---@param result auro.IndexStatus
  M.index_status(function(result, err, client)
    if not result then
      echo('Auro: ' .. tostring(err), 'ErrorMsg')
      if opts.on_done then
        opts.on_done(nil, err)
      end
      return
    end
    ---@type auro.ServerStatus
    local server = lsp.status[client.id] or {}
    local lines = {
      string.format('Auro-PAI %s (client %d)', server.version or '?', client.id),
      'index: ' .. index_line(result),
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
    echo_lines(lines)
    if opts.on_done then
      opts.on_done(result, nil, lines)
    end
  end)
end

local function command(name, opts)
  lsp.with_client(0, function(client, err)
    if not client then
      echo('Auro: ' .. err, 'ErrorMsg')
      return
    end
    ---@param result auro.IndexStatus
    lsp.request(client, 'workspace/executeCommand', { command = name, arguments = {} }, function(e, result)
      if e then
        echo('Auro: ' .. name .. ' failed: ' .. tostring(e.message or e.code), 'ErrorMsg')
      elseif type(result) == 'table' then
        echo('Auro: ' .. name .. ' -> ' .. index_line(result), nil, false)
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

-- ---------------------------------------------------------------------------------------
-- chat

function M.chat(question, opts)
  opts = opts or {}
  question = vim.trim(question or '')
  local chat = require('auro.chat')
  if question == '' then
    vim.ui.input({ prompt = 'Ask Auro: ' }, function(input)
      if input and vim.trim(input) ~= '' then
        chat.ask(input, opts)
      end
    end)
    return
  end
  chat.ask(question, opts)
end

function M.cancel()
  return require('auro.chat').cancel()
end

-- ---------------------------------------------------------------------------------------
-- inline completion

--- :AuroInline on|off|toggle|status (no argument: toggle).
function M.inline(action)
  require('auro.inline_ui').command(action)
end

-- ---------------------------------------------------------------------------------------
-- statusline

--- The indexing progress as one short line, `Auro: indexing repo: embedding 42%` ('' when
--- idle): the server's title names the root and the phase; without a percentage (a phase
--- whose total is not known yet) the message says how far it is.
function M.status_text()
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

--- `status_text()` as a 'statusline' item: every `%` doubled, since 'statusline' (and
--- `%{%...%}`, `%!`, lualine) read the text as format items. See |auro.statusline()|.
function M.statusline()
  return (M.status_text():gsub('%%', '%%%%'))
end

-- ---------------------------------------------------------------------------------------
-- setup

local function create_commands()
  local create = vim.api.nvim_create_user_command
  create('AuroChat', function(o)
    local range = o.range > 0 and { o.line1, o.line2 } or nil
    M.chat(o.args, { range = range, new_session = o.bang })
  end, { nargs = '*', range = true, bang = true, desc = 'Auro: ask (! starts a new session)' })
  create('AuroChatCancel', function()
    M.cancel()
  end, { desc = 'Auro: stop the streaming answer' })
  create('AuroSearch', function(o)
    M.search(o.args, { picker = o.bang })
  end, { nargs = '*', bang = true, desc = 'Auro: search the codebase (! picks with vim.ui.select)' })
  create('AuroReindex', function()
    M.reindex()
  end, { desc = 'Auro: rebuild the index' })
  create('AuroPause', function()
    M.pause()
  end, { desc = 'Auro: pause indexing' })
  create('AuroResume', function()
    M.resume()
  end, { desc = 'Auro: resume indexing' })
  create('AuroStatus', function()
    M.status()
  end, { desc = 'Auro: index status and sidecar URL' })
  require('auro.inline_ui').create_command()
end

function M.setup(opts)
  local config = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  -- lists replace the defaults rather than merge index by index
  for _, k in ipairs({ 'cmd', 'root_markers', 'filetypes' }) do
    if opts and opts[k] ~= nil then
      config[k] = opts[k]
    end
  end
  if opts and type(opts.inline) == 'table' and opts.inline.disabled_filetypes ~= nil then
    config.inline.disabled_filetypes = opts.inline.disabled_filetypes
  end
  if type(config.settings) == 'table' and config.settings.auro == nil and next(config.settings) then
    config.settings = { auro = config.settings }
  end
  -- everything given to setup() is the user's own configuration: all of it goes in
  -- initializationOptions, since the server refuses endpoints, keys and paths from
  -- workspace/configuration
  local function unwrap(t)
    if type(t) ~= 'table' then
      return {}
    end
    return type(t.auro) == 'table' and t.auro or t
  end
  local init = vim.tbl_extend('force', unwrap(config.settings), unwrap(config.init_options))
  config.init_options = next(init) and { auro = init } or nil
  M.config = config
  lsp.config = config
  if config.commands then
    create_commands()
  end
  require('auro.inline').setup(config.inline)
  lsp.enable()
  return M
end

return M
