-- Messages in the command line: one place decides which go to the :messages history.

local M = {}

--- Shows `text` (highlight `hl`); kept in :messages unless `history` is false.
function M.text(text, hl, history)
  vim.api.nvim_echo({ { text, hl } }, history ~= false, {})
end

--- Shows several lines as one message, so they stay together in :messages.
function M.lines(lines)
  local chunks = {}
  for i, line in ipairs(lines) do
    table.insert(chunks, { line .. (i < #lines and '\n' or '') })
  end
  vim.api.nvim_echo(chunks, true, {})
end

return M
