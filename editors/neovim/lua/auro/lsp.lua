-- Client management for the Auro-PAI language server across Neovim versions:
--   0.11+      vim.lsp.config('auro', ...) + vim.lsp.enable('auro')
--   0.8-0.10   vim.lsp.start() from a BufReadPost/BufNewFile (or FileType) autocmd
--   0.7        vim.lsp.start_client() + vim.lsp.buf_attach_client()
-- plus the handlers for the server's custom notifications and `$/progress`.

local M = {}

local uv = vim.uv or vim.loop

M.has_011 = vim.fn.has('nvim-0.11') == 1
M.has_08 = vim.fn.has('nvim-0.8') == 1

-- filled by setup()
M.config = nil
-- client_id -> last `auro/status` payload
M.status = {}
-- "client_id:token" -> {client_id, token, title, message, percentage, done, updated}
M.progress = {}
-- custom notification handlers registered by other modules: method -> fn(result, ctx)
M.listeners = {}
-- root -> client id (0.7 - 0.10 only: the 0.11 path lets vim.lsp track it)
local by_root = {}

-- ---------------------------------------------------------------------------------------
-- small compatibility helpers

--- Runs `fn` now, or on the main loop when called from a fast (luv) callback.
function M.in_main(fn)
  if vim.in_fast_event() then
    vim.schedule(fn)
  else
    fn()
  end
end

function M.request(client, method, params, handler, bufnr)
  if M.has_011 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

function M.request_sync(client, method, params, timeout_ms, bufnr)
  if M.has_011 then
    return client:request_sync(method, params, timeout_ms, bufnr)
  end
  return client.request_sync(method, params, timeout_ms, bufnr)
end

function M.cancel_request(client, id)
  if M.has_011 then
    return client:cancel_request(id)
  end
  return client.cancel_request(id)
end

function M.is_stopped(client)
  if M.has_011 then
    return client:is_stopped()
  end
  return client.is_stopped()
end

--- Every running Auro client, optionally only those attached to `bufnr`.
function M.clients(bufnr)
  local name = M.config and M.config.name or 'auro'
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ name = name, bufnr = bufnr })
  end
  local out = {}
  for _, client in pairs(vim.lsp.get_active_clients()) do
    if client.name == name and (bufnr == nil or vim.lsp.buf_is_attached(bufnr, client.id)) then
      table.insert(out, client)
    end
  end
  return out
end

local function exists(path)
  return uv.fs_stat(path) ~= nil
end

local function parent(dir)
  local up = vim.fn.fnamemodify(dir, ':h')
  if up == dir then
    return nil
  end
  return up
end

