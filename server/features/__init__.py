"""LSP-facing features: thin adapters, one module each, registered with `setup(server)`."""

from server.features import configuration, lifecycle, logging_bridge, workspace_folders

FEATURES = [logging_bridge, lifecycle, configuration, workspace_folders]
