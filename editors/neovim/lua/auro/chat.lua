-- :AuroChat - one scratch buffer that fills as `auro/chatChunk` notifications arrive.
-- Chunks are routed to the turn by the JSON-RPC request id the server echoes as `requestId`
-- (then by `sessionId`), put in order by `index`; <C-c> in the buffer cancels the turn
-- with $/cancelRequest.

local lsp = require('auro.lsp')

local M = {}

local REQUEST_CANCELLED = -32800
local BUF_NAME = 'auro://chat'

-- the chat buffer's state
M.buf = nil
M.session_id = nil
-- the turn in flight (or the last one): {client_id, request_id, session_id, question,
-- next_index, pending, text, chunks, done, status, truncated, notices}
M.turn = nil
-- "client_id:request_id" -> turn
local turns = {}

local function key(client_id, request_id)
  return tostring(client_id) .. ':' .. tostring(request_id)
end

local function with_modifiable(buf, fn)
  vim.bo[buf].modifiable = true
  local ok, err = pcall(fn)
  vim.bo[buf].modifiable = false
  if not ok then
    error(err)
  end
end

local function scroll_to_end(buf)
  local last = vim.api.nvim_buf_line_count(buf)
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    pcall(vim.api.nvim_win_set_cursor, win, { last, 0 })
  end
end

--- Appends `text` (which may hold newlines) at the end of the buffer's last line.
local function append_text(buf, text)
  if text == nil or text == '' then
    return
  end
  with_modifiable(buf, function()
    local last = vim.api.nvim_buf_line_count(buf)
    local line = vim.api.nvim_buf_get_lines(buf, last - 1, last, false)[1] or ''
    local parts = vim.split(text, '\n', { plain = true })
    parts[1] = line .. parts[1]
    vim.api.nvim_buf_set_lines(buf, last - 1, last, false, parts)
  end)
  scroll_to_end(buf)
end

--- Appends whole lines after the last one.
local function append_lines(buf, lines)
  with_modifiable(buf, function()
    local last = vim.api.nvim_buf_line_count(buf)
    local first = vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1]
    if last == 1 and first == '' then
      vim.api.nvim_buf_set_lines(buf, 0, 1, false, lines)
    else
      vim.api.nvim_buf_set_lines(buf, last, last, false, lines)
    end
  end)
  scroll_to_end(buf)
end

local function buffer()
  if M.buf and vim.api.nvim_buf_is_valid(M.buf) then
    return M.buf
  end
  local buf = vim.api.nvim_create_buf(false, true)
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'hide'
  vim.bo[buf].swapfile = false
  vim.bo[buf].modifiable = false
  pcall(vim.api.nvim_buf_set_name, buf, BUF_NAME)
  vim.bo[buf].filetype = 'markdown'
  vim.keymap.set('n', '<C-c>', function()
    M.cancel()
  end, { buffer = buf, desc = 'Auro: cancel the answer' })
  vim.keymap.set('n', 'q', '<cmd>close<cr>', { buffer = buf, desc = 'Auro: close the chat' })
  M.buf = buf
  return buf
end

local function show(buf)
  if #vim.fn.win_findbuf(buf) > 0 then
    return
  end
  local cur = vim.api.nvim_get_current_win()
  vim.cmd(require('auro').config.chat.open)
  vim.api.nvim_win_set_buf(0, buf)
  vim.wo.wrap = true
  vim.wo.linebreak = true
  if not require('auro').config.chat.focus then
    vim.api.nvim_set_current_win(cur)
  end
end

local function flush(turn)
  while turn.pending[turn.next_index] do
    local text = turn.pending[turn.next_index]
    turn.pending[turn.next_index] = nil
    turn.next_index = turn.next_index + 1
    turn.chunks = turn.chunks + 1
    turn.text = turn.text .. text
    append_text(M.buf, text)
  end
end

--- `auro/chatChunk` handler: {requestId, sessionId, index, text}.
---@param chunk auro.ChatChunk
function M.on_chunk(chunk, ctx)
  if type(chunk) ~= 'table' or type(chunk.text) ~= 'string' then
    return
  end
  local turn = turns[key(ctx.client_id, chunk.requestId)]
  if not turn and chunk.sessionId then
    for _, t in pairs(turns) do
      if t.client_id == ctx.client_id and t.session_id == chunk.sessionId and not t.done then
        turn = t
      end
    end
  end
  if not turn or turn.done or not M.buf or not vim.api.nvim_buf_is_valid(M.buf) then
    return
  end
  turn.session_id = turn.session_id or chunk.sessionId
  local index = tonumber(chunk.index) or turn.next_index
  if index < turn.next_index then
    return -- a repeat
  end
  turn.pending[index] = chunk.text
  flush(turn)
end

local function relative(path)
  return vim.fn.fnamemodify(path, ':~:.')
end

---@param c auro.CodeCitation|auro.WebCitation
local function citation_line(c)
  if c.uri then
    local line = c.range and c.range.start and (c.range.start.line + 1) or 1
    -- the server's workspace-relative path (as in search results), else the file's own
    local path = type(c.path) == 'string' and type(c.root) == 'string' and c.path or relative(vim.uri_to_fname(c.uri))
    local text = string.format('- %s:%d', path, line)
    if type(c.symbol) == 'string' and c.symbol ~= '' then
      text = text .. ' ' .. c.symbol
    end
    return text
  elseif c.url then
    return '- ' .. (type(c.title) == 'string' and (c.title .. ' ') or '') .. c.url
  end
  return nil
end

local function citation_lines(citations)
  local lines = {}
  for _, c in ipairs(citations or {}) do
    if type(c) == 'table' then
      table.insert(lines, citation_line(c))
    end
  end
  if #lines > 0 then
    table.insert(lines, 1, 'Sources:')
  end
  return lines
