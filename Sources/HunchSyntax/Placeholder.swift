import CTreeSitter
// Syntax trees for open buffers: grammars loaded at run time, incremental parsing.
enum HunchSyntaxPlaceholder {}
