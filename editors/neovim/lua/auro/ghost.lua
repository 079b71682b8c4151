-- Ghost text for inline completion: how a suggestion is drawn with extmarks and which part
-- of it the accept-word and accept-line keys take. No LSP here (lua/auro/inline.lua asks).
--
-- The first line of a suggestion is virtual text at the cursor: `inline` on Neovim 0.10+,
-- before that an `overlay` that redraws the rest of the line after the ghost (an overlay
-- would otherwise hide it). Further lines are `virt_lines` below the cursor line.

local M = {}

local api = vim.api

M.ns = api.nvim_create_namespace('auro_inline')
M.hl = 'AuroGhostText'
M.has_inline_virt_text = vim.fn.has('nvim-0.10') == 1

vim.cmd('highlight default link AuroGhostText Comment')

--- `text` split at newlines, empty pieces kept ('a\n' is {'a', ''}).
function M.lines(text)
  return vim.split(text, '\n', { plain = true })
end

--- The next word of `text`: leading blanks plus one run of word characters or of other
--- non-blank characters; a leading newline alone when the first line is used up.
function M.next_word(text)
  local first = text:match('^[^\n]*')
  if first == '' then
    return text:sub(1, 1) -- '\n' (or '' for an empty text)
  end
  local piece = first:match('^%s*[%w_]+') or first:match('^%s*[^%w_%s]+') or first
  return piece
end

--- The rest of the suggestion's current line; when that is empty (the suggestion goes on
--- below), the newline and the whole next line.
function M.next_line(text)
  local first = text:match('^[^\n]*')
  if first ~= '' then
    return first
  end
  local second = text:match('^\n[^\n]*')
  return second or ''
end

--- The part of `text` an accept key takes: `all`, `word` or `line`.
function M.piece(kind, text)
  if kind == 'word' then
    return M.next_word(text)
  elseif kind == 'line' then
    return M.next_line(text)
  end
  return text
end

local function display_width(s)
  return vim.fn.strdisplaywidth(s)
end

--- Draws `text` as ghost text at (row, col) (0-based, byte col) of `bufnr`; replaces the
--- previous ghost. Returns the extmark id.
function M.show(bufnr, row, col, text)
  M.clear(bufnr)
  local lines = M.lines(text)
  local opts = { hl_mode = 'combine' }
  local first = lines[1]
  local rest = {}
  for i = 2, #lines do
    table.insert(rest, { { lines[i], M.hl } })
  end
  if M.has_inline_virt_text then
    if first ~= '' then
      opts.virt_text = { { first, M.hl } }
      opts.virt_text_pos = 'inline'
    end
  else
    -- overlay: draw the ghost, then what the line holds after the cursor (it is shifted
    -- right by the ghost when the suggestion is one line, and ends up after the last line
    -- when it is several)
    local line = api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ''
    local after = line:sub(col + 1)
    if #lines == 1 then
      opts.virt_text = { { first, M.hl }, { after, 'Normal' } }
    elseif first ~= '' or after ~= '' then
      local pad = math.max(0, display_width(after) - display_width(first))
      opts.virt_text = { { first, M.hl }, { string.rep(' ', pad), 'Normal' } }
    end
    if opts.virt_text then
      opts.virt_text_pos = 'overlay'
    end
    if #rest > 0 and after ~= '' then
      table.insert(rest[#rest], { after, 'Normal' })
    end
  end
  if #rest > 0 then
    opts.virt_lines = rest
  end
  return api.nvim_buf_set_extmark(bufnr, M.ns, row, col, opts)
end

function M.clear(bufnr)
  if api.nvim_buf_is_valid(bufnr) then
    api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
  end
end

--- What is drawn now: {row, col, virt_text, virt_lines} of the ghost extmark, or nil.
function M.drawn(bufnr)
  local marks = api.nvim_buf_get_extmarks(bufnr, M.ns, 0, -1, { details = true })
  local mark = marks[1]
  if not mark then
    return nil
  end
  local details = mark[4] or {}
  return {
    row = mark[2],
    col = mark[3],
    virt_text = details.virt_text,
    virt_text_pos = details.virt_text_pos,
    virt_lines = details.virt_lines,
  }
end

--- Inserts `piece` at (row, col) and puts the cursor after it; returns the new (row, col).
function M.insert(bufnr, row, col, piece)
  local lines = M.lines(piece)
  api.nvim_buf_set_text(bufnr, row, col, row, col, lines)
  local new_row = row + #lines - 1
  local new_col = (#lines == 1 and col or 0) + #lines[#lines]
  local win = vim.fn.bufwinid(bufnr)
  if win ~= -1 then
    api.nvim_win_set_cursor(win, { new_row + 1, new_col })
  end
  return new_row, new_col
end

return M
