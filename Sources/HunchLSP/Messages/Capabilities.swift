/// The parts of the client's capabilities the server reads; everything else is ignored when decoding.
public struct ClientCapabilities: Codable, Hashable, Sendable {
  public struct General: Codable, Hashable, Sendable {
    public var positionEncodings: [PositionEncodingKind]?
    public init(positionEncodings: [PositionEncodingKind]? = nil) { self.positionEncodings = positionEncodings }
  }

  public struct TextDocument: Codable, Hashable, Sendable {
    public struct Completion: Codable, Hashable, Sendable {
      public struct CompletionItem: Codable, Hashable, Sendable {
        public var snippetSupport: Bool?
        public init(snippetSupport: Bool? = nil) { self.snippetSupport = snippetSupport }
      }
      public var completionItem: CompletionItem?
      public init(completionItem: CompletionItem? = nil) { self.completionItem = completionItem }
    }
    public var completion: Completion?
    public init(completion: Completion? = nil) { self.completion = completion }
  }

  public struct Window: Codable, Hashable, Sendable {
    /// The client shows `$/progress` for tokens the server creates with `window/workDoneProgress/create`.
    public var workDoneProgress: Bool?
    public init(workDoneProgress: Bool? = nil) { self.workDoneProgress = workDoneProgress }
  }

  public var general: General?
  public var textDocument: TextDocument?
  public var window: Window?

  public init(general: General? = nil, textDocument: TextDocument? = nil, window: Window? = nil) {
    self.general = general
    self.textDocument = textDocument
    self.window = window
  }

  public var workDoneProgress: Bool { window?.workDoneProgress ?? false }

  public var snippetSupport: Bool { textDocument?.completion?.completionItem?.snippetSupport ?? false }
}

/// What the server tells the client it can do.
public struct ServerCapabilities: Codable, Hashable, Sendable {
  public struct TextDocumentSyncOptions: Codable, Hashable, Sendable {
    public struct SaveOptions: Codable, Hashable, Sendable {
      public var includeText: Bool
      public init(includeText: Bool) { self.includeText = includeText }
    }
    public var openClose: Bool
    /// 0 none, 1 full, 2 incremental.
    public var change: Int
    public var save: SaveOptions?
    public init(openClose: Bool, change: Int, save: SaveOptions?) {
      self.openClose = openClose
      self.change = change
      self.save = save
    }
  }

  public struct CompletionOptions: Codable, Hashable, Sendable {
    public var triggerCharacters: [String]
    public var resolveProvider: Bool
    public init(triggerCharacters: [String], resolveProvider: Bool) {
      self.triggerCharacters = triggerCharacters
      self.resolveProvider = resolveProvider
    }
  }

  public struct ExecuteCommandOptions: Codable, Hashable, Sendable {
    public var commands: [String]
    public init(commands: [String]) { self.commands = commands }
  }

  public var positionEncoding: PositionEncodingKind
  public var textDocumentSync: TextDocumentSyncOptions
  public var completionProvider: CompletionOptions
  public var inlineCompletionProvider: Bool
  public var executeCommandProvider: ExecuteCommandOptions

  public init(
    positionEncoding: PositionEncodingKind, textDocumentSync: TextDocumentSyncOptions,
    completionProvider: CompletionOptions, inlineCompletionProvider: Bool,
    executeCommandProvider: ExecuteCommandOptions
  ) {
    self.positionEncoding = positionEncoding
    self.textDocumentSync = textDocumentSync
    self.completionProvider = completionProvider
    self.inlineCompletionProvider = inlineCompletionProvider
    self.executeCommandProvider = executeCommandProvider
  }
}
