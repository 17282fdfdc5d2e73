; Definitions in Bash. `@definition.<kind>` marks the construct, `@name` its name.

(function_definition name: (word) @name) @definition.function
(program (variable_assignment name: (variable_name) @name) @definition.variable)
