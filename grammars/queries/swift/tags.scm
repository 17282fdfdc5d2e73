; Definitions in Swift (py-tree-sitter-swift grammar). `@definition.<kind>` marks the construct, `@name` its name.
; When several patterns tag one node the earliest pattern wins, so specific patterns come first.

; Types: class, struct, enum, actor and extension are all class_declaration, told apart by the keyword.
(class_declaration declaration_kind: "class" name: (type_identifier) @name) @definition.class
(class_declaration declaration_kind: "struct" name: (type_identifier) @name) @definition.struct
(class_declaration declaration_kind: "enum" name: (type_identifier) @name) @definition.enum
(class_declaration declaration_kind: "actor" name: (type_identifier) @name) @definition.class
(class_declaration declaration_kind: "extension" name: (user_type (type_identifier) @name)) @definition.extension
(protocol_declaration name: (type_identifier) @name) @definition.interface
(typealias_declaration name: (type_identifier) @name) @definition.type

; Members.
(class_body (function_declaration name: (simple_identifier) @name) @definition.method)
(protocol_body (protocol_function_declaration name: (simple_identifier) @name) @definition.method)
(init_declaration "init" @name) @definition.constructor
(class_body (property_declaration name: (pattern bound_identifier: (simple_identifier) @name)) @definition.property)
(protocol_body (protocol_property_declaration name: (pattern bound_identifier: (simple_identifier) @name)) @definition.property)
(enum_entry name: (simple_identifier) @name) @definition.enum_case

; Free functions (top level or nested) and top-level constants and variables.
(function_declaration name: (simple_identifier) @name) @definition.function
(source_file (property_declaration name: (pattern bound_identifier: (simple_identifier) @name)) @definition.variable)
