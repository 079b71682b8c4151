-- The user's side of inline completion: the insert-mode keys (lua/auro/inline.lua's ghost
-- text, or Neovim's own client through lua/auro/inline_native.lua) and :AuroInline.

local inline = require('auro.inline')
local native = require('auro.inline_native')

local M = {}

local api = vim.api

local function feed(key)
  api.nvim_feedkeys(api.nvim_replace_termcodes(key, true, false, true), 'n', false)
end

local function map(key, fn, desc)
  if key and key ~= '' then
    -- without a suggestion the key does what it did before
    vim.keymap.set('i', key, function()
      if not fn() then
        feed(key)
      end
    end, { desc = desc, silent = true })
  end
end

local function accept(kind)
  return function()
    if inline.native() then
      return native.accept(kind)
    end
    return inline.accept(kind)
  end
end

function M.set_keys(keys)
  map(keys.accept, accept('all'), 'Auro: accept the suggestion')
  map(keys.accept_word, accept('word'), 'Auro: accept the next word of the suggestion')
  map(keys.accept_line, accept('line'), 'Auro: accept the next line of the suggestion')
  map(keys.dismiss, function()
    if inline.native() then
      return native.dismiss()
    end
    return inline.dismiss_shown()
  end, 'Auro: dismiss the suggestion')
  map(keys.trigger, function()
    if inline.native() then
      return native.trigger()
    end
    return inline.allowed(api.nvim_get_current_buf()) and inline.request(inline.INVOKED)
  end, 'Auro: ask for a suggestion now')
end

--- :AuroInline on|off|toggle|status (no argument: toggle); echoes what it did.
function M.command(action)
  action = vim.trim(action or '')
  if action == '' or action == 'toggle' then
    inline.set_enabled(not inline.enabled)
  elseif action == 'on' or action == 'off' then
    inline.set_enabled(action == 'on')
  elseif action ~= 'status' then
    api.nvim_echo({ { 'Auro: :AuroInline takes on, off, toggle or status, not "' .. action .. '"', 'ErrorMsg' } }, true, {})
    return
  end
  local st = inline.status()
  local text = string.format(
    'Auro inline completion: %s%s (%s); %d requested, %d cancelled, %d shown, %d accepted',
    st.enabled and 'on' or 'off',
    (st.enabled and not st.allowed) and ', not in this buffer' or '',
    st.native and 'native vim.lsp.inline_completion' or 'ghost text',
    st.stats.requests,
    st.stats.cancelled,
    st.stats.shown,
    st.stats.accepted
  )
  ---@type auro.InlineCompletionResult
  local last = st.last
  if last and #(last.notes or {}) > 0 then
    text = text .. '; last notes: ' .. table.concat(last.notes, '; ')
  end
  api.nvim_echo({ { text } }, false, {})
end

function M.create_command()
  api.nvim_create_user_command('AuroInline', function(o)
    M.command(o.args)
  end, {
    nargs = '?',
    complete = function()
      return { 'on', 'off', 'toggle', 'status' }
    end,
    desc = 'Auro: inline completion on, off, toggle or status',
  })
end

return M
