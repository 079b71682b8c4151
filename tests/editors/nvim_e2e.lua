-- Driven by tests/editors/test_neovim.py: `nvim --headless --clean -c "luafile nvim_e2e.lua"`.
-- Loads the plugin, opens a file of the fixture workspace, waits for the index, runs
-- :AuroSearch, :AuroChat (then a cancelled one), :AuroReindex and :AuroStatus, and writes
-- what it saw to $AURO_E2E_OUT as JSON (after every step, so a failure shows how far it got).

local plugin = os.getenv('AURO_E2E_PLUGIN')
local root = os.getenv('AURO_E2E_ROOT')
local out_path = os.getenv('AURO_E2E_OUT')
local cmd = vim.fn.json_decode(os.getenv('AURO_E2E_CMD'))

local out = { steps = {}, nvim = tostring(vim.version().major .. '.' .. vim.version().minor) }

local function save()
  local f = assert(io.open(out_path, 'w'))
  f:write(vim.fn.json_encode(out))
  f:close()
end

local function step(name)
  table.insert(out.steps, name)
  save()
end

local function wait(ms, cond, what)
  if not vim.wait(ms, cond, 50) then
    error('timed out waiting for ' .. what)
  end
end

local function buf_lines(buf)
  return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
end

-- Inline completion in insert mode, driven the way a user types: `feedkeys(..., 'x!')` stays
-- in insert mode (so TextChangedI, the debounce timer and the LSP answers all run) while a
-- timer looks at what is drawn and presses the next key.
local function run_inline()
  local auro = require('auro')
  local lsp = require('auro.lsp')
  local inline = require('auro.inline')
  local ghost = require('auro.ghost')
  local keys = auro.config.inline.keys
  local function press(k)
    vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(k, true, false, true), 'mt', false)
  end
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/rings.py')) -- a new, unsaved file
  local buf = vim.api.nvim_get_current_buf()
  vim.bo.indentexpr = ''
  vim.bo.autoindent = false
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, { 'from geometry import circle_area', '', '', 'def ring_area(outer, inner):' })
  wait(30000, function()
    local c = lsp.clients(buf)[1]
    return c ~= nil and c.initialized
  end, 'the client to attach to rings.py')
  vim.api.nvim_win_set_cursor(0, { 4, 0 })
  local seen = {}
  out.inline = seen
  local st = inline.status
  local phase, since, marker = 'multi', vim.loop.now(), 0
  local function line()
    return vim.api.nvim_get_current_line()
  end
  local function go(next_phase)
    phase, since = next_phase, vim.loop.now()
  end
  local timer = vim.loop.new_timer()
  local function finish(error_text)
    seen.error = error_text
    timer:stop()
    press('<Esc>')
  end
  timer:start(100, 50, vim.schedule_wrap(function()
    if phase == 'done' then
      return
    end
    if vim.loop.now() - since > 30000 then
      return finish('timed out in phase ' .. phase)
    end
    local s = st()
    if phase == 'multi' then -- a blank line opening a body: several lines
      if s.ghost then
        seen.multi = { drawn = ghost.drawn(buf), line = line(), requests = s.stats.requests, ghost = s.ghost.text }
        press(keys.accept_word)
        go('word')
      end
    elseif phase == 'word' then
      seen.word = { line = line(), ghost = s.ghost and s.ghost.text, drawn = ghost.drawn(buf) }
      press(keys.accept_line)
      go('line')
    elseif phase == 'line' then
      seen.line = { line = line(), ghost = s.ghost and s.ghost.text }
      press(keys.accept)
      go('all')
    elseif phase == 'all' then
      seen.all = {
        lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false),
        cursor = vim.api.nvim_win_get_cursor(0),
        ghost = s.ghost ~= nil,
        drawn = ghost.drawn(buf) ~= nil,
        requests = s.stats.requests,
        accepted = s.stats.accepted,
      }
      marker = s.stats.requests
      press('<CR>#') -- the fake hangs on this one
      go('hanging')
    elseif phase == 'hanging' then
      -- give the server time to open its upstream request, then type on
      if s.stats.requests > marker and s.pending and vim.loop.now() - since > 1500 then
        seen.hanging = { cancelled = s.stats.cancelled, requests = s.stats.requests }
        press(' ')
        go('reply')
      end
    elseif phase == 'reply' then
      if s.ghost then
        seen.reply = { line = line(), ghost = s.ghost.text, cancelled = s.stats.cancelled, requests = s.stats.requests }
        press(s.ghost.text:sub(1, 1)) -- typing what it says keeps the rest
        go('typed')
      end
    elseif phase == 'typed' then
      seen.typed = { line = line(), ghost = s.ghost and s.ghost.text, requests = s.stats.requests, drawn = ghost.drawn(buf) }
      press(keys.dismiss)
      go('dismissed')
    elseif phase == 'dismissed' then
      seen.dismissed = { line = line(), ghost = s.ghost ~= nil, drawn = ghost.drawn(buf) ~= nil, pending = s.pending }
      vim.cmd('AuroInline off')
      marker = s.stats.requests
      press('b')
      go('off')
    elseif phase == 'off' then
      if vim.loop.now() - since > 800 then -- well past the debounce
        seen.off = { line = line(), requests_while_off = s.stats.requests - marker, enabled = s.enabled, allowed = s.allowed }
        vim.cmd('AuroInline on')
        marker = s.stats.requests
        press(keys.trigger) -- asked on purpose: when nothing comes, it says so
        go('invoked')
      end
    elseif phase == 'invoked' then
      if s.stats.requests > marker and not s.pending then
        seen.invoked = { requests = s.stats.requests - marker, ghost = s.ghost ~= nil, messages = vim.fn.execute('messages') }
        phase = 'done'
        finish(nil)
      end
    end
  end))
  vim.fn.feedkeys('o    ', 'tx!') -- returns when the driver presses <Esc>
  timer:close()
  seen.after_leave = { mode = vim.api.nvim_get_mode().mode, drawn = ghost.drawn(buf) ~= nil }
  seen.enabled_again = inline.status().enabled
  -- per-filetype switch
  local saved = inline.config.disabled_filetypes
  inline.config.disabled_filetypes = { 'python' }
  seen.python_disabled = not inline.allowed(buf)
  inline.config.disabled_filetypes = saved
  seen.python_allowed = inline.allowed(buf)
  seen.messages = vim.fn.execute('messages')
  step('inline')
