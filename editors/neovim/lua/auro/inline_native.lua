-- Neovim 0.12+ has LSP 3.18 inline completion built in (`vim.lsp.inline_completion`): for
-- Auro buffers it is switched on instead of this plugin's ghost text, and the plugin's keys
-- drive it (`get()` accepts; its `on_accept` narrows the item to a word or a line). Neovim
-- then sends `textDocument/inlineCompletion`, which the server registers for clients that
-- declare it, and decides itself when to ask.

local lsp = require('auro.lsp')
local ghost = require('auro.ghost')

local M = {}

local api = vim.api

M.available = type(vim.lsp.inline_completion) == 'table' and type(vim.lsp.inline_completion.enable) == 'function'

--- Switches the built-in client on or off for the Auro clients of `bufnr`.
function M.enable(bufnr, on)
  for _, client in ipairs(lsp.clients(bufnr)) do
    pcall(vim.lsp.inline_completion.enable, on, { bufnr = bufnr, client_id = client.id })
  end
end

--- Every loaded buffer on or off as `allowed(bufnr)` says.
function M.refresh(allowed)
  for _, bufnr in ipairs(api.nvim_list_bufs()) do
    if api.nvim_buf_is_loaded(bufnr) then
      M.enable(bufnr, allowed(bufnr))
    end
  end
end

--- Accepts the whole suggestion, its next word or its next line; false when none is shown.
function M.accept(kind)
  local ic = vim.lsp.inline_completion
  if kind == 'all' or kind == nil then
    return ic.get({ bufnr = 0 }) == true
  end
  return ic.get({
    bufnr = 0,
    on_accept = function(item)
      if type(item.insert_text) == 'string' then
        item.insert_text = ghost.piece(kind, item.insert_text)
        item.command = nil
      end
      return item
    end,
  }) == true
end

--- Hides the suggestion: accepting nothing.
function M.dismiss()
  return vim.lsp.inline_completion.get({
    bufnr = 0,
    on_accept = function()
      return nil
    end,
  }) == true
end

--- Asks now (`get()` without a suggestion on screen requests one, invoked).
function M.trigger()
  vim.lsp.inline_completion.get({ bufnr = 0 })
  return true
end

--- Switches it on for each buffer an Auro client attaches to, as `allowed(bufnr)` says.
function M.setup(group, allowed)
  api.nvim_create_autocmd('LspAttach', {
    group = group,
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data and args.data.client_id)
      if client and client.name == lsp.config.name then
        M.enable(args.buf, allowed(args.buf))
      end
    end,
  })
end

return M
