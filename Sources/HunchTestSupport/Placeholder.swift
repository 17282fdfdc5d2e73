// Builds GGUF files in memory for tests.
enum HunchTestSupportPlaceholder {}