end

local ok, err = xpcall(function()
  -- the server's INFO lines arrive as window/logMessage and are logged at INFO
  vim.lsp.set_log_level('info')
  out.lsp_log = vim.lsp.get_log_path()
  vim.opt.rtp:prepend(plugin)
  vim.cmd('helptags ' .. vim.fn.fnameescape(plugin .. '/doc'))
  local auro = require('auro')
  local lsp = require('auro.lsp')
  local chat = require('auro.chat')
  if os.getenv('E2E_NVIM_FORCE_08') then
    lsp.has_011 = false -- exercise the vim.lsp.start() path of 0.8 - 0.10
  end

  out.statuslines = {}
  out.statuslines_shown = {}
  vim.api.nvim_create_autocmd('User', {
    pattern = 'AuroProgress',
    callback = function()
      local s = auro.statusline()
      if s ~= '' and #out.statuslines < 50 then
        table.insert(out.statuslines, s)
        -- what 'statusline' shows for the documented snippet, next to the plain text
        local shown = vim.api.nvim_eval_statusline("%{%v:lua.require'auro'.statusline()%}", { fillchar = ' ' })
        table.insert(out.statuslines_shown, { shown = shown.str, text = auro.status_text() })
      end
    end,
  })

  auro.setup({
    cmd = cmd,
    settings = { auro = { chunkSize = 256 } },
    progress = { echo = false },
    chat = { open = 'botright split' },
    -- this plugin's ghost text (the native client of 0.12+ draws its own)
    inline = { native = false, debounce_ms = 100, keys = { accept_word = '<M-f>' } },
  })
  step('setup')

  -- the public API and the commands setup() defined, checked against `:help auro`
  out.api = {}
  for name, value in pairs(auro) do
    out.api[name] = type(value)
  end
  out.commands = vim.tbl_keys(vim.api.nvim_get_commands({}))
  step('api')

  -- :help works off the generated tags
  vim.cmd('help :AuroChat')
  out.help = { filetype = vim.bo.filetype, line = vim.api.nvim_get_current_line() }
  vim.cmd('help auro-statusline')
  out.help.statusline_line = vim.api.nvim_get_current_line()
  vim.cmd('close')
  step('help')

  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/calc.py'))
  local bufnr = vim.api.nvim_get_current_buf()
  wait(30000, function()
    local c = lsp.clients(bufnr)[1]
    return c ~= nil and c.initialized
  end, 'the client to attach and initialize')
  local client = lsp.clients(bufnr)[1]
  out.root_dir = client.config.root_dir
  out.client_name = client.name
  step('attached')

  wait(15000, function()
    return auro.server_status() ~= nil
  end, 'auro/status')
  out.status = auro.server_status()
  step('status notification')

  local index
  wait(60000, function()
    local r = lsp.request_sync(client, 'auro/indexStatus', vim.empty_dict(), 2000, bufnr)
    index = r and r.result
    return index ~= nil and index.filesTotal >= 2 and index.filesKeywordIndexed >= index.filesTotal
  end, 'the keyword index')
  out.index = index
  step('indexed')

  -- search until the keyword index answers with geometry.py
  local function found()
    local s = auro.last_search
    if not (s and s.done and s.items) then
      return false
    end
    for _, item in ipairs(s.items) do
      if item.filename:match('geometry%.py$') then
        return true
      end
    end
    return false
  end
  wait(120000, function() -- the first search waits for the embedding model (ONNX export)
    if found() then
      return true
    end
    if auro.last_search == nil or auro.last_search.done then
      vim.cmd('AuroSearch circle_area')
    end
    return false
  end, ':AuroSearch results')
  local qf = {}
  for _, item in ipairs(vim.fn.getqflist()) do
    table.insert(qf, { filename = vim.api.nvim_buf_get_name(item.bufnr), lnum = item.lnum, text = item.text })
  end
  out.qf = qf
  out.qf_title = vim.fn.getqflist({ title = 1 }).title
  out.qf_open = false
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.bo[vim.api.nvim_win_get_buf(win)].buftype == 'quickfix' then
      out.qf_open = true
    end
  end
  vim.cmd('cclose')
  step('search')

  -- chat about the current file
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/calc.py'))
  vim.cmd('AuroChat When does divide fail?')
  wait(30000, function()
    return chat.turn ~= nil and chat.turn.done
  end, 'the chat answer')
  out.chat = {
    lines = buf_lines(chat.buf),
    chunks = chat.turn.chunks,
    text = chat.turn.text,
    status = chat.turn.status,
    session_id = chat.session_id,
    buf_name = vim.api.nvim_buf_get_name(chat.buf),
    visible = #vim.fn.win_findbuf(chat.buf) > 0,
  }
  vim.api.nvim_buf_call(chat.buf, function()
    local map = vim.fn.maparg('<C-c>', 'n', false, true)
    out.chat.cancel_map = map.desc or map.rhs or (map.callback and 'callback')
  end)
  step('chat')

  -- a follow-up continues the session
  vim.cmd('AuroChat And add()?')
  wait(30000, function()
    return chat.turn.done
  end, 'the follow-up answer')
  out.followup = {
    session_id = chat.turn.session_id,
    status = chat.turn.status,
    truncated = chat.turn.truncated,
    notices = chat.turn.notices,
    lines = buf_lines(chat.buf),
  }
  step('followup')

  -- a new session whose slow answer is cancelled after the first chunks
  vim.cmd('AuroChat! Tell me a long story')
  wait(30000, function()
    return chat.turn.chunks >= 2
  end, 'the first chunks of the slow answer')
  vim.cmd('AuroChatCancel')
  wait(10000, function()
    return chat.turn.done
  end, 'the cancellation')
  out.cancelled = {
    lines = buf_lines(chat.buf),
    chunks = chat.turn.chunks,
    text = chat.turn.text,
    status = chat.turn.status,
    session_id = chat.session_id,
  }
  step('cancel')

  local reindexed
  auro.reindex({
    on_done = function(result, e)
      reindexed = { result = result, err = e }
    end,
  })
  wait(30000, function()
    return reindexed ~= nil
  end, ':AuroReindex')
  out.reindex = reindexed.result
  step('reindex')

  local status_lines
  auro.status({
    on_done = function(_, _, lines)
      status_lines = lines or {}
    end,
  })
  wait(15000, function()
    return status_lines ~= nil
  end, ':AuroStatus')
  out.status_lines = status_lines
  out.progress_events = lsp.progress_events or 0
  out.statusline_type = type(auro.statusline())
  out.messages = vim.fn.execute('messages')
  step('status')

  -- AI edits: a diff to review first; accept applies it, reject and refusals change nothing
  local preview = require('auro.preview')
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/calc.py'))
  local calc = vim.api.nvim_get_current_buf()
  local function line_of(text)
    for i, line in ipairs(buf_lines(calc)) do
      if line:find(text, 1, true) then
        return i
      end
    end
    error('no line with ' .. text)
  end
  local function code_action(title, text)
    vim.api.nvim_set_current_buf(calc)
    vim.api.nvim_win_set_cursor(0, { line_of(text), 4 })
    local select = vim.ui.select
    vim.ui.select = function(items, _, on_choice)
      vim.ui.select = select
      for _, item in ipairs(items) do
        local action = item.action or item[2] -- 0.10+: {action, ctx}; before: {client_id, action}
        if action.title == title then
          return on_choice(item)
        end
      end
      on_choice(nil)
    end
    preview.last = nil
    vim.lsp.buf.code_action()
    wait(30000, function()
      return preview.last ~= nil and preview.last.state ~= 'pending'
    end, title .. ' to be reviewed')
  end

  local before = buf_lines(calc)
  code_action('Auro: Add docstrings', 'return a + b')
  out.preview = {
    state = preview.last.state,
    lines = preview.last.lines,
    filetype = vim.bo.filetype,
    in_preview = vim.api.nvim_get_current_buf() == preview.last.buf,
    unchanged = vim.deep_equal(buf_lines(calc), before),
  }
  vim.api.nvim_feedkeys(preview.keys.accept, 'x', false)
  out.accepted = {
    state = preview.last.state,
    lines = buf_lines(calc),
    preview_closed = not vim.api.nvim_buf_is_valid(preview.last.buf),
  }
  step('preview accepted')

  before = buf_lines(calc)
  code_action('Auro: Add docstrings', 'if b == 0')
  out.rejected = { preview = preview.last.lines }
  vim.api.nvim_feedkeys(preview.keys.reject[1], 'x', false)
  out.rejected.state = preview.last.state
  out.rejected.unchanged = vim.deep_equal(buf_lines(calc), before)
  step('preview rejected')

  code_action('Auro: Refactor selection', 'return a + b')
  out.refused = {
    state = preview.last.state,
    lines = preview.last.lines,
    unchanged = vim.deep_equal(buf_lines(calc), before),
  }
  step('refused')

  -- a `workspace/applyEdit` from the server (its own `auro.applySuggestion`) is held too
  before = buf_lines(calc)
  local row = line_of('if b == 0') - 1
  local here = { line = row, character = 4 }
  local args = { kind = 'docstrings', uri = vim.uri_from_bufnr(calc), range = { start = here, ['end'] = here } }
  local answered
  preview.last = nil
  lsp.request(client, 'workspace/executeCommand', { command = 'auro.applySuggestion', arguments = { args } }, function(e, result)
    answered = { err = e, result = result }
  end, calc)
  wait(30000, function()
    return answered ~= nil and preview.last ~= nil
  end, 'the server-sent edit to be reviewed')
  out.server_edit = {
    result = answered.result,
    state = preview.last.state,
    unchanged = vim.deep_equal(buf_lines(calc), before),
  }
  vim.api.nvim_feedkeys(preview.keys.accept, 'x', false)
  out.server_edit.accepted = preview.last.state
  out.server_edit.lines = buf_lines(calc)
  step('server edit')

  run_inline()
end, debug.traceback)

if not ok then
  out.error = tostring(err)
end
out.done = ok
save()
vim.cmd('qa!')
