-- Inline completion (fill-in-the-middle) as ghost text, Neovim 0.7.2 and later.
--
-- Where Neovim has LSP 3.18 inline completion (`vim.lsp.inline_completion`, 0.12+) that is
-- switched on for Auro buffers instead (lua/auro/inline_native.lua). Elsewhere this module
-- does it itself over `auro/inlineCompletion`: a debounced request after each change in
-- insert mode, every new keystroke cancelling the one in flight (`$/cancelRequest`, which
-- makes the server close its upstream request), typing through a suggestion without asking
-- again, accepting it whole or by word or line, dismissing it. Drawing is lua/auro/ghost.lua;
-- the keys and :AuroInline are lua/auro/inline_ui.lua.

local lsp = require('auro.lsp')
local ghost = require('auro.ghost')

local M = {}

local api = vim.api
local uv = vim.uv or vim.loop

local AUTOMATIC = 2
M.INVOKED = 1
local REQUEST_CANCELLED = -32800

M.defaults = {
  enabled = true,
  -- wait this long after the last keystroke before asking (the native client has its own)
  debounce_ms = 150,
  -- no suggestions in these filetypes (also `:let b:auro_inline = v:false` per buffer)
  disabled_filetypes = { 'help', 'gitcommit', 'gitrebase', 'TelescopePrompt' },
  -- Neovim 0.12+: use vim.lsp.inline_completion (false: this plugin's ghost text)
  native = true,
  -- insert-mode keys; false or '' leaves one unmapped. Without a suggestion on screen each
  -- key does what it did before.
  keys = {
    accept = '<M-l>',
    accept_word = '<M-w>',
    accept_line = '<M-j>',
    dismiss = '<C-]>',
    -- ask now (more context and time than the automatic request)
    trigger = '<M-\\>',
  },
}
M.config = nil -- the `inline` table of setup()
M.enabled = true -- :AuroInline on|off|toggle
-- what happened, for :AuroInline status and the tests
M.stats = { requests = 0, cancelled = 0, shown = 0, accepted = 0, typed_through = 0 }
M.last = nil -- the last answer: {items, provider, cached, multiline, contextFiles, notes}
M.last_error = nil

-- bufnr -> {timer, pending = {client, id}, ghost = {row, col, text}, tick, pos}
local buffers = {}

local function state(bufnr)
  local s = buffers[bufnr]
  if not s then
    s = {}
    buffers[bufnr] = s
  end
  return s
end

local function native()
  return require('auro.inline_native').available and M.config.native ~= false
end
M.native = native

--- Whether `bufnr` gets suggestions: on, not switched off for the buffer (`b:auro_inline =
--- v:false`) or its filetype, and attached to an Auro client that has initialized.
function M.allowed(bufnr)
  if not (M.enabled and M.config and M.config.enabled ~= false) then
    return false
  end
  if not api.nvim_buf_is_valid(bufnr) or vim.b[bufnr].auro_inline == false then
    return false
  end
  if vim.tbl_contains(M.config.disabled_filetypes or {}, vim.bo[bufnr].filetype) then
    return false
  end
  local client = lsp.clients(bufnr)[1]
  return client ~= nil and client.initialized == true
end

-- ---------------------------------------------------------------------------------------
-- positions: LSP characters are UTF-16 units unless the client negotiated otherwise

local has_011 = vim.fn.has('nvim-0.11') == 1

local function to_character(line, col, encoding)
  if encoding == 'utf-8' then
    return col
  end
  if has_011 then
    return vim.str_utfindex(line, encoding, col, false)
  end
  local utf32, utf16 = vim.str_utfindex(line, col)
  return encoding == 'utf-32' and utf32 or utf16
end

local function to_byte(line, character, encoding)
  if encoding == 'utf-8' then
    return character
  end
  if has_011 then
    return vim.str_byteindex(line, encoding, character, false)
  end
  return vim.str_byteindex(line, character, encoding ~= 'utf-32')
end

local function cursor()
  local pos = api.nvim_win_get_cursor(0)
  return pos[1] - 1, pos[2]
end

-- ---------------------------------------------------------------------------------------
-- requests

local function cancel(s)
  if s.timer then
    s.timer:stop()
    if not s.timer:is_closing() then
      s.timer:close()
    end
    s.timer = nil
  end
  local pending = s.pending
  s.pending = nil
  if pending and not lsp.is_stopped(pending.client) then
    lsp.cancel_request(pending.client, pending.id)
    M.stats.cancelled = M.stats.cancelled + 1
  end
end

local function hide(bufnr, s)
  s.ghost = nil
  ghost.clear(bufnr)
end

--- Cancels what is in flight and hides the suggestion of `bufnr` (default: current).
function M.dismiss(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local s = buffers[bufnr]
  if s then
    cancel(s)
    hide(bufnr, s)
  end
end

local function show(bufnr, s, row, col, text)
  s.ghost = { row = row, col = col, text = text }
  ghost.show(bufnr, row, col, text)
  M.stats.shown = M.stats.shown + 1
  pcall(api.nvim_exec_autocmds, 'User', { pattern = 'AuroInline', modeline = false })
end

--- The suggestion of an answer's first item as the text to draw at the cursor, or nil when
--- the item does not start at the cursor (or at text typed since, which it must repeat).
---@param item auro.InlineItem
local function ghost_text(item, line, row, col, encoding)
  local start = item.range and item.range.start
  if type(item.insertText) ~= 'string' or item.insertText == '' or not start or start.line ~= row then
    return nil
  end
  local ok, from = pcall(to_byte, line, start.character, encoding)
  if not ok or from > col then
    return nil
  end
  local typed = line:sub(from + 1, col)
  if item.insertText:sub(1, #typed) ~= typed or #item.insertText == #typed then
    return nil
  end
  return item.insertText:sub(#typed + 1)
end

---@param result auro.InlineCompletionResult
local function echo_notes(result, invoked)
  if invoked and result and #(result.items or {}) == 0 then
    local why = #(result.notes or {}) > 0 and table.concat(result.notes, '; ') or 'the model had nothing'
    api.nvim_echo({ { 'Auro: no suggestion: ' .. why, 'WarningMsg' } }, true, {})
  end
end

--- Asks for a suggestion at the cursor of the current buffer now.
function M.request(trigger_kind)
  local bufnr = api.nvim_get_current_buf()
  local s = state(bufnr)
  cancel(s)
  local client = lsp.clients(bufnr)[1]
  if not client then
    return false
  end
  local row, col = cursor()
  local line = api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ''
  local encoding = client.offset_encoding or 'utf-16'
  local tick = api.nvim_buf_get_changedtick(bufnr)
  local invoked = trigger_kind == M.INVOKED
  ---@type auro.InlineCompletionParams
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = row, character = to_character(line, col, encoding) },
    context = { triggerKind = trigger_kind or AUTOMATIC },
  }
  local pending = { client = client }
  ---@param result auro.InlineCompletionResult
  local ok, id = lsp.request(client, 'auro/inlineCompletion', params, function(err, result)
    if s.pending ~= pending then
      return -- cancelled or overtaken by a newer request
    end
    s.pending = nil
    if err then
      if err.code ~= REQUEST_CANCELLED then
        M.last_error = err.message or tostring(err.code)
        if invoked then
          api.nvim_echo({ { 'Auro: inline completion failed: ' .. M.last_error, 'ErrorMsg' } }, true, {})
        end
      end
      return
    end
    M.last = result
    echo_notes(result, invoked)
    local item = result and result.items and result.items[1]
    if not item or api.nvim_get_current_buf() ~= bufnr or api.nvim_buf_get_changedtick(bufnr) ~= tick then
      return
    end
    local now_row, now_col = cursor()
    if now_row ~= row or now_col ~= col or not api.nvim_get_mode().mode:match('^i') then
      return
    end
    local text = ghost_text(item, line, row, col, encoding)
    if text then
      show(bufnr, s, row, col, text)
    end
  end, bufnr)
  if not ok then
    return false
  end
  pending.id = id
  s.pending = pending
  M.stats.requests = M.stats.requests + 1
  return true
end

local function debounce(bufnr, s)
  cancel(s)
  local timer = uv.new_timer()
  s.timer = timer
  timer:start(
    M.config.debounce_ms or 150,
    0,
    vim.schedule_wrap(function()
      if s.timer ~= timer then
        return
      end
      s.timer = nil
      timer:close()
      if api.nvim_get_current_buf() == bufnr and api.nvim_get_mode().mode:match('^i') and M.allowed(bufnr) then
        M.request(AUTOMATIC)
      end
    end)
  )
end

--- Typing what the suggestion says keeps the rest of it on screen without a new request.
local function typed_through(bufnr, s, row, col)
  local g = s.ghost
  if not g or row ~= g.row or col <= g.col then
    return false
  end
  local line = api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ''
  local typed = line:sub(g.col + 1, col)
  if typed:find('\n', 1, true) or g.text:sub(1, #typed) ~= typed or #typed >= #g.text then
    return false
  end
  show(bufnr, s, row, col, g.text:sub(#typed + 1))
  M.stats.typed_through = M.stats.typed_through + 1
  return true
end

--- TextChangedI / CursorMovedI: a change asks again (after the debounce), a cursor moved
--- away hides the suggestion; what this module changed itself is left alone.
local function on_change(bufnr)
  local s = state(bufnr)
  local tick = api.nvim_buf_get_changedtick(bufnr)
  local row, col = cursor()
  local changed, moved = tick ~= s.tick, not (s.pos and s.pos[1] == row and s.pos[2] == col)
  s.tick, s.pos = tick, { row, col }
  if not changed and not moved then
    return
  end
  if not M.allowed(bufnr) then
    return M.dismiss(bufnr)
  end
  if changed and typed_through(bufnr, s, row, col) then
    return
  end
  cancel(s)
  hide(bufnr, s)
  if changed then
    debounce(bufnr, s)
  end
end

-- ---------------------------------------------------------------------------------------
-- accepting


--- Inserts the whole suggestion, its next word or its next line; false when none is shown.
function M.accept(kind)
  local bufnr = api.nvim_get_current_buf()
  local s = buffers[bufnr]
  local g = s and s.ghost
  if not g then
    return false
  end
  local row, col = cursor()
  if row ~= g.row or col ~= g.col then
    M.dismiss(bufnr)
    return false
  end
  local piece = ghost.piece(kind, g.text)
  cancel(s)
  local new_row, new_col = ghost.insert(bufnr, row, col, piece)
  s.tick, s.pos = api.nvim_buf_get_changedtick(bufnr), { new_row, new_col }
  M.stats.accepted = M.stats.accepted + 1
  local rest = g.text:sub(#piece + 1)
  if rest ~= '' then
    show(bufnr, s, new_row, new_col, rest)
  else
    hide(bufnr, s)
  end
  return true
end

-- ---------------------------------------------------------------------------------------
-- on/off, autocmds

--- Switches suggestions on or off everywhere; returns the new state.
function M.set_enabled(on)
  M.enabled = on
  for bufnr in pairs(buffers) do
    M.dismiss(bufnr)
  end
  if native() then
    require('auro.inline_native').refresh(M.allowed)
  end
  return on
end

--- Hides the suggestion of the current buffer; false when none was shown.
function M.dismiss_shown()
  local s = buffers[api.nvim_get_current_buf()]
  local shown = s ~= nil and s.ghost ~= nil
  M.dismiss()
  return shown
end

function M.setup(config)
  M.config = config
  M.enabled = config.enabled ~= false
  require('auro.inline_ui').set_keys(config.keys or {})
  local group = api.nvim_create_augroup('auro_inline', { clear = true })
  if native() then
    require('auro.inline_native').setup(group, M.allowed)
    return
  end
  api.nvim_create_autocmd({ 'TextChangedI', 'TextChangedP', 'CursorMovedI' }, {
    group = group,
    callback = function(args)
      on_change(args.buf)
    end,
  })
  api.nvim_create_autocmd('InsertEnter', {
    group = group,
    callback = function(args)
      local s = state(args.buf)
      local row, col = cursor()
      s.tick, s.pos = api.nvim_buf_get_changedtick(args.buf), { row, col }
    end,
  })
  api.nvim_create_autocmd({ 'InsertLeave', 'BufLeave' }, {
    group = group,
    callback = function(args)
      M.dismiss(args.buf)
    end,
  })
  api.nvim_create_autocmd('BufWipeout', {
    group = group,
    callback = function(args)
      M.dismiss(args.buf)
      buffers[args.buf] = nil
    end,
  })
end

--- {enabled, native, shown, pending} of the current buffer, plus the counters.
function M.status()
  local bufnr = api.nvim_get_current_buf()
  local s = buffers[bufnr] or {}
  return {
    enabled = M.enabled,
    allowed = M.config ~= nil and M.allowed(bufnr),
    native = native(),
    ghost = s.ghost,
    pending = s.pending ~= nil,
    stats = M.stats,
    last = M.last,
    last_error = M.last_error,
  }
end

return M
