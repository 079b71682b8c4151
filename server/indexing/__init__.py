"""The codebase index: discovery, syntax-aware chunks, embeddings, Chroma and keyword search.

Plain async services; nothing here imports pygls.
"""
