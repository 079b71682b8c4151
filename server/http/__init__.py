"""The aiohttp sidecar: health probes and the REST API, on the LSP server's event loop."""
