"""LSP features: thin adapters over the services, one module each, registered with
`setup(server)`."""

from server.lsp.features import (
    chat,
    code_actions,
    configuration,
    file_events,
    index_control,
    index_progress,
    inline_completion,
    lifecycle,
    logging_bridge,
    search,
    workspace_folders,
)

# Set up in this order, which is also the order each lifecycle event reaches them: the log
# bridge first, so what the others do at `initialized` reaches the editor's output; the
# lifecycle last, so the indexes open with the configuration pulled before it.
FEATURES = [
    logging_bridge,
    configuration,
    workspace_folders,
    file_events,
    index_progress,
    index_control,
    search,
    chat,
    code_actions,
    inline_completion,
    lifecycle,
]
