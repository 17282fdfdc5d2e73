; Definitions in Ruby. `@definition.<kind>` marks the construct, `@name` its name.

(module name: [(constant) (scope_resolution name: (_))] @name) @definition.module
(class name: [(constant) (scope_resolution name: (_))] @name) @definition.class
(singleton_class value: (_) @name) @definition.class

(method name: (_) @name) @definition.method
(singleton_method name: (_) @name) @definition.method

(assignment left: (constant) @name) @definition.constant
