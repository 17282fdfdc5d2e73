// The LSP layer: JSON-RPC transport, LSP messages and the language server.
enum HunchLSPPlaceholder {}
