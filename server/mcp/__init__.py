"""The Model Context Protocol server: the index, code reading, web tools and grounded answers
for coding agents, over stdio (`auro-pai mcp`) or HTTP (the sidecar's `/mcp`).

`app.build_mcp_server(backend)` builds the server; a backend (`backend.McpBackend`) is either
this process's `Services` (`local.py`) or the REST API of the server that already holds the
workspace's index (`remote.py`), so an agent never opens a second writer beside an editor.
"""
