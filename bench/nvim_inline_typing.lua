-- Driven by bench/nvim_inline_typing.py: types $AURO_BENCH_TEXT into a new Python buffer at
-- $AURO_BENCH_CPS characters a second, in insert mode, with the plugin's ghost text on
-- (debounce $AURO_BENCH_DEBOUNCE_MS), and writes the plugin's counters to $AURO_BENCH_OUT.

local out_path = os.getenv('AURO_BENCH_OUT')
local text = os.getenv('AURO_BENCH_TEXT'):gsub('\n', '\r')
local interval = math.floor(1000 / tonumber(os.getenv('AURO_BENCH_CPS')))
local out = {}

local function save()
  local f = assert(io.open(out_path, 'w'))
  f:write(vim.fn.json_encode(out))
  f:close()
end

local ok, err = xpcall(function()
  vim.opt.rtp:prepend(os.getenv('AURO_BENCH_PLUGIN'))
  require('auro').setup({
    cmd = vim.fn.json_decode(os.getenv('AURO_BENCH_CMD')),
    progress = { echo = false },
    inline = { native = false, debounce_ms = tonumber(os.getenv('AURO_BENCH_DEBOUNCE_MS')) },
  })
  local lsp = require('auro.lsp')
  local inline = require('auro.inline')
  vim.cmd('edit ' .. vim.fn.fnameescape(os.getenv('AURO_BENCH_ROOT') .. '/typing.py'))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo.indentexpr = ''
  vim.bo.autoindent = false
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, { 'def scaled_total(values, scale):', '    ' })
  vim.api.nvim_win_set_cursor(0, { 2, 4 })
  if not vim.wait(60000, function()
    local c = lsp.clients(buf)[1]
    return c ~= nil and c.initialized
  end, 50) then
    error('the client did not initialize')
  end
  local typed, idle = 0, 0
  local started = vim.loop.hrtime()
  local timer = vim.loop.new_timer()
  timer:start(interval, interval, vim.schedule_wrap(function()
    if typed < #text then
      typed = typed + 1
      vim.api.nvim_feedkeys(text:sub(typed, typed), 'nt', false)
      return
    end
    idle = idle + 1
    if idle * interval >= 1000 then -- a second for the last answer
      timer:stop()
      vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('<Esc>', true, false, true), 'nt', false)
    end
  end))
  vim.fn.feedkeys('A', 'tx!') -- returns at the <Esc>
  timer:close()
  out.seconds = (vim.loop.hrtime() - started) / 1e9
  out.keystrokes = typed
  out.stats = inline.status().stats
end, debug.traceback)

out.error = not ok and tostring(err) or nil
save()
vim.cmd('qa!')