--- The nearest ancestor of `path` holding one of the root markers; else the cwd when `path`
--- is inside it; else the file's own directory.
function M.find_root(path)
  local markers = M.config.root_markers
  local dir = path
  if dir == '' then
    dir = vim.fn.getcwd()
  elseif vim.fn.isdirectory(dir) == 0 then
    dir = vim.fn.fnamemodify(dir, ':p:h')
  end
  local cur = dir
  while cur do
    for _, marker in ipairs(markers) do
      if exists(cur .. '/' .. marker) then
        return cur
      end
    end
    cur = parent(cur)
  end
  local cwd = vim.fn.getcwd()
  if dir:sub(1, #cwd + 1) == cwd .. '/' or dir == cwd then
    return cwd
  end
  return dir
end

local function is_file_buffer(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= '' then
    return false
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  return name ~= '' and not name:match('^%a[%w+.-]*://')
end
M.is_file_buffer = is_file_buffer

-- ---------------------------------------------------------------------------------------
-- progress

local function progress_text(p)
  local text = p.title or 'Auro'
  if p.message and p.message ~= '' then
    text = text .. ': ' .. p.message
  end
  if p.percentage then
    text = text .. string.format(' (%d%%%%)', p.percentage)
  end
  return text
end

local last_echo = 0

local function on_progress(client_id, result)
  if type(result) ~= 'table' or type(result.value) ~= 'table' then
    return
  end
  local key = client_id .. ':' .. tostring(result.token)
  local value = result.value
  local entry = M.progress[key]
  if value.kind == 'begin' or entry == nil then
    entry = { client_id = client_id, token = result.token }
    M.progress[key] = entry
  end
  if value.title then
    entry.title = value.title
  end
  if value.message then
    entry.message = value.message
  end
  if value.percentage then
    entry.percentage = value.percentage
  end
  entry.done = value.kind == 'end'
  entry.updated = uv.now()
  M.progress_events = (M.progress_events or 0) + 1

  local echo = M.config and M.config.progress and M.config.progress.echo
  if echo then
    local now = uv.now()
    if value.kind ~= 'report' or now - last_echo > 1000 then
      last_echo = now
      local text = progress_text(entry):gsub('%%%%', '%%')
      if entry.done then
        text = text .. ' - done'
      end
      -- one short line: a long echo would stop for a hit-enter prompt
      local width = math.max(20, vim.o.columns - 15)
      if #text > width then
        text = text:sub(1, width - 3) .. '...'
      end
      vim.api.nvim_echo({ { text } }, false, {})
    end
  end
  pcall(vim.api.nvim_exec_autocmds, 'User', { pattern = 'AuroProgress', modeline = false })
  pcall(vim.cmd, 'redrawstatus')
end

--- The newest unfinished progress entry (for the statusline), or nil.
function M.active_progress()
  local best
  for _, p in pairs(M.progress) do
    if not p.done and (best == nil or p.updated > best.updated) then
      best = p
    end
  end
  return best
end
M.progress_text = progress_text

-- ---------------------------------------------------------------------------------------
-- handlers

local function notify_listeners(method, result, ctx)
  local fn = M.listeners[method]
  if fn then
    M.in_main(function()
      fn(result, ctx)
    end)
  end
end

function M.handlers()
  return {
    ['auro/chatChunk'] = function(_, result, ctx)
      notify_listeners('auro/chatChunk', result, ctx)
    end,
    ['auro/status'] = function(_, result, ctx)
      M.status[ctx.client_id] = result
      notify_listeners('auro/status', result, ctx)
    end,
    ['$/progress'] = function(err, result, ctx, cfg)
      local default = vim.lsp.handlers['$/progress']
      local ret
      if default then
        ret = default(err, result, ctx, cfg)
      end
      M.in_main(function()
        on_progress(ctx.client_id, result)
      end)
      return ret
    end,
  }
end

-- ---------------------------------------------------------------------------------------
-- starting and attaching

local function basename(path)
  return vim.fn.fnamemodify(path, ':t')
end

function M.client_config(root)
  local cfg = M.config
  local conf = {
    name = cfg.name,
    cmd = cfg.cmd,
    cmd_env = cfg.cmd_env,
    settings = cfg.settings,
    init_options = cfg.init_options,
    handlers = M.handlers(),
    capabilities = cfg.capabilities,
    on_attach = cfg.on_attach,
    flags = cfg.flags,
  }
  if root then
    conf.root_dir = root
    conf.workspace_folders = { { uri = vim.uri_from_fname(root), name = basename(root) } }
  end
  -- AI edits are reviewed in a diff before they land (lua/auro/preview.lua)
  return require('auro.preview').hook(conf)
end

local function track(root, id)
  if id then
    by_root[root] = id
  end
  return id
end

local function live_client_for_root(root)
  local id = by_root[root]
  if id then
    local client = vim.lsp.get_client_by_id(id)
    if client and not M.is_stopped(client) then
      return client
    end
    by_root[root] = nil
  end
  for _, client in ipairs(M.clients()) do
    if client.config.root_dir == root then
      return client
    end
  end
  return nil
end

--- Starts (or reuses) the client for `root` without attaching any buffer.
function M.start_detached(root)
  local client = live_client_for_root(root)
  if client then
    return client
  end
  local id
  if M.has_011 then
    id = vim.lsp.start(M.client_config(root), { attach = false })
  else
    id = vim.lsp.start_client(M.client_config(root))
  end
  track(root, id)
  return id and vim.lsp.get_client_by_id(id)
end

--- Attaches `bufnr` (a file buffer) to the client of its root, starting it if needed.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if not is_file_buffer(bufnr) then
    return nil
  end
  local ft = M.config.filetypes
  if ft and not vim.tbl_contains(ft, vim.bo[bufnr].filetype) then
    return nil
  end
  local root = M.find_root(vim.api.nvim_buf_get_name(bufnr))
  if M.has_08 then
    -- vim.lsp.start reuses a client with the same name and root_dir
    local id = vim.lsp.start(M.client_config(root), { bufnr = bufnr })
    return track(root, id)
  end
  local client = live_client_for_root(root)
  local id = client and client.id or track(root, vim.lsp.start_client(M.client_config(root)))
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

--- Registers the autostart: `vim.lsp.enable` on 0.11+, an autocmd before.
function M.enable()
  local cfg = M.config
  if M.has_011 then
    local conf = M.client_config(nil)
    conf.root_markers = cfg.root_markers
    conf.filetypes = cfg.filetypes
    conf.workspace_required = false
    vim.lsp.config(cfg.name, conf)
    if cfg.autostart then
      vim.lsp.enable(cfg.name)
    end
    return
  end
  if not cfg.autostart then
    return
  end
  local group = vim.api.nvim_create_augroup('auro_lsp', { clear = true })
  local events = cfg.filetypes and { 'FileType' } or { 'BufReadPost', 'BufNewFile' }
  vim.api.nvim_create_autocmd(events, {
    group = group,
    pattern = cfg.filetypes or '*',
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  -- buffers already open when setup() runs
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and is_file_buffer(bufnr) then
      M.attach(bufnr)
    end
  end
end

--- Calls `cb(client)` once an Auro client for `bufnr` (or any, or a new one for the cwd's
--- root) has finished initializing; `cb(nil, err)` after the timeout.
function M.with_client(bufnr, cb)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local client = M.clients(bufnr)[1]
  if not client and is_file_buffer(bufnr) then
    local id = M.attach(bufnr)
    client = id and vim.lsp.get_client_by_id(id)
  end
  client = client or M.clients()[1]
  if not client then
    client = M.start_detached(M.find_root(vim.fn.getcwd()))
  end
  if not client then
    cb(nil, 'could not start the Auro-PAI server: ' .. table.concat(M.config.cmd, ' '))
    return
  end
  local waited = 0
  local finished = false
  local timer = uv.new_timer()
  local function finish(...)
    finished = true
    timer:stop()
    if not timer:is_closing() then
      timer:close()
    end
    cb(...)
  end
  local function check()
    if finished then
      return -- a tick queued before the timer stopped
    end
    if client.initialized and not M.is_stopped(client) then
      finish(client)
    elseif M.is_stopped(client) or waited >= M.config.start_timeout_ms then
      finish(nil, 'the Auro-PAI server did not start (see :LspLog)')
    end
    waited = waited + 50
  end
  timer:start(0, 50, vim.schedule_wrap(check))
end

return M
