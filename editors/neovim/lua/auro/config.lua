-- The plugin's options: the defaults `setup()` starts from, and how it merges the user's
-- over them (see `:help auro-setup`).

local M = {}

M.defaults = {
  -- the server command; `lsp` is its subcommand
  cmd = { 'auro-pai', 'lsp' },
  -- extra environment for the server process (nil: Neovim's own)
  cmd_env = nil,
  -- server settings (camelCase keys); a flat table is wrapped in `auro`. They are sent as
  -- initializationOptions, the user-level source the server trusts for endpoints and paths,
  -- and also answer workspace/configuration (where the server applies only workspace-safe keys)
  settings = {},
  -- more initializationOptions, merged over `settings`
  init_options = nil,
  -- the workspace root is the nearest ancestor holding one of these
  root_markers = { '.git', '.hg', 'pyproject.toml', 'setup.py', 'package.json', 'Cargo.toml', 'go.mod' },
  -- nil: every file buffer; else a list of filetypes
  filetypes = nil,
  -- start the server when a matching buffer opens
  autostart = true,
  name = 'auro',
  capabilities = nil,
  on_attach = nil,
  flags = nil,
  start_timeout_ms = 30000,
  -- define :AuroChat, :AuroSearch, ...
  commands = true,
  chat = {
    include_rag = true,
    include_tools = false,
    -- how the chat window opens
    open = 'botright vsplit',
    -- move the cursor into the chat window
    focus = false,
  },
  search = {
    k = 20,
    -- open the quickfix window after a search
    open_quickfix = true,
    -- pick with vim.ui.select instead (also :AuroSearch!)
    picker = false,
  },
  progress = {
    -- echo indexing progress in the command line
    echo = true,
  },
  -- inline completion (ghost text) in insert mode; see :help auro-inline
  inline = require('auro.inline').defaults,
}

local function unwrap(t)
  if type(t) ~= 'table' then
    return {}
  end
  return type(t.auro) == 'table' and t.auro or t
end

--- The configuration `setup(opts)` runs with: `opts` deep-merged over the defaults.
function M.resolve(opts)
  local config = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  -- lists replace the defaults rather than merge index by index
  for _, k in ipairs({ 'cmd', 'root_markers', 'filetypes' }) do
    if opts and opts[k] ~= nil then
      config[k] = opts[k]
    end
  end
  if opts and type(opts.inline) == 'table' and opts.inline.disabled_filetypes ~= nil then
    config.inline.disabled_filetypes = opts.inline.disabled_filetypes
  end
  if type(config.settings) == 'table' and config.settings.auro == nil and next(config.settings) then
    config.settings = { auro = config.settings }
  end
  -- everything given to setup() is the user's own configuration: all of it goes in
  -- initializationOptions, since the server refuses endpoints, keys and paths from
  -- workspace/configuration
  local init = vim.tbl_extend('force', unwrap(config.settings), unwrap(config.init_options))
  config.init_options = next(init) and { auro = init } or nil
  return config
end

return M
