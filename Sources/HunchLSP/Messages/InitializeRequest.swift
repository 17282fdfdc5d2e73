/// The first request of a session: the client says who it is and what it supports.
public struct InitializeRequest: RequestType, Hashable {
  public static let method = "initialize"
  public typealias Response = InitializeResult

  public struct ClientInfo: Codable, Hashable, Sendable {
    public var name: String
    public var version: String?
    public init(name: String, version: String? = nil) {
      self.name = name
      self.version = version
    }
  }

  /// The client's process; when it dies the server ends itself.
  public var processId: Int?
  public var clientInfo: ClientInfo?
  public var rootUri: DocumentURI?
  public var capabilities: ClientCapabilities
  public var initializationOptions: JSONValue?

  public init(
    processId: Int?, clientInfo: ClientInfo? = nil, rootUri: DocumentURI? = nil,
    capabilities: ClientCapabilities = ClientCapabilities(), initializationOptions: JSONValue? = nil
  ) {
    self.processId = processId
    self.clientInfo = clientInfo
    self.rootUri = rootUri
    self.capabilities = capabilities
    self.initializationOptions = initializationOptions
  }

  /// `capabilities` is required by the spec, but a client that leaves it out still gets a server with defaults.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    processId = try container.decodeIfPresent(Int.self, forKey: .processId)
    clientInfo = try container.decodeIfPresent(ClientInfo.self, forKey: .clientInfo)
    rootUri = try container.decodeIfPresent(DocumentURI.self, forKey: .rootUri)
    capabilities = try container.decodeIfPresent(ClientCapabilities.self, forKey: .capabilities) ?? ClientCapabilities()
    initializationOptions = try container.decodeIfPresent(JSONValue.self, forKey: .initializationOptions)
  }
}

public struct InitializeResult: Codable, Hashable, Sendable {
  public struct ServerInfo: Codable, Hashable, Sendable {
    public var name: String
    public var version: String?
    public init(name: String, version: String?) {
      self.name = name
      self.version = version
    }
  }

  public var capabilities: ServerCapabilities
  public var serverInfo: ServerInfo?

  public init(capabilities: ServerCapabilities, serverInfo: ServerInfo?) {
    self.capabilities = capabilities
    self.serverInfo = serverInfo
  }
}
