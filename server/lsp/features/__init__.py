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

FEATURES = [
    logging_bridge,
    lifecycle,
    configuration,
    workspace_folders,
    file_events,
    index_progress,
    index_control,
    search,
    chat,
    code_actions,
    inline_completion,
]
