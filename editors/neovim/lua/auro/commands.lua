-- The :Auro* user commands, each a thin call into the public API (`require('auro')`), so a
-- command and its Lua function never drift apart.

local M = {}

--- Defines :AuroChat, :AuroChatCancel, :AuroSearch, :AuroReindex, :AuroPause, :AuroResume,
--- :AuroStatus and :AuroInline, calling `api`'s functions.
function M.create(api)
  local create = vim.api.nvim_create_user_command
  create('AuroChat', function(o)
    local range = o.range > 0 and { o.line1, o.line2 } or nil
    api.chat(o.args, { range = range, new_session = o.bang })
  end, { nargs = '*', range = true, bang = true, desc = 'Auro: ask (! starts a new session)' })
  create('AuroChatCancel', function()
    api.cancel()
  end, { desc = 'Auro: stop the streaming answer' })
  create('AuroSearch', function(o)
    api.search(o.args, { picker = o.bang })
  end, { nargs = '*', bang = true, desc = 'Auro: search the codebase (! picks with vim.ui.select)' })
  create('AuroReindex', function()
    api.reindex()
  end, { desc = 'Auro: rebuild the index' })
  create('AuroPause', function()
    api.pause()
  end, { desc = 'Auro: pause indexing' })
  create('AuroResume', function()
    api.resume()
  end, { desc = 'Auro: resume indexing' })
  create('AuroStatus', function()
    api.status()
  end, { desc = 'Auro: index status and sidecar URL' })
  require('auro.inline_ui').create_command()
end

return M
