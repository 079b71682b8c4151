-- Every edit the Auro server proposes is reviewed before it lands (Neovim 0.7.2 and later).
--
-- Neovim applies a resolved code action's edit at once, and only some versions honour change
-- annotations, so the plugin asks the server for command actions instead of resolvable edits
-- (see M.hook) and runs `auro.applySuggestion` on the client: it fetches the edit with
-- `codeAction/resolve`, shows it as a unified diff in a scratch buffer, and applies it only
-- when the user presses the accept key. `workspace/applyEdit` requests from the server are
-- held for review the same way. A suggestion the server refused (it broke its action's
-- contract) opens the reason and the model's answer instead; nothing is applied.

local M = {}

-- keys in the review buffer
M.keys = { accept = 'a', reject = { 'r', 'q' } }
-- the current or last review: {state = 'pending'|'open'|'accepted'|'rejected'|'refused'|
-- 'failed', title, buf, edit, ...}; tests and statuslines read it
M.last = nil

local APPLY_COMMAND = 'auro.applySuggestion'
local HELD = 'held for review in the Auro preview: applied only if the user accepts it there'

local function echo(text, hl)
  vim.api.nvim_echo({ { text, hl } }, true, {})
end

local function split(text)
  return vim.split(tostring(text or ''), '\n', { plain = true })
end

-- ---------------------------------------------------------------------------------------
-- what the edit changes

--- The edit as a list of {uri, create, edits} per document (rename/delete as `other`).
local function documents(edit)
  local out, by_uri = {}, {}
  local function entry(uri)
    if not by_uri[uri] then
      by_uri[uri] = { uri = uri, edits = {} }
      table.insert(out, by_uri[uri])
    end
    return by_uri[uri]
  end
  if edit.documentChanges then
    for _, change in ipairs(edit.documentChanges) do
      if change.kind == 'create' then
        entry(change.uri).create = true
      elseif change.kind then
        entry(change.uri or change.oldUri).other = change.kind
      else
        vim.list_extend(entry(change.textDocument.uri).edits, change.edits or {})
      end
    end
  else
    for uri, edits in pairs(edit.changes or {}) do
      vim.list_extend(entry(uri).edits, edits)
    end
  end
  return out
end

--- The document's current lines: the loaded buffer (unsaved text included), else the file.
local function current_lines(uri)
  local fname = vim.uri_to_fname(uri)
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.api.nvim_buf_get_name(bufnr) == fname then
      return vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
    end
  end
  if vim.fn.filereadable(fname) == 1 then
    return vim.fn.readfile(fname)
  end
  return {}
end

--- `lines` with the text edits applied, computed in a throw-away buffer.
local function edited(lines, edits, encoding)
  local scratch = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(scratch, 0, -1, false, lines)
  vim.lsp.util.apply_text_edits(edits, scratch, encoding or 'utf-16')
  local after = vim.api.nvim_buf_get_lines(scratch, 0, -1, false)
  vim.api.nvim_buf_delete(scratch, { force = true })
  return after
end

local function as_text(lines)
  if #lines == 0 then
    return ''
  end
  return table.concat(lines, '\n') .. '\n'
end

--- Unified diff lines for the whole edit.
function M.diff_lines(edit, encoding)
  local out = {}
  for _, doc in ipairs(documents(edit)) do
    local name = vim.fn.fnamemodify(vim.uri_to_fname(doc.uri), ':~:.')
    if doc.other then
      table.insert(out, string.format('%s %s', doc.other, name))
    else
      local before = doc.create and {} or current_lines(doc.uri)
      local after = edited(before, doc.edits, encoding)
      table.insert(out, '--- ' .. (doc.create and '/dev/null (new file)' or 'a/' .. name))
      table.insert(out, '+++ b/' .. name)
      local diff = vim.diff(as_text(before), as_text(after), { result_type = 'unified', ctxlen = 3 })
      vim.list_extend(out, split(diff:gsub('\n$', '')))
    end
  end
  return out
end

-- ---------------------------------------------------------------------------------------
-- scratch buffers

local function scratch(name, filetype, lines)
  local old = vim.fn.bufnr('^' .. name .. '$')
  if old ~= -1 then
    pcall(vim.api.nvim_buf_delete, old, { force = true })
  end
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(buf, name)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].swapfile = false
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = filetype
  vim.cmd('botright split')
  vim.api.nvim_win_set_buf(0, buf)
  return buf
end

local function map(buf, key, fn, desc)
  vim.api.nvim_buf_set_keymap(buf, 'n', key, '', { callback = fn, nowait = true, noremap = true, desc = desc })
end

local function close(review)
  if review.buf and vim.api.nvim_buf_is_valid(review.buf) then
    for _, win in ipairs(vim.fn.win_findbuf(review.buf)) do
      pcall(vim.api.nvim_win_close, win, true)
    end
    pcall(vim.api.nvim_buf_delete, review.buf, { force = true })
  end
end

-- ---------------------------------------------------------------------------------------
-- review

local function notes(edit)
  local out = {}
  for _, note in pairs(edit.changeAnnotations or {}) do
    for _, line in ipairs(split(note.description)) do
      table.insert(out, '# ' .. line)
    end
  end
  return out
end

local function finish(review, state, message, hl)
  if review.state ~= 'open' then
    return
  end
  review.state = state
  close(review)
  echo('Auro: ' .. review.title .. ': ' .. message, hl)
