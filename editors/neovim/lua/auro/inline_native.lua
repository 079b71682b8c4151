-- Neovim 0.12+ has LSP 3.18 inline completion built in (`vim.lsp.inline_completion`): for
-- Auro buffers it is switched on instead of this plugin's ghost text, and the plugin's keys
-- drive it (`get()` accepts; through its `on_accept` the word and line keys insert a part
-- of the item themselves). Neovim
-- then sends `textDocument/inlineCompletion`, which the server registers for clients that
-- declare it, and decides itself when to ask.

local lsp = require('auro.lsp')
local ghost = require('auro.ghost')

local M = {}

local api = vim.api

M.available = type(vim.lsp.inline_completion) == 'table' and type(vim.lsp.inline_completion.enable) == 'function'

--- Switches the built-in client on or off for `bufnr` when an Auro client is attached to it
--- (per buffer: Neovim takes `bufnr` or `client_id`, not both).
function M.enable(bufnr, on)
  if lsp.clients(bufnr)[1] == nil then
    return
  end
  local ok, err = pcall(vim.lsp.inline_completion.enable, on, { bufnr = bufnr })
  if not ok then
    vim.notify('Auro: vim.lsp.inline_completion.enable failed: ' .. tostring(err), vim.log.levels.WARN)
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

-- where an item starts: a vim.Range ({start = {row, col}}) or, in early 0.12 builds, a
-- Range4 list
local function start_of(range)
  if type(range) ~= 'table' then
    return nil
  end
  if type(range[1]) == 'number' then
    return range[1], range[2]
  end
  local start = range.start or {}
  return start.row or start[1], start.col or start[2]
end

--- Accepts the whole suggestion, its next word or its next line; false when none is shown.
--- A part is inserted here in `on_accept`, which returns nothing for Neovim to apply.
function M.accept(kind)
  local ic = vim.lsp.inline_completion
  if kind == 'all' or kind == nil then
    return ic.get({ bufnr = 0 }) == true
  end
  local accepted = false
  ic.get({
    bufnr = 0,
    on_accept = function(item)
      local text = item.insert_text
      text = type(text) == 'table' and text.value or text
      if type(text) ~= 'string' then
        return nil
      end
      local bufnr = api.nvim_get_current_buf()
      local pos = api.nvim_win_get_cursor(0)
      local row, col = pos[1] - 1, pos[2]
      local start_row, start_col = start_of(item.range)
      local typed = ''
      if start_row == row and start_col and start_col <= col then
        typed = api.nvim_buf_get_text(bufnr, row, start_col, row, col, {})[1] or ''
      end
      local piece = text:sub(1, #typed) == typed and ghost.piece(kind, text:sub(#typed + 1)) or ''
      if piece ~= '' then
        ghost.insert(bufnr, row, col, piece)
        accepted = true
      end
      return nil
    end,
  })
  return accepted
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
      local id = args.data and args.data.client_id
      local client = id and vim.lsp.get_client_by_id(id)
      if client and client.name == lsp.config.name then
        M.enable(args.buf, allowed(args.buf))
      end
    end,
  })
end

return M
