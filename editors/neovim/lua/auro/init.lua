-- Auro-PAI for Neovim (0.7.2 and later): the `auro-pai lsp` client plus :AuroChat,
-- :AuroSearch, :AuroReindex, :AuroStatus and a statusline function. See `:help auro`.
--
-- This module is the public API (`:help auro-api`) and setup(); each job lives in its own
-- module: config, search, index, status, chat, inline, commands, lsp.

local lsp = require('auro.lsp')
local config = require('auro.config')
local search = require('auro.search')
local index = require('auro.index')
local status = require('auro.status')

local M = {}

M.defaults = config.defaults
M.config = vim.deepcopy(M.defaults)

-- `M.last_search` reads through to the search module's last search:
-- {query, done, results, items, error}
setmetatable(M, {
  __index = function(_, key)
    if key == 'last_search' then
      return search.last
    end
  end,
})

M.search_items = search.items
M.search = search.search

M.index_status = index.status
M.reindex = index.reindex
M.pause = index.pause
M.resume = index.resume

M.server_status = status.server
M.http = status.http
M.status = status.report
M.status_text = status.text
M.statusline = status.statusline

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

--- :AuroInline on|off|toggle|status (no argument: toggle).
function M.inline(action)
  require('auro.inline_ui').command(action)
end

function M.setup(opts)
  local resolved = config.resolve(opts)
  M.config = resolved
  lsp.config = resolved
  if resolved.commands then
    require('auro.commands').create(M)
  end
  require('auro.inline').setup(resolved.inline)
  lsp.enable()
  return M
end

return M
