"""The LSP layer: the pygls server, its JSON-RPC guard and the editor features. The only
package that imports pygls; everything below it is plain async services."""
