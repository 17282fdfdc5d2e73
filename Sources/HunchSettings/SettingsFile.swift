import Foundation

/// The user's settings file: `$HUNCH_CONFIG` when set, else `$XDG_CONFIG_HOME/hunch/config.toml`, else
/// `~/.config/hunch/config.toml`. A missing file is normal (no settings); an unreadable or invalid one is an error
/// that the caller reports — the server then runs on its defaults rather than refusing to start.
public enum SettingsFile {
  public static let environmentVariable = "HUNCH_CONFIG"
  /// Settings files are small; a larger file is a mistake (or an attack), not settings.
  public static let maximumBytes = 1 << 20

  /// Where the settings file is looked for, and whether the environment named it explicitly.
  public static func location(environment: [String: String] = ProcessInfo.processInfo.environment)
    -> (path: String, explicit: Bool)
  {
    if let path = environment[environmentVariable], !path.isEmpty { return (path, true) }
    let configHome =
      environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
      ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
    return (configHome + "/hunch/config.toml", false)
  }

  /// The settings in the file, and the issues with individual keys. nil settings when there is no file.
  /// Throws when the file exists (or was named by `HUNCH_CONFIG`) but cannot be read or parsed.
  public static func load(environment: [String: String] = ProcessInfo.processInfo.environment)
    throws(SettingsError) -> (settings: HunchSettings, issues: [SettingsIssue], path: String)?
  {
    let (path, explicit) = location(environment: environment)
    guard FileManager.default.fileExists(atPath: path) else {
      if explicit { throw SettingsError(.unreadable, "\(path) (named by \(environmentVariable)) does not exist") }
      return nil
    }
    let (settings, issues) = try load(path: path)
    return (settings, issues, path)
  }

  /// Reads and parses the file at `path`.
  public static func load(path: String) throws(SettingsError) -> (settings: HunchSettings, issues: [SettingsIssue]) {
    let text = try read(path)
    let table: [String: SettingValue]
    do {
      table = try TOMLParser.parse(text)
    } catch {
      throw SettingsError(.syntax, "\(path): \(error.description)")
    }
    var settings = HunchSettings()
    let issues = settings.apply(table, source: path)
    return (settings, issues)
  }

  private static func read(_ path: String) throws(SettingsError) -> String {
    let data: Data
    do {
      let attributes = try FileManager.default.attributesOfItem(atPath: path)
      if let size = attributes[.size] as? Int, size > maximumBytes {
        throw SettingsError(.unreadable, "\(path) is \(size) bytes; a settings file is at most 1 MB")
      }
      if let type = attributes[.type] as? FileAttributeType, type == .typeDirectory {
        throw SettingsError(.unreadable, "\(path) is a directory, not a settings file")
      }
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch let error as SettingsError {
      throw error
    } catch {
      throw SettingsError(.unreadable, "cannot read \(path)", cause: error.localizedDescription)
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw SettingsError(.unreadable, "\(path) is not UTF-8 text")
    }
    return text
  }
}