end

function M.accept()
  local review = M.last
  if not review or review.state ~= 'open' then
    return
  end
  local ok, err = pcall(vim.lsp.util.apply_workspace_edit, review.edit, review.encoding)
  if ok then
    finish(review, 'accepted', 'applied')
  else
    review.error = tostring(err)
    finish(review, 'failed', 'could not be applied: ' .. review.error, 'ErrorMsg')
  end
end

function M.reject()
  if M.last then
    finish(M.last, 'rejected', 'rejected; nothing was changed')
  end
end

--- Shows `edit` as a diff; applies it only on the accept key.
--- opts: {title, encoding (the client's offset encoding), description}
function M.review(edit, opts)
  opts = opts or {}
  if M.last and M.last.state == 'open' then
    M.reject() -- one review at a time: a new one replaces the old, which changes nothing
  end
  local review = { state = 'open', title = opts.title or 'Auro edit', edit = edit, encoding = opts.encoding }
  local accept = M.keys.accept
  local reject = table.concat(M.keys.reject, '] or [')
  local lines = { '# ' .. review.title .. ': review before it is applied' }
  vim.list_extend(lines, notes(edit))
  table.insert(lines, string.format('# [%s] apply   [%s] reject (nothing changes)', accept, reject))
  vim.list_extend(lines, M.diff_lines(edit, opts.encoding))
  review.lines = lines
  review.buf = scratch('auro://preview', 'diff', lines)
  map(review.buf, accept, M.accept, 'Auro: apply this edit')
  for _, key in ipairs(M.keys.reject) do
    map(review.buf, key, M.reject, 'Auro: reject this edit')
  end
  vim.api.nvim_create_autocmd('BufWipeout', {
    buffer = review.buf,
    once = true,
    callback = function()
      if review.state == 'open' then -- closed some other way: nothing is applied
        review.state = 'rejected'
      end
    end,
  })
  M.last = review
  return review
end

--- A suggestion the server would not offer: its reason and the model's answer, to read.
function M.refused(title, err)
  ---@type auro.RejectedData
  local data = type(err.data) == 'table' and err.data or {}
  local review = { state = 'refused', title = title, reason = data.reason or err.message }
  if data.answer then
    local lines = { '# ' .. title .. ': not applied', '' }
    vim.list_extend(lines, split(err.message))
    vim.list_extend(lines, { '', "## The model's answer (nothing was changed; q closes)", '' })
    vim.list_extend(lines, split(data.answer))
    review.lines = lines
    review.buf = scratch('auro://refused', 'markdown', lines)
    map(review.buf, 'q', function()
      close(review)
    end, 'Auro: close')
  end
  echo('Auro: ' .. tostring(err.message), 'WarningMsg')
  M.last = review
  return review
end

-- ---------------------------------------------------------------------------------------
-- wiring

--- Client command `auro.applySuggestion`: fetch the edit, then review it.
function M.run(command, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if not client then
    return
  end
  local title = command.title or 'Auro suggestion'
  local data = command.arguments and command.arguments[1]
  M.last = { state = 'pending', title = title }
  echo('Auro: ' .. title .. ': asking the model...')
  local lsp = require('auro.lsp')
  lsp.request(client, 'codeAction/resolve', { title = title, data = data }, function(err, action)
    if err then
      return M.refused(title, err)
    end
    if not (action and action.edit) then
      M.last.state = 'failed'
      return echo('Auro: ' .. title .. ': the server sent no edit', 'WarningMsg')
    end
    M.review(action.edit, { title = title, encoding = client.offset_encoding })
  end, ctx.bufnr)
end

--- `workspace/applyEdit` from the server: answered at once (Neovim cannot answer later),
--- and the edit is applied only if the user accepts it in the preview.
function M.on_apply_edit(_, params, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  vim.schedule(function()
    M.review(params.edit, { title = params.label, encoding = client and client.offset_encoding })
  end)
  return { applied = false, failureReason = HELD }
end

--- Adjusts the client config so that every Auro edit goes through the review.
function M.hook(conf)
  local caps = vim.deepcopy(conf.capabilities or vim.lsp.protocol.make_client_capabilities())
  caps.textDocument = caps.textDocument or {}
  caps.textDocument.codeAction = caps.textDocument.codeAction or {}
  -- Not `edit`: Neovim would apply a resolved edit itself. A non-empty list, because config
  -- merging (vim.lsp.config '*') replaces lists but keeps keys missing from ours.
  caps.textDocument.codeAction.resolveSupport = { properties = { 'command' } }
  caps.workspace = caps.workspace or {}
  local we = caps.workspace.workspaceEdit or {}
  we.documentChanges = true
  we.resourceOperations = { 'create', 'rename', 'delete' }
  -- every edit is confirmed here, so the server may send its explanation as an annotation
  we.changeAnnotationSupport = { groupsOnLabel = false }
  caps.workspace.workspaceEdit = we
  conf.capabilities = caps
  conf.handlers = conf.handlers or {}
  conf.handlers['workspace/applyEdit'] = M.on_apply_edit
  conf.commands = vim.tbl_extend('force', conf.commands or {}, { [APPLY_COMMAND] = M.run })
  vim.lsp.commands[APPLY_COMMAND] = M.run -- for code-action UIs that skip client commands
  return conf
end

return M