end

--- What the user must know about the answer, as Markdown quotes: context that was cut or
--- left out to fit the model's window, and an answer that was cut off.
---@param result auro.ChatResult
local function notice_lines(result)
  local lines = {}
  for _, notice in ipairs(type(result.notices) == 'table' and result.notices or {}) do
    if type(notice) == 'string' and notice ~= '' then
      table.insert(lines, '> ' .. notice)
    end
  end
  if result.truncated == true and #lines == 0 then
    table.insert(lines, '> The answer was cut off.')
  end
  return lines
end

---@param result auro.ChatResult
local function finish(turn, err, result)
  if turn.done then
    return
  end
  turn.done = true
  turns[key(turn.client_id, turn.request_id)] = nil
  local buf = M.buf
  if not buf or not vim.api.nvim_buf_is_valid(buf) then
    return
  end
  flush(turn)
  local tail = {}
  if err then
    if err.code == REQUEST_CANCELLED or turn.cancelled then
      turn.status = 'cancelled'
      tail = { '', '[cancelled]' }
    else
      turn.status = 'error'
      tail = { '', '[error: ' .. tostring(err.message or err.code) .. ']' }
    end
  elseif type(result) == 'table' then
    turn.status = result.status or 'completed'
    if type(result.sessionId) == 'string' then
      turn.session_id = result.sessionId
      M.session_id = result.sessionId
    end
    if turn.chunks == 0 and type(result.text) == 'string' then
      turn.text = result.text
      append_text(buf, result.text)
    end
    if turn.status ~= 'completed' then
      local reason = type(result.error) == 'string' and (': ' .. result.error) or ''
      table.insert(tail, '')
      table.insert(tail, '[' .. turn.status .. reason .. ']')
    end
    turn.truncated = result.truncated == true
    turn.notices = notice_lines(result)
    if #turn.notices > 0 then
      table.insert(tail, '')
      vim.list_extend(tail, turn.notices)
    end
    local sources = citation_lines(result.citations)
    if #sources > 0 then
      table.insert(tail, '')
      vim.list_extend(tail, sources)
    end
  end
  table.insert(tail, '')
  append_lines(buf, tail)
  pcall(vim.api.nvim_exec_autocmds, 'User', { pattern = 'AuroChatDone', modeline = false })
end

--- Cancels the turn in flight ($/cancelRequest).
function M.cancel()
  local turn = M.turn
  if not turn or turn.done then
    vim.api.nvim_echo({ { 'Auro: no answer in progress' } }, false, {})
    return false
  end
  local client = turn.client_id and vim.lsp.get_client_by_id(turn.client_id)
  turn.cancelled = true
  if client and turn.request_id then
    lsp.cancel_request(client, turn.request_id)
  end
  -- the server answers the cancelled request with an error; don't wait for it to show
  vim.defer_fn(function()
    finish(turn, { code = REQUEST_CANCELLED, message = 'cancelled' })
  end, 2000)
  return true
end

--- Sends `question`; opts: {new_session, bufnr, range = {line1, line2}}.
function M.ask(question, opts)
  opts = opts or {}
  local config = require('auro').config
  if M.turn and not M.turn.done then
    vim.api.nvim_echo({ { 'Auro: an answer is still streaming (<C-c> in the chat to stop it)', 'WarningMsg' } }, true, {})
    return
  end
  local src = opts.bufnr or vim.api.nvim_get_current_buf()
  if opts.new_session then
    M.session_id = nil
  end
  ---@type auro.ChatParams
  local params = {
    message = question,
    sessionId = M.session_id,
    includeRag = config.chat.include_rag,
    includeTools = config.chat.include_tools,
  }
  if lsp.is_file_buffer(src) and src ~= M.buf then
    params.uri = vim.uri_from_bufnr(src)
    if opts.range then
      params.range = {
        start = { line = opts.range[1] - 1, character = 0 },
        ['end'] = { line = opts.range[2], character = 0 },
      }
    end
  end
  local buf = buffer()
  show(buf)
  local header = {}
  local count = vim.api.nvim_buf_line_count(buf)
  if count > 1 and vim.api.nvim_buf_get_lines(buf, count - 1, count, false)[1] ~= '' then
    table.insert(header, '')
  end
  if opts.new_session then
    table.insert(header, '--- new session ---')
    table.insert(header, '')
  end
  table.insert(header, '## You')
  vim.list_extend(header, vim.split(question, '\n', { plain = true }))
  table.insert(header, '')
  table.insert(header, '## Auro')
  table.insert(header, '')
  append_lines(buf, header)

  -- the turn exists from now on (a second :AuroChat waits for it), the client may start later
  local turn = {
    session_id = params.sessionId,
    question = question,
    next_index = 0,
    pending = {},
    text = '',
    chunks = 0,
    done = false,
  }
  M.turn = turn
  lsp.with_client(src, function(client, err)
    if not client then
      turn.done = true
      turn.status = 'error'
      append_lines(buf, { '[error: ' .. err .. ']', '' })
      return
    end
    turn.client_id = client.id
    if turn.cancelled then
      finish(turn, { code = REQUEST_CANCELLED, message = 'cancelled' })
      return
    end
    local ok, request_id = lsp.request(client, 'auro/chat', params, function(e, result)
      finish(turn, e, result)
    end, src)
    if not ok then
      turn.done = true
      turn.status = 'error'
      append_lines(buf, { '[error: the request could not be sent]', '' })
      return
    end
    turn.request_id = request_id
    turns[key(client.id, request_id)] = turn
  end)
end

lsp.listeners['auro/chatChunk'] = M.on_chunk

return M
