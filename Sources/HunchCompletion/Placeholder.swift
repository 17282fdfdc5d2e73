// The completion engine: context, FIM prompt, completion shape, stop rules and clean-up.
enum HunchCompletionPlaceholder {}
