; Definitions in Kotlin (tree-sitter-kotlin 1.1.0). `@definition.<kind>` marks the construct, `@name` its name.
; When several patterns tag one node the earliest pattern wins, so specific patterns come first.

(class_declaration name: (identifier) @name) @definition.class
(object_declaration name: (identifier) @name) @definition.class
(type_alias (identifier) @name) @definition.type

(class_body (function_declaration name: (identifier) @name) @definition.method)
(function_declaration name: (identifier) @name) @definition.function
(class_body (property_declaration (variable_declaration (identifier) @name)) @definition.property)
(source_file (property_declaration (variable_declaration (identifier) @name)) @definition.variable)
(class_parameter (identifier) @name) @definition.property
