; Definitions in Lua (tree-sitter-lua 0.2.0). `@definition.<kind>` marks the construct, `@name` its name.

; function M:method() / function M.field()
(function_declaration name: (method_index_expression method: (identifier) @name)) @definition.method
(function_declaration name: (dot_index_expression field: (identifier) @name)) @definition.function
(function_declaration name: (identifier) @name) @definition.function

; local f = function () ... end
(variable_declaration
  (assignment_statement
    (variable_list name: (identifier) @name)
    (expression_list value: (function_definition)))) @definition.function

(chunk local_declaration: (variable_declaration
  (assignment_statement (variable_list name: (identifier) @name))) @definition.variable)
